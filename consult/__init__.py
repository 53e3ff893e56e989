"""Consult: public consultations on draft policy, paragraph by paragraph."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from consult import config as config_module
from consult.database import configure_engine, end_read_transaction, set_write_intent
from consult.extensions import csrf, db, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")
TEMPLATES_DIR = str(Path(__file__).resolve().parent.parent / "templates")
STATIC_DIR = str(Path(__file__).resolve().parent.parent / "static")


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: defaults, then the environment, then test overrides."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        # CONSULT_INSTANCE moves the instance folder (SQLite file, secret key, outbox, index).
        instance_path=os.environ.get("CONSULT_INSTANCE") or None,
        template_folder=TEMPLATES_DIR,
        static_folder=STATIC_DIR,
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config_module.defaults(app.instance_path))
    app.config.from_mapping(config_module.from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    app.config["SECRET_KEY"] = config_module.ensure_secret_key(app.config, app.instance_path)
    hops = app.config.get("PROXY_FIX_X_FOR") or 0
    if hops:
        # Behind that many trusted proxies the client's address (for sign-in and mail
        # throttling) and scheme come from X-Forwarded-For/-Proto. Without a proxy the
        # headers are ignored: anyone can send them. The Host header is taken as sent.
        # Wrapping by assignment is Flask's documented way to add WSGI middleware; mypy
        # objects only because wsgi_app is declared as a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    login_manager.init_app(app)
    csrf.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @app.before_request
    def _declare_write_intent() -> None:
        # Only state-changing requests begin their SQLite transaction IMMEDIATE.
        set_write_intent(request.method not in {"GET", "HEAD", "OPTIONS"})

    @app.teardown_appcontext
    def _end_reads(exc: BaseException | None) -> None:
        # Runs just before Flask-SQLAlchemy's teardown (registered earlier, so called later)
        # closes the session, which would roll back: see the function.
        if exc is None:
            end_read_transaction(db.session)

    from consult import accounts, cli, compression, i18n, jobs, languages, search, site_pages, web
    from consult.api import views as api_views
    from consult.archive import views as archive_views
    from consult.comments import views as comment_views
    from consult.consultations import manage, media_views
    from consult.consultations import views as consultation_views
    from consult.jobs import views as job_views
    from consult.moderate import glue
    from consult.moderate import views as moderation_views
    from consult.responses import assist_views
    from consult.responses import views as response_views
    from consult.search import views as search_views  # (registers the reindex job too)

    app.url_map.converters["int"] = web.WholeNumberConverter  # before any route is added
    accounts.init_app(app)
    i18n.init_app(app)  # Flask-Babel: the request's language (English, Cymraeg), the catalogues
    web.init_app(app)
    site_pages.init_app(app)  # privacy notice, accessibility statement, contact page
    languages.init_app(app)  # consultations in several languages
    compression.init_app(app)
    cli.init_app(app)
    jobs.init_app(app)
    search.init_app(app)  # the engine SEARCH_ENGINE chooses; the change log if it reads one
    glue.init_app(app)
    if app.config.get("SEARCH_INDEXER_THREAD"):
        search.start_background_indexer(app)
    app.register_blueprint(consultation_views.bp)
    app.register_blueprint(comment_views.bp)
    app.register_blueprint(manage.bp)
    app.register_blueprint(moderation_views.bp)
    app.register_blueprint(response_views.bp)
    app.register_blueprint(archive_views.bp)
    app.register_blueprint(archive_views.feeds)
    app.register_blueprint(api_views.bp)
    app.register_blueprint(job_views.bp)
    app.register_blueprint(search_views.bp)
    app.register_blueprint(assist_views.bp)
    app.register_blueprint(media_views.bp)  # the figures of imported documents, at /media/
    return app
