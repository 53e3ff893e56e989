"""Hostile input through render_comment and through a document's raw HTML and Markdown."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

import documents

VECTORS = [
    "[a](javascript:alert(1))",
    "[a](JaVaScRiPt:alert(1))",
    "[a](jav&#x09;ascript:alert(1))",
    "[a](&#106;avascript:alert(1))",
    "[a](&#x6A;avascript&#58;alert(1))",
    "[a](vbscript:msgbox(1))",
    "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "[a](\u2028javascript:alert(1))",
    "[a](<java\tscript:alert(1)>)",
    "[a][1]\n\n[1]: javascript:alert(1)",
    "[a][1]\n\n[1]: data:text/html,<script>alert(1)</script>",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example"><input name=x><button>go</button></form>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div onclick="alert(1)">x</div>',
    '<a href="#x" onmouseover="alert(1)">x</a>',
    "<style>body{display:none}</style>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "*<img src=x onerror=alert(1)>*",
    '[x](https://example.org "title\\" onmouseover=\\"alert(1)")',
    "<<script>script>alert(1)<</script>/script>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    "<details open ontoggle=alert(1)>",
    "[link](javascript&colon;alert(1))",
    "> " * 200 + "[a](javascript:alert(1))",
]

_BANNED = {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "input",
           "button", "textarea", "select", "noscript", "base", "link", "meta", "frame", "frameset"}
_URL_ATTRS = {"href", "src", "action", "formaction", "data", "xlink:href", "background", "cite"}
_NOISE = re.compile(r"[\x00-\x20\x7f]+")


class _Audit(HTMLParser):
    """Collects real tags and attributes, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def assert_safe(html: str, *, images_allowed: bool = False) -> None:
    assert "<script" not in html.lower()
    audit = _Audit()
    audit.feed(html)
    for tag, attrs in audit.tags:
        assert tag not in _BANNED, html
        assert tag != "img" or images_allowed, html
        assert tag != "h1" or images_allowed, html
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", html
            if name in _URL_ATTRS and value:
                probe = _NOISE.sub("", value).lower()
                assert not probe.startswith(("javascript:", "vbscript:", "data:")), html


@pytest.mark.parametrize("vector", VECTORS)
def test_comment_renderer_is_safe(vector):
    html = documents.render_comment(vector)
    assert_safe(html)
    assert_safe(documents.render_comment(html))  # rendering stored output again is still safe


@pytest.mark.parametrize("vector", VECTORS)
def test_document_import_is_safe(vector):
    try:
        doc = documents.parse("# Title\n\n" + vector + "\n\nAfter.\n")
    except documents.DocumentError as error:
        assert "nested" in error.message  # refusing a hostile file is safe too
        return
    for paragraph in doc.paragraphs:
        assert_safe(paragraph.html, images_allowed=True)
    assert_safe(documents.sanitize_document_html(vector), images_allowed=True)


def test_comment_features():
    html = documents.render_comment(
        "# Shouting\n\nSee [the policy](https://example.org/p) and **this**.\n\n"
        "![tracking pixel](https://evil.example/p.gif)\n\n<b>raw</b>")
    assert "<h1" not in html and "<p><strong>Shouting</strong></p>" in html
    assert '<a href="https://example.org/p" rel="nofollow ugc noopener">the policy</a>' in html
    assert "<img" not in html and "tracking pixel" in html
    assert "&lt;b&gt;raw&lt;/b&gt;" in html
    assert documents.render_comment("[x](/relative)") == "<p>[x](/relative)</p>"
    assert 'href="mailto:a@example.org"' in documents.render_comment("<mailto:a@example.org>")


def test_comment_deep_nesting_does_not_raise():
    for text in ("> " * 10000 + "x", "- " * 5000 + "x", "*" * 50000, "[" * 20000 + "x" + "]" * 20000,
                 "![" * 3000 + "x" + "](y)" * 3000):
        assert_safe(documents.render_comment(text))


def test_document_sanitiser_keeps_meaning_and_prefixes_ids():
    raw = ('<p>Text<sup id="fnr1"><a href="#fn1">1</a></sup><br/><u>u</u> <em>e</em></p>'
           '<ol type="i" start="2"><li id="fn1">note <a href="#fnr1">back</a></li></ol>'
           '<div class="box" style="color:red"><h3>Head<br/>line</h3></div>')
    clean = documents.sanitize_document_html(raw)
    assert '<sup id="src-fnr1"><a href="#src-fn1">1</a></sup>' in clean
    assert '<ol type="i" start="2"><li id="src-fn1">' in clean and 'href="#src-fnr1"' in clean
    assert "<u>u</u>" in clean and "<h3>Head<br>line</h3>" in clean
    assert "class=" not in clean and "style=" not in clean
    assert documents.sanitize_document_html(clean) == clean  # idempotent


def test_fast_path_markdown_without_raw_html_is_safe():
    """Blocks without raw HTML skip bleach; markdown-it must already have made them safe."""
    hostile = "\n\n".join([
        "[a](javascript:alert(1)) [b](vbscript:x) [c](data:text/html,x) ![d](data:image/png;base64,AA==)",
        "[e][r]\n\n[r]: javascript:alert(1)",
        "<javascript:alert(1)> &lt;script&gt; &#60;img src=x onerror=alert(1)&#62;",
        '[f](https://ok.example "t\\" onclick=\\"x")',
        "```js\" onclick=\"x\n<script>\n```",
        "| <x | y |\n| - | - |\n| `<script>` | z |",
    ])
    doc = documents.parse(hostile)
    for paragraph in doc.paragraphs:
        assert_safe(paragraph.html, images_allowed=True)
        assert "<script>" not in paragraph.html and "<x" not in paragraph.html
