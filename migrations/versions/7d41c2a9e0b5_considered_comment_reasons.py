"""considered comments: the reason chosen from a short list

A comment read and counted under no theme now records why from a short list (off topic,
duplicate, no view expressed, another reason), beside the official's note; the public response
groups them by it. Comments marked before this revision had only a note, written for officials
before it was published: they get the reason "earlier", whose note the public pages never show.

Revision ID: 7d41c2a9e0b5
Revises: 5e1f0a2b7c3d
Create Date: 2026-11-22 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d41c2a9e0b5'
down_revision = '5e1f0a2b7c3d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments_considered', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=20), server_default='other',
                                      nullable=False))
    op.execute("UPDATE comments_considered SET reason = 'earlier'")


def downgrade():
    with op.batch_alter_table('comments_considered', schema=None) as batch_op:
        batch_op.drop_column('reason')
