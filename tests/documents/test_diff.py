"""Diffs by whole tokens (issue 17): numbers, words and URLs never split; rewrites side by side."""
from __future__ import annotations

import re

import pytest

import documents
from documents.diff import tokens


def _old(d: documents.Diff) -> str:
    return "".join(text for op, text in d.ops if op != "insert")


def _new(d: documents.Diff) -> str:
    return "".join(text for op, text in d.ops if op != "delete")


def test_a_changed_amount_is_replaced_whole_not_digit_by_digit():
    # The first example: "$9 -> $6 billion" used to read "$96 billion".
    d = documents.diff("The scheme will cost $9 billion.", "The scheme will cost $6 billion.")
    assert d.html == "The scheme will cost <del>$9</del><ins>$6</ins> billion."
    assert not d.side_by_side


def test_a_number_with_thousands_keeps_its_shared_digits_inside_the_change():
    # The second example: "50,000 -> 42,000" used to read "5042,000".
    d = documents.diff("About 50,000 people replied.", "About 42,000 people replied.")
    assert d.html == "About <del>50,000</del><ins>42,000</ins> people replied."


@pytest.mark.parametrize("token", ["$9", "£1.5bn", "42,000", "3.5%", "-5%", "2026-12-31", "v1.2.3",
                                   "10:30", "20°C", "US$5", "don't", "people’s", "well-known",
                                   "and/or", "COVID-19"])
def test_numbers_and_words_with_inner_marks_are_one_token(token):
    assert tokens(f"See {token} here.") == ["See", " ", token, " ", "here", "."]


@pytest.mark.parametrize("old, new", [("3.5%", "3.7%"), ("2026-12-31", "2026-12-30"),
                                      ("v1.2.3", "v1.2.4"), ("well-known", "well-loved")])
def test_a_token_that_changed_in_part_is_shown_whole(old, new):
    d = documents.diff(f"Read {old} now.", f"Read {new} now.")
    assert d.html == f"Read <del>{old}</del><ins>{new}</ins> now."


def test_urls_and_email_addresses_stay_whole_without_the_full_stop_after_them():
    old = "Write to fees@council.gov.uk or see https://www.gov.uk/guidance/parking-2026?x=1&y=2."
    new = "Write to permits@council.gov.uk or see https://www.gov.uk/guidance/parking-2027?x=1&y=2."
    assert "https://www.gov.uk/guidance/parking-2026?x=1&y=2" in tokens(old)
    assert "fees@council.gov.uk" in tokens(old)
    d = documents.diff(old, new)
    assert d.html == (
        "Write to <del>fees@council.gov.uk</del><ins>permits@council.gov.uk</ins> or see "
        "<del>https://www.gov.uk/guidance/parking-2026?x=1&amp;y=2</del>"
        "<ins>https://www.gov.uk/guidance/parking-2027?x=1&amp;y=2</ins>.")


def test_unicode_words_stay_whole_with_their_accents_and_combining_marks():
    # Welsh, German, Hindi (vowel signs are combining marks), and a decomposed "é" (e + U+0301).
    for word in ("ŵyr", "Straße", "हिन्दी", "cafe\u0301"):
        assert tokens(f"{word} x") == [word, " ", "x"]
    d = documents.diff("Mae'r ŵyr yn dod.", "Mae'r wyres yn dod.")
    assert d.html == "Mae&#x27;r <del>ŵyr</del><ins>wyres</ins> yn dod."


def test_whitespace_is_its_own_token_and_tokens_give_the_text_back():
    text = "Fees\trise  by 3.5%\nfrom 1 April — see www.gov.uk/fees, p. 4."
    assert "".join(tokens(text)) == text
    assert all(t.isspace() or not any(c.isspace() for c in t) for t in tokens(text))


def test_a_light_edit_stays_inline():
    old = ("Residents pay a yearly fee of £120 for a permit, and visitors pay by the hour "
           "in every zone of the town.")
    new = ("Residents pay a monthly fee of £10 for a permit, and visitors pay by the hour "
           "in every zone of the town.")
    d = documents.diff(old, new)
    assert not d.side_by_side and d.changed_share < 0.2
    assert "<del>yearly</del><ins>monthly</ins>" in d.html and "<del>£120</del><ins>£10</ins>" in d.html
    assert "Before" not in d.html
    assert (_old(d), _new(d)) == (old, new)


