"""The shared set-up fixtures do what the tests built on them take for granted."""
from __future__ import annotations


def test_auth_signs_a_client_in_by_id_or_email_and_out_again(client, auth, make_user):
    ada = make_user("ada@example.org", name="Ada")
    assert client.get("/account").status_code == 302
    auth.login(ada)
    assert "ada@example.org" in client.get("/account").get_data(as_text=True)
    auth.logout()
    assert client.get("/account").status_code == 302
    other = auth.client_for("ada@example.org")
    assert other.get("/account").status_code == 200 and client.get("/account").status_code == 302


def test_auth_as_a_role_reaches_that_roles_pages_only(auth):
    assert auth.as_("moderator").get("/moderation/").status_code == 200
    assert auth.as_("citizen").get("/moderation/").status_code == 403
    assert auth.as_("moderator").get("/account").status_code == 200  # the same account again
    assert auth.user_id("moderator") != auth.user_id("citizen")


def test_made_comments_show_on_an_open_consultation_and_a_closed_one_takes_none(
        client, auth, make_user, make_consultation, make_comment):
    made = make_consultation("parking")
    anchor = made.anchors["Visitors pay by the hour."]
    make_comment(made, make_user(name="Ann"), "Hourly fees hurt carers.", anchor)
    assert "Hourly fees hurt carers." in client.get(f"/c/parking/p/{anchor}").get_data(as_text=True)

    closed = make_consultation("libraries", open=False)
    anchor = closed.anchors["Visitors pay by the hour."]
    response = auth.as_("citizen").post(
        f"/c/libraries/p/{anchor}/comments",
        data={"body": "Too late?", "submission_key": "k1", "respondent_type": "individual",
              "show_name": "name"})
    assert response.status_code != 303
    assert "Too late?" not in client.get(f"/c/libraries/p/{anchor}").get_data(as_text=True)


def test_each_new_sqlite_app_has_the_models_tables_and_none_of_another_tests_rows(tmp_path):
    """fresh_app copies a new SQLite file from a schema made once per process: each copy must be
    what create_all makes, and empty, even after an earlier app wrote to its own."""
    from helpers import fresh_app
    from sqlalchemy import func, inspect, select
    from support.factories import UserFactory

    from consult.extensions import db

    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        for app in fresh_app(f"sqlite:///{tmp_path / name}.sqlite3", tmp_path / name):
            with app.app_context():
                inspector = inspect(db.engine)
                tables = {t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()}
                assert tables == {t.name: {c.name for c in t.columns} for t in db.metadata.sorted_tables}
                for table in db.metadata.sorted_tables:
                    assert db.session.scalar(select(func.count()).select_from(table)) == 0, table.name
            UserFactory(app)("ada@example.org")  # this app writes; the next must not see it


def test_each_new_postgres_app_starts_empty_with_ids_from_one_and_the_full_schema(postgres_database, tmp_path):
    """fresh_app empties PostgreSQL in place when its schema is intact (rows gone, sequences back
    at 1), and drops and re-creates it when a test changed it (a table dropped, a column added,
    the search trigger removed)."""
    from helpers import fresh_app
    from sqlalchemy import func, inspect, select, text
    from support.factories import UserFactory

    from consult.extensions import db

    changes = [None, "DROP TABLE theme_comments", "ALTER TABLE users ADD COLUMN nickname text",
               "DROP TRIGGER comment_search_vector ON comments", None]
    for change in changes:
        for app in fresh_app(postgres_database, tmp_path):
            with app.app_context():
                inspector = inspect(db.engine)
                tables = {t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()}
                assert tables == {t.name: {c.name for c in t.columns} for t in db.metadata.sorted_tables}
                for table in db.metadata.sorted_tables:
                    assert db.session.scalar(select(func.count()).select_from(table)) == 0, table.name
                triggers = db.session.scalar(text(
                    "SELECT count(*) FROM pg_trigger WHERE tgname = 'comment_search_vector'"))
                assert triggers == 1, "the search trigger is part of the schema"
            assert UserFactory(app)("ada@example.org") == 1  # the same address again, and id 1
            if change:
                with app.app_context(), db.engine.begin() as connection:
                    connection.execute(text(change))
