"""Suggested themes and assisted counting: the algorithms alone (no Flask, no database).

    suggest_themes(texts, max_themes=30, language=None) -> list[SuggestedTheme]  unsupervised, largest first
    suggest_assignments(texts, coded) -> list[list[Suggestion]]               one list per text, best first

Both work on the comments' texts only, are deterministic (fixed random states, stable hashes)
and raise `SuggestError` when there is nothing sensible to suggest: its message is English as
it stands and keeps its message id and values (consult/responses/suggest_errors.py), so that the
page shows it in the reader's language. scikit-learn is used here and nowhere else in the application.

Campaign groups: texts that are identical once case, punctuation and spacing are ignored, or
near-identical (a template with a few words changed: MinHash over word triples, estimated
overlap >= 0.7, texts of at least five words), are one campaign group. A group counts once
when themes are found (its size is reported, it never outweighs a single comment), and a
text identical to one counted by hand is suggested the same themes.

Assisted counting: word and character n-gram TF-IDF plus an LSA projection fitted on every
text (the uncounted ones too), one logistic regression per theme (multi-label); with the
optional `wordllama` package, also one per theme over static word embeddings (suggest_embeddings.py). Confidence is
calibrated by 5-fold cross-validation on the counted texts (isotonic regression of "the theme
was right" on the model's score), and a suggestion is `confident` when its score is above the
threshold from which the cross-validated suggestions were at least 90% right (lower Wilson
bound, so a few lucky guesses do not set it). A text is suggested its most likely theme and any
other from the confidence that gave the counted texts' cross-validated suggestions their best
micro-F1, so the lists are as long as the official's own counting says comments' themes are
(consult/responses/suggest_confidence.py). Measured quality: docs/suggest-quality.md.

Languages: `suggest_themes_by_language` and `suggest_assignments_by_language` take each text's
language and run the algorithms on each language's texts apart (words of two languages never
share a theme or teach each other's model); a language with too few texts (or too few counted
by hand) is left out and reported with the reason, never mixed into another.
"""
from __future__ import annotations

import contextlib
import hashlib
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.preprocessing import normalize

from consult.responses.suggest_confidence import PREDICTED, TARGET_PRECISION, cut_for_more, threshold_for
from consult.responses.suggest_embeddings import text_embeddings
from consult.responses.suggest_errors import MIN_THEME_TEXTS, N_, Message, Nn_, SuggestError
from consult.responses.suggest_words import STOP_WORDS, WELSH_STOP_WORDS, distinct_labels, without_links

__all__ = ["LanguageThemes", "Message", "SuggestError", "SuggestedTheme", "Suggestion", "suggest_assignments",
           "suggest_assignments_by_language", "suggest_themes", "suggest_themes_by_language",
           "MIN_THEME_TEXTS", "PREDICTED", "STOP_WORDS", "TARGET_PRECISION", "WELSH_STOP_WORDS"]

SEED = 20261121
# MIN_THEME_TEXTS (suggest_errors.py, which pages import without scikit-learn): texts needed for themes
# TARGET_PRECISION and PREDICTED: consult/responses/suggest_confidence.py
MAX_SUGGESTIONS = 5
CALIBRATION_FEW_FOLDS = 5_000  # counted texts from which the calibration uses three folds, not five
EMBEDDING_WEIGHT = 0.3  # the embeddings' model's share of a score (with the optional package)
NEAR_DUPLICATE = 0.7
_SKETCH, _ROWS = 16, 2  # MinHash: 8 bands of 2 rows
_LSA_FIT_ROWS = 20_000  # the LSA projection is fitted on at most this many texts, then applied to all
# Memory (a 100,000-comment job must stay under 1 GB): the large intermediate arrays are built a
# slice at a time. Only how much is held at once depends on these; the results do not.
_SKETCH_TEXTS = 10_000  # texts whose word triples are hashed at once (campaign groups)
_STACK_ROWS = 10_000  # rows of the word and character matrices joined at once
# STOP_WORDS and WELSH_STOP_WORDS (the words left out of labels): consult/responses/suggest_words.py


@dataclass(frozen=True)
class SuggestedTheme:
    """A theme found in the texts: a readable label, its key terms and who is in it."""

    label: str
    terms: list[str]
    members: list[int]  # indexes into texts, every copy of a campaign text included
    representatives: list[int]  # a few typical members, most typical first, one per campaign group
    size: int  # members with each campaign group counted once


