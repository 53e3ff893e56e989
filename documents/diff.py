"""Word-level differences between two versions of a paragraph.

The texts are cut into whole tokens (a number with its separators and units, a word with its
inner apostrophes and hyphens, a URL, an email address, a run of whitespace, one punctuation
mark), so a change never splits inside one: "$9 billion" -> "$6 billion" reads
<del>$9</del><ins>$6</ins>, never "$<del>9</del><ins>6</ins>", which a reader sees as "$96".

A paragraph rewritten through and through is not shown as a salad of insertions and deletions:
when more than REWRITTEN_SHARE of its tokens changed, the Diff says so (``side_by_side``) and its
HTML shows the old text and the new text whole, labelled "Before" and "After" (in the reader's
language: `errors.translate`, marked with its `lang`).
"""
from __future__ import annotations

import html
import re
import unicodedata
from difflib import SequenceMatcher

from .errors import N_, message_language, translate
from .model import Diff, Paragraph

# More than this share of the tokens changed, counting both texts and leaving out whitespace,
# is "rewritten": 2 * (tokens kept) / (tokens before + tokens after) < 0.4, i.e. difflib's
# ratio() over the non-space tokens below 0.4. Changing one word in three stays inline.
REWRITTEN_SHARE = 0.6
# Texts this short (tokens, on the longer side) always stay inline: one deletion and one
# insertion of a few words read well, and a heading shown side by side would look broken.
SIDE_BY_SIDE_MIN_TOKENS = 5


def _marks() -> str:
    """The combining marks of the Basic Multilingual Plane, as regex class ranges.

    Python's \\w leaves out combining marks (a decomposed "é", the vowel signs of Devanagari),
    so without them a word in those scripts would split at every mark.
    """
    ranges: list[tuple[int, int]] = []
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(f"\\u{a:04x}-\\u{b:04x}" if a != b else f"\\u{a:04x}" for a, b in ranges)


_W = rf"[\w{_marks()}\u200c\u200d]"  # a word character: letters, digits, marks, ZWNJ/ZWJ
_CURRENCY = "$£€¥₹¢₩₽₪₺"
# Between two runs of word characters these keep one token: "don't", "well-known", "42,000",
# "3.5", "2026-12-31", "v1.2.3", "10:30", "and/or", "US$5". A mark followed by a space or by
# the end ("5.", "yes, no") is punctuation, its own token.
_JOIN = rf"[-'’‐‑.,:/{_CURRENCY}]"
_WORD = (rf"(?:(?<!\w)[-+−±](?=[\d{_CURRENCY}]))?[#{_CURRENCY}]?"
         rf"{_W}+(?:{_JOIN}{_W}+)*(?:[%‰°′″{_CURRENCY}]{_W}*)?")
# A URL is made of the characters RFC 3986 allows (and letters, for IRIs) and ends before
# trailing punctuation, so "see https://x.gov/a." or "(https://x.gov/a)" keep the marks apart.
_URL = r"(?:https?://|ftp://|www\.)[\w\-.~:/?#\[\]@!$&'()*+,;=%]*[\w/#=&%~+\-]"
# At most 20 dots or pluses before the @: a long run of "a+a+a..." costs no more than a word.
_EMAIL = r"\w+(?:[.+-]\w+){0,20}@\w[\w-]*(?:\.[\w-]+)+"
# One symbol with what draws with it: variation selectors, skin tones, zero-width-joined emoji.
_SYMBOL = r"[^\w\s](?:[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]|\u200d[^\w\s])*"
_TOKEN = re.compile(rf"\s+|{_URL}|{_EMAIL}|{_WORD}|{_SYMBOL}")


def tokens(text: str) -> list[str]:
    """Cut a text into whole tokens; joined together they give the text back."""
    return _TOKEN.findall(text)


def _text(value: Paragraph | str) -> str:
    return value.text if isinstance(value, Paragraph) else value