def test_a_heavy_rewrite_is_shown_side_by_side_labelled_before_and_after():
    old = "Visitors pay by the hour at machines in each street, cash only, until six."
    new = "Everyone parking for a day buys a ticket online or by phone before arriving."
    d = documents.diff(old, new)
    assert d.side_by_side and d.changed_share > 0.6
    assert "<ins>" not in d.html and "<del>" not in d.html
    # (The labels carry the reader's lang when an application has said which it is.)
    before, after = re.search(r"<dt[^>]*>Before</dt>", d.html), re.search(r"<dt[^>]*>After</dt>", d.html)
    assert before and after
    assert before.end() <= d.html.index(old) < after.start() and after.end() <= d.html.index(new)
    assert (d.old_html, d.new_html) == (old, new)
    # The word-by-word operations are still there for anyone who wants them.
    assert (_old(d), _new(d)) == (old, new)


def test_the_rewrite_rule_sits_at_sixty_percent_of_the_tokens():
    base = "one two three four five six seven eight nine ten"
    words = base.split()
    # Changing 3 words of 10 changes 6 tokens of 20 (both sides counted): inline.
    three = " ".join(["x1", "x2", "x3", *words[3:]])
    assert documents.diff(base, three).changed_share == pytest.approx(0.3)
    assert not documents.diff(base, three).side_by_side
    # 7 of 10: 14 of 20 tokens changed, beyond 60%: side by side.
    seven = " ".join([*(f"x{i}" for i in range(7)), *words[7:]])
    assert documents.diff(base, seven).changed_share == pytest.approx(0.7)
    assert documents.diff(base, seven).side_by_side


def test_a_short_text_rewritten_stays_inline_as_one_change():
    d = documents.diff("Fees", "What you pay")
    assert not d.side_by_side and d.html == "<del>Fees</del><ins>What you pay</ins>"


def test_spaces_between_changes_fold_into_one_change_instead_of_a_salad():
    d = documents.diff("We will charge a fee", "We shall levy the fee")
    assert d.html == "We <del>will charge a</del><ins>shall levy the</ins> fee"


def test_text_is_escaped_inline_and_side_by_side():
    inline = documents.diff("Say <b>hi</b> now.", "Say <script>alert(1)</script> now.")
    assert inline.html == ("Say &lt;<del>b</del><ins>script</ins>&gt;<del>hi</del><ins>alert(1)</ins>"
                           "&lt;/<del>b</del><ins>script</ins>&gt; now.")
    rewritten = documents.diff('An "old" text about fees and zones <i>here</i>.',
                               "<script>alert('x')</script> & something else entirely new")
    assert rewritten.side_by_side
    assert "<script>" not in rewritten.html and "<i>" not in rewritten.html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp;" in rewritten.html
    assert "&quot;old&quot;" in rewritten.html


def test_unchanged_text_is_one_equal_run():
    d = documents.diff("Nothing changed at all, 42,000 times.", "Nothing changed at all, 42,000 times.")
    assert not d.changed and d.changed_share == 0 and not d.side_by_side
    assert d.ops == [("equal", "Nothing changed at all, 42,000 times.")]


def test_changes_page_shows_a_rewritten_paragraph_side_by_side(app, client, make_consultation):
    from consult.consultations.service import publish_version
    from consult.extensions import db
    from consult.models import Consultation

    # Anchors pinned ({#...} on the line after), so the rewritten paragraph counts as edited.
    v1 = ("# Parking\n\nThe scheme will cost $9 billion over ten years.\n{#cost}\n\n"
          "Visitors pay by the hour at machines in each street, cash only, until six.\n{#visitors}\n")
    v2 = ("# Parking\n\nThe scheme will cost $6 billion over ten years.\n{#cost}\n\n"
          "Everyone parking for a day buys a ticket online or by phone before arriving.\n"
          "{#visitors}\n")
    made = make_consultation("parking", v1)
    with app.app_context():
        consultation = db.session.get(Consultation, made.id)
        publish_version(db.session, consultation, [("parking.md", v2)], note="Cheaper.")
        db.session.commit()
    page = client.get("/c/parking/changes?from=1&to=2").get_data(as_text=True)
    assert "cost <del>$9</del><ins>$6</ins> billion" in page
    assert '<div class="diff-side diff-before"><dt lang="en">Before</dt><dd>Visitors pay by the hour' in page
    assert '<div class="diff-side diff-after"><dt lang="en">After</dt><dd>Everyone parking' in page
