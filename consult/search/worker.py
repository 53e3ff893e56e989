"""Keeping an index up to date outside requests: the `consult index --follow` loop and the
in-process thread `make run` uses."""
from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session

from .whoosh_engine import apply_changes

log = logging.getLogger(__name__)


def follow(index_dir: str, session_factory, interval: float = 2.0, stop: threading.Event | None = None) -> None:
    """Keep applying the change log until stopped (the `consult index --follow` worker)."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            with session_factory() as session:
                applied = apply_changes(index_dir, session)
        except Exception:  # noqa: BLE001 - the worker must survive a bad moment and retry
            log.exception("applying search changes failed; retrying")
            applied = 0
        if not applied:
            stop.wait(interval)


def start_background_indexer(app) -> threading.Thread | None:
    """For `make run`: a daemon thread that follows the change log in this process (none when
    the engine is PostgreSQL's, which needs no follower)."""
    from consult.extensions import db

    from .engines import engine

    if engine(app.config).live:
        log.info("search: no background indexer needed (%s)", engine(app.config).maintenance)
        return None

    stop = threading.Event()

    def run():
        with app.app_context():
            follow(app.config["SEARCH_INDEX_DIR"], lambda: Session(db.engine), stop=stop)

    thread = threading.Thread(target=run, name="search-indexer", daemon=True)
    thread.start()
    app.extensions["search_indexer_stop"] = stop
    return thread