def _solid(run: list[str]) -> int:
    """How many tokens of a run are not whitespace."""
    return sum(1 for t in run if not t.isspace())


def diff(previous: Paragraph | str, current: Paragraph | str) -> Diff:
    """Compare two paragraphs (or strings) token by token; side by side when rewritten."""
    old_text, new_text = _text(previous), _text(current)
    before, after = tokens(old_text), tokens(new_text)
    opcodes = SequenceMatcher(None, before, after, autojunk=False).get_opcodes()

    # Regions in order: ("equal", text, "") or ("change", deleted, inserted).
    regions: list[tuple[str, str, str]] = []
    changed = 0
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            regions.append(("equal", "".join(before[i1:i2]), ""))
            continue
        changed += _solid(before[i1:i2]) + _solid(after[j1:j2])
        gone, came = "".join(before[i1:i2]), "".join(after[j1:j2])
        if regions and regions[-1][0] == "change":
            _, was_gone, was_came = regions.pop()
            gone, came = was_gone + gone, was_came + came
        regions.append(("change", gone, came))
    regions = _fold_spaces(regions)

    ops: list[tuple[str, str]] = []
    for kind, first, second in regions:
        if kind == "equal":
            ops.append(("equal", first))
        else:
            ops.extend((op, text) for op, text in (("delete", first), ("insert", second)) if text)
    inline = "".join(_mark(op, text) for op, text in ops)

    solid = _solid(before) + _solid(after)
    share = changed / solid if solid else 0.0
    side_by_side = (share > REWRITTEN_SHARE
                    and max(_solid(before), _solid(after)) >= SIDE_BY_SIDE_MIN_TOKENS)
    old_html, new_html = html.escape(old_text), html.escape(new_text)
    shown = _sides(old_html, new_html) if side_by_side else inline
    return Diff(ops=ops, html=shown, changed_share=share, side_by_side=side_by_side,
                old_html=old_html, new_html=new_html)


def _fold_spaces(regions: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Fold a space left between two changes into them.

    "a b c" -> "x y z" then reads <del>a b c</del><ins>x y z</ins> instead of three
    pairs kept apart by the spaces the two texts happen to share.
    """
    folded: list[tuple[str, str, str]] = []
    for index, region in enumerate(regions):
        kind, text, _ = region
        between_changes = (kind == "equal" and text.isspace() and folded
                           and folded[-1][0] == "change" and index + 1 < len(regions)
                           and regions[index + 1][0] == "change")
        if between_changes:
            _, gone, came = folded.pop()
            folded.append(("change", gone + text, came + text))
        elif kind == "change" and folded and folded[-1][0] == "change":
            _, gone, came = folded.pop()
            folded.append(("change", gone + region[1], came + region[2]))
        else:
            folded.append(region)
    return folded


def _mark(op: str, text: str) -> str:
    escaped = html.escape(text)
    return {"equal": escaped, "insert": f"<ins>{escaped}</ins>",
            "delete": f"<del>{escaped}</del>"}[op]


def _sides(old_html: str, new_html: str) -> str:
    """The old and the new text whole, labelled in words (not colour alone).

    The labels are in the reader's language (`translate`) and carry its `lang` when the
    application says which it is: a page puts the diff in an element marked with the text's
    language, which may not be the reader's (an English text on a Welsh page)."""
    language = message_language()
    lang = f' lang="{html.escape(language)}"' if language else ""
    note = html.escape(translate(N_("Largely rewritten, so shown whole: before and after.")))
    before = html.escape(translate(N_("Before")))
    after = html.escape(translate(N_("After")))
    return (f'<p class="diff-note"{lang}>{note}</p>'
            '<dl class="diff-sides">'
            f'<div class="diff-side diff-before"><dt{lang}>{before}</dt><dd>{old_html}</dd></div>'
            f'<div class="diff-side diff-after"><dt{lang}>{after}</dt><dd>{new_html}</dd></div>'
            "</dl>")
