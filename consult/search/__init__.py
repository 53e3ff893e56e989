"""Full-text search of what the public may see, behind one interface.

The index is derived data. Every change that matters to search appends a row to the
search_changes log in the same transaction (`install_change_log`); a single writer per index
applies the log outside requests (`apply_changes`, run by `follow`), and `rebuild` recreates the
index from the database at any time; a missing or corrupt index is rebuilt rather than failing.

records.py: the change log, what is indexed from the database, query checks, errors and
results (no whoosh). whoosh_engine.py: the only module that imports whoosh (schema, index,
writer, searcher). worker.py: the follow loop and the background thread.
"""
from .records import KINDS, MAX_QUERY, Hit, Results, SearchError, SearchUnavailable, install_change_log
from .whoosh_engine import SCHEMA, SCHEMA_FILE, SCHEMA_VERSION, apply_changes, rebuild, search
from .worker import follow, start_background_indexer

__all__ = [
    "KINDS", "MAX_QUERY", "SCHEMA", "SCHEMA_FILE", "SCHEMA_VERSION", "Hit", "Results", "SearchError",
    "SearchUnavailable", "apply_changes", "follow", "install_change_log", "rebuild", "search",
    "start_background_indexer",
]
