"""site pages: an administrator's Markdown for the privacy notice, the accessibility statement
and the contact page (consult/site_pages.py); a page without a row shows its default text

Revision ID: f41a8c2d6e90
Revises: e7a3c5d91b20
Create Date: 2026-12-03 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f41a8c2d6e90'
down_revision = 'e7a3c5d91b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_pages',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_site_pages_updated_by_users')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_site_pages'))
    )


def downgrade():
    op.drop_table('site_pages')
