"""Suggested themes and assisted counting (issue 16): the algorithms on small texts written
for these tests, including the bad input an official may give them."""
from __future__ import annotations

import random

import pytest

from consult.responses.suggest import (
    MIN_THEME_TEXTS,
    SuggestedTheme,
    SuggestError,
    Suggestion,
    suggest_assignments,
    suggest_themes,
)

# Three topics with their own words, and words any comment may use.
TOPICS = {
    "Parking": ["the car park is always full", "parking costs too much", "no parking spaces near the entrance",
                "the parking machines were broken", "I drove round the car park for an hour",
                "disabled parking bays are too far away", "parking fees should be lower"],
    "Food": ["the food was cold", "meals were tasty and hot", "more vegetarian food please",
             "the sandwiches were stale", "breakfast came late every morning", "the menu needs more choice",
             "lovely soup at lunch"],
    "Waiting": ["I waited three hours to be seen", "the waiting time was far too long",
                "my appointment was delayed twice", "we waited weeks for a referral",
                "the queue in reception was long", "waiting list of six months", "nobody told us about the delay"],
}
FILLER = ["", "Thanks.", "Otherwise fine.", "Please fix this.", "Overall okay.", "That is all."]


def comments(per_topic: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """`per_topic` different comments on each topic (two phrases of it and a filler), and the topic of each."""
    rng = random.Random(seed)
    texts, topics = [], []
    for _ in range(per_topic):
        for topic, phrases in TOPICS.items():
            a, b = rng.sample(phrases, 2)
            texts.append(f"{a.capitalize()}, and {b}. {rng.choice(FILLER)}".strip())
            topics.append(topic)
    return texts, topics


def coded_share(topics: list[str], every: int = 5) -> dict[int, set[str]]:
    return {i: {t} for i, t in enumerate(topics) if i % every == 0}


# --- assisted counting ---------------------------------------------------------------------

def test_suggestions_follow_the_hand_counted_themes():
    texts, topics = comments(40)
    coded = coded_share(topics)
    lists = suggest_assignments(texts, coded)
    assert len(lists) == len(texts)
    rest = [i for i in range(len(texts)) if i not in coded]
    right = sum(lists[i][0].theme == topics[i] for i in rest)
    assert right >= 0.9 * len(rest)
    for i in rest:
        assert all(isinstance(s, Suggestion) and 0.0 <= s.confidence <= 1.0 for s in lists[i])
        assert [s.confidence for s in lists[i]] == sorted((s.confidence for s in lists[i]), reverse=True)


def test_coded_texts_get_no_suggestions():
    texts, topics = comments(20)
    coded = coded_share(topics)
    lists = suggest_assignments(texts, coded)
    assert all(lists[i] == [] for i in coded)
    assert all(lists[i] for i in range(len(texts)) if i not in coded)


def test_confident_suggestions_name_only_coded_themes_and_are_right_here():
    texts, topics = comments(40)
    coded = coded_share(topics)
    coded[1] = {"Food", "Waiting"}  # a comment under two themes
    coded[7] = set()  # considered, no theme
    named = {t for ts in coded.values() for t in ts}
    lists = suggest_assignments(texts, coded)
    confident = [(i, s) for i, ss in enumerate(lists) for s in ss if s.confident]
    assert confident, "clear-cut comments should be offered for acceptance"
    assert all(s.theme in named for _, s in confident)
    assert sum(s.theme == topics[i] for i, s in confident) >= 0.9 * len(confident)


def test_a_copy_of_a_counted_text_is_suggested_its_themes():
    texts, topics = comments(20)
    texts.append("  " + texts[0].upper() + "!!")  # same words, other case and punctuation
    coded = coded_share(topics)
    coded[0] = {"Waiting"}  # whatever the words say, the official's choice is repeated
    suggestion = suggest_assignments(texts, coded)[-1][0]
    assert suggestion.theme == "Waiting" and suggestion.confidence == 1.0 and suggestion.confident


def test_results_are_the_same_every_time():
    texts, topics = comments(30)
    coded = coded_share(topics)
    assert suggest_assignments(texts, coded) == suggest_assignments(list(texts), dict(coded))
    assert suggest_themes(texts, max_themes=3) == suggest_themes(list(texts), max_themes=3)


def test_working_a_slice_at_a_time_changes_no_result(monkeypatch):
    """The memory-saving slices (word triples hashed for a few texts at a time, the feature
    matrices joined a few rows at a time) give the same themes and suggestions as one pass."""
    from consult.responses import suggest

    texts, topics = comments(30)
    campaign = "Keep the minor injuries unit open at weekends, the nearest one is an hour away by bus"
    variants = [campaign, campaign.replace("weekends", "the weekend"), campaign.replace("bus", "car")]
    for k in range(12):  # near-identical copies spread over many slices, to be grouped across them
        texts.insert(7 * k + 3, variants[k % 3])
        topics.insert(7 * k + 3, "Unit")
    coded = coded_share(topics, every=4)
    whole = suggest_themes(texts, max_themes=4), suggest_assignments(texts, coded)
    monkeypatch.setattr(suggest, "_SKETCH_TEXTS", 5)
    monkeypatch.setattr(suggest, "_STACK_ROWS", 3)
    sliced = suggest_themes(texts, max_themes=4), suggest_assignments(texts, coded)
    assert sliced == whole
    unit = [t for t in whole[0] if 3 in t.members]
    assert len(unit) == 1 and {7 * k + 3 for k in range(12)} <= set(unit[0].members)  # one campaign group


def test_fewer_than_two_themes_is_refused_with_a_reason():
    texts, topics = comments(10)
    with pytest.raises(SuggestError, match="at least two themes"):
        suggest_assignments(texts, {0: {"Food"}, 3: {"Food"}})
    with pytest.raises(SuggestError, match="under a theme"):
        suggest_assignments(texts, {0: set(), 1: []})
    with pytest.raises(SuggestError, match="by hand first"):
        suggest_assignments(texts, {})


def test_one_theme_and_comments_with_no_theme_can_be_told_apart():
    texts, topics = comments(20)
    coded = {i: ({"Food"} if t == "Food" else set()) for i, t in enumerate(topics) if i % 4 == 0}
    lists = suggest_assignments(texts, coded)
    food = [i for i, t in enumerate(topics) if t == "Food" and i not in coded]
    assert all(lists[i][0].theme == "Food" for i in food)


def test_a_theme_with_a_single_example_is_learnt_without_error():
    texts, topics = comments(20)
    texts.append("The ward was very noisy at night and I could not sleep.")
    texts.append("Noisy ward at night, hardly slept.")
    coded = coded_share(topics)
    coded[len(texts) - 2] = {"Noise"}
    lists = suggest_assignments(texts, coded)
    assert any(s.theme == "Noise" for s in lists[-1])


def test_twenty_comments_in_all():
    texts, topics = comments(7)
    texts, topics = texts[:20], topics[:20]
    lists = suggest_assignments(texts, {0: {topics[0]}, 1: {topics[1]}, 2: {topics[2]}})
    assert len(lists) == 20 and all(lists[i] for i in range(3, 20))
    assert not any(s.confident for ss in lists for s in ss)  # too few counted to vouch for any
    themes = suggest_themes(texts)
    assert themes and all(isinstance(t, SuggestedTheme) for t in themes)
    assert sorted(i for t in themes for i in t.members) == list(range(20))


def test_a_theme_given_as_a_string_is_one_theme():
    texts, topics = comments(10)
    lists = suggest_assignments(texts, {0: "Parking", 1: "Food", 2: "Waiting"})
    assert {s.theme for ss in lists for s in ss} <= {"Parking", "Food", "Waiting"}


def test_a_coded_index_out_of_range_is_refused():
    texts, topics = comments(5)
    with pytest.raises(SuggestError, match="not among"):
        suggest_assignments(texts, {0: {"Food"}, 99: {"Parking"}})


def test_empty_and_emoji_only_comments():
    texts, topics = comments(20)
    texts += ["", "   ", "?!", "👍👍", "😡"]
    coded = coded_share(topics)
    lists = suggest_assignments(texts, coded)
    assert lists[-5] == lists[-4] == lists[-3] == []  # nothing to read
    themes = suggest_themes(texts, max_themes=3)
    assert not {len(texts) - 5, len(texts) - 4, len(texts) - 3} & {i for t in themes for i in t.members}
    with pytest.raises(SuggestError, match="no words"):
        suggest_assignments(texts, {len(texts) - 5: {"Food"}, len(texts) - 3: {"Parking"}})
    with pytest.raises(SuggestError):
        suggest_themes(["", " ", "...", "👍", "👍", "😡"])
    emoji = suggest_assignments(["👍", "😡", "👍👍", "🙂", "😡😡"], {0: {"Good"}, 1: {"Bad"}})
    assert emoji[2] and emoji[4] and {s.theme for ss in emoji for s in ss} <= {"Good", "Bad"}


def test_welsh_comments():
    welsh = ["Roedd y bwyd yn oer iawn", "Mae angen mwy o lefydd parcio", "Arhosais dair awr i gael fy ngweld",
             "Roedd y staff yn garedig iawn", "Bwyd blasus a phoeth", "Dim digon o le i barcio'r car",
             "Roedd yr amser aros yn rhy hir", "Diolch yn fawr i'r nyrsys"]
    texts, topics = comments(20)
    texts += welsh
    coded = coded_share(topics)
    coded[len(texts) - 8] = {"Food"}
    lists = suggest_assignments(texts, coded)
    assert all(lists[i] for i in range(len(texts) - 7, len(texts)))
    themes = suggest_themes(welsh + welsh[::-1] + [w + " heddiw" for w in welsh])
    assert themes and all(t.label for t in themes)


# --- suggested themes ----------------------------------------------------------------------

def test_themes_separate_the_topics():
    texts, topics = comments(40)
    themes = suggest_themes(texts, max_themes=3)
    assert len(themes) == 3
    assert [t.size for t in themes] == sorted((t.size for t in themes), reverse=True)
    for theme in themes:
        kinds = [topics[i] for i in theme.members]
        assert max(kinds.count(k) for k in TOPICS) >= 0.9 * len(kinds)
        assert theme.terms and theme.label
        assert set(theme.representatives) <= set(theme.members)
    assert {topics[t.representatives[0]] for t in themes} == set(TOPICS)


def test_a_campaign_counts_once_and_does_not_dominate():
    texts, topics = comments(30)
    campaign = ("Stop the closure of the maternity unit now. It serves the whole valley, mothers would have to "
                "travel for an hour to the city, and the unit must stay open for the families who rely on it")
    copies = [campaign] * 400 + [campaign.replace("whole valley", "entire valley")] * 50 + [campaign.upper() + "!"] * 50
    themes = suggest_themes(texts + copies, max_themes=4)
    first = len(texts)
    holding = [t for t in themes if first in t.members]
    assert len(holding) == 1
    theme = holding[0]
    assert set(range(first, first + len(copies))) <= set(theme.members)  # every copy listed
    once = suggest_themes(texts + [campaign], max_themes=4)  # the same comments with the campaign sent once
    assert [(t.label, t.size) for t in themes] == [(t.label, t.size) for t in once]  # the copies change no count
    assert [t.members for t in themes if first not in t.members] == [t.members for t in once if first not in t.members]
    assert sum(1 for r in theme.representatives if r >= first) <= 1
    assert [t.size for t in themes] == sorted((t.size for t in themes), reverse=True)  # ranked by size, not copies


def test_many_identical_campaign_texts():
    campaign = "Keep our local hospital open, we need it."
    texts = [campaign] * 100_000
    with pytest.raises(SuggestError, match="different"):
        suggest_themes(texts)
    lists = suggest_assignments(texts + ["Parking is awful here"], {0: {"Keep open"}, 100_000: {"Parking"}})
    assert lists[1] == [Suggestion("Keep open", 1.0, True)] and lists[-1] == [] and lists[0] == []


def test_too_few_different_texts_for_themes():
    with pytest.raises(SuggestError, match=str(MIN_THEME_TEXTS)):
        suggest_themes(["Food was cold", "Parking was full", "Food was cold."])
    with pytest.raises(SuggestError, match="at least one theme"):
        suggest_themes(comments(5)[0], max_themes=0)
    with pytest.raises(SuggestError, match="list"):
        suggest_themes("one long text rather than a list of them")


def test_a_comment_is_suggested_as_many_themes_as_it_raises():
    """Comments on one topic get one suggestion; comments on two get both (the cut for the
    themes after the first is learnt from how the official counted)."""
    rng = random.Random(3)
    texts, themes = [], []
    names = sorted(TOPICS)
    for n in range(240):
        if n % 2:
            a, b = rng.sample(names, 2)
            texts.append(f"{rng.choice(TOPICS[a]).capitalize()}, and {rng.choice(TOPICS[b])}.")
            themes.append({a, b})
        else:
            a = rng.choice(names)
            texts.append(f"{rng.choice(TOPICS[a]).capitalize()}, and {rng.choice(TOPICS[a])}. {rng.choice(FILLER)}")
            themes.append({a})
    coded = {i: themes[i] for i in range(0, len(texts), 4)} | {i: themes[i] for i in range(1, len(texts), 4)}
    lists = suggest_assignments(texts, coded)
    rest = [i for i in range(len(texts)) if i not in coded]
    exact = [i for i in rest if {s.theme for s in lists[i]} == themes[i]]
    assert len(exact) >= 0.8 * len(rest)
    single = [i for i in rest if len(themes[i]) == 1]
    assert sum(len(lists[i]) == 1 for i in single) >= 0.8 * len(single)
    double = [i for i in rest if len(themes[i]) == 2]
    assert sum(len(lists[i]) == 2 for i in double) >= 0.8 * len(double)


def test_many_counted_texts_are_calibrated_on_three_folds_with_the_same_quality(monkeypatch):
    """A large consultation's calibration uses three folds (CALIBRATION_FEW_FOLDS counted texts
    and more): the suggestions stay right and confident ones are still offered."""
    import consult.responses.suggest as suggest

    texts, topics = comments(40)
    coded = coded_share(topics)
    folds: list[int] = []
    real = suggest.KFold
    monkeypatch.setattr(suggest, "KFold", lambda n, **kw: folds.append(n) or real(n, **kw))
    suggest_assignments(texts, coded)
    monkeypatch.setattr(suggest, "CALIBRATION_FEW_FOLDS", 10)
    three = suggest_assignments(texts, coded)
    assert folds == [5, 3]
    rest = [i for i in range(len(texts)) if i not in coded]
    assert sum(three[i][0].theme == topics[i] for i in rest) >= 0.9 * len(rest)
    confident = [(i, s) for i in rest for s in three[i] if s.confident]
    assert confident and sum(s.theme == topics[i] for i, s in confident) >= 0.9 * len(confident)


def test_labels_leave_out_web_addresses_and_are_told_apart():
    # Staff walkthrough: two proposed themes were both named "Example, http, org" (the demo's
    # link-carrying comments): an address's pieces name no theme, and no two labels are the same.
    rng = random.Random(5)
    texts = []
    for n in range(30):
        link = f"https://www.example.org/page{n}"
        texts.append(f"Parking permits cost too much money for carers {rng.randint(1, 9)}, see {link}")
        texts.append(f"Bus services stop too early in the evening {rng.randint(1, 9)}, see {link}")
        texts.append(f"Cycle lanes are blocked by delivery vans {rng.randint(1, 9)}, see {link}")
    themes = suggest_themes(texts, max_themes=3)
    labels = [t.label for t in themes]
    assert len(set(labels)) == len(labels)
    for label in labels:
        assert not {"http", "https", "www", "org", "example"} & set(label.lower().replace(",", " ").split()), label


def test_distinct_labels_reach_further_down_the_terms_for_a_repeated_label():
    from consult.responses.suggest_words import distinct_labels

    assert distinct_labels([["fees", "permits", "cost"], ["fees", "permits", "cost", "carers"], []]) == [
        "Fees, permits, cost", "Fees, permits, carers", "Other"]
