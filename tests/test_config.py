"""Configuration: environment variables, the secret key, and SQLite's transaction handling."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import text

from consult import create_app
from consult.config import ConfigError, from_environment, normalise_database_url


def test_database_url_from_environment_is_mapped_to_psycopg():
    config = from_environment({"DATABASE_URL": "postgres://u@db/consult", "MAIL_PORT": "587"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/consult"
    assert config["MAIL_PORT"] == 587
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


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
    with app.app_context():
        with writing():
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
