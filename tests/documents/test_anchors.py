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


# Issue 18: what real revisions do to paragraphs.

def _carry(before: str, after: str) -> tuple[documents.Document, documents.Document]:
    old, new = documents.parse(before), documents.parse(after)
    return old, documents.carry_anchors(old, new)


def _find(doc: documents.Document, start: str) -> documents.Paragraph:
    return next(p for p in doc.paragraphs if p.text.startswith(start))


BODY = {
    "scope": "This policy applies to every agency that develops or buys custom software code.",
    "fees": "Agencies publish their fees for access to the repository once a year.",
    "pay": "Payment is due within thirty days of the invoice being issued by the agency.",
    "ask": "Send your questions to the policy team by the closing date of the consultation.",
}


def test_renumbered_headings_keep_their_anchors():
    """"6. Questions" -> "7. Questions" after a section is inserted: the same heading."""
    before = (f"# 5. Scope\n\n{BODY['scope']}\n\n# 6. Questions\n\n{BODY['ask']}\n")
    after = (f"# 5. Scope\n\n{BODY['scope']}\n\n# 6. Payment\n\n{BODY['pay']}\n\n"
             f"# 7. Questions\n\n{BODY['ask']}\n")
    old, new = _carry(before, after)
    questions = _find(new, "7. Questions")
    assert questions.previous_anchor == _find(old, "6. Questions").anchor
    assert questions.status == "edited"  # its number changed: readers are told
    assert _find(new, "6. Payment").status == "new"


def test_a_deleted_heading_does_not_pass_its_anchor_to_the_renumbered_next_one():
    """Old 4.2 deleted, old 4.3 became 4.2: the new 4.2 is the old 4.3."""
    before = (f"## 4.1 Scope\n\n{BODY['scope']}\n\n## 4.2 Fees\n\n{BODY['fees']}\n\n"
              f"## 4.3 Payment\n\n{BODY['pay']}\n")
    pay = BODY["pay"].replace("thirty", "sixty")
    after = f"## 4.1 Scope\n\n{BODY['scope']}\n\n## 4.2 Payment\n\n{pay}\n"
    old, new = _carry(before, after)
    assert _find(new, "4.2 Payment").previous_anchor == _find(old, "4.3 Payment").anchor
    removed = {p.text for p in new.removed}
    assert removed == {"4.2 Fees", BODY["fees"]}


def test_lettered_heading_goes_to_its_words_not_to_its_letter():
    before = (f"## B. Fees\n\n{BODY['fees']}\n\n## C. Acceptable Use\n\n{BODY['scope']}\n\n"
              f"## D. Payment\n\n{BODY['pay']}\n")
    after = (f"## 1. Fees\n\n{BODY['fees']}\n\n## C. Compliance with Laws; Acceptable Use; Privacy\n\n"
             f"Every user must obey the law.\n\n## 3. Payment\n\n{BODY['pay']}\n\n"
             f"## 2. Acceptable Use\n\n{BODY['scope']}\n")
    old, new = _carry(before, after)
    assert _find(new, "2. Acceptable Use").previous_anchor == _find(old, "C. Acceptable Use").anchor
    assert _find(new, "3. Payment").previous_anchor == _find(old, "D. Payment").anchor
    assert _find(new, "C. Compliance").status == "new"


def test_removing_one_of_two_identical_paragraphs_keeps_the_survivors_anchor():
    first = "See the guidance for details."
    tail = "\n\n".join(f"Paragraph {n} of the annex, on a subject of its own." for n in range(5))
    before = (f"{BODY['scope']}\n\n{first}\n\n{BODY['fees']}\n\n{first}\n\n{BODY['pay']}\n")
    # The document grows after it: by relative position, the removed copy looks nearer.
    after = f"{BODY['scope']}\n\n{BODY['fees']}\n\n{first}\n\n{BODY['pay']}\n\n{tail}\n"
    old, new = _carry(before, after)
    copies = [p.anchor for p in old.paragraphs if p.text == first]
    survivor = _find(new, first)
    assert survivor.anchor == copies[1] and survivor.status == "unchanged"
    assert [p.anchor for p in new.removed] == [copies[0]]


def test_the_larger_piece_of_a_split_keeps_the_anchor_and_the_smaller_says_where_it_came_from():
    whole = ("Agencies must publish at least twenty percent of new custom code as open source "
             "software each year, and report on it to the Office. The Office publishes the reports "
             "on its website.")
    before = f"{BODY['scope']}\n\n{whole}\n\n{BODY['pay']}\n"
    after = (f"{BODY['scope']}\n\nAgencies must publish at least twenty percent of new custom code as "
             f"open source software each year, and report on it to the Office.\n\n"
             f"The Office publishes the reports on its website.\n\n{BODY['pay']}\n")
    old, new = _carry(before, after)
    larger, smaller = _find(new, "Agencies must"), _find(new, "The Office publishes")
    original = _find(old, "Agencies must")
    assert larger.previous_anchor == original.anchor and larger.status == "edited"
    assert smaller.status == "new" and smaller.anchor != original.anchor
    assert smaller.split_from == original.anchor
    assert new.removed == []


