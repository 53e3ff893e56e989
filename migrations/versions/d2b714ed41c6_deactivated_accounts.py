"""deactivated accounts: an administrator may deactivate an account (users.deactivated_at);
it can no longer sign in, and its comments stay

Revision ID: d2b714ed41c6
Revises: 9a3c1f20f070
Create Date: 2026-12-04 10:00:00.000000

Accounts stored before this revision are all active.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2b714ed41c6'
down_revision = '9a3c1f20f070'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')
