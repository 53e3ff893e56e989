"""Hostile text through the whole page: comments and documents render with no script at all."""
from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from consult.extensions import db
from consult.models import Comment, Paragraph, utcnow

VECTORS = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "[a][1]\n\n[1]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    "![x](https://example.org/x.png\" onerror=\"alert(1))",
    "<img src=x onerror=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<a href=\"java\u0000script:alert(1)\">x</a>",
    "[x](\u2028javascript:alert(1))",
    "<iframe src=javascript:alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "[x](https://example.org \"title\" onclick=alert(1))",
]
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


class _Audit(HTMLParser):
    """Collects every script element, event-handler attribute and dangerous URL in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "iframe", "object", "embed", "svg", "math", "style"}:
            # our own pages load one script file; any other script element is a problem
            src = dict(attrs).get("src") or ""
            if not (tag == "script" and src.startswith("/static/")):
                self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in {"href", "src", "action", "formaction", "xlink:href"} and value:
                compact = "".join(value.split()).lower()
                if compact.startswith(BAD_SCHEMES):
                    self.problems.append(f"{tag}[{name}={value!r}]")


def audit(html: str) -> list[str]:
    """The XSS problems found in a page."""
    parser = _Audit()
    parser.feed(html)
    return parser.problems


@pytest.fixture
def hostile(make_consultation, make_user):
    """A consultation whose document and comments hold every vector; a citizen's id."""
    document = "# Hostile\n\n" + "\n\n".join(f"Vector {i}: {v}" for i, v in enumerate(VECTORS))
    make_consultation("hostile", document, closes_at=utcnow() + timedelta(days=1))
    return make_user("x@example.org")


def test_hostile_document_renders_without_script(client, hostile):
    html = client.get("/c/hostile").get_data(as_text=True)
    assert "Vector 0" in html
    assert audit(html) == []


def test_hostile_comments_render_without_script(client, hostile, app, auth):
    auth.login(hostile)
    with app.app_context():
        anchor = db.session.scalar(select(Paragraph.anchor).where(Paragraph.text.like("Vector 1:%")))
    for i, vector in enumerate(VECTORS):
        if i and i % 5 == 0:  # stay under the posting rate limit
            with app.app_context():
                for c in db.session.scalars(select(Comment)):
                    c.created_at -= timedelta(hours=2)
                db.session.commit()
        response = client.post(f"/c/hostile/p/{anchor}/comments",
                               data={"body": vector, "submission_key": f"x{i}"})
        if "\x00" in vector:  # control characters are refused outright, with a message
            assert response.status_code == 400
            assert audit(response.get_data(as_text=True)) == []
            continue
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
    html = client.get(f"/c/hostile/p/{anchor}?order=oldest").get_data(as_text=True)
    assert html.count('class="comment-body"') == len(VECTORS) - 1
    assert audit(html) == []
    assert audit(client.get("/me/comments").get_data(as_text=True)) == []
