"""How sure assisted counting is, learnt from the official's own counting (numpy only).

    threshold_for(scores, right) -> float     the score from which a suggestion is `confident`
    cut_for_more(confidences, right, themes_given) -> float
                                              the confidence from which a theme after a text's
                                              first is suggested too

Both read the cross-validated suggestions for the comments counted by hand (`_calibration` in
consult/responses/suggest.py): their scores or calibrated confidences, and whether the official
had counted each comment under the suggested theme.
"""
from __future__ import annotations

import numpy as np

TARGET_PRECISION = 0.9  # "confident": cross-validated suggestions above the threshold were this often right
PREDICTED = 0.5  # a theme after the first is suggested from this confidence when too few are counted to learn it
CUTS = (0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2)  # the confidences `cut_for_more` chooses among


def cut_for_more(confidences: np.ndarray, right: np.ndarray, themes_given: float) -> float:
    """The confidence from which a theme after a text's first is suggested too: the one that made
    the cross-validated suggestions' micro-F1 highest on the counted texts (the first is always
    suggested). It follows how many themes the official gives a comment: near PREDICTED when
    comments raise one theme each, lower when they raise several (a theme is then worth
    suggesting from about half the F1 reachable, as the theory of F1-optimal thresholds says)."""
    first = float(right[:, 0].sum())
    best_f1, cut = -1.0, PREDICTED
    for candidate in CUTS:  # highest first: a tie keeps the shorter lists
        made = confidences[:, 1:] >= candidate
        hits = first + float(right[:, 1:][made].sum())
        f1 = 2 * hits / max(len(right) + int(made.sum()) + themes_given, 1)
        if f1 > best_f1 + 1e-9:
            best_f1, cut = f1, float(candidate)
    return cut


def threshold_for(scores: np.ndarray, right: np.ndarray) -> float:
    """The lowest score from which the cross-validated suggestions were right often enough:
    the lower Wilson bound (one-sided, about 84%) of their precision at least TARGET_PRECISION,
    so that a lucky streak among few suggestions does not pass for a reliable one."""
    order = np.argsort(-scores, kind="stable")
    n = np.arange(1, len(order) + 1)
    p = np.cumsum(right[order]) / n
    z2 = 1.0  # z = 1
    lower = (p + z2 / (2 * n) - np.sqrt(z2 * (p * (1 - p) / n + z2 / (4 * n * n)))) / (1 + z2 / n)
    ok = np.flatnonzero(lower >= TARGET_PRECISION)
    return float(scores[order][ok.max()]) if len(ok) else float("inf")
