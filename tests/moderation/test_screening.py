"""Automatic screening finds personal data, links, listed words and shouting, and never deletes."""
from __future__ import annotations

import pytest

from moderation.screening import (
    NEAR_DUPLICATE,
    bands,
    estimated_similarity,
    normalise,
    redact,
    screen,
    shingles,
    similarity,
    sketch,
)


def codes(text, **kw):
    return [r.code for r in screen(text, **kw)]


@pytest.mark.parametrize("text, code", [
    ("Write to me at jane.doe+consult@example.co.uk please", "personal_data:email"),
    ("Call 07700 900123 after six", "personal_data:phone"),
    ("My office is on +44 20 7946 0958.", "personal_data:phone"),
    ("I live at SW1A 1AA near the park", "personal_data:postcode"),
    ("my postcode is m11ae", "personal_data:postcode"),
    ("NI number QQ 12 34 56 C", "personal_data:ni_number"),
    ("I was born on 12/03/1985 in Leeds", "personal_data:date_of_birth"),
    ("Date of birth: 3 March 1990", "personal_data:date_of_birth"),
    ("See https://spam.example/buy now", "link"),
    ("see www.example.org", "link"),
])
def test_each_kind_of_problem_is_found(text, code):
    assert code in codes(text)


@pytest.mark.parametrize("text", [
    "The policy should cover 20 percent of new code in 2016.",
    "Section 4.2 conflicts with paragraph 5.1 and Appendix A.",
    "Agencies spent $6 billion on software last year.",
    "I agree with the pilot, but the 3-year review is too short.",
])
def test_ordinary_comments_are_not_held(text):
    assert screen(text) == []


def test_banned_and_suspect_words_match_whole_words_only():
    assert codes("You idiot", banned=["idiot"]) == ["banned_word"]
    assert codes("Idiotic is not the listed word", banned=["idiot"]) == []
    assert codes("That is rubbish", suspect=["rubbish"]) == ["suspect_word"]


def test_shouting_needs_length_and_a_majority_of_capitals():
    assert codes("THIS POLICY IS A DISGRACE AND MUST GO") == ["shouting"]
    assert codes("NO WAY") == []
    assert codes("The OMB and GSA should use OSS and FOSS widely") == []


def test_reasons_carry_the_rule_and_spans_for_redaction():
    text = "Email me: ann@example.org or call 07700 900123."
    reasons = screen(text)
    assert {r.rule for r in reasons} == {"personal-information"}
    spans = [s for r in reasons for s in r.spans]
    assert redact(text, spans) == "Email me: [removed] or call [removed]."


def test_near_identical_campaign_texts_are_similar_and_different_texts_are_not():
    a = shingles("I strongly support releasing all federal code as open source software by default.")
    b = shingles("I strongly support releasing ALL federal code as open-source software by default!")
    c = shingles("The pilot should measure cost savings in each agency separately.")
    assert similarity(a, b) > 0.6
    assert similarity(a, c) < 0.1
    assert normalise("Hello,  WORLD!") == "hello world"


TEMPLATE = ("Please keep the visitor permits free for carers: they visit every day, often twice, "
            "and a fee would fall on the people least able to pay it.")


def test_sketches_of_a_template_with_a_line_added_share_a_band_and_score_as_near_identical():
    edited = f"Dear council, {TEMPLATE} My mother depends on it."
    other = "The pilot should measure cost savings in each agency separately, and report yearly."
    mine, theirs, unrelated = sketch(TEMPLATE), sketch(edited), sketch(other)
    assert set(bands(mine)) & set(bands(theirs))
    assert estimated_similarity(mine, theirs) >= NEAR_DUPLICATE
    assert not set(bands(mine)) & set(bands(unrelated))
    assert estimated_similarity(mine, unrelated) < 0.2
    assert sketch("") == () and estimated_similarity((), mine) == 0.0
