"""re-attached comments and split paragraphs: an official may move a removed paragraph's
comments to a paragraph of a later version (reattachments, with the comments each moved in
reattached_comments); a new paragraph split off an old one names it (paragraphs.split_from)

Revision ID: 9a3c1f20f070
Revises: 132f748069f9
Create Date: 2026-12-03 11:00:00.000000

Paragraphs stored before this revision name no paragraph they were split from.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9a3c1f20f070'
down_revision = '132f748069f9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('paragraphs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('split_from', sa.String(length=100), nullable=True))

    op.create_table('reattachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('from_anchor', sa.String(length=100), nullable=False),
    sa.Column('from_version_id', sa.Integer(), nullable=False),
    sa.Column('from_version', sa.Integer(), nullable=False),
    sa.Column('from_number', sa.String(length=40), nullable=False),
    sa.Column('to_anchor', sa.String(length=100), nullable=False),
    sa.Column('to_version_id', sa.Integer(), nullable=False),
    sa.Column('to_version', sa.Integer(), nullable=False),
    sa.Column('to_number', sa.String(length=40), nullable=False),
    sa.Column('comments', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_reattachments_actor_id_users')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_reattachments_consultation_id_consultations')),
    sa.ForeignKeyConstraint(['from_version_id'], ['document_versions.id'], name=op.f('fk_reattachments_from_version_id_document_versions')),
    sa.ForeignKeyConstraint(['to_version_id'], ['document_versions.id'], name=op.f('fk_reattachments_to_version_id_document_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reattachments'))
    )
    with op.batch_alter_table('reattachments', schema=None) as batch_op:
        batch_op.create_index('ix_reattachments_consultation', ['consultation_id', 'id'], unique=False)

    op.create_table('reattached_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reattachment_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_reattached_comments_comment_id_comments')),
    sa.ForeignKeyConstraint(['reattachment_id'], ['reattachments.id'], name=op.f('fk_reattached_comments_reattachment_id_reattachments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reattached_comments'))
    )
    with op.batch_alter_table('reattached_comments', schema=None) as batch_op:
        batch_op.create_index('ix_reattached_comments_comment', ['comment_id', 'reattachment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reattached_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_reattached_comments_comment')
    op.drop_table('reattached_comments')
    with op.batch_alter_table('reattachments', schema=None) as batch_op:
        batch_op.drop_index('ix_reattachments_consultation')
    op.drop_table('reattachments')
    with op.batch_alter_table('paragraphs', schema=None) as batch_op:
        batch_op.drop_column('split_from')
