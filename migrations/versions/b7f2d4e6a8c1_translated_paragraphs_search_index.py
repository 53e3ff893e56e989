"""full-text search over the paragraphs' texts in other languages: a GIN index over each
paragraph_texts row's tsvector, made with its language's configuration (English stemming for
English, 'simple', words as written, for any other language) by an immutable function of the
row's language and text, as consult/search/postgres_engine.py makes them

Revision ID: b7f2d4e6a8c1
Revises: c3e8f1a2b4d6
Create Date: 2026-12-04 10:00:00.000000

PostgreSQL only: on SQLite search is Whoosh's index folder, which indexes the same texts from
the change log (an index made by older code is rebuilt once).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7f2d4e6a8c1'
down_revision = 'c3e8f1a2b4d6'
branch_labels = None
depends_on = None

# The configuration is chosen between two regconfig constants: a cast of text to regconfig is
# not immutable, and an index expression must be.
FUNCTION = """CREATE OR REPLACE FUNCTION paragraph_text_vector(language varchar, body text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector(CASE WHEN split_part(language, '-', 1) = 'en' THEN 'english'::regconfig
                            ELSE 'simple'::regconfig END, body)
$$"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)
        op.execute("CREATE INDEX IF NOT EXISTS ix_paragraph_texts_search ON paragraph_texts "
                   "USING gin (paragraph_text_vector(language, text))")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_paragraph_texts_search")
        op.execute("DROP FUNCTION IF EXISTS paragraph_text_vector(varchar, text)")