@dataclass(frozen=True)
class Suggestion:
    """A theme suggested for one text."""

    theme: str
    confidence: float  # estimated probability that the theme applies, in [0, 1]
    confident: bool  # offered for acceptance in a reviewed batch


# --- texts, copies and campaign groups ------------------------------------------------------

def _key(text: str) -> str:
    """The text as compared for copies: case, punctuation and spacing ignored; letters, digits
    and symbols (emoji) kept."""
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(c if unicodedata.category(c)[0] in "LNS" else " " for c in text)
    return " ".join(kept.split())


def _hash64(values: list[str]) -> np.ndarray:
    return np.array([int.from_bytes(hashlib.blake2b(v.encode(), digest_size=8).digest(), "big") for v in values],
                    dtype=np.uint64)


class _Texts:
    """The distinct texts behind `texts` and their campaign groups."""

    def __init__(self, texts: Sequence[str]) -> None:
        if isinstance(texts, str):
            raise SuggestError(N_("Give a list of comment texts, not one text."))
        raw_index: dict[str, int] = {}
        raw_of = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            raw_of[i] = raw_index.setdefault(text if isinstance(text, str) else "", len(raw_index))
        key_index: dict[str, int] = {}
        key_of_raw = np.array([key_index.setdefault(_key(t), len(key_index)) for t in raw_index], dtype=np.int64)
        self.of = key_of_raw[raw_of] if len(texts) else np.empty(0, dtype=np.int64)  # text -> distinct key
        self.keys = list(key_index)  # the distinct normalised texts
        self.copies = np.bincount(self.of, minlength=len(self.keys))
        self.first = np.unique(self.of, return_index=True)[1]  # distinct key -> its first text
        self.usable = np.array([bool(k) for k in self.keys], dtype=bool)
        self.group = _campaign_groups(self.keys)  # distinct key -> campaign group (a key index)

    def members(self, key_indexes: Collection[int]) -> list[int]:
        return [int(i) for i in np.flatnonzero(np.isin(self.of, np.fromiter(key_indexes, dtype=np.int64)))]


def _campaign_groups(keys: list[str]) -> np.ndarray:
    """For each distinct text, the index of the first text of its near-identical group."""
    parent = np.arange(len(keys))
    rng = np.random.default_rng(SEED)
    a = rng.integers(1, 2**63, size=_SKETCH, dtype=np.uint64) | np.uint64(1)  # odd: a bijection mod 2**64
    b = rng.integers(0, 2**63, size=_SKETCH, dtype=np.uint64)
    sketched: list[np.ndarray] = []  # the texts of at least five words, and their MinHash sketches
    sketches: list[np.ndarray] = []
    # The word triples of a few texts at a time: they are many (a string each), the sketches few.
    for begin in range(0, len(keys), _SKETCH_TEXTS):
        owners: list[int] = []
        shingles: list[str] = []
        for i in range(begin, min(begin + _SKETCH_TEXTS, len(keys))):
            words = keys[i].split()
            if len(words) >= 5:
                shingles.extend(" ".join(words[j:j + 3]) for j in range(len(words) - 2))
                owners.extend([i] * (len(words) - 2))
        if not owners:
            continue
        owner = np.array(owners)
        hashes = _hash64(shingles)
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        part = np.empty((len(starts), _SKETCH), dtype=np.uint64)
        for p in range(_SKETCH):
            part[:, p] = np.minimum.reduceat(hashes * a[p] + b[p], starts)
        sketched.append(owner[starts])
        sketches.append(part)
    if not sketched:
        return parent
    texts = np.concatenate(sketched)
    sketch = np.concatenate(sketches)
    del sketched, sketches

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for band in range(0, _SKETCH, _ROWS):
        _, first, inverse = np.unique(sketch[:, band:band + _ROWS], axis=0, return_index=True, return_inverse=True)
        lead = first[inverse.ravel()]  # the first text in this text's bucket
        others = np.flatnonzero(lead != np.arange(len(texts)))
        close = others[(sketch[others] == sketch[lead[others]]).mean(axis=1) >= NEAR_DUPLICATE]
        for t in close:
            x, y = find(int(texts[t])), find(int(texts[lead[t]]))
            if x != y:
                parent[max(x, y)] = min(x, y)
    return np.array([find(i) for i in range(len(keys))])


# --- features -------------------------------------------------------------------------------

