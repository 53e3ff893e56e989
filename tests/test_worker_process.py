"""`consult worker` as a real process: it delivers what the queue holds, and a worker killed in
the middle of a batch leaves nothing the mail server accepted to be sent again."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support.server import REPO, consult_env

from consult.extensions import db
from consult.jobs import jobs_of
from consult.models import Notification, User
from consult.notifications import notify

pytestmark = pytest.mark.slow

SITE = "https://consult.example.gov"


def _worker(app, sink, tmp_path: Path) -> subprocess.Popen:
    queue = {name: app.config[name] for name in ("QUEUE_FILE", "REDIS_URL", "QUEUE_NAME")}
    env = consult_env(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "worker-instance",
                      **queue, MAIL_SERVER=sink.host, MAIL_PORT=str(sink.port),
                      MAIL_FROM="consult@example.gov", SITE_URL=SITE, MAIL_CLAIM_SECONDS="2")
    consult = Path(sys.executable).parent / "consult"
    return subprocess.Popen([str(consult), "worker", "--threads", "1"], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=20)


def _notifications(app, count: int) -> None:
    with app.app_context():
        users = [User(email=f"p{i}@example.org", password_hash="x", display_name=f"P{i}") for i in range(count)]
        db.session.add_all(users)
        db.session.flush()
        for user in users:
            notify(db.session, user.id, "response", "The response is published", "Read it: /c/roads/response")
        db.session.commit()  # puts one mail job on the queue file


def _mailed(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.mailed_at.is_not(None))) or 0


def test_a_worker_delivers_what_the_queue_holds(queued_app, smtp_server, tmp_path):
    app = queued_app
    _notifications(app, 12)
    worker = _worker(app, smtp_server, tmp_path)
    try:
        assert smtp_server.wait_for(12), worker.stdout.read1().decode() if worker.stdout else ""
        # The database learns of a batch's deliveries just after its last message is accepted:
        # wait for that (SIGTERM stops a worker at once, before it could record them; the
        # queue's marks still keep them from being sent again: the killed-worker test).
        deadline = time.monotonic() + 20
        while _mailed(app) < 12 and time.monotonic() < deadline:
            time.sleep(0.05)
        mailed = _mailed(app)
    finally:
        _stop(worker)
    assert b"Consult worker: 1 thread(s)" in worker.stdout.read()
    assert mailed == 12
    assert all(f"{SITE}/c/roads/response" in m.get_content() for m in smtp_server.messages)


def test_a_worker_killed_mid_batch_sends_nothing_twice(queued_app, smtp_server, tmp_path):
    app = queued_app
    _notifications(app, 30)
    smtp_server.hold_message = 10  # the server holds the 10th message before answering
    first = _worker(app, smtp_server, tmp_path)
    try:
        assert smtp_server.holding.wait(30), "the worker never reached the 10th message"
        os.killpg(first.pid, signal.SIGKILL)  # killed while waiting for the server's answer
        first.wait(timeout=10)
    finally:
        _stop(first, signal.SIGKILL)
    smtp_server.release.set()  # the server gives up on the dead connection: not accepted
    # Each was marked before the next: in the queue's storage, which the database may lag.
    assert len(smtp_server.messages) == 9
    with app.app_context():
        ids = list(db.session.scalars(select(Notification.id)))
        marked = jobs_of(app).marks.among(ids) | set(db.session.scalars(
            select(Notification.id).where(Notification.mailed_at.is_not(None))))
    assert len(marked) == 9

    second = _worker(app, smtp_server, tmp_path)
    try:
        time.sleep(2.5)  # the killed worker's claim on the rest of its batch runs out
        jobs_of(app).deliver_mail()  # as the minute sweep would
        assert smtp_server.wait_for(30), f"only {len(smtp_server.messages)} arrived"
        # The database learns of a batch's marks when the batch ends (or each second): the 30th
        # message can reach the server before the worker has recorded it, on a busy machine.
        deadline = time.monotonic() + 20
        while _mailed(app) < 30 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        _stop(second)
    assert len(smtp_server.messages) == 30
    assert len(set(smtp_server.message_ids)) == 30  # nobody got a message twice
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(f"p{i}@example.org" for i in range(30))
    assert _mailed(app) == 30
