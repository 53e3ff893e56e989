"""A paragraph rewritten through and through is shown whole, "before and after": on Welsh pages
those words are Welsh, marked as Welsh inside the English text's diff (WCAG 3.1.2)."""
from __future__ import annotations

import re

from consult.consultations.service import publish_version
from consult.extensions import db
from consult.models import Consultation

# Anchors pinned ({#...} on the line after), so the rewritten paragraph counts as edited.
V1 = ("# Parking\n\nThe scheme will cost $9 billion over ten years.\n{#cost}\n\n"
      "Visitors pay by the hour at machines in each street, cash only, until six.\n{#visitors}\n")
V2 = ("# Parking\n\nThe scheme will cost $6 billion over ten years.\n{#cost}\n\n"
      "Everyone parking for a day buys a ticket online or by phone before arriving.\n{#visitors}\n")

ENGLISH_WORDS = ("Largely rewritten", "<dt>Before</dt>", "<dt>After</dt>", ">Before<", ">After<")


def _rewrite(app, made) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, made.id)
        publish_version(db.session, consultation, [("parking.md", V2)], note="Cheaper.")
        db.session.commit()


def _diff_block(page: str) -> str:
    """The side-by-side diff: from its note to the end of its list."""
    match = re.search(r'<p class="diff-note".*?</dl>', page, re.S)
    assert match, "no side-by-side diff on the page"
    return match.group(0)


def test_the_changes_page_in_welsh_labels_a_rewrite_in_welsh(app, client, make_consultation):
    made = make_consultation("parking", V1)
    _rewrite(app, made)
    page = client.get("/c/parking/changes?from=1&to=2&lang=cy").get_data(as_text=True)
    shown = _diff_block(page)
    for english in ENGLISH_WORDS:
        assert english not in shown
    assert '<p class="diff-note" lang="cy">Wedi&#x27;i ailysgrifennu i raddau helaeth' in shown
    assert '<dt lang="cy">Cyn</dt><dd>Visitors pay by the hour' in shown
    assert '<dt lang="cy">Ar ôl</dt><dd>Everyone parking' in shown
    # The texts stay English, inside the diff marked English on the Welsh page.
    assert '<div class="diff" lang="en"><p class="diff-note" lang="cy">' in page


def test_the_changes_page_in_english_keeps_english_labels(app, client, make_consultation):
    made = make_consultation("parking", V1)
    _rewrite(app, made)
    page = client.get("/c/parking/changes?from=1&to=2&lang=en").get_data(as_text=True)
    shown = _diff_block(page)
    assert "Largely rewritten, so shown whole: before and after." in shown
    assert ">Before</dt><dd>Visitors pay" in shown and ">After</dt><dd>Everyone parking" in shown


def test_a_comment_on_a_rewritten_paragraph_compares_it_in_welsh(app, client, make_consultation,
                                                                   make_user, make_comment):
    made = make_consultation("parking", V1)
    author = make_user("carer@example.org")
    make_comment(made, author, "Cash only shuts out visitors without cards.", anchor="visitors")
    _rewrite(app, made)
    page = client.get("/c/parking/p/visitors?lang=cy").get_data(as_text=True)
    shown = _diff_block(page)
    for english in ENGLISH_WORDS:
        assert english not in shown
    assert '<dt lang="cy">Cyn</dt><dd>Visitors pay by the hour' in shown
    assert '<dt lang="cy">Ar ôl</dt><dd>Everyone parking' in shown


def test_a_rewritten_text_is_still_escaped_beside_welsh_labels(app, client, make_consultation):
    made = make_consultation("parking", V1)
    with app.app_context():
        consultation = db.session.get(Consultation, made.id)
        marked = V2.replace("before arriving.", "before arriving & pays <5 pounds>.")
        publish_version(db.session, consultation, [("parking.md", marked)], note="Cheaper.")
        db.session.commit()
    page = client.get("/c/parking/changes?from=1&to=2&lang=cy").get_data(as_text=True)
    shown = _diff_block(page)
    assert '<dt lang="cy">Ar ôl</dt><dd>Everyone parking' in shown
    assert "before arriving &amp; pays &lt;5 pounds&gt;." in shown and "<5 pounds>" not in shown