def _features(keys: list[str]) -> tuple[sp.csr_matrix, np.ndarray, int]:
    """Word (1-2) and character (2-5) n-gram TF-IDF, and the dense features: its LSA
    projection, then each text's word embedding when the optional package is installed; and
    how many of the dense columns, the last ones, are the embedding (0 without the package)."""
    min_df = 2 if len(keys) >= 200 else 1
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df, max_features=200_000,
                            dtype=np.float32, token_pattern=r"(?u)\b\w+\b")
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=min_df,
                            max_features=300_000, dtype=np.float32)
    parts = []
    for vectoriser in (words, chars):
        with contextlib.suppress(ValueError):  # no term of this kind in any text (emoji only, say)
            parts.append(vectoriser.fit_transform(keys))
    if not parts:
        raise SuggestError(N_("These comments have no words or characters in common to learn from."))
    x = _hstack(parts)
    parts.clear()  # only the joined matrix from here on
    x = normalize(x, copy=False)
    z = _lsa(x, 200)
    embedded = text_embeddings(keys)  # None without the optional package
    if embedded is None:
        return x, z, 0
    dense = np.empty((len(keys), z.shape[1] + embedded.shape[1]), dtype=np.float32)
    dense[:, :z.shape[1]] = z
    dense[:, z.shape[1]:] = embedded
    return x, dense, embedded.shape[1]


def _hstack(parts: list[sp.csr_matrix]) -> sp.csr_matrix:
    """sp.hstack(parts, format="csr"), the same matrix, joined _STACK_ROWS rows at a time into
    arrays of the final size (scipy's own first copies every value of every part: at 100,000
    texts, a hundred megabytes more at the job's peak)."""
    rows = parts[0].shape[0]
    nnz = sum(p.nnz for p in parts)
    columns = sum(p.shape[1] for p in parts)
    index = np.int32 if max(nnz, columns) <= np.iinfo(np.int32).max else np.int64
    data = np.empty(nnz, dtype=np.result_type(*(p.dtype for p in parts)))
    indices = np.empty(nnz, dtype=index)
    indptr = np.zeros(rows + 1, dtype=index)
    kind = type(sp.hstack([p[:0] for p in parts], format="csr"))
    at = 0
    for first in range(0, rows, _STACK_ROWS):
        block = sp.hstack([p[first:first + _STACK_ROWS] for p in parts], format="csr")
        data[at:at + block.nnz] = block.data
        indices[at:at + block.nnz] = block.indices
        indptr[first + 1:first + 1 + block.shape[0]] = block.indptr[1:] + at
        at += block.nnz
    return kind((data, indices, indptr), shape=(rows, columns))


def _lsa(x: sp.csr_matrix, dims: int) -> np.ndarray:
    dims = min(dims, x.shape[0] - 1, x.shape[1] - 1)
    if dims < 2:
        return np.zeros((x.shape[0], 0), dtype=np.float32)
    svd = TruncatedSVD(dims, random_state=SEED)
    if x.shape[0] > _LSA_FIT_ROWS:
        rows = np.random.default_rng(SEED).choice(x.shape[0], _LSA_FIT_ROWS, replace=False)
        svd.fit(x[np.sort(rows)])
    else:
        svd.fit(x)
    return normalize(svd.transform(x), copy=False).astype(np.float32, copy=False)


# --- assisted counting ----------------------------------------------------------------------

class _Model:
    """Regressions over [TF-IDF | LSA] and, with word embeddings (z's last `embedded` columns), over
    those alone, weighed EMBEDDING_WEIGHT (the embeddings as more columns: as good on dev, twice as slow)."""

    def __init__(self, x: sp.csr_matrix, z: np.ndarray, y: np.ndarray, embedded: int = 0) -> None:
        self.cut = z.shape[1] - embedded
        self.words = _Regressions(x, z[:, :self.cut], y)
        self.meaning = _Regressions(x[:, :0], z[:, self.cut:], y) if embedded else None

    def scores(self, x: sp.csr_matrix, z: np.ndarray) -> np.ndarray:
        out = self.words.scores(x, z[:, :self.cut])
        if self.meaning is not None:
            out = (1 - EMBEDDING_WEIGHT) * out + EMBEDDING_WEIGHT * self.meaning.scores(x[:, :0], z[:, self.cut:])
        return out


