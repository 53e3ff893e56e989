"""The unit of work a view ends a change with: all of it committed, or none of it."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select
from support.factories import AuthActions, ConsultationFactory, UserFactory  # tests/ is on sys.path

from consult.database import read_then_write, unit_of_work
from consult.extensions import db
from consult.models import User
from consult.users import create_user
from tests.helpers import fresh_app


def _users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_a_block_that_succeeds_is_committed_once(app):
    with app.app_context(), unit_of_work(db.session):
        create_user(db.session, "ann@example.org", "a-long-password")
    assert _users(app) == 1


def test_a_block_that_raises_leaves_nothing_behind_and_the_error_propagates(app):
    class Refused(Exception):
        pass

    with app.app_context():
        with pytest.raises(Refused), unit_of_work(db.session):
            create_user(db.session, "ann@example.org", "a-long-password")
            db.session.flush()  # written to the transaction, not yet committed
            raise Refused
        assert not db.session.new  # rolled back: the pending user is gone
    assert _users(app) == 0


# --- posting a comment: reads without SQLite's write lock, then one short write ---------------

def _transactions_of_one_post(app, client, body: str, key: str) -> list[list[str]]:
    """The statements SQLite ran for one comment POST, grouped by transaction."""
    anchor = ConsultationFactory(app)("parking").anchors["Residents pay a yearly fee for a permit."]
    users = UserFactory(app)
    AuthActions(app, client, users).login(users("ann@example.org", name="Ann"))
    with app.app_context():
        engine = db.engine
    client.get(f"/c/parking/p/{anchor}")  # warm: the paragraph's HTML is rendered and kept
    statements: list[str] = []

    def trace(dbapi_connection, _record, _proxy):
        dbapi_connection.set_trace_callback(statements.append)

    event.listen(engine.pool, "checkout", trace)
    try:
        response = client.post(f"/c/parking/p/{anchor}/comments", data={
            "body": body, "submission_key": key, "respondent_type": "individual", "show_name": "name"})
    finally:
        event.remove(engine.pool, "checkout", trace)
    assert response.status_code == 303
    transactions: list[list[str]] = []
    for statement in statements:
        if statement.startswith("BEGIN"):
            transactions.append([])
        if transactions and not statement.startswith("PRAGMA"):
            transactions[-1].append(statement)
    return transactions


def _writes(transaction: list[str]) -> list[str]:
    return [s for s in transaction if s.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")]


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on SQLite whatever the run's backends: the write lock below is SQLite's alone."""
    yield from fresh_app(f"sqlite:///{tmp_path / 'lock.sqlite3'}", tmp_path)


@pytest.mark.parametrize("body", ["Hourly fees hurt carers.", "Ring me on 07700 900123 about the fees."])
def test_posting_a_comment_reads_first_and_holds_sqlites_write_lock_only_to_store_it(sqlite_app, body):
    """Two transactions per comment: every check and the rendering in a plain (deferred) read,
    then one BEGIN IMMEDIATE that stores and screens it. Taking the write lock for the reads
    (or a third transaction) would make 50 people posting at once queue for longer."""
    app = sqlite_app
    reads, write = _transactions_of_one_post(app, app.test_client(), body, "k1")
    assert reads[0] == "BEGIN" and not _writes(reads)
    assert any("FROM users" in s for s in reads) and any("FROM paragraphs" in s for s in reads)
    assert write[0] == "BEGIN IMMEDIATE" and write[-1] == "COMMIT"
    assert any(s.startswith("INSERT INTO comments") for s in write)
    assert not any("FROM users" in s for s in write)  # the author was read before the lock


def test_read_then_write_commits_the_write_and_rolls_all_back_when_the_block_raises(app):
    class Refused(Exception):
        pass

    with app.app_context():
        with read_then_write(db.session) as write:
            assert _users_in(db.session) == 0  # a read, before the write
            write()
            create_user(db.session, "ann@example.org", "a-long-password")
        with pytest.raises(Refused), read_then_write(db.session) as write:
            write()
            create_user(db.session, "bob@example.org", "a-long-password")
            db.session.flush()
            raise Refused
        assert not db.session.new
    assert _users(app) == 1


def test_read_then_write_left_before_writing_commits_nothing(app):
    """A block that stops at a check (signed out, refused) only read: nothing it left pending is stored."""
    with app.app_context(), read_then_write(db.session):
        _users_in(db.session)
        create_user(db.session, "ann@example.org", "a-long-password")  # never meant to be kept
    assert _users(app) == 0


def _users_in(session) -> int:
    return session.scalar(select(func.count()).select_from(User))
