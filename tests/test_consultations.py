"""Importing documents and reading consultations in the browser (test client)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.models import Consultation, DocumentVersion, Paragraph

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path(__file__).resolve().parents[1] / "demo" / "corpus"

DRAFT = CORPUS / "federal-source-code-policy" / "draft-2016-03"
FINAL = CORPUS / "federal-source-code-policy" / "final-2016-08"
DRAFT_ORDER = ["index", "introduction", "objectives", "scope", "procurement", "reuse", "oss",
               "Implementation", "Appendixa", "appendixb"]
FINAL_ORDER = ["introduction", "objectives", "scope", "solutions-analysis", "reuse", "oss",
               "exceptions", "Implementation", "Appendixa"]


def _import(runner, *args):
    return runner.invoke(args=["import", *map(str, args)])


def _import_federal(runner):
    files = [DRAFT / f"{n}.md" for n in DRAFT_ORDER]
    result = _import(runner, *files, "--slug", "fscp", "--title", "Federal Source Code Policy")
    assert result.exit_code == 0, result.output
    return result


def _import_final(runner):
    files = [FINAL / f"{n}.md" for n in FINAL_ORDER]
    result = _import(runner, *files, "--slug", "fscp", "--new-version", "--note", "Final policy M-16-21")
    assert result.exit_code == 0, result.output
    return result


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_import_joins_files_in_order_as_one_document(runner, session):
    result = _import_federal(runner)
    assert "Imported /c/fscp" in result.output
    version = session.scalars(select(DocumentVersion)).one()
    texts = [p.text for p in version.paragraphs]
    # index.md comes first, appendix B last: the order given on the command line.
    assert texts[0].startswith("Introduction for Public Comment")
    assert any("Software Procurement Analysis" in t for t in texts[-40:])
    numbers = [p.number for p in version.paragraphs]
    assert len(numbers) == len(set(numbers))


def test_document_page_numbers_every_paragraph_with_its_own_link(runner, client):
    _import_federal(runner)
    page = client.get("/c/fscp")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Federal Source Code Policy</h1>" in html
    # each paragraph has an id and a numbered link to its own page
    anchors = re.findall(r'<div class="para kind-[a-z_]+" id="([a-z0-9-]+)">', html)
    assert len(anchors) > 100 and len(anchors) == len(set(anchors))
    assert f'/c/fscp/p/{anchors[5]}"' in html
    assert 'class="toc"' in html and "Contents" in html


def test_paragraph_page_shows_the_paragraph_and_its_section(runner, client, session):
    _import_federal(runner)
    p = session.scalar(select(Paragraph).where(Paragraph.text.like("This policy requires that%")))
    page = client.get(f"/c/fscp/p/{p.anchor}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"Paragraph {p.number}" in html
    assert "This policy requires that" in html
    assert "Introduction for Public Comment" in html  # its section, in the breadcrumb
    assert client.get("/c/fscp/p/no-such-anchor").status_code == 404


def test_new_version_carries_anchors_and_shows_changes(runner, client, session):
    _import_federal(runner)
    first = {p.anchor: p.fingerprint for p in session.scalars(select(Paragraph))}
    result = _import_final(runner)
    assert "Published version 2 of /c/fscp" in result.output
    v2 = session.scalar(select(DocumentVersion).where(DocumentVersion.number == 2))
    for p in v2.paragraphs:
        if p.fingerprint in first.values() and p.change == "unchanged":
            assert first.get(p.anchor) == p.fingerprint
    assert {p.change for p in v2.paragraphs} == {"unchanged", "edited", "new"}

    versions = client.get("/c/fscp/versions").get_data(as_text=True)
    assert "Final policy M-16-21" in versions and "Version 2" in versions

    changes = client.get("/c/fscp/changes?from=1&to=2")
    html = changes.get_data(as_text=True)
    assert changes.status_code == 200
    assert "<ins>" in html and "<del>" in html
    assert "Removed" in html  # the procurement section went: shown, not hidden
    assert "Software Procurement Considerations" in html
    # Each change is under its own heading (a screen reader goes from one to the next), and a
    # removed paragraph's number links to its page (no "its page" links, the same words each time).
    changes_listed = html.count('<li class="change change-')
    assert changes_listed > 50 and html.count('<h2 class="change-label">') == changes_listed
    assert re.search(r'paragraph <a href="/c/fscp/p/[\w-]+">[\w.()]+</a> of version 1', html)
    assert "its page" not in html


def test_removed_paragraph_page_still_reads(runner, client, session):
    _import_federal(runner)
    _import_final(runner)
    v2_anchors = set(session.scalars(
        select(Paragraph.anchor).join(DocumentVersion).where(DocumentVersion.number == 2)))
    removed = session.scalars(
        select(Paragraph).join(DocumentVersion).where(DocumentVersion.number == 1)).all()
    gone = next(p for p in removed if p.anchor not in v2_anchors and p.kind == "paragraph")
    html = client.get(f"/c/fscp/p/{gone.anchor}").get_data(as_text=True)
    assert "has been removed from the current version" in html
    assert gone.text[:40] in html.replace("&#39;", "'").replace("&quot;", '"') or gone.number in html


def test_changes_between_versions_that_do_not_exist_is_a_clear_404(runner, client):
    _import_federal(runner)
    page = client.get("/c/fscp/changes?from=1&to=7")
    assert page.status_code == 404
    assert "versions 1 to 1" in page.get_data(as_text=True)


def test_slug_already_taken_is_refused(runner, session, tmp_path):
    _import_federal(runner)
    doc = tmp_path / "a.md"
    doc.write_text("# Title\n\nSome text.\n")
    result = _import(runner, doc, "--slug", "fscp")
    assert result.exit_code == 1
    assert "already taken" in result.output
    assert _count(session, Consultation) == 1


def test_bad_files_are_refused_with_a_reason_and_nothing_is_stored(runner, session, tmp_path):
    good = tmp_path / "good.md"
    good.write_text("# Fine\n\nA paragraph.\n")
    latin1 = tmp_path / "latin1.md"
    latin1.write_bytes("# Caf\xe9\n\nText\n".encode("latin-1"))
    empty = tmp_path / "empty.md"
    empty.write_text("")
    dupes = tmp_path / "dupes.md"
    dupes.write_text("## Fees {#fees}\n\nText.\n\n## More {#fees}\n\nMore.\n")
    broken = tmp_path / "broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\n\nText\n")
    cases = {latin1: "UTF-8", empty: "no paragraphs", dupes: "fees", broken: "line"}
    for bad, expected in cases.items():
        # the good file first: a failure in the second file must not half-import the first
        result = _import(runner, good, bad, "--slug", "joined")
        assert result.exit_code == 1, bad
        assert expected.lower() in result.output.lower(), result.output
    assert _count(session, Consultation) == 0
    assert _count(session, Paragraph) == 0


def test_bad_slug_is_refused(runner, tmp_path):
    doc = tmp_path / "a.md"
    doc.write_text("# T\n\nText.\n")
    result = _import(runner, doc, "--slug", "Not A Slug!")
    assert result.exit_code == 1 and "not usable" in result.output


def test_unknown_consultation_is_404_and_drafts_are_not_public(runner, client, tmp_path):
    doc = tmp_path / "a.md"
    doc.write_text("# Draft\n\nNot yet.\n")
    assert _import(runner, doc, "--slug", "secret-draft", "--draft").exit_code == 0
    assert client.get("/c/secret-draft").status_code == 404
    assert client.get("/c/nothing-here").status_code == 404
    assert "secret-draft" not in client.get("/").get_data(as_text=True)


def test_demo_loads_the_federal_draft_and_accounts(runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for role in ("citizen", "moderator", "official", "admin"):
        assert role in result.output
    assert "Federal Source Code Policy" in client.get("/").get_data(as_text=True)
    assert client.get("/c/federal-source-code-policy").status_code == 200
    # running it again changes nothing and does not fail
    assert runner.invoke(args=["demo"]).exit_code == 0


@pytest.mark.slow  # loads the whole demo (`consult demo`): `make test` runs it, `make test-fast` does not
def test_demo_leaves_a_moderator_two_held_comments_to_decide(runner, client, app, auth):
    """A new user trying the demo as its moderator finds a queue to work on, with reasons."""
    from consult.extensions import db

    assert runner.invoke(args=["demo"]).exit_code == 0
    auth.login("moderator@demo.consult.test")
    queue = client.get("/moderation/").get_data(as_text=True)
    assert len(re.findall(r'<tr class="queue-item', queue)) == 2
    assert "a phone number" in queue and "It contains a link." in queue
    # The published demo comments are there for readers; the held one is not.
    with app.app_context():
        anchor = db.session.scalar(select(Paragraph.anchor).where(
            Paragraph.text.startswith("This chapter explains how trust works")))
    page = client.get(f"/c/eudi-wallet-trust-model/p/{anchor}").get_data(as_text=True)
    assert "who checks that a relying party is still registered" in page
    assert "07700" not in page
    assert runner.invoke(args=["demo"]).exit_code == 0  # not posted twice
    assert len(re.findall(r'<tr class="queue-item', client.get("/moderation/").get_data(as_text=True))) == 2


def test_security_headers_on_every_page(runner, client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    for part in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert part in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Referrer-Policy" in response.headers


def test_the_changes_page_of_a_single_version_says_there_is_nothing_to_compare(runner, client):
    """Staff walkthrough: it read "What changed from version 1 to version 1 … 0 edited … 180 unchanged"."""
    _import_federal(runner)
    page = client.get("/c/fscp/changes").get_data(as_text=True)
    assert "<h1>Version 1</h1>" in page and "There is only one version of this document so far" in page
    assert "What changed from version 1 to version 1" not in page and "change-counts" not in page
