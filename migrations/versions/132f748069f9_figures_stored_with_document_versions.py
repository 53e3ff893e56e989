"""figures stored with document versions: image bytes once per SHA-256 (media_files), and
which images each version shows under which path (version_media)

Revision ID: 132f748069f9
Revises: 63ac25dc5046
Create Date: 2026-12-03 08:14:03.776869

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '132f748069f9'
down_revision = '63ac25dc5046'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('media_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_media_files'))
    )
    op.create_table('version_media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('alt', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['media_files.sha256'], name=op.f('fk_version_media_sha256_media_files')),
    sa.ForeignKeyConstraint(['version_id'], ['document_versions.id'], name=op.f('fk_version_media_version_id_document_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_media')),
    sa.UniqueConstraint('version_id', 'path', name=op.f('uq_version_media_version_id'))
    )
    with op.batch_alter_table('version_media', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_media_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_version_media_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('version_media', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_media_version_id'))
        batch_op.drop_index(batch_op.f('ix_version_media_sha256'))

    op.drop_table('version_media')
    op.drop_table('media_files')
