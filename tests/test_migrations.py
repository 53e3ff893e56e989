"""Schema changes go through migrations: upgrading an empty database gives the models' schema."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from consult.extensions import db


def test_migrations_create_exactly_the_models_schema(app):
    with app.app_context():
        db.drop_all()
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(directory=directory, revision="base")
        upgrade(directory=directory)


def test_init_db_command_creates_a_usable_database(app, runner):
    with app.app_context():
        db.drop_all()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Database ready" in result.output
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert app.test_client().get("/c/federal-source-code-policy").status_code == 200
