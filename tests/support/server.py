"""Run the app under gunicorn on a loopback port, for tests that need real processes."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def consult_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """Environment for a Consult process using this database and a private instance folder."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="test-server-secret",
        CONSULT_ENV="development",
        SEARCH_INDEX_DIR=str(instance / "index"),
        CONSULT_INSTANCE=str(instance),
        **extra,
    )
    return env


def run_cli(env: dict[str, str], *args: str) -> str:
    """Run a `consult` command and return its output, failing loudly."""
    consult = shutil.which("consult", path=str(Path(sys.executable).parent)) or "consult"
    result = subprocess.run([consult, *args], env=env, cwd=REPO, capture_output=True, text=True,
                            timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"consult {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 3, timeout: int = 30):
    """Serve wsgi:app with gunicorn; yields (base_url, process)."""
    port = free_port()
    exe = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        # --no-control-socket: gunicorn's shared ~/.gunicorn control socket would collide
        # between servers started side by side (parallel test workers).
        [str(exe), "--no-control-socket", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--timeout", str(timeout), "--graceful-timeout", "5", "wsgi:app"],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=2).read()
            break
        except OSError as error:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("gunicorn did not start:\n" + process.stderr.read().decode()) from error
            time.sleep(0.2)
    try:
        yield base, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def worker_pids(master_pid: int) -> list[int]:
    """The pids of a gunicorn master's worker processes."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]


def open_consultation_for_servers(database_url: str, doc: str, first_words: str,
                                  citizens: int = 1):
    """An empty schema (tests/helpers.py empty_schema) with one open consultation ("buses") and
    confirmed citizens, for tests that serve it from other processes: (app, the anchor of the
    paragraph starting with `first_words`, a signed session cookie per citizen)."""
    from datetime import timedelta

    from helpers import empty_schema  # tests/ is on sys.path

    from consult import create_app
    from consult.consultations.service import create_consultation
    from consult.extensions import db
    from consult.models import User, utcnow
    from consult.users import create_user

    app = create_app({"SECRET_KEY": "test-server-secret", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        empty_schema(database_url)
        now = utcnow()
        consultation = create_consultation(
            db.session, slug="buses", files=[("buses.md", doc)], publish=True,
            opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
        anchor = next(p.anchor for p in consultation.versions[0].paragraphs if p.text.startswith(first_words))
        first = create_user(db.session, "u0@example.org", "a-long-password", confirmed=True)
        # argon2 is deliberately slow: hash once, share the hash among the test citizens
        users = [first] + [User(email=f"u{i}@example.org", password_hash=first.password_hash,
                                display_name=f"u{i}", email_confirmed_at=now)
                           for i in range(1, citizens)]
        db.session.add_all(users)
        db.session.commit()
        # Outside testing a session needs its server-side record (accounts.models.UserSession).
        from consult.accounts import SESSION_KEY
        from consult.accounts.service import start_session
        keys = [start_session(db.session, u.id) for u in users]
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = [serializer.dumps({"_user_id": u.get_id(), "_fresh": True, SESSION_KEY: key})
                   for u, key in zip(users, keys, strict=True)]
    return app, anchor, cookies
