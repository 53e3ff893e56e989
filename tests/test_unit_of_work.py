"""The unit of work a view ends a change with: all of it committed, or none of it."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.database import unit_of_work
from consult.extensions import db
from consult.models import User
from consult.users import create_user


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
