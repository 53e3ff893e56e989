"""How many themes assisted counting suggests per comment (issue 16): the cut for the themes
after a comment's first is learnt from the comments the official counted, so a consultation
whose comments raise several themes each is suggested several, and one whose comments raise one
is not padded with unlikely ones."""
from __future__ import annotations

import numpy as np

from consult.responses.suggest_confidence import PREDICTED, cut_for_more, threshold_for


def counted(second_right: float, n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """Cross-validated suggestions for `n` counted comments: the first right 70% of the time at
    confidence 0.7, the second at confidence 0.3-0.45 and right `second_right` of the time."""
    rng = np.random.default_rng(seed)
    confidences = np.column_stack([np.full(n, 0.7), rng.uniform(0.3, 0.45, n), np.full(n, 0.05)])
    right = np.column_stack([rng.random(n) < 0.7, rng.random(n) < second_right, np.zeros(n, bool)]).astype(float)
    return confidences, right, float(right.sum())


def test_comments_with_one_theme_each_are_not_suggested_a_second():
    confidences, right, given = counted(second_right=0.1)
    assert cut_for_more(confidences, right, given) > 0.45


def test_comments_raising_two_themes_are_suggested_both():
    confidences, right, given = counted(second_right=0.6)
    assert cut_for_more(confidences, right, given) <= 0.3


def test_a_tie_keeps_the_shorter_lists():
    confidences, right, given = counted(second_right=0.0)
    assert cut_for_more(confidences, right, given) >= PREDICTED


def test_confident_from_where_the_suggestions_were_right_nine_times_in_ten():
    scores = np.linspace(1, 0, 200)
    right = (np.arange(200) < 100).astype(float)  # the best half right, the rest wrong
    cut = threshold_for(scores, right)
    assert scores[110] <= cut <= scores[60]
    assert threshold_for(scores, np.zeros(200)) == float("inf")
