"""Full-text search of what the public may see: one interface, two engines.

`engine(config)` is the engine an application searches with (engines.py): the embedded Whoosh
index beside SQLite, PostgreSQL's own full-text search when the data is in PostgreSQL
(`SEARCH_ENGINE` chooses otherwise). Both answer `search(session, query, ...)` with the same
Results under the same rules: only what the public may see, the same syntax and messages.

Whoosh's index is derived data: every change that matters to search appends a row to the
search_changes log in the same transaction (`install_change_log`); a single writer per index
applies the log outside requests (`apply_changes`, run by `follow`), and `rebuild` recreates the
index from the database at any time. PostgreSQL's GIN indexes are maintained in the row's own
transaction: no log, no follower, no rebuild.

records.py: the change log, what is indexed, query checks, errors and results. query.py: the
search syntax as a tree. whoosh_engine.py: the only module that imports whoosh.
postgres_engine.py: the tsquery, the GIN indexes and the SQL; compiled.py: its statements,
compiled once. worker.py: the follow loop and the background thread. `search`, `apply_changes`
and `rebuild` here are the Whoosh engine's own, on an index folder (for tests and benchmarks that drive one).
"""
from .engines import (
    ENGINES,
    PostgresSearch,
    SearchConfigError,
    SearchEngine,
    WhooshSearch,
    engine,
    engine_name,
    init_app,
)
from .records import KINDS, MAX_PAGE, MAX_QUERY, Hit, Results, SearchError, SearchUnavailable, install_change_log
from .whoosh_engine import SCHEMA, SCHEMA_FILE, SCHEMA_VERSION, apply_changes, rebuild, search
from .worker import follow, start_background_indexer

__all__ = [
    "ENGINES", "KINDS", "MAX_PAGE", "MAX_QUERY", "SCHEMA", "SCHEMA_FILE", "SCHEMA_VERSION", "Hit", "PostgresSearch",
    "Results",
    "SearchConfigError", "SearchEngine", "SearchError", "SearchUnavailable", "WhooshSearch", "apply_changes",
    "engine", "engine_name", "follow", "init_app", "install_change_log", "rebuild", "search",
    "start_background_indexer",
]
