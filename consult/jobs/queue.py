"""The job queue, on Huey (and redis-py, its Redis client): the one module that imports them.

Huey was chosen over RQ, Celery and Dramatiq because it is the one well-kept queue with an
embedded storage: a SQLite file (no extra service on a laptop or a single host), and Redis when
REDIS_URL is set (any number of web hosts and workers share it), with the same task code. RQ
needs Redis everywhere; Celery and Dramatiq need a broker service and bring far more than this
needs. The queue only carries ids: what a job does and how far it got lives in the database
(consult.jobs.service), so the queue can be restarted or lost without losing work.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey, TaskWrapper
from redis import ConnectionPool, Redis

log = logging.getLogger(__name__)

# The queue's tasks: each takes plain values and is run inside the application (see register).
TASKS = ("deliver_mail", "run_job", "sweep")


def make_huey(config) -> Huey:
    """A Huey on Redis when REDIS_URL is set, else on the SQLite file QUEUE_FILE."""
    name = config.get("QUEUE_NAME") or "consult"
    if config.get("REDIS_URL"):
        # health_check_interval: a connection idle since Redis restarted is noticed and remade;
        # the time-outs keep a web request from hanging on a Redis that does not answer.
        pool = ConnectionPool.from_url(config["REDIS_URL"], health_check_interval=30,
                                       socket_connect_timeout=2, socket_timeout=10)
        return RedisHuey(name, connection_pool=pool, results=False)
    return SqliteHuey(name, filename=config["QUEUE_FILE"], results=False, timeout=10)


class RedisSentMarks:
    """The mail the server accepted, one Redis set shared by every worker on every host
    (consult.notifications.SentMarks)."""

    def __init__(self, huey: RedisHuey):
        self.redis: Redis = huey.storage.conn
        self.key = f"{huey.name}:mail-sent"

    def add(self, note_id: int) -> None:
        self.redis.sadd(self.key, note_id)

    def among(self, note_ids: list[int]) -> set[int]:
        found = list(self.redis.smismember(self.key, note_ids)) if note_ids else []  # type: ignore[arg-type]
        return {note_id for note_id, there in zip(note_ids, found, strict=True) if there}

    def forget(self, note_ids: list[int]) -> None:
        if note_ids:
            self.redis.srem(self.key, *note_ids)


class SqliteSentMarks:
    """The mail the server accepted, a table in the queue's SQLite file: each mark is committed
    there (kept if the worker is killed) without the database's write lock."""

    def __init__(self, filename: str):
        self.filename = filename
        self.local = threading.local()  # a connection per worker thread

    def _db(self) -> sqlite3.Connection:
        db = getattr(self.local, "db", None)
        if db is None:
            db = sqlite3.connect(self.filename, timeout=10, isolation_level=None)
            db.execute("pragma journal_mode=wal")
            db.execute("pragma synchronous=normal")  # a commit survives the process, as Huey's do
            db.execute("create table if not exists consult_mail_sent (id integer primary key)")
            self.local.db = db
        return db

    def add(self, note_id: int) -> None:
        self._db().execute("insert or ignore into consult_mail_sent (id) values (?)", (note_id,))

    def among(self, note_ids: list[int]) -> set[int]:
        return {row[0] for chunk in _chunks(note_ids) for row in self._db().execute(
            f"select id from consult_mail_sent where id in ({','.join('?' * len(chunk))})", chunk)}

    def forget(self, note_ids: list[int]) -> None:
        for chunk in _chunks(note_ids):
            self._db().execute(f"delete from consult_mail_sent where id in ({','.join('?' * len(chunk))})", chunk)


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def sent_marks(huey: Huey, config) -> RedisSentMarks | SqliteSentMarks:
    """Where the workers of this queue mark each message the mail server accepted."""
    if isinstance(huey, RedisHuey):
        return RedisSentMarks(huey)
    return SqliteSentMarks(config["QUEUE_FILE"])


def register(huey: Huey, run: Callable[[str, tuple], None]) -> dict[str, TaskWrapper]:
    """Declare the tasks on this Huey; each calls run(name, args) (the app runs them)."""
    tasks: dict[str, TaskWrapper] = {}
    for name in TASKS[:2]:
        tasks[name] = huey.task(name=name)(_runner(run, name))
    # Every minute on every worker: whatever the queue lost (a failed enqueue, a killed worker)
    # is put back, and due mail is sent. Two workers sweeping at once is harmless.
    tasks["sweep"] = huey.periodic_task(crontab(minute="*"), name="sweep")(_runner(run, "sweep"))
    return tasks


def _runner(run: Callable[[str, tuple], None], name: str) -> Callable[..., None]:
    def task(*args) -> None:
        run(name, args)

    task.__name__ = name
    return task


def put(task: TaskWrapper, *args) -> bool:
    """Put a task on the queue; False (logged) when the queue cannot be reached right now.

    Nothing is lost then: the work is recorded in the database, and the next sweep of any
    worker finds it.
    """
    try:
        task(*args)
    except Exception as exc:  # noqa: BLE001 - Redis down, SQLite queue file locked: never the page's problem
        log.warning("could not put %s on the queue (%s); the next sweep will", task.name, exc)
        return False
    return True


def run_consumer(huey: Huey, workers: int) -> None:
    """Run a worker in this process until SIGINT/SIGTERM (`consult worker`)."""
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                    initial_delay=0.05, backoff=1.5, max_delay=1.0,
                                    check_worker_health=True)
    consumer.run()


def drain(huey: Huey, limit: int = 100_000) -> int:
    """Run, in this thread, every task waiting on the queue and those they add; how many ran."""
    ran = 0
    while ran < limit and (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def waiting(huey: Huey) -> int:
    """How many tasks are on the queue."""
    return huey.pending_count()
