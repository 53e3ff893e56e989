"""user language: the language a signed-in user chose on the site (users.language)

Revision ID: b5c2e8a41d07
Revises: f41a8c2d6e90
Create Date: 2026-12-08 10:00:00.000000

Accounts stored before this revision have chosen none (NULL): their pages follow the browser's
Accept-Language until they pick English or Cymraeg with the switch.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5c2e8a41d07'
down_revision = 'f41a8c2d6e90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
