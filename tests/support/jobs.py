"""Running the app's queued background jobs inside a test, against the queue's real storage."""
from __future__ import annotations


def run_jobs(app) -> int:
    """Run every job waiting in the app's queue (and those they enqueue); how many ran."""
    runner = app.extensions.get("consult.run_jobs")
    return runner() if runner else 0
