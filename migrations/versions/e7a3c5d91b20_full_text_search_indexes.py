"""full-text search in PostgreSQL, maintained in the same transaction as the row
(consult/search/postgres_engine.py makes the same objects): comment_search holds each comment's
tsvector, written by a trigger on comments, with a GIN index; paragraphs, consultations and
themes get a GIN index over the tsvector expression of their text

Revision ID: e7a3c5d91b20
Revises: d2b714ed41c6
Create Date: 2026-12-03 12:00:00.000000

On SQLite only the (empty, unused) comment_search table is made, so that the schema is the
same: search there is Whoosh's index folder. On PostgreSQL the upgrade computes every existing
comment's vector once (about 5 s per 100,000 comments on the bench machine) and builds the
indexes; writes to comments wait meanwhile.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'e7a3c5d91b20'
down_revision = 'd2b714ed41c6'
branch_labels = None
depends_on = None

INDEXES = {
    "ix_paragraphs_search": ("paragraphs", "to_tsvector('english'::regconfig, text)"),
    "ix_consultations_search": (
        "consultations",
        "(setweight(to_tsvector('english'::regconfig, title), 'A'::\"char\") || "
        "to_tsvector('english'::regconfig, summary || ' ' || scope_about))"),
    "ix_themes_search": (
        "themes",
        "(setweight(to_tsvector('english'::regconfig, title), 'A'::\"char\") || "
        "to_tsvector('english'::regconfig, title || ' ' || said || ' ' || reasons))"),
}


TRIGGER_FUNCTION = """CREATE OR REPLACE FUNCTION comment_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO comment_search (comment_id, vector) VALUES (NEW.id, to_tsvector('english'::regconfig, NEW.body))
    ON CONFLICT (comment_id) DO UPDATE SET vector = EXCLUDED.vector;
    RETURN NULL;
END $$"""


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        'comment_search',
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.Column('vector', postgresql.TSVECTOR() if postgres else sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_search_comment_id_comments'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('comment_id', name=op.f('pk_comment_search')))
    if not postgres:
        op.create_index('ix_comment_search_vector', 'comment_search', ['vector'])
        return
    op.execute(TRIGGER_FUNCTION)
    op.execute("CREATE TRIGGER comment_search_vector AFTER INSERT OR UPDATE OF body ON comments "
               "FOR EACH ROW EXECUTE FUNCTION comment_search_vector()")
    op.execute("INSERT INTO comment_search (comment_id, vector) "
               "SELECT id, to_tsvector('english'::regconfig, body) FROM comments ORDER BY id")  # appended in key order
    op.create_index('ix_comment_search_vector', 'comment_search', ['vector'], postgresql_using='gin')
    for name, (table, expression) in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute("DROP TRIGGER IF EXISTS comment_search_vector ON comments")
        op.execute("DROP FUNCTION IF EXISTS comment_search_vector()")
    op.drop_index('ix_comment_search_vector', table_name='comment_search')
    op.drop_table('comment_search')
