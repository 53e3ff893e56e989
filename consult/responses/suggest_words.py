"""The words of suggested themes' labels: function words left out by language, links left out,
and labels told apart (consult/responses/suggest.py uses them; plain data, no scikit-learn)."""
from __future__ import annotations

import re
from collections.abc import Sequence

# Words left out of a theme's label and terms, by language (English's for any other language):
# Welsh function words (articles, prepositions, pronouns, forms of "bod", conjunctions), as the
# tokeniser splits them ("mae'r" is "mae" and "r", and one-letter words are left out anyway).
WELSH_STOP_WORDS = frozenset({
    "a", "ac", "ar", "at", "am", "y", "yr", "r", "yn", "mae", "oes", "ydy", "i", "o", "gan",
    "gyda", "ei", "eu", "ein", "eich", "fy", "dy", "hyn", "hwn", "hon", "na", "nad", "ddim", "bod",
    "fod", "wedi", "sy", "sydd", "ond", "neu", "os", "pan", "fel", "mewn", "hefyd", "iawn", "ni",
    "chi", "nhw", "fe", "fo", "hi",
})
STOP_WORDS: dict[str, frozenset[str]] = {"cy": WELSH_STOP_WORDS}

# Web addresses and email addresses: their pieces ("http", "org", "example") name no theme.
_LINK = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)


def without_links(text: str) -> str:
    """The text with its web and email addresses taken out, for counting a label's words."""
    return _LINK.sub(" ", text)


def distinct_labels(terms: Sequence[Sequence[str]], size: int = 3) -> list[str]:
    """A label per theme from its terms, most distinctive first: the first `size` terms, and for
    a theme whose label another already has, terms further down its list (walkthrough: two themes
    both named "Example, http, org"); "Other" for a theme with no term."""
    labels: list[str] = []
    for words in terms:
        label = ", ".join(words[:size]).capitalize() or "Other"
        start = size
        while label in labels and start < len(words):
            label = ", ".join([*words[:size - 1], words[start]]).capitalize()
            start += 1
        labels.append(label)
    return labels