class _Regressions:
    """One logistic regression per theme over [x | z]; scores are probabilities."""

    def __init__(self, x: sp.csr_matrix, z: np.ndarray, y: np.ndarray) -> None:
        self.coef: list[tuple[np.ndarray, float] | None] = []
        train = sp.hstack([x, sp.csr_matrix(z)], format="csr")
        for k in range(y.shape[1]):
            if 0 < y[:, k].sum() < len(y):
                # The dual problem: far fewer counted texts than features, so it converges many times faster.
                # A random state of its own: liblinear shuffles the texts, and with the global one
                # the same texts gave confidences differing in the last digit from run to run.
                m = LogisticRegression(C=10.0, solver="liblinear", dual=True, max_iter=1000, random_state=SEED)
                m.fit(train, y[:, k])
                self.coef.append((m.coef_.ravel().astype(np.float32), float(m.intercept_[0])))
            else:
                self.coef.append(None)  # every counted text has it, or none has: nothing to learn

    def scores(self, x: sp.csr_matrix, z: np.ndarray) -> np.ndarray:
        out = np.zeros((x.shape[0], len(self.coef)), dtype=np.float32)
        nx = x.shape[1]
        for k, c in enumerate(self.coef):
            if c is not None:
                w, b = c
                out[:, k] = 1 / (1 + np.exp(-(x @ w[:nx] + z @ w[nx:] + b)))
        return out


def _calibration(x: sp.csr_matrix, z: np.ndarray, y: np.ndarray,
                 embedded: int) -> tuple[IsotonicRegression, float, float]:
    """Cross-validated (score, right?) pairs of the counted texts: the isotonic map from a score
    to the chance of being right, the score from which suggestions were >= 90% right, and the
    confidence from which a theme after the first is suggested (`cut_for_more`)."""
    n = len(y)
    # Five folds; three from CALIBRATION_FEW_FOLDS counted texts, which still give thousands of
    # (score, right?) pairs and save two fits of every theme's model (a 100,000-comment job).
    folds = min(5 if n < CALIBRATION_FEW_FOLDS else 3, n)
    scores = np.zeros(y.shape, dtype=np.float32)
    for train, test in KFold(folds, shuffle=True, random_state=SEED).split(np.arange(n)):
        scores[test] = _Model(x[train], z[train], y[train], embedded).scores(x[test], z[test])
    top = np.argsort(-scores, axis=1)[:, :MAX_SUGGESTIONS]
    best = np.take_along_axis(scores, top, axis=1)
    right = np.take_along_axis(y, top, axis=1).astype(float)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(best[:, :3].ravel(),
                                                                             right[:, :3].ravel())
    return iso, threshold_for(best[:, :3].ravel(), right[:, :3].ravel()), cut_for_more(
        iso.predict(best.ravel()).reshape(best.shape), right, float(y.sum()))


