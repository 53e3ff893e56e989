"""Configuration: environment variables, the secret key, and SQLite's transaction handling."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import select, text

from consult import create_app
from consult.config import ConfigError, from_environment, normalise_database_url


def test_database_url_from_environment_is_mapped_to_psycopg():
    config = from_environment({"DATABASE_URL": "postgres://u@db/consult", "MAIL_PORT": "587"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/consult"
    assert config["MAIL_PORT"] == 587
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_the_outbox_page_is_shown_in_production_only_when_show_outbox_is_set(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSULT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    uri = f"sqlite:///{tmp_path / 'o.db'}"
    monkeypatch.delenv("SHOW_OUTBOX", raising=False)
    assert create_app({"SQLALCHEMY_DATABASE_URI": uri}).test_client().get("/dev/outbox").status_code == 404
    monkeypatch.setenv("SHOW_OUTBOX", "true")
    assert from_environment()["SHOW_OUTBOX"] is True
    assert create_app({"SQLALCHEMY_DATABASE_URI": uri}).test_client().get("/dev/outbox").status_code == 200


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("CONSULT_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


def test_development_generates_and_keeps_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("CONSULT_ENV", raising=False)
    uri = f"sqlite:///{tmp_path / 'x.db'}"
    first = create_app({"SQLALCHEMY_DATABASE_URI": uri}).config["SECRET_KEY"]
    second = create_app({"SQLALCHEMY_DATABASE_URI": uri}).config["SECRET_KEY"]
    assert len(first) >= 32 and first == second


def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path):
    from consult.extensions import db

    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'w.db'}"})
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_write_transactions_begin_immediate_so_a_second_writer_waits(tmp_path):
    """Two writers that both read first: with IMMEDIATE both succeed, one after the other."""
    from consult.database import writing
    from consult.extensions import db

    path = tmp_path / "c.db"
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context(), writing():
        db.session.execute(text("CREATE TABLE counter (n INTEGER)"))
        db.session.execute(text("INSERT INTO counter VALUES (0)"))
        db.session.commit()
    errors: list[Exception] = []
    barrier = threading.Barrier(4)

    def bump():
        with app.app_context(), writing():
            try:
                barrier.wait()
                n = db.session.execute(text("SELECT n FROM counter")).scalar()
                db.session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - the test reports any failure
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sqlite3.connect(path).execute("SELECT n FROM counter").fetchone()[0] == 4


def _create_notes(app) -> None:
    """A table to write to, made through the app (which puts the file in WAL mode)."""
    from consult.database import writing
    from consult.extensions import db

    with app.app_context(), writing():
        db.session.execute(text("CREATE TABLE notes (body TEXT)"))
        db.session.commit()
        db.session.remove()


def _held_write_lock(path, seconds: float) -> threading.Thread:
    """Another program holds SQLite's write lock for `seconds` (started, lock taken on return)."""
    taken = threading.Event()

    def hold():
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        taken.set()
        threading.Event().wait(seconds)
        con.execute("COMMIT")
        con.close()

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait()
    return thread


def test_a_writer_waits_for_the_write_lock_and_then_writes(tmp_path):
    """A write begun while another program holds the lock succeeds once it is released, and
    SQLite's own busy timeout is back in force afterwards."""
    from consult.database import writing
    from consult.extensions import db

    path = tmp_path / "l.db"
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    _create_notes(app)
    holder = _held_write_lock(path, 0.3)
    with app.app_context(), writing():
        db.session.execute(text("INSERT INTO notes VALUES ('kept')"))
        db.session.commit()
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    holder.join()
    assert sqlite3.connect(path).execute("SELECT body FROM notes").fetchall() == [("kept",)]


def test_a_writer_gives_up_after_the_busy_timeout_with_database_is_locked(tmp_path):
    from sqlalchemy.exc import OperationalError

    from consult.database import set_write_intent, writing
    from consult.extensions import db

    path = tmp_path / "t.db"
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "SQLITE_BUSY_TIMEOUT_MS": 100})
    _create_notes(app)
    holder = _held_write_lock(path, 1.0)
    set_write_intent(False)  # a request run earlier in this thread may have left it on
    try:
        with app.app_context():
            with writing(), pytest.raises(OperationalError, match="locked"):
                db.session.execute(text("INSERT INTO notes VALUES ('late')"))
            db.session.rollback()
            # The connection keeps SQLite's own busy timeout for everything else.
            assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 100
    finally:
        holder.join()


