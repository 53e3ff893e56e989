"""Browser journeys: a real gunicorn serving a temporary instance, driven by Debian's Chromium.

One server and one browser per session; a fresh browser context (cookies, storage) per test.
Chromium is never downloaded: without /usr/bin/chromium the journeys skip, except under
CI=true, where they fail (CI must not skip them).
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import quality

REPO = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 15_000


# --------------------------------------------------------------------------- the server


@dataclass
class LiveServer:
    """A running Consult instance."""

    url: str
    instance: Path
    outbox_dir: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment_reads(*keys: str) -> bool:
    """Whether consult's configuration takes these settings from environment variables."""
    from consult.config import from_environment

    read = from_environment({key: "1" for key in keys})
    return all(key in read for key in keys)


def _gunicorn_has(setting: str) -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(s.name == setting for s in KNOWN_SETTINGS)


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer {url} within {timeout:.0f}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """gunicorn (2 workers) serving a fresh SQLite instance with the demo loaded."""
    instance = tmp_path_factory.mktemp("browser-instance")
    outbox_dir = instance / "outbox"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{instance / 'consult.sqlite3'}",
        "SECRET_KEY": secrets.token_hex(32),
        "CONSULT_ENV": "development",
        "SEARCH_INDEX_DIR": str(instance / "search-index"),
        "OUTBOX_DIR": str(outbox_dir),
        "SHOW_OUTBOX": "true",
        "PYTHONUNBUFFERED": "1",
    }
    for key in ("MAIL_SERVER", "HTTPS"):
        env.pop(key, None)
    # Both commands in one interpreter: `consult init-db` then `consult demo`.
    setup = subprocess.run(
        [sys.executable, "-c",
         "from consult.cli import cli\n"
         "cli.main(['init-db'], prog_name='consult', standalone_mode=False)\n"
         "from consult import create_app\nfrom consult.extensions import db\na=create_app()\nwith a.app_context(): db.create_all()\n"
         "cli.main(['demo'], prog_name='consult', standalone_mode=False)\n"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180,
    )
    if setup.returncode != 0:
        pytest.fail(f"consult init-db / demo failed:\n{setup.stdout}\n{setup.stderr}")

    # wsgi:app reads its settings from the environment; where consult.config does not (yet)
    # read OUTBOX_DIR / SHOW_OUTBOX from it, pass them to the factory gunicorn calls instead.
    if _environment_reads("OUTBOX_DIR", "SHOW_OUTBOX"):
        app_spec = "wsgi:app"
    else:
        app_spec = f"consult:create_app({{'OUTBOX_DIR': {str(outbox_dir)!r}, 'SHOW_OUTBOX': True}})"
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
               "--graceful-timeout", "2", "--access-logfile", "-"]
    if _gunicorn_has("control_socket_disable"):
        # Recent gunicorn opens a control socket at one shared path (~/.gunicorn/gunicorn.ctl):
        # a second server on the machine (a developer's, another test run) would collide.
        command.append("--no-control-socket")
    log = instance / "gunicorn.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [*command, app_spec],
            cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url + "/", process, log)
        yield LiveServer(url=url, instance=instance, outbox_dir=outbox_dir, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


# --------------------------------------------------------------------------- quality gates


@pytest.fixture(scope="session", autouse=True)
def quality_log(tmp_path_factory):
    """Collect what check_page saw; at the end validate every page's HTML in one java run."""
    validator = quality.HtmlValidator.create(tmp_path_factory.mktemp("html-pages"))
    quality.LOG = quality.QualityLog(validator=validator)
    yield quality.LOG
    try:
        problems = validator.run()
    finally:
        report = quality.LOG.write_report()
        quality.LOG = None
    if problems:
        pytest.fail(
            f"HTML validity ({validator.engine}): {len(problems)} error(s) in "
            f"{len(validator.pages)} page(s) checked (details in {report}):\n"
            + "\n".join(problems),
            pytrace=False,
        )


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, launched once."""
    executable = shutil.which("chromium")
    if not executable:
        message = "Chromium is not installed (apt-get install chromium); never downloaded."
        if IN_CI:
            pytest.fail("CI must run the browser journeys: " + message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context: new_page(javascript=True, storage_state=None)."""
    contexts = []

    def open_page(*, javascript: bool = True, storage_state=None):
        context = browser.new_context(
            base_url=live_server.url, java_script_enabled=javascript,
            storage_state=storage_state, viewport={"width": 1280, "height": 900},
            locale="en-GB", timezone_id="Europe/London",
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        quality.track_documents(page, javascript=javascript)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page with JavaScript on, in its own context."""
    return new_page()


@pytest.fixture
def page_without_js(new_page):
    """A page with JavaScript off, in its own context."""
    return new_page(javascript=False)
