"""house rules versions keep their text in other languages (the same rules, the same anchors)

Revision ID: e2b4d6f8a0c1
Revises: d5a7c9e1f3b2
Create Date: 2026-12-08 00:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e2b4d6f8a0c1'
down_revision = 'd5a7c9e1f3b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('house_rules_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('house_rules_versions', schema=None) as batch_op:
        batch_op.drop_column('translations')
