"""campaign groups of near-identical texts

Every text print gets the group of near-identical texts it belongs to (existing prints: their
own exact-text group, as before) and a MinHash sketch whose bands are indexed for lookup.

Revision ID: c883f44b4cd9
Revises: 3b75453304f2
Create Date: 2026-11-21 17:48:35.583124

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c883f44b4cd9'
down_revision = '3b75453304f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('moderation_text_bands',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_moderation_text_bands_comment_id_comments')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_moderation_text_bands_consultation_id_consultations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_text_bands'))
    )
    with op.batch_alter_table('moderation_text_bands', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_text_bands_lookup', ['consultation_id', 'band'], unique=False)

    with op.batch_alter_table('moderation_text_prints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_key', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('sketch', sa.JSON(), nullable=True))
    # Prints taken before this revision keep grouping by exact text, as they did.
    op.execute("UPDATE moderation_text_prints SET group_key = text_hash")
    with op.batch_alter_table('moderation_text_prints', schema=None) as batch_op:
        batch_op.alter_column('group_key', existing_type=sa.String(length=40), nullable=False)
        batch_op.create_index('ix_moderation_text_prints_group', ['consultation_id', 'group_key'], unique=False)


def downgrade():
    with op.batch_alter_table('moderation_text_prints', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_text_prints_group')
        batch_op.drop_column('sketch')
        batch_op.drop_column('group_key')

    with op.batch_alter_table('moderation_text_bands', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_text_bands_lookup')

    op.drop_table('moderation_text_bands')
