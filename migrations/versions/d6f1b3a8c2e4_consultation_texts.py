"""consultation texts: a consultation's summary, department and scope statement in each
language other than its main text's, so that a Welsh reader reads why they are asked and what
is open for debate in Welsh

Revision ID: d6f1b3a8c2e4
Revises: a9d3e5f7b1c2
Create Date: 2026-12-07 10:00:00.000000

Consultations stored before this revision have no rows: their texts are read in the main
language, as before.

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd6f1b3a8c2e4'
down_revision = 'a9d3e5f7b1c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'consultation_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('department', sa.String(length=200), nullable=False),
        sa.Column('scope_about', sa.Text(), nullable=False),
        sa.Column('scope_open', sa.Text(), nullable=False),
        sa.Column('scope_closed', sa.Text(), nullable=False),
        sa.Column('scope_outcome', sa.Text(), nullable=False),
        sa.Column('response_expected', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                                name=op.f('fk_consultation_texts_consultation_id_consultations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_texts')),
        sa.UniqueConstraint('consultation_id', 'language', name=op.f('uq_consultation_texts_consultation_id')),
    )
    op.create_index(op.f('ix_consultation_texts_consultation_id'), 'consultation_texts',
                    ['consultation_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_consultation_texts_consultation_id'), table_name='consultation_texts')
    op.drop_table('consultation_texts')
