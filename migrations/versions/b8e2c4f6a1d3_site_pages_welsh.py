"""site pages in Welsh: a Welsh text beside the English one (body_cy), and an English text that
may be the default (body NULL) while the Welsh text is the administrator's own

Revision ID: b8e2c4f6a1d3
Revises: d6f1b3a8c2e4
Create Date: 2026-12-07 15:00:00.000000

Rows saved before this revision are the English text, with no Welsh text of their own.

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b8e2c4f6a1d3'
down_revision = 'd6f1b3a8c2e4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site_pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_cy', sa.Text(), nullable=True))
        batch_op.alter_column('body', existing_type=sa.Text(), nullable=True)


def downgrade():
    # A page with only a Welsh text of its own goes back to the default; the Welsh texts go.
    op.execute("DELETE FROM site_pages WHERE body IS NULL")
    with op.batch_alter_table('site_pages', schema=None) as batch_op:
        batch_op.alter_column('body', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('body_cy')
