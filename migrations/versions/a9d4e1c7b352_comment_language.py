"""comment language: the language each comment is written in (comments.language)

Revision ID: a9d4e1c7b352
Revises: b5c2e8a41d07
Create Date: 2026-12-09 10:00:00.000000

Comments stored before this revision have no language recorded (NULL: not known). Search
indexes them as English, as it always did; on PostgreSQL the comment_search trigger now chooses
the text search configuration by the comment's language ('english' for en and unknown,
'simple', without stemming, for any other) and runs again when the language changes. No
existing vector changes: every existing comment's language is NULL.

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a9d4e1c7b352'
down_revision = 'b5c2e8a41d07'
branch_labels = None
depends_on = None

# As consult/search/postgres_engine.py's COMMENT_CONFIG: English (and not known) stemmed, others not.
CONFIG = ("(CASE WHEN coalesce(split_part(NEW.language, '-', 1), 'en') = 'en' "
          "THEN 'english' ELSE 'simple' END)::regconfig")


def _function(config: str) -> str:
    return f"""CREATE OR REPLACE FUNCTION comment_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO comment_search (comment_id, vector) VALUES (NEW.id, to_tsvector({config}, NEW.body))
    ON CONFLICT (comment_id) DO UPDATE SET vector = EXCLUDED.vector;
    RETURN NULL;
END $$"""


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_function(CONFIG))
        op.execute("DROP TRIGGER IF EXISTS comment_search_vector ON comments")
        op.execute("CREATE TRIGGER comment_search_vector AFTER INSERT OR UPDATE OF body, language ON comments "
                   "FOR EACH ROW EXECUTE FUNCTION comment_search_vector()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_function("'english'::regconfig"))
        op.execute("DROP TRIGGER IF EXISTS comment_search_vector ON comments")
        op.execute("CREATE TRIGGER comment_search_vector AFTER INSERT OR UPDATE OF body ON comments "
                   "FOR EACH ROW EXECUTE FUNCTION comment_search_vector()")
        op.execute("UPDATE comment_search SET vector = to_tsvector('english'::regconfig, c.body) "
                   "FROM comments c WHERE c.id = comment_search.comment_id AND c.language IS NOT NULL "
                   "AND c.language <> 'en'")
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('language')