def test_a_request_that_only_read_ends_in_commit_and_keeps_what_it_loaded(app):
    """Reads end with COMMIT (the same as ROLLBACK for a read, but it keeps PostgreSQL's
    prepared statements); objects loaded stay readable afterwards, as after closing."""
    from consult.database import end_read_transaction
    from consult.extensions import db
    from consult.models import User

    with app.app_context():
        db.session.add(User(email="r@example.org", display_name="Reader", role="citizen", password_hash="x"))
        db.session.commit()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "r@example.org"))
        end_read_transaction(db.session)
        assert not db.session().in_transaction()
        assert user.display_name == "Reader"  # not expired, no new transaction needed


def test_a_transaction_that_wrote_without_committing_is_rolled_back_not_committed(app):
    """Nothing a view did not commit itself is ever committed by ending the request."""
    from consult.database import end_read_transaction
    from consult.extensions import db
    from consult.models import User

    with app.app_context():
        db.session.execute(text("INSERT INTO search_changes (kind, object_id, created_at) "
                                "VALUES ('comment', 1, CURRENT_TIMESTAMP)"))
        end_read_transaction(db.session)
        db.session.add(User(email="orm@example.org", display_name="Orm", role="citizen", password_hash="x"))
        end_read_transaction(db.session)  # pending, never flushed
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM search_changes")).scalar() == 0
        assert db.session.scalars(select(User.email)).all() == []


def test_postgres_statements_stay_prepared_from_one_request_to_the_next(postgres_database, tmp_path):
    """psycopg forgets its prepared statements at every ROLLBACK; requests that only read end
    in COMMIT, so the statements a page runs on every visit stay prepared on the server."""
    from helpers import fresh_app

    from consult.extensions import db

    apps = fresh_app(postgres_database, tmp_path)
    app = next(apps)
    try:
        client = app.test_client()
        for _ in range(8):  # psycopg prepares a statement on its fifth execution
            assert client.get("/consultations").status_code == 200
        with app.app_context():
            prepared = db.session.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
        assert prepared > 0
    finally:
        next(apps, None)  # drop the tables


def test_proxy_fix_hops_come_from_the_environment_as_a_whole_number():
    assert "PROXY_FIX_X_FOR" not in from_environment({})
    assert from_environment({"PROXY_FIX_X_FOR": "2"})["PROXY_FIX_X_FOR"] == 2
    for bad in ("yes", "-1", "1.5", "\u0661"):
        with pytest.raises(ConfigError, match="PROXY_FIX_X_FOR must be a whole number"):
            from_environment({"PROXY_FIX_X_FOR": bad})


def test_sign_in_limits_come_from_the_environment_as_whole_numbers():
    config = from_environment({"LOGIN_MAX_FAILURES_PER_SOURCE": "3",
                               "LOGIN_MAX_FAILURES_PER_IP": " 40 ",
                               "LOGIN_MAX_FAILURES_PER_ACCOUNT": "50"})
    assert (config["LOGIN_MAX_FAILURES_PER_SOURCE"], config["LOGIN_MAX_FAILURES_PER_IP"],
            config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]) == (3, 40, 50)
    for bad in ("five", "0", "-5", "2.5", "1e3"):
        with pytest.raises(ConfigError, match="LOGIN_MAX_FAILURES_PER_IP must be a whole number "
                                              "of at least 1"):
            from_environment({"LOGIN_MAX_FAILURES_PER_IP": bad})


def test_the_old_per_email_limit_stops_the_start_instead_of_being_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_EMAIL", "10")
    with pytest.raises(ConfigError, match="LOGIN_MAX_FAILURES_PER_EMAIL is no longer used.*"
                                          "LOGIN_MAX_FAILURES_PER_SOURCE"):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e.db'}"})


def test_a_sign_in_limit_set_in_the_environment_is_applied(database_url, tmp_path, monkeypatch):
    from tests.helpers import fresh_app, log_in, make_user

    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_SOURCE", "2")
    made = fresh_app(database_url, tmp_path)
    app = next(made)
    try:
        make_user(app, "ada@example.org")
        client = app.test_client()
        for _ in range(2):
            assert log_in(client, "ada@example.org", "wrong-password").status_code == 200
        assert log_in(client, "ada@example.org").status_code == 429
    finally:
        next(made, None)


@pytest.mark.parametrize("value", ["0", "fast"])
def test_a_bad_mail_rate_stops_the_cli_with_one_clear_line_and_no_traceback(tmp_path, value):
    import subprocess
    import sys
    from pathlib import Path

    from support.server import REPO, consult_env

    env = consult_env(f"sqlite:///{tmp_path / 'c.sqlite3'}", tmp_path / "instance", MAIL_PER_SECOND=value)
    consult = Path(sys.executable).parent / "consult"
    result = subprocess.run([str(consult), "send-mail"], env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"Error: MAIL_PER_SECOND must be a whole number of at least 1, "
                                     f"not '{value}'. Refusing to start.")
    assert "Traceback" not in result.stderr + result.stdout
