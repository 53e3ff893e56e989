"""re-attachments can be undone: when, and by whom (the comments go back to their removed paragraph)

Revision ID: c4e8a2b6d0f1
Revises: b8e2c4f6a1d3
Create Date: 2026-12-07 18:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4e8a2b6d0f1'
down_revision = 'b8e2c4f6a1d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reattachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undone_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('undone_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_reattachments_undone_by_users', 'users', ['undone_by'], ['id'])


def downgrade():
    with op.batch_alter_table('reattachments', schema=None) as batch_op:
        batch_op.drop_constraint('fk_reattachments_undone_by_users', type_='foreignkey')
        batch_op.drop_column('undone_by')
        batch_op.drop_column('undone_at')
