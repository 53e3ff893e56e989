"""carry_anchors, issue 18: editing patterns seen in real revisions, each stated on a small
made-up pair of versions, with a counter-example that must not be carried."""
from __future__ import annotations

import documents


def _carry(before: str, after: str) -> tuple[documents.Document, documents.Document]:
    old, new = documents.parse(before), documents.parse(after)
    return old, documents.carry_anchors(old, new)


def _find(doc: documents.Document, start: str) -> documents.Paragraph:
    return next(p for p in doc.paragraphs if p.text.startswith(start))


def _same_paragraph(old: documents.Document, new: documents.Document, old_start: str, new_start: str) -> bool:
    return _find(new, new_start).previous_anchor == _find(old, old_start).anchor


SCOPE = "This policy applies to every agency that develops or buys custom software code."
FEES = "Agencies publish their fees for access to the repository once a year."
PAY = "Payment is due within thirty days of the invoice being issued by the agency."
ASK = "Send your questions to the policy team by the closing date of the consultation."
SUMMARY = "A summary of the responses will be published within twelve weeks of the closing date."
WSCD = "Figure 2 showed four different types of architecture for the secure device, which are:"
TYPES = ["Remote WSCD", "Local external WSCD", "Local internal WSCD", "Local native WSCD"]


def _types(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def test_a_paragraph_moved_far_ahead_does_not_stop_rewrites_after_it_keeping_their_anchors():
    """Every item of a list gains a cross-reference; the first, "Remote WSCD", is two words of
    seven afterwards. It is the only item left between its matched neighbours, so it keeps its
    anchor, even though a paragraph from the end of the document moved to its start (matches in
    reading order are the longest such run, not whatever follows the first match)."""
    before = f"{SCOPE}\n\n{WSCD}\n\n{_types(TYPES)}\n\n{FEES}\n\n{PAY}\n\n{ASK}\n"
    extended = [f"{item}, see Section 4.5.{k}" for k, item in enumerate(TYPES, start=2)]
    after = f"{ASK}\n\n{SCOPE}\n\n{WSCD}\n\n{_types(extended)}\n\n{FEES}\n\n{PAY}\n"
    old, new = _carry(before, after)
    assert _find(new, ASK).status == "unchanged" and _same_paragraph(old, new, ASK, ASK)
    for item, now in zip(TYPES, extended, strict=True):
        assert _find(new, now).previous_anchor == next(p.anchor for p in old.paragraphs if p.text == item)

    # An unrelated item in its place is new, the moved paragraph notwithstanding.
    replaced = ["Cloud signing service", *extended[1:]]
    old, new = _carry(before, f"{ASK}\n\n{SCOPE}\n\n{WSCD}\n\n{_types(replaced)}\n\n{FEES}\n\n{PAY}\n")
    assert _find(new, "Cloud signing").status == "new"
    assert [p.text for p in new.removed] == ["Remote WSCD"]


STEPS = [
    "The intermediary registers once as a Relying Party with a Registrar and obtains an access certificate.",
    "Note that this approach implies that an intermediary acting only as an intermediary will not need a "
    "registration certificate, while an end Relying Party using the services of an intermediary will not "
    "need an access certificate either.",
    "The intermediary deletes any attestations it obtained from the Wallet Unit once it has forwarded them.",
]


def test_a_paragraph_rewritten_inside_a_section_that_moved_keeps_its_anchor():
    """A section moved to another chapter, its middle paragraph rewritten to half its words: too
    little alike for a paragraph that moved on its own, but its neighbours on both sides moved
    with it, so it is the paragraph between them."""
    before = (f"{SCOPE}\n\n## Intermediaries\n\n{STEPS[0]}\n\n{STEPS[1]}\n\n{STEPS[2]}\n\n## Fees\n\n{FEES}\n\n"
              f"{PAY}\n\n## Questions\n\n{ASK}\n\n{SUMMARY}\n")
    shortened = ("With this approach an intermediary acting only as an intermediary will not need a registration "
                 "certificate; it uses its own access certificate for every request it sends to a Wallet Unit.")
    moved = f"## Intermediaries\n\n{STEPS[0]}\n\n{shortened}\n\n{STEPS[2]}\n"
    after = f"{SCOPE}\n\n## Fees\n\n{FEES}\n\n{PAY}\n\n## Questions\n\n{ASK}\n\n{SUMMARY}\n\n{moved}"
    old, new = _carry(before, after)
    assert _find(new, STEPS[0]).status == "unchanged"
    assert _same_paragraph(old, new, "Note that this approach", "With this approach")
    assert _find(new, "With this approach").status == "edited"

    # Another paragraph written between the same moved neighbours is new.
    other = ("Note that the Registrar may charge the intermediary a fee for each end Relying Party it "
             "registers on its behalf.")
    old, new = _carry(before, after.replace(shortened, other))
    assert _find(new, "Note that the Registrar").status == "new"
    assert _find(old, "Note that this approach").anchor in {p.anchor for p in new.removed}


DISCUSSED = ("Section 6.6.3 discussed the trust relationships necessary when a Wallet Unit receives a request "
             "from a Relying Party Instance and presents attributes to it.")
EXTENSION = ("However, the Regulation requires that a Wallet Unit is also able to receive such a request from "
             "another Wallet Unit, and present attributes to that requesting Wallet Unit. In this context the "
             "framework calls the requesting unit the Verifier Wallet Unit and the presenting one the Holder "
             "Wallet Unit. The User of a Holder Wallet Unit is called a Holder, and the User of a Verifier Wallet "
             "Unit is called a Verifier; both are natural persons acting in a private capacity.")


def test_a_paragraph_extended_to_several_times_its_length_in_place_keeps_its_anchor():
    """Its old text is still there word for word, at its start; the rest is new. Word similarity
    is low (a fifth of the new words were there before), containment is what says it."""
    before = (f"{SCOPE}\n\n{FEES}\n\n{DISCUSSED}\n\nWallet-to-Wallet interactions take place in proximity only."
              f"\n\n{PAY}\n")
    after = f"{SCOPE}\n\n{FEES}\n\n{DISCUSSED} {EXTENSION}\n\n{PAY}\n"
    old, new = _carry(before, after)
    assert _same_paragraph(old, new, "Section 6.6.3 discussed", "Section 6.6.3 discussed")
    assert _find(new, "Section 6.6.3 discussed").status == "edited"
    assert [p.text for p in new.removed] == ["Wallet-to-Wallet interactions take place in proximity only."]

    # The new paragraph keeps only some of the old words, or not in their order: new.
    scrambled = ("A Relying Party Instance receives attributes from a Wallet Unit when it sends a request; "
                 "Section 6.6.3 discussed this. ")
    old, new = _carry(before, after.replace(DISCUSSED, scrambled))
    assert _find(new, "A Relying Party Instance").status == "new"



FORMAT = ("The format of the registration certificate, as well as the way in which the Wallet Unit can verify "
          "that it belongs to the authenticated Relying Party, will be specified in a technical specification.")


def test_a_paragraph_cut_down_to_a_sentence_of_itself_between_matched_neighbours_keeps_its_anchor():
    """Its first sentence deleted, its last kept: the only paragraph left between two matched
    neighbours, and every word of it was there, in order."""
    before = f"{SCOPE}\n\n{FEES}\n\n{FORMAT} For more information, see Topic 44.\n\n{PAY}\n\n{ASK}\n"
    after = f"{SCOPE}\n\n{FEES}\n\nFor more information, see Topic 44.\n\n{PAY}\n\n{ASK}\n"
    old, new = _carry(before, after)
    assert _same_paragraph(old, new, "The format of the registration", "For more information")
    assert new.removed == []

    # A sentence that only shares some of its words is another paragraph.
    old, new = _carry(before, after.replace("For more information, see Topic 44.",
                                            "For information on fees, see the annex to this policy."))
    assert _find(new, "For information on fees").status == "new"


POLICY = ("During attestation issuance, an Attestation Provider optionally has embedded a disclosure policy in the "
          "attestation. Such an embedded disclosure policy contains rules determining which types of Relying Party "
          "are allowed by the Attestation Provider to receive specific attributes from the attestation. Note that "
          "the Regulation does not contain a requirement for PIDs to be able to contain an embedded disclosure "
          "policy, but only for QEAAs and PuB-EAAs.")
POLICY_FIRST = ("During attestation issuance, an Attestation Provider can optionally create an embedded disclosure "
                "policy for the attestation and provide it to Wallet Units in its metadata. Such an embedded "
                "disclosure policy contains rules determining which types of Relying Parties are allowed by the "
                "Attestation Provider to receive the attestation.")
POLICY_SECOND = ("Note that the Regulation does not contain a requirement for PIDs to be able to contain an "
                 "embedded disclosure policy, only for QEAAs and PuB-EAAs.")


def test_a_paragraph_split_in_two_edited_and_moved_keeps_its_anchor_on_the_larger_piece():
    """Neither piece alone is like enough to the old paragraph for one that moved; together
    they are, and more than either alone. The larger piece keeps the anchor, the smaller says
    where it came from."""
    before = (f"{SCOPE}\n\n## Presentation\n\n{POLICY}\n\n{FEES}\n\n{PAY}\n\n## Issuance\n\n{ASK}\n\n{SUMMARY}\n")
    after = (f"{SCOPE}\n\n## Presentation\n\n{FEES}\n\n{PAY}\n\n## Issuance\n\n{ASK}\n\n"
             f"{POLICY_FIRST}\n\n{POLICY_SECOND}\n\n{SUMMARY}\n")
    old, new = _carry(before, after)
    original = _find(old, "During attestation issuance")
    larger, smaller = _find(new, "During attestation issuance"), _find(new, "Note that the Regulation")
    assert larger.previous_anchor == original.anchor and larger.status == "edited"
    assert smaller.status == "new" and smaller.split_from == original.anchor

    # The first piece next to an unrelated paragraph: together they are no better, so new.
    unrelated = "Wallet Providers publish a list of the devices on which their Wallet Solution can be installed."
    old, new = _carry(before, after.replace(POLICY_SECOND, unrelated))
    assert _find(new, "During attestation issuance").status == "new"
    assert _find(new, "Wallet Providers publish").status == "new"
    assert original.anchor in {p.anchor for p in new.removed}
