"""The one search interface and its two engines, chosen by configuration.

`engine(config)` gives the engine an application searches with: `SEARCH_ENGINE` is "whoosh",
"postgres", or empty for the default, which is PostgreSQL's own full-text search when the
database is PostgreSQL and the embedded Whoosh index otherwise. Every engine answers
`search(session, query, ...)` with the same Results, and says what keeping it up to date takes:
the Whoosh index applies the change log (`apply_changes`, by one writer per host) and can be
rebuilt (`rebuild`); PostgreSQL's is maintained in the row's own transaction (`live`), so both
are no-ops there and say so (`maintenance`).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from consult.config import ConfigError
from consult.i18n import N_
from moderation.db import DbSession

from . import postgres_engine, whoosh_engine
from .records import Results

ENGINES = ("whoosh", "postgres")
# Marked for translation (N_): the command line and the log show it in English, the
# administrators' page in the reader's language (consult/search/views.py).
LIVE_MESSAGE = N_("Search uses PostgreSQL's full-text search, which PostgreSQL keeps up to date in "
                  "the same transaction as every change: there is no index to apply changes to or "
                  "rebuild (SEARCH_ENGINE=%(engine)s).")


class SearchConfigError(ConfigError):
    """SEARCH_ENGINE names no engine, or one the database cannot run."""


def engine_name(config: Mapping) -> str:
    """The engine the configuration chooses: its SEARCH_ENGINE, else the database's own."""
    database = str(config.get("SQLALCHEMY_DATABASE_URI", ""))
    on_postgres = database.startswith("postgresql")
    chosen = (config.get("SEARCH_ENGINE") or "").strip().lower()
    if not chosen:
        return "postgres" if on_postgres else "whoosh"
    if chosen not in ENGINES:
        raise SearchConfigError(f"SEARCH_ENGINE must be one of {', '.join(ENGINES)} (or unset), "
                                f"not {chosen!r}. Refusing to start.")
    if chosen == "postgres" and not on_postgres:
        raise SearchConfigError("SEARCH_ENGINE=postgres needs the data in PostgreSQL (a postgresql:// "
                                "DATABASE_URL); with SQLite, search uses Whoosh. Refusing to start.")
    return chosen


@dataclass(frozen=True)
class WhooshSearch:
    """The embedded index in a folder of this host, kept by one writer from the change log."""

    index_dir: str
    name = "whoosh"
    live = False

    def search(self, session: DbSession, query: str, *, kinds: tuple[str, ...] = (),
               slugs: tuple[str, ...] | None = None, date_from: datetime | None = None,
               date_to: datetime | None = None, page: int = 1, pagelen: int = 20) -> Results:
        """Search this host's index (the session is not needed: the index holds all it shows)."""
        return whoosh_engine.search(self.index_dir, query, kinds=kinds, slugs=slugs, date_from=date_from,
                                    date_to=date_to, page=page, pagelen=pagelen)

    def apply_changes(self, session: DbSession) -> int:
        """Apply the change log to the index; how many entries were applied."""
        return whoosh_engine.apply_changes(self.index_dir, session)

    def rebuild(self, session: DbSession, progress: Callable[[int], None] | None = None) -> None:
        """Recreate the index from the database."""
        whoosh_engine.rebuild(self.index_dir, session, progress=progress)

    @property
    def maintenance(self) -> str:
        """What keeps this engine up to date, in words."""
        return f"the index in {self.index_dir}, applied from the change log"


@dataclass(frozen=True)
class PostgresSearch:
    """PostgreSQL's full-text search over the tables themselves."""

    name = "postgres"
    live = True

    def search(self, session: DbSession, query: str, *, kinds: tuple[str, ...] = (),
               slugs: tuple[str, ...] | None = None, date_from: datetime | None = None,
               date_to: datetime | None = None, page: int = 1, pagelen: int = 20) -> Results:
        """Search the database."""
        return postgres_engine.search(session, query, kinds=kinds, slugs=slugs, date_from=date_from,
                                      date_to=date_to, page=page, pagelen=pagelen)

    def apply_changes(self, session: DbSession) -> int:
        """Nothing to apply: PostgreSQL indexed every change as it committed."""
        return 0

    def rebuild(self, session: DbSession, progress: Callable[[int], None] | None = None) -> None:
        """Nothing to rebuild."""

    @property
    def maintenance(self) -> str:
        """What keeps this engine up to date, in words."""
        return LIVE_MESSAGE % {"engine": self.name}


SearchEngine = WhooshSearch | PostgresSearch


def engine(config: Mapping) -> SearchEngine:
    """The search engine an application with this configuration uses."""
    if engine_name(config) == "postgres":
        return PostgresSearch()
    return WhooshSearch(str(config["SEARCH_INDEX_DIR"]))


def init_app(app) -> None:
    """Check the choice of engine at start-up, and log changes only for an engine that reads
    the log (with PostgreSQL's own search, nothing is written to search_changes)."""
    from consult.extensions import db

    from .records import install_change_log, without_change_log

    install_change_log()
    if engine(app.config).live:
        with app.app_context():
            without_change_log(db.engine)
