"""Configuration: defaults first, then environment variables, then test overrides."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV_KEYS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "SEARCH_INDEX_DIR",
    "SEARCH_ENGINE",
    "OUTBOX_DIR",
    "SITE_NAME",
    "SITE_OPERATOR",
    "SITE_TIMEZONE",
    "SITE_URL",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_FROM",
    "DATA_LICENCE_NAME",
    "DATA_LICENCE_URL",
    "QUEUE_FILE",
    "REDIS_URL",
    "QUEUE_NAME",
)


# Whole numbers, at least 1: the worker's threads and mail claim, and the sign-in throttling
# limits (see consult.accounts.service.signin).
WHOLE_NUMBER_KEYS = (
    "WORKER_THREADS",
    "MAIL_CLAIM_SECONDS",
    "MAIL_PER_SECOND",
    "LOGIN_MAX_FAILURES_PER_SOURCE",
    "LOGIN_MAX_FAILURES_PER_IP",
    "LOGIN_MAX_FAILURES_PER_ACCOUNT",
)


# What `make run` serves: the links in development mail open the local server.
DEVELOPMENT_SITE_URL = "http://127.0.0.1:5000"


class ConfigError(RuntimeError):
    """Raised when the application cannot start safely with the configuration given."""


def normalise_database_url(url: str) -> str:
    """Map the common postgres:// spellings onto SQLAlchemy's psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def defaults(instance_path: str) -> dict:
    """The configuration a laptop needs: SQLite and a search index in the instance folder."""
    instance = Path(instance_path)
    return {
        "CONSULT_ENV": "development",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'consult.sqlite3'}",
        "SEARCH_INDEX_DIR": str(instance / "search-index"),
        # whoosh, postgres, or empty: PostgreSQL's own full-text search when the data is in
        # PostgreSQL, else Whoosh (consult.search.engines).
        "SEARCH_ENGINE": "",
        "OUTBOX_DIR": str(instance / "outbox"),
        # The job queue: this SQLite file unless REDIS_URL is set (consult.jobs.queue).
        "QUEUE_FILE": str(instance / "queue.sqlite3"),
        "REDIS_URL": "",
        "QUEUE_NAME": "consult",
        "WORKER_THREADS": 2,
        # How long a worker holds the mail it is sending before another may take it over.
        "MAIL_CLAIM_SECONDS": 300,
        # The most notification messages a worker process sends a second, its threads together:
        # a large announcement then takes minutes, and leaves the web server its share of the
        # machine and the mail relay within its own rate limit.
        "MAIL_PER_SECOND": 200,
        "SITE_NAME": "Consult",
        # Who runs the site ("Department for Transport"): the home page says so (site_pages).
        "SITE_OPERATOR": "",
        "SITE_TIMEZONE": "Europe/London",
        # The address people reach the site at, for the links in mail: mail is delivered
        # outside any request (after it, or by a worker), so the request's host is not known.
        "SITE_URL": DEVELOPMENT_SITE_URL,
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_FROM": "consult@localhost",
        "DATA_LICENCE_NAME": "Open Government Licence v3.0",
        "DATA_LICENCE_URL": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLITE_BUSY_TIMEOUT_MS": 5000,
        # Trusted reverse proxies in front of the app (0: none, so X-Forwarded-* is ignored).
        "PROXY_FIX_X_FOR": 0,
    }


def from_environment(environ: dict[str, str] | None = None) -> dict:
    """Read the settings a deployment may set through environment variables."""
    env = os.environ if environ is None else environ
    config: dict = {}
    if env.get("CONSULT_ENV"):
        config["CONSULT_ENV"] = env["CONSULT_ENV"]
    if env.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(env["DATABASE_URL"])
    for key in ENV_KEYS:
        if key != "DATABASE_URL" and env.get(key):
            config[key] = env[key]
    if "SITE_URL" in config:
        config["SITE_URL"] = config["SITE_URL"].rstrip("/")
    if "MAIL_PORT" in config:
        config["MAIL_PORT"] = int(config["MAIL_PORT"])
    if "MAIL_USE_TLS" in config:
        config["MAIL_USE_TLS"] = config["MAIL_USE_TLS"].lower() in {"1", "true", "yes"}
    for key in WHOLE_NUMBER_KEYS:
        if env.get(key):
            config[key] = _whole_number(env, key, minimum=1)
    if env.get("LOGIN_MAX_FAILURES_PER_EMAIL"):
        # An older release's setting: ignoring it would quietly change a security limit.
        raise ConfigError(
            "LOGIN_MAX_FAILURES_PER_EMAIL is no longer used. Sign-in failures are now limited "
            "per account and IP address (LOGIN_MAX_FAILURES_PER_SOURCE, default 5), per IP "
            "address (LOGIN_MAX_FAILURES_PER_IP, default 20) and per account from anywhere "
            "(LOGIN_MAX_FAILURES_PER_ACCOUNT, default 25). Remove it, setting those instead "
            "if you need other limits. Refusing to start.")
    if env.get("PROXY_FIX_X_FOR"):
        config["PROXY_FIX_X_FOR"] = _whole_number(env, "PROXY_FIX_X_FOR", minimum=0)
    if env.get("SEARCH_INDEXER_THREAD", "").lower() in {"1", "true", "yes"}:
        config["SEARCH_INDEXER_THREAD"] = True
    if env.get("SHOW_OUTBOX", "").lower() in {"1", "true", "yes"}:
        config["SHOW_OUTBOX"] = True
    if env.get("HTTPS", "").lower() in {"1", "true", "yes"}:
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        config["PREFERRED_URL_SCHEME"] = "https"
    return config


def _whole_number(env, key: str, minimum: int) -> int:
    # A typo in a security setting must stop the start, not fall back to a default silently.
    text = env[key].strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 6) or int(text) < minimum:
        raise ConfigError(
            f"{key} must be a whole number of at least {minimum}, not {env[key]!r}. "
            "Refusing to start.")
    return int(text)


def ensure_secret_key(config: dict, instance_path: str) -> str:
    """Return the secret key, generating one in the instance folder outside production."""
    if config.get("SECRET_KEY"):
        return config["SECRET_KEY"]
    if config.get("CONSULT_ENV") == "production":
        raise ConfigError(
            "SECRET_KEY is not set. In production Consult needs a long random SECRET_KEY, "
            "the same on every host, e.g. SECRET_KEY=$(python -c 'import secrets; "
            "print(secrets.token_hex(32))'). Refusing to start."
        )
    key_file = Path(instance_path) / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key