def suggest_assignments(texts: Sequence[str], coded: Mapping[int, Collection[str]]) -> list[list[Suggestion]]:
    """Themes for every text not yet counted, learnt from those counted by hand.

    `coded` maps the index of each text counted by hand to its themes (an empty collection:
    considered, no theme). Returns one list per text: [] for the coded ones and for texts with
    nothing to read (empty, only punctuation); otherwise the themes suggested, best first, each
    one named in `coded`: the most likely, and up to four more whose confidence reaches the cut
    learnt from the counted texts (suggest_confidence.cut_for_more: about 0.5 where the
    official gives each comment one theme, lower where comments raise several; PREDICTED when
    fewer than ten are counted). A text identical (ignoring case and punctuation) to counted
    ones is suggested their themes. Raises SuggestError when the counted texts cannot teach anything
    (fewer than two themes and no "no theme" comment).
    """
    corpus = _Texts(texts)
    for i in coded:
        if not isinstance(i, (int, np.integer)) or not 0 <= i < len(texts):
            raise SuggestError(*Nn_("Comment number %(number)s is not among the %(num)s comment.",
                                     "Comment number %(number)s is not among the %(num)s comments."),
                                 number=str(i), num=len(texts))
    coded = {i: [ts] if isinstance(ts, str) else ts for i, ts in coded.items()}  # one theme given as a string
    themes = sorted({str(t) for ts in coded.values() for t in ts})
    if not coded:
        raise SuggestError(N_("Count some comments under themes by hand first: suggestions learn from them."))
    if not themes:
        raise SuggestError(N_("None of the comments counted by hand is under a theme yet: count some under "
                              "themes first."))
    if len(themes) < 2 and all(coded.values()):
        raise SuggestError(N_("Count comments under at least two themes (or mark some as having no theme) "
                              "first: with one theme there is nothing to tell apart."))
    column = {t: k for k, t in enumerate(themes)}
    n_keys = len(corpus.keys)
    votes = np.zeros((n_keys, len(themes)), dtype=np.float32)
    counted = np.zeros(n_keys, dtype=np.float32)
    for i, ts in coded.items():
        key = corpus.of[i]
        counted[key] += 1
        for t in set(map(str, ts)):
            votes[key, column[t]] += 1
    labelled = np.flatnonzero((counted > 0) & corpus.usable)
    if not len(labelled):
        raise SuggestError(N_("The comments counted by hand have no words to learn from (they are empty or "
                              "only punctuation): count some comments with words in them."))
    scores = np.zeros((n_keys, len(themes)), dtype=np.float32)
    threshold, cut, iso = float("inf"), PREDICTED, None
    if len(labelled):
        x, z, embedded = _features(corpus.keys)
        xl, zl = x[labelled], z[labelled]
        y = (votes[labelled] / counted[labelled, None] >= 0.5).astype(np.int8)
        scores = _Model(xl, zl, y, embedded).scores(x, z)
        del x, z  # every text's features: the calibration needs only the counted ones
        if len(labelled) >= 10:
            iso, threshold, cut = _calibration(xl, zl, y, embedded)
        del xl, zl
    top = np.argsort(-scores, axis=1, kind="stable")[:, :MAX_SUGGESTIONS]
    best = np.take_along_axis(scores, top, axis=1)
    calibrated = iso.predict(best.ravel()).reshape(best.shape) if iso is not None else best  # one call: fast
    coded_set = set(coded)
    result: list[list[Suggestion]] = []
    cache: dict[int, list[Suggestion]] = {}
    for i in range(len(texts)):
        key = int(corpus.of[i])
        if i in coded_set or not corpus.usable[key]:
            result.append([])
            continue
        if key not in cache:
            cache[key] = _suggestions(themes, top[key], best[key], calibrated[key], votes[key], counted[key],
                                      threshold, cut)
        result.append(cache[key])
    return result


def _suggestions(themes: list[str], top: np.ndarray, scores: np.ndarray, confidences: np.ndarray,
                 votes: np.ndarray, counted: float, threshold: float, cut: float) -> list[Suggestion]:
    """One text's suggestions: `top` its best themes (columns), with their model scores and
    calibrated confidences."""
    if counted:  # copies of this text were counted by hand: suggest what they were counted under
        share = votes / counted
        return [Suggestion(themes[k], float(share[k]), bool(share[k] >= TARGET_PRECISION))
                for k in np.argsort(-share, kind="stable")[:MAX_SUGGESTIONS] if share[k] > 0]
    out: list[Suggestion] = []
    for k, score, confidence in zip(top, scores.astype(float), confidences.astype(float), strict=True):
        if confidence < cut and out:
            break
        out.append(Suggestion(themes[int(k)], round(confidence, 4), bool(score >= threshold)))
    return out


# --- suggested themes -----------------------------------------------------------------------

