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
from collections.abc import Callable

from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey, TaskWrapper
from redis import ConnectionPool

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
