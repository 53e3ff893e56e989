"""carry_anchors: comments must follow their paragraph from one version to the next."""
from __future__ import annotations

import documents

V1 = """# Charging policy

## Fees {#fees}

Councils may charge a reasonable fee for the collection of garden waste from households.

The fee must not exceed the cost of providing the service in the previous year.

## Exemptions

People receiving pension credit are exempt from the garden waste charge entirely.

Duplicate line.

Duplicate line.
"""

V2 = """# Charging policy

## Exemptions

People receiving pension credit or universal credit are exempt from the garden waste charge entirely.

Duplicate line.

Duplicate line.

## Fees and charges {#fees}

Councils may charge a reasonable fee for the collection of garden waste from households.

A completely unrelated new paragraph about bin colours and collection days.
"""


def carried() -> tuple[documents.Document, documents.Document]:
    old, new = documents.parse(V1), documents.parse(V2)
    return old, documents.carry_anchors(old, new)


def test_pinned_anchor_survives_edit_and_move():
    old, new = carried()
    fees = new.by_anchor("fees")
    assert fees.text == "Fees and charges" and fees.status == "edited"
    assert fees.previous_anchor == "fees" and fees.number == "2"


def test_unchanged_paragraph_keeps_anchor_after_moving():
    old, new = carried()
    before = next(p for p in old.paragraphs if p.text.startswith("Councils may charge"))
    after = next(p for p in new.paragraphs if p.text.startswith("Councils may charge"))
    assert after.anchor == before.anchor and after.status == "unchanged"
    assert after.section == "fees"


def test_edited_paragraph_keeps_anchor():
    old, new = carried()
    before = next(p for p in old.paragraphs if p.text.startswith("People receiving"))
    after = next(p for p in new.paragraphs if p.text.startswith("People receiving"))
    assert after.anchor == before.anchor and after.status == "edited"
    change = documents.diff(before, after)
    assert change.changed and [op for op, _ in change.ops] == ["equal", "insert", "equal"]
    assert "".join(text for op, text in change.ops if op != "delete") == after.text
    assert "universal" in change.html.split("<ins>")[1]


def test_repeated_paragraphs_are_matched_one_to_one_in_order():
    old, new = carried()
    old_dupes = [p.anchor for p in old.paragraphs if p.text == "Duplicate line."]
    new_dupes = [p.anchor for p in new.paragraphs if p.text == "Duplicate line."]
    assert new_dupes == old_dupes and len(set(new_dupes)) == 2


def test_new_paragraph_never_takes_a_removed_or_reserved_anchor():
    old, new = carried()
    removed = [p for p in new.removed]
    assert [p.text for p in removed] == [
        "The fee must not exceed the cost of providing the service in the previous year."]
    fresh = next(p for p in new.paragraphs if p.text.startswith("A completely unrelated"))
    assert fresh.status == "new" and fresh.previous_anchor is None
    old_anchors = {p.anchor for p in old.paragraphs}
    assert fresh.anchor not in old_anchors

    # The removed paragraph comes back word for word in version 3, next to a new one whose
    # derived anchor would have been the removed paragraph's: only the real one gets it.
    v3 = documents.parse(V2 + "\nThe fee must not exceed the cost of providing the service in the previous year.\n")
    documents.carry_anchors(new, v3, reserved=[p.anchor for p in new.removed])
    back = v3.paragraphs[-1]
    assert back.status == "new" and back.anchor != removed[0].anchor
    assert back.anchor.startswith(removed[0].anchor + "-")


def test_headings_do_not_match_body_text():
    old = documents.parse("## Garden waste collection charges\n\nText one here.\n")
    new = documents.parse("Garden waste collection charges apply\n\n## Something else\n\nText one here.\n")
    documents.carry_anchors(old, new)
    heading = old.paragraphs[0]
    # The body paragraph holding the old heading's words is new: it does not take its anchor.
    body = new.paragraphs[0]
    assert body.kind == "paragraph"
    assert body.status == "new" and body.previous_anchor is None and body.anchor != heading.anchor
    assert [p.anchor for p in new.removed] == [heading.anchor]
    assert all(p.previous_anchor != heading.anchor or p.kind == "heading" for p in new.paragraphs)
    assert new.paragraphs[2].status == "unchanged"


def test_statuses_and_counts_add_up():
    old, new = carried()
    statuses = [p.status for p in new.paragraphs]
    assert set(statuses) <= {"unchanged", "edited", "new"}
    assert len(new.paragraphs) - statuses.count("new") + len(new.removed) == len(old.paragraphs)
    anchors = [p.anchor for p in new.paragraphs]
    assert len(set(anchors)) == len(anchors)