def suggest_themes(texts: Sequence[str], max_themes: int = 30, language: str | None = None) -> list[SuggestedTheme]:
    """Themes proposed from the texts alone, largest first (at most `max_themes`).

    Each campaign group counts once: it is clustered as one text and counted once in `size`,
    while `members` lists every copy. Texts with nothing to read are in no theme. `language`
    (the texts', a BCP 47 tag) chooses the function words left out of the labels (STOP_WORDS;
    English's when none is given or the language has no list). Raises SuggestError when there
    are fewer than MIN_THEME_TEXTS different texts.
    """
    if max_themes < 1:
        raise SuggestError(N_("Ask for at least one theme."))
    corpus = _Texts(texts)
    groups = np.array(sorted({int(g) for g in corpus.group[corpus.usable]}), dtype=np.int64)
    if len(groups) < MIN_THEME_TEXTS:
        raise SuggestError(*Nn_("Themes need at least %(least)s different comments; these %(total)s comments "
                                  "hold %(num)s different text (copies of a campaign text count once).",
                                  "Themes need at least %(least)s different comments; these %(total)s comments "
                                  "hold %(num)s different texts (copies of a campaign text count once)."),
                           least=MIN_THEME_TEXTS, total=len(texts), num=len(groups))
    docs = [corpus.keys[g] for g in groups]
    x = _theme_features(docs)
    z = _lsa(x, 100) if x.shape[1] else np.zeros((len(docs), 0), dtype=np.float32)
    del x  # the clustering needs only the projection
    readable = np.flatnonzero(np.abs(z).sum(axis=1) > 0) if z.shape[1] else np.arange(0)
    if len(readable) < MIN_THEME_TEXTS:
        raise SuggestError(N_("Themes need at least %(least)s different comments with words in common; these "
                              "comments have %(found)s."), least=MIN_THEME_TEXTS, found=len(readable))
    labels = _clusters(z[readable], max_themes)
    themes = []
    counts = CountVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b", min_df=1)
    # A label's words from the texts without their web addresses (a text of only a link keeps its own).
    said = [_key(without_links(str(texts[int(corpus.first[groups[i]])] or ""))) or docs[i] for i in readable]
    c = counts.fit_transform(said)
    stop_words = STOP_WORDS.get((language or "en").split("-")[0].lower(), ENGLISH_STOP_WORDS)
    terms = _distinctive_terms(c, labels, counts.get_feature_names_out(), stop_words)
    names = distinct_labels(terms)
    for cluster in range(labels.max() + 1):
        rows = readable[labels == cluster]
        if not len(rows):
            continue
        centre = normalize(z[rows].mean(axis=0, keepdims=True))
        typical = rows[np.argsort(-(z[rows] @ centre.T).ravel(), kind="stable")[:5]]
        keys = np.flatnonzero(np.isin(corpus.group, groups[rows]) & corpus.usable)
        members = corpus.members(keys)
        reps = [int(corpus.first[groups[r]]) for r in typical]
        words = terms[cluster]
        themes.append(SuggestedTheme(label=names[cluster], terms=words,
                                     members=members, representatives=reps, size=len(rows)))
    themes.sort(key=lambda t: (-t.size, -len(t.members), t.label))
    return themes[:max_themes]


def _theme_features(docs: list[str]) -> sp.csr_matrix:
    """Word (1-2) and character (3-5, within words) n-gram TF-IDF for finding themes; terms in
    more than half the texts are left out (they say nothing about a theme). Character n-grams
    let spelling variants and word forms (staff, staffing; friendly, friendliness) meet."""
    min_df = 2 if len(docs) >= 100 else 1
    max_df = 0.5 if len(docs) >= 20 else 1.0
    parts = []
    for vectoriser in (
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df, max_df=max_df, dtype=np.float32,
                            max_features=100_000, token_pattern=r"(?u)\b\w+\b"),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=min_df, max_df=max_df,
                            dtype=np.float32, max_features=200_000)):
        with contextlib.suppress(ValueError):  # no term left (every text too short or too common)
            parts.append(vectoriser.fit_transform(docs))
    if not parts:
        return sp.csr_matrix((len(docs), 0), dtype=np.float32)
    x = _hstack(parts)
    parts.clear()
    return normalize(x, copy=False)


