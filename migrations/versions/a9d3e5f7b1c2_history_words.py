"""history words: each consultation_events row may keep its detail's words (messages and their
values, consult/consultations/history_words.py), so that the history is read in each reader's
language; the English detail stays as it was, and older rows (no words) are shown from it

Revision ID: a9d3e5f7b1c2
Revises: b7f2d4e6a8c1
Create Date: 2026-12-06 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9d3e5f7b1c2'
down_revision = 'b7f2d4e6a8c1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultation_events') as batch_op:
        batch_op.add_column(sa.Column('words', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('consultation_events') as batch_op:
        batch_op.drop_column('words')