def test_a_moderate_rewrite_in_place_keeps_the_anchor():
    """Similarity about 0.5, between unchanged neighbours: the same paragraph, edited."""
    before = (f"{BODY['scope']}\n\nIf a discussion in an issue or pull request gets out of control, "
              f"maintainers may lock it.\n\n{BODY['pay']}\n")
    pay = BODY["pay"].replace("thirty", "sixty")
    after = (f"{BODY['scope']}\n\nWhen a discussion in an issue, pull request, or commit gets out of hand, "
             f"goes off topic, or breaks our rules, our moderators may lock the whole conversation for a "
             f"while.\n\n{pay}\n")
    old, new = _carry(before, after)
    assert _find(new, "When a discussion").previous_anchor == _find(old, "If a discussion").anchor


def test_a_renamed_heading_keeps_its_anchor_when_its_old_words_are_all_there():
    before = (f"## 5.1 Pilot Program\n\n{BODY['scope']}\n\n## 5.2 Fees\n\n{BODY['fees']}\n")
    scope = BODY["scope"].replace("every agency", "each agency")
    after = (f"## 5.1 Pilot Program: Publication of Custom-Developed Code as OSS\n\n{scope}\n\n"
             f"## 5.2 Fees\n\n{BODY['fees']}\n")
    old, new = _carry(before, after)
    assert _find(new, "5.1 Pilot").previous_anchor == _find(old, "5.1 Pilot").anchor


def test_an_unrelated_paragraph_in_the_place_of_a_deleted_one_is_new():
    before = f"{BODY['scope']}\n\n{BODY['fees']}\n\n{BODY['pay']}\n"
    after = (f"{BODY['scope']}\n\nSmall businesses may ask for a grant towards the cost of migration "
             f"to shared platforms.\n\n{BODY['pay']}\n")
    old, new = _carry(before, after)
    assert _find(new, "Small businesses").status == "new"
    assert [p.text for p in new.removed] == [BODY["fees"]]


def test_a_moved_paragraph_is_carried_only_when_it_is_nearly_the_same():
    moved = "Every agency names a senior official who is accountable for its code inventory."
    before = f"{moved}\n\n{BODY['scope']}\n\n{BODY['fees']}\n\n{BODY['pay']}\n"
    after = (f"{BODY['scope']}\n\n{BODY['fees']}\n\n{BODY['pay']}\n\n"
             "Every agency names one senior official who is accountable for its code inventory.\n")
    old, new = _carry(before, after)
    assert _find(new, "Every agency").previous_anchor == _find(old, "Every agency").anchor
    # Moved and rewritten beyond recognition: new, and the old anchor is not reused.
    after = (f"{BODY['scope']}\n\n{BODY['fees']}\n\n{BODY['pay']}\n\n"
             "An official in each agency keeps the list of its software up to date.\n")
    old, new = _carry(before, after)
    assert _find(new, "An official").status == "new"


def test_a_renamed_heading_follows_its_section_not_a_namesake_elsewhere():
    """"5.1 Introduction" became "5.1 Attestation elements" (its paragraphs stayed under it);
    the new "7.1 Introduction" of another chapter is new: "Introduction" is a heading many
    chapters have, so its words alone say little."""
    intro = "Attestations are made of attributes, metadata and a proof of their integrity."
    more = "Each element is described in the sections below, with its encoding rules."
    fees = f"## 6 Fees\n\n### 6.1 Introduction\n\n{BODY['fees']}\n"
    before = f"## 5 Data model\n\n### 5.1 Introduction\n\n{intro}\n\n{more}\n\n{fees}"
    after = (f"## 5 Data model\n\n### 5.1 Attestation elements\n\n{intro}\n\n{more}\n\n{fees}\n"
             f"## 7 Payment\n\n### 7.1 Introduction\n\n{BODY['pay']}\n")
    old, new = _carry(before, after)
    assert _find(new, "5.1 Attestation").previous_anchor == _find(old, "5.1 Introduction").anchor
    assert _find(new, "7.1 Introduction").status == "new"


def test_heavy_rewrites_left_one_for_one_between_unchanged_neighbours_keep_their_anchors():
    """Two list items rewritten (similarity about a third each, after a real ARF 2.8 -> 2.9
    edit), the only paragraphs left between matched neighbours: the same items, edited."""
    before = (f"{BODY['scope']}\n\n- the validity period of a PID cannot exceed the end of validity of the WUA "
              f"received during issuance\n- WIAs contain information about the Wallet Instance only, not about "
              f"the solution\n\n{BODY['pay']}\n")
    after = (f"{BODY['scope']}\n\n- the technical validity period of a PID must never go past the date on which "
             f"the Wallet Provider stops maintaining the revocation status of its keys\n- a WIA describes the "
             f"Wallet Instance together with the solution name, its version and the certification it holds"
             f"\n\n{BODY['pay']}\n")
    old, new = _carry(before, after)
    assert _find(new, "the technical validity").previous_anchor == _find(old, "the validity period").anchor
    assert _find(new, "a WIA describes").previous_anchor == _find(old, "WIAs contain").anchor
    assert [p.status for p in new.paragraphs] == ["unchanged", "edited", "edited", "unchanged"]


def test_unrelated_items_in_the_place_of_deleted_ones_stay_new_however_few():
    before = (f"{BODY['scope']}\n\n- the validity period of a PID cannot exceed the end of validity of the WUA\n"
              f"- WIAs contain information about the Wallet Instance only\n\n{BODY['pay']}\n")
    after = (f"{BODY['scope']}\n\n- small businesses may ask for a grant towards migration costs\n"
             f"- regional offices report their spending every quarter\n\n{BODY['pay']}\n")
    old, new = _carry(before, after)
    assert [p.status for p in new.paragraphs] == ["unchanged", "new", "new", "unchanged"]
    assert len(new.removed) == 2
