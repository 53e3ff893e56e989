"""a lifted measure keeps why it was lifted (the user is told)

Revision ID: d5a7c9e1f3b2
Revises: c4e8a2b6d0f1
Create Date: 2026-12-07 23:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd5a7c9e1f3b2'
down_revision = 'c4e8a2b6d0f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('moderation_sanctions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoke_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('moderation_sanctions', schema=None) as batch_op:
        batch_op.drop_column('revoke_reason')
