"""consultation languages: a consultation's languages, and each version's, paragraph's,
response's and theme's text in a language other than the main text's

Revision ID: c3e8f1a2b4d6
Revises: a9d4e1c7b352
Create Date: 2026-12-03 17:00:00.000000

Consultations stored before this revision have no rows: they are in English only, as before.

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3e8f1a2b4d6'
down_revision = 'a9d4e1c7b352'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'consultation_languages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=8), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                                name=op.f('fk_consultation_languages_consultation_id_consultations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_languages')),
        sa.UniqueConstraint('consultation_id', 'code', name=op.f('uq_consultation_languages_consultation_id')),
    )
    op.create_index(op.f('ix_consultation_languages_consultation_id'), 'consultation_languages',
                    ['consultation_id'], unique=False)
    op.create_table(
        'version_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['version_id'], ['document_versions.id'],
                                name=op.f('fk_version_texts_version_id_document_versions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_version_texts')),
        sa.UniqueConstraint('version_id', 'language', name=op.f('uq_version_texts_version_id')),
    )
    op.create_index(op.f('ix_version_texts_version_id'), 'version_texts', ['version_id'], unique=False)
    op.create_table(
        'paragraph_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('paragraph_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('html', sa.Text(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['paragraph_id'], ['paragraphs.id'],
                                name=op.f('fk_paragraph_texts_paragraph_id_paragraphs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_paragraph_texts')),
        sa.UniqueConstraint('paragraph_id', 'language', name=op.f('uq_paragraph_texts_paragraph_id')),
    )
    op.create_index(op.f('ix_paragraph_texts_paragraph_id'), 'paragraph_texts', ['paragraph_id'], unique=False)
    op.create_table(
        'response_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('next_steps', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                                name=op.f('fk_response_texts_consultation_id_consultations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_response_texts')),
        sa.UniqueConstraint('consultation_id', 'language', name=op.f('uq_response_texts_consultation_id')),
    )
    op.create_index(op.f('ix_response_texts_consultation_id'), 'response_texts', ['consultation_id'], unique=False)
    op.create_table(
        'theme_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('said', sa.Text(), nullable=False),
        sa.Column('reasons', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_theme_texts_theme_id_themes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_texts')),
        sa.UniqueConstraint('theme_id', 'language', name=op.f('uq_theme_texts_theme_id')),
    )
    op.create_index(op.f('ix_theme_texts_theme_id'), 'theme_texts', ['theme_id'], unique=False)


def downgrade():
    for table, column in (('theme_texts', 'theme_id'), ('response_texts', 'consultation_id'),
                          ('paragraph_texts', 'paragraph_id'), ('version_texts', 'version_id'),
                          ('consultation_languages', 'consultation_id')):
        op.drop_index(op.f(f'ix_{table}_{column}'), table_name=table)
        op.drop_table(table)
