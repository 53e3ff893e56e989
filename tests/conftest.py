"""Shared fixtures: an app on a fresh database per test, on SQLite and (in CI) PostgreSQL."""
from __future__ import annotations

import gc
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = REPO / "demo" / "corpus"

# The suggestion algorithms (numpy/scipy/scikit-learn) run one maths thread per test process:
# pytest-xdist already runs a process per core, and more threads only fight over them.
for _threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
RUN_POSTGRES = IN_CI or bool(os.environ.get("TEST_DATABASE_URL"))


def _pg_url(dbname: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{dbname}".replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def postgres_database():
    """A throwaway PostgreSQL database for this test run, dropped at the end."""
    import psycopg

    name = f"consult_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"CI needs PostgreSQL at {PG_ADMIN_URL}: {exc}")
        pytest.skip(f"no PostgreSQL at {PG_ADMIN_URL}")
    admin.execute(f'CREATE DATABASE "{name}"')
    # A commit returns once its WAL is written, without waiting for the disk to flush it: what
    # other connections see is unchanged (only a crash of the server itself could lose the last
    # commits, and no test crashes it), and the suite's thousands of commits wait on no fsync.
    admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield _pg_url(name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashing():
    """argon2id with small parameters in tests: the same code path, a fraction of the time.

    test_accounts checks separately that the production parameters are memory-hard.
    """
    from argon2 import PasswordHasher

    from consult import passwords

    production = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield production
    passwords._hasher = production


@pytest.fixture(autouse=True, scope="session")
def _url_builders_made_once():
    """Each test makes an app, and werkzeug writes, parses and compiles two Python functions for
    each of its ~90 URL rules, which is most of create_app's time. The function depends only on
    the rule's text, parsed parts and defaults (it reads everything else from the rule it is
    bound to), so a rule the same as one seen before gets the same function: URLs are built
    by the very code they were built by before, compiled once per test process."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    made: dict[tuple, Callable] = {}

    def once(self, append_unknown=True):
        key = (self.rule, tuple(self._trace), tuple(sorted((self.defaults or {}).items())), append_unknown)
        try:
            return made[key]
        except TypeError:  # a default that cannot be a key
            return compile_builder(self, append_unknown)
        except KeyError:
            made[key] = compile_builder(self, append_unknown)
            return made[key]

    Rule._compile_builder = once
    yield
    Rule._compile_builder = compile_builder


from helpers import fresh_app  # noqa: E402  (tests/ is on sys.path)
from support.factories import AuthActions, CommentFactory, ConsultationFactory, UserFactory  # noqa: E402
from support.smtp_server import smtp_server  # noqa: E402, F401  (the real SMTP server fixture)

BACKENDS = ["sqlite"] + (["postgres"] if RUN_POSTGRES else [])


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """The database URL for one test: a fresh SQLite file, or the run's PostgreSQL database."""
    if request.param == "postgres":
        return request.getfixturevalue("postgres_database")
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def app(database_url, tmp_path):
    """An application on an empty schema, torn down after the test."""
    yield from fresh_app(database_url, tmp_path)


@pytest.fixture
def csrf_app(database_url, tmp_path):
    """An application with CSRF protection on, as in production (the `app` fixture has it off)."""
    yield from fresh_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner bound to the app."""
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """The database session inside an application context."""
    from consult.extensions import db

    with app.app_context():
        yield db.session


@pytest.fixture
def corpus() -> Path:
    """The folder of real policy documents."""
    return CORPUS


def federal(version: str) -> list[tuple[str, str]]:
    """The federal policy pages in reading order as (name, text)."""
    from consult.demo import federal_files

    return federal_files(version)


GATES = {
    "browser journeys": lambda item: "tests/browser/" in item.nodeid,
    "security (headers, CSRF, access, XSS, passwords)": lambda item: any(
        name in item.nodeid for name in ("test_security", "test_xss", "test_sanitise", "test_accounts")),
    "concurrency, durability and scale-out": lambda item: any(
        name in item.nodeid for name in ("test_concurrency", "test_scale_out", "test_jobs.py", "test_worker_process")),
    "PostgreSQL backend": lambda item: "[postgres" in item.nodeid,
    "documents (corpus, anchors, diff)": lambda item: "tests/documents/" in item.nodeid,
}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print how many tests each quality gate ran, so CI logs show that none was skipped."""
    counts = {gate: {"passed": 0, "failed": 0, "skipped": 0} for gate in GATES}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") not in ("call", "setup") or not hasattr(report, "nodeid"):
                continue
            if report.when == "setup" and outcome == "passed":
                continue
            for gate, matches in GATES.items():
                if matches(report):
                    counts[gate]["failed" if outcome == "error" else outcome] += 1
    terminalreporter.section("quality gates")
    for gate, c in counts.items():
        terminalreporter.write_line(
            f"{gate:<52} {c['passed']:>4} passed {c['failed']:>3} failed {c['skipped']:>3} skipped")


# `make test-fast` runs `-m "not slow"`; `make test` and CI run everything. These are left out of
# the fast tier because each needs real processes, a browser or many generated requests
# (test_fast_tier runs pytest itself, twice). A few tests carry @pytest.mark.slow themselves:
# the whole-corpus imports (documents/test_corpus), the 400-document fuzz run (documents/test_fuzz),
# the searches over thousands of indexed documents (test_search), the jobs that tell a thousand
# participants (test_jobs) and the tests that load the whole demo (`consult demo`), but for
# test_consultations' check that it loads. The importers' end-to-end files (figures, Word
# documents through pandoc, the whole EUDI chapter) are slow too: documents/ tests cover their
# parts in the fast tier.
SLOW_DIRS = ("browser",)
SLOW_FILES = ("test_api_schema.py", "test_concurrency.py", "test_scale_out.py", "test_fast_tier.py",
              "test_media.py", "test_docx_import.py", "test_eudi_import.py", "documents/test_docx.py")


def pytest_collection_finish(session):
    """Spend less of the run in the garbage collector: what is loaded by now (the app's modules,
    the collected tests) lives to the end, so it is frozen out of every later collection, and
    collections come less often (each test makes an app, thousands of short-lived objects).
    Nothing a test checks depends on when cycles are collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def pytest_collection_modifyitems(config, items):
    """Mark the browser journeys, the schemathesis run and the multi-process tests as slow."""
    tests_dir = Path(__file__).resolve().parent
    for item in items:
        path = Path(item.path).resolve()
        relative = path.relative_to(tests_dir) if path.is_relative_to(tests_dir) else None
        if relative is None:
            continue
        if relative.parts[0] in SLOW_DIRS or str(relative) in SLOW_FILES:
            item.add_marker(pytest.mark.slow)


# `--dist loadfile` (make test, CI) keeps each file on one worker. The browser journeys go further:
# all their files are one unit of work, so that one worker starts the server, Chromium and the
# HTML validator once (each worker that ran journeys started its own, and the two fought over
# the cores: 180 s of wall time on both workers against 190 s on one), and they go first, with
# the files that start server or worker processes next, so that no long file is left for the
# end while the other worker waits. The rest follow xdist's order (most tests first).
BROWSER_UNIT = "tests/browser"
FIRST_UNITS = (BROWSER_UNIT, "tests/test_concurrency.py", "tests/test_jobs.py", "tests/test_worker_process.py",
               "tests/test_scale_out.py", "tests/test_fast_tier.py")


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown when it is not loaded
def pytest_xdist_make_scheduler(config, log):
    """Under --dist loadfile: the browser journeys as one unit, the long units first (see above)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class JourneysTogetherLongFirst(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(BROWSER_UNIT + "/"):
                return BROWSER_UNIT
            return super()._split_scope(nodeid)

        def _assign_work_unit(self, node) -> None:
            for unit in reversed(FIRST_UNITS):  # FIRST_UNITS[0] ends up at the front
                if unit in self.workqueue:
                    self.workqueue.move_to_end(unit, last=False)
            super()._assign_work_unit(node)

    return JourneysTogetherLongFirst(config, log)


@pytest.fixture
def make_user(app):
    """`make_user(email=None, role="citizen", name=None, confirmed=True)`: an account; its id."""
    return UserFactory(app)


@pytest.fixture
def make_consultation(app):
    """`make_consultation(slug="parking", text=PARKING, mode="post", open=True)`: a published
    consultation; its id, slug and anchors (by paragraph text)."""
    return ConsultationFactory(app)


@pytest.fixture
def make_comment(app):
    """`make_comment(consultation, author, body=..., anchor=None)`: a comment through the
    service; its id."""
    return CommentFactory(app)


@pytest.fixture
def archive_world(app):
    """The archive's world (support/archive.py: public consultations, a draft, comments in every
    state), the test running inside the request context that seeded it; the comments' ids."""
    from support.archive import seed_archive

    with app.test_request_context():
        yield seed_archive()


@pytest.fixture
def auth(app, client, make_user):
    """Sign clients in and out: `auth.login(user)`, `auth.client_for(user)`, `auth.as_(role)`,
    `auth.logout()`."""
    return AuthActions(app, client, make_user)


@pytest.fixture
def official(make_user):
    """The id of a confirmed official, Olive (the manage, media, re-attach and response tests)."""
    return make_user("olive@example.org", role="official", name="olive")


@pytest.fixture
def as_official(auth, official):
    """A client signed in as that official."""
    return auth.login(official)


REDIS_URL = "redis://127.0.0.1:6379/0"  # the job queue's scaled storage: .ci/run starts it


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def queued_app(request, database_url, tmp_path):
    """The app on each queue storage; Redis gets a queue name of its own, emptied afterwards."""
    extra = {}
    if request.param == "redis-queue":
        if not _redis_up():
            if IN_CI:
                pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        extra = {"REDIS_URL": REDIS_URL, "QUEUE_NAME": f"consult-test-{uuid.uuid4().hex[:12]}"}
    for app in fresh_app(database_url, tmp_path, **extra):
        yield app
        from consult.jobs import jobs_of

        jobs_of(app).huey.storage.flush_all()
        if extra:  # the queue's other keys (the marks of sent mail) go too
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(f"{extra['QUEUE_NAME']}*"):
                client.delete(key)