def _clusters(z: np.ndarray, max_themes: int) -> np.ndarray:
    """KMeans (on the unit-length LSA vectors, so by cosine) into as many clusters as themes
    wanted, at most a third of the texts. (Over-clustering and merging the centres made one
    catch-all theme of a third of the texts.)"""
    # Few comments hold few themes: at most sqrt(n / 2) of them (the usual rule of thumb for
    # k-means), so 40 comments give 4 themes rather than 13 of three comments each.
    wanted = max(1, min(max_themes, len(z) // 3, max(2, int((len(z) / 2) ** 0.5))))
    return KMeans(wanted, n_init=4, random_state=SEED).fit(z).labels_


def _distinctive_terms(counts: sp.csr_matrix, labels: np.ndarray, names: np.ndarray,
                       stop_words: Collection[str] = ENGLISH_STOP_WORDS, top: int = 8) -> list[list[str]]:
    """c-TF-IDF: the terms most frequent in a cluster relative to all texts, stop words left out."""
    clusters = labels.max() + 1
    onehot = sp.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(clusters, len(labels)))
    tf = np.asarray((onehot @ counts).todense(), dtype=np.float64)
    tf = tf / np.maximum(tf.sum(axis=1, keepdims=True), 1)
    avg = max(counts.sum() / max(clusters, 1), 1)
    idf = np.log(1 + avg / np.maximum(np.asarray(counts.sum(axis=0)).ravel(), 1))
    ctfidf = tf * idf
    stop = np.array([all(w in stop_words or w.isdigit() or len(w) < 2 for w in n.split())  # "don t": t
                     for n in names])
    ctfidf[:, stop] = 0
    out = []
    for row in ctfidf:
        chosen: list[str] = []
        for j in np.argsort(-row, kind="stable"):
            if row[j] <= 0 or len(chosen) == top:
                break
            term = str(names[j])
            if not any(term in c.split() or c in term.split() for c in chosen):
                chosen.append(term)
        out.append(chosen)
    return out


# --------------------------------------------------------------------------- per language


@dataclass(frozen=True)
class LanguageThemes:
    """Themes found in each language's texts apart: `themes` as (language, theme), members and
    representatives indexing the texts given; `used` and `left_out` per language: how many
    texts, and for those left out why (SuggestError's message)."""

    themes: list[tuple[str, SuggestedTheme]]
    used: dict[str, int]
    left_out: dict[str, tuple[int, str]]


def _by_language(texts: Sequence[str], languages: Sequence[str]) -> dict[str, list[int]]:
    """Each language's text indexes, the language with most texts first (then by code)."""
    if len(languages) != len(texts):
        raise SuggestError(N_("%(texts)s comments were given %(languages)s languages."),
                           texts=len(texts), languages=len(languages))
    groups: dict[str, list[int]] = {}
    for i, language in enumerate(languages):
        groups.setdefault(language, []).append(i)
    return dict(sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])))


def _nothing_in_any(left_out: dict[str, tuple[int, str]]) -> SuggestError:
    if len(left_out) == 1:
        return SuggestError(next(iter(left_out.values()))[1])
    reasons = {code: (n, why if isinstance(why, Message) else Message(why)) for code, (n, why) in left_out.items()}
    return SuggestError(Message.with_reasons(
        N_("Each language's comments are read apart, and none has enough: %(reasons)s"), reasons))


def suggest_themes_by_language(texts: Sequence[str], languages: Sequence[str],
                               max_themes: int = 30) -> LanguageThemes:
    """`suggest_themes` on each language's texts apart (at most `max_themes` each, labelled
    without that language's function words), largest language first. Raises SuggestError only
    when no language has enough texts."""
    themes: list[tuple[str, SuggestedTheme]] = []
    used: dict[str, int] = {}
    left_out: dict[str, tuple[int, str]] = {}
    for language, indexes in _by_language(texts, languages).items():
        try:
            found = suggest_themes([texts[i] for i in indexes], max_themes, language)
        except SuggestError as exc:
            left_out[language] = (len(indexes), exc.message)
            continue
        used[language] = len(indexes)
        for theme in found:
            themes.append((language, SuggestedTheme(
                label=theme.label, terms=theme.terms, members=[indexes[m] for m in theme.members],
                representatives=[indexes[r] for r in theme.representatives], size=theme.size)))
    if not themes:
        raise _nothing_in_any(left_out)
    return LanguageThemes(themes, used, left_out)


def suggest_assignments_by_language(
    texts: Sequence[str], languages: Sequence[str], coded: Mapping[int, Collection[str]],
) -> tuple[list[list[Suggestion]], dict[str, int], dict[str, tuple[int, str]]]:
    """`suggest_assignments` on each language's texts apart, each learning only from the texts
    of its language counted by hand: (one list per text, [] for the texts of a language left
    out; texts per language used; per language left out, how many texts and why). Raises
    SuggestError only when no language can be suggested for."""
    results: list[list[Suggestion]] = [[] for _ in texts]
    used: dict[str, int] = {}
    left_out: dict[str, tuple[int, str]] = {}
    for language, indexes in _by_language(texts, languages).items():
        local = {i: n for n, i in enumerate(indexes)}
        ours = {local[i]: themes for i, themes in coded.items() if i in local}
        try:
            found = suggest_assignments([texts[i] for i in indexes], ours)
        except SuggestError as exc:
            left_out[language] = (len(indexes), exc.message)
            continue
        used[language] = len(indexes)
        for n, suggestions in enumerate(found):
            results[indexes[n]] = suggestions
    if not used:
        raise _nothing_in_any(left_out)
    return results, used, left_out
