"""Automatic screening: finds what a moderator should look at, and says why.

Screening never deletes and never rejects: it returns the reasons to hold a comment for a
person to decide. Each reason names the house rule it relates to, and where the text matched
(character spans), so a moderator can redact exactly those words.

Insults, threats, swearing and slurs are found with the word lists in moderation/wordlists/:
one file per list, each naming the house rule it applies and what the author is told. Add a
line to a file to catch a new word or phrase; moderation/wordlists/README.md gives the syntax
(whole words, `word*` for longer words, phrases, `(a|b)` choices, `^` for the start of a
sentence). Matching ignores case, accents and invisible characters, so "Id\u200biot" is found
as well as "idiot"; the words of a phrase never match across the end of a sentence.
"""
from __future__ import annotations

import functools
import hashlib
import random
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# Rule anchors in the default house rules (moderation/house_rules.md pins them).
RULE_PERSONAL = "personal-information"
RULE_SPAM = "no-spam"
RULE_ABUSE = "no-abuse"

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with the usual separators: 07700 900123, +44 20 7946 0958, (020) 7946 0958.
# Between 10 and 15 digits (checked in code), so years and sums of money do not count.
PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().-]{7,20}\d(?!\w)")
POSTCODE = re.compile(
    r"\b(?:GIR ?0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRVWXY])"
    r" ?\d[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)
# Deliberately broader than the issued prefixes: a false alarm costs a moderator a glance.
NI_NUMBER = re.compile(r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", re.IGNORECASE)
DATE = r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}(?:st|nd|rd|th)? (?:of )?[A-Z][a-z]+ \d{4})"
DATE_OF_BIRTH = re.compile(
    rf"\b(?:born(?: on)?|d\.?o\.?b\.?:?|date of birth:?|birthday(?: is)?:?)\s*{DATE}", re.IGNORECASE
)
LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
WORD = re.compile(r"\w+", re.UNICODE)
LEADING_NON_WORD = re.compile(r"\W*")


@dataclass(frozen=True)
class Reason:
    """Why a comment is held: a code, a sentence for people, the rule, and where it matched."""

    code: str
    message: str
    rule: str
    spans: tuple[tuple[int, int], ...] = field(default=())


def _spans(pattern: re.Pattern, text: str, digits: tuple[int, int] | None = None
           ) -> tuple[tuple[int, int], ...]:
    found = []
    for match in pattern.finditer(text):
        if digits and not digits[0] <= sum(c.isdigit() for c in match.group()) <= digits[1]:
            continue
        found.append(match.span())
    return tuple(found)


def personal_data(text: str) -> list[Reason]:
    """Email addresses, phone numbers, UK postcodes, national insurance numbers, dates of birth."""
    reasons = []
    checks = (
        ("email", "an email address", _spans(EMAIL, text)),
        ("phone", "a phone number", _spans(PHONE, text, digits=(10, 15))),
        ("postcode", "a postcode", _spans(POSTCODE, text)),
        ("ni_number", "a national insurance number", _spans(NI_NUMBER, text)),
        ("date_of_birth", "a date of birth", _spans(DATE_OF_BIRTH, text)),
    )
    for code, what, spans in checks:
        if spans:
            reasons.append(Reason(f"personal_data:{code}",
                                  f"It seems to contain personal information: {what}.",
                                  RULE_PERSONAL, spans))
    return reasons


def links(text: str) -> list[Reason]:
    """Web links, which are often spam and always worth a look."""
    spans = _spans(LINK, text)
    return [Reason("link", "It contains a link.", RULE_SPAM, spans)] if spans else []


def _word_spans(text: str, words: Iterable[str]) -> tuple[tuple[int, int], ...]:
    wanted = {w.casefold() for w in words if w.strip()}
    if not wanted:
        return ()
    return tuple(m.span() for m in WORD.finditer(text) if m.group().casefold() in wanted)


def word_lists(text: str, banned: Iterable[str] = (), suspect: Iterable[str] = ()) -> list[Reason]:
    """Banned words (the author is told the rule) and suspect words (a moderator looks)."""
    reasons = []
    spans = _word_spans(text, banned)
    if spans:
        reasons.append(Reason("banned_word", "It contains language the house rules do not allow.",
                              RULE_ABUSE, spans))
    spans = _word_spans(text, suspect)
    if spans:
        reasons.append(Reason("suspect_word", "It contains a word moderators check by hand.",
                              RULE_ABUSE, spans))
    return reasons


WORD_LISTS_DIR = Path(__file__).with_name("wordlists")


@dataclass(frozen=True)
class WordList:
    """One list of words and phrases to hold, with what the author is told and the rule."""

    name: str
    message: str  # for the moderator and the author: "It seems to contain a threat."
    found: str  # completes "our automatic check found ...": "words that read as a threat"
    rule: str  # a house-rule anchor
    pattern: re.Pattern | None
    fix: str = "reword it"

    @property
    def code(self) -> str:
        """The reason code, under banned_word so the queue's "Banned word" filter finds it."""
        return f"banned_word:{self.name}"


# What may stand between the words of a phrase: spaces and punctuation, but not the end of a
# sentence or clause, so "Where will they go? Die..." is not "go die".
_STOPS = ".?!;:,"
_GAP = rf"(?:(?![{re.escape(_STOPS)}])[\W_])"
_APOSTROPHE = "['\u2019\u2018\u02bc]"
# `^` in an entry: the start of the text or of a sentence, after any spaces, quotes or brackets.
_SENTENCE_START = r"(?:^|(?<=[.?!;:\n]))[^\w.?!;:\n]*"


def _entry_regex(entry: str) -> str:
    """The regular expression for one list entry (syntax in moderation/wordlists/README.md)."""
    out, i = [], 0
    if entry.startswith("^"):
        out.append(_SENTENCE_START)
        i = 1
        while i < len(entry) and entry[i].isspace():
            i += 1
    while i < len(entry):
        ch = entry[i]
        if ch == "(":
            depth, j = 1, i + 1
            while j < len(entry) and depth:
                depth += {"(": 1, ")": -1}.get(entry[j], 0)
                j += 1
            if depth:
                raise ValueError(f"unbalanced parenthesis in word-list entry {entry!r}")
            choices = _split_choices(entry[i + 1:j - 1])
            out.append("(?:" + "|".join(_entry_regex(c) for c in choices) + ")")
            i = j
            continue
        if ch.isspace():
            while i + 1 < len(entry) and entry[i + 1].isspace():
                i += 1
            out.append(_GAP + "+")  # spaces or punctuation between the words of a phrase
        elif ch == "-":
            out.append(_GAP + "*")  # "half-wit" is also "half wit" and "halfwit"
        elif ch in "'\u2019":
            # Straight or curly, but never optional: without it "i'll", "we'll" and "she'll"
            # are the ordinary words "ill", "well" and "shell". A list spells out "youre".
            out.append(_APOSTROPHE)
        elif ch == "*":
            out.append(r"\w*")
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _split_choices(inner: str) -> list[str]:
    choices, depth, start = [], 0, 0
    for k, ch in enumerate(inner):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "|" and depth == 0:
            choices.append(inner[start:k])
            start = k + 1
    choices.append(inner[start:])
    return [c.strip() for c in choices]


def parse_word_list(name: str, source: str) -> WordList:
    """A word list from its text: `# key: value` header lines, then one entry per line."""
    header: dict[str, str] = {}
    entries: list[str] = []
    for line in source.splitlines():
        line = line.strip()
        if line.startswith("#"):
            key, colon, value = line[1:].partition(":")
            if colon and key.strip() in {"reason", "found", "rule", "fix"} and not entries:
                header[key.strip()] = value.strip()
        elif line:
            entries.append(_fold(line)[0])
    missing = {"reason", "found", "rule"} - header.keys()
    if missing:
        raise ValueError(f"word list {name!r} lacks its {', '.join(sorted(missing))} header line")
    pattern = None
    if entries:
        # Longest first, so that a phrase wins over a word it begins with.
        alternatives = sorted((_entry_regex(e) for e in entries), key=len, reverse=True)
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
    return WordList(name, header["reason"], header["found"], header["rule"], pattern,
                    header.get("fix", "reword it"))


@functools.cache
def default_word_lists() -> tuple[WordList, ...]:
    """The lists in moderation/wordlists/*.txt, read once per process."""
    return tuple(parse_word_list(path.stem, path.read_text(encoding="utf-8"))
                 for path in sorted(WORD_LISTS_DIR.glob("*.txt")))


# Letters and symbols that show as blank space but count as letters (\w) to a regular
# expression, so "id\u3164iot" would be one unknown word. Hangul fillers, the halfwidth one
# and the blank Braille pattern.
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _fold(text: str, blank: str = "") -> tuple[str, list[int]]:
    """Text for matching (no case, accents or invisible characters), and each character's origin.

    Each character is decomposed for compatibility (NFKD: full-width letters, ligatures and
    accented letters become plain letters and marks), marks are dropped, and what is left is
    case-folded. Invisible format characters (zero-width spaces, joiners, direction marks) are
    dropped so that they cannot hide a word from screening; blank-looking letters become
    `blank`. The map turns spans back into the original's.
    """
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if unicodedata.category(ch) == "Cf":
            continue
        for part in unicodedata.normalize("NFKD", ch):
            if unicodedata.category(part) in {"Mn", "Me"}:
                continue
            if part in _BLANKS:
                out.extend(blank)
                where.extend(i for _ in blank)
                continue
            for folded in part.casefold():
                out.append(folded)
                where.append(i)
    return "".join(out), where


def _foldings(text: str) -> list[tuple[str, list[int]]]:
    """The texts to match: a blank-looking letter may hide a word ("id\u3164iot") or part two."""
    if _BLANKS.isdisjoint(text):  # U+3164 and U+FFA0 decompose to U+1160, also in the set
        return [_fold(text)]
    return [_fold(text), _fold(text, blank=" ")]


def listed_words(text: str, lists: Iterable[WordList] | None = None) -> list[Reason]:
    """Insults, threats, swearing and slurs from the word lists (by default moderation/wordlists/)."""
    foldings = _foldings(text)
    reasons = []
    for word_list in default_word_lists() if lists is None else lists:
        if word_list.pattern is None:
            continue
        found: set[tuple[int, int]] = set()
        for folded, where in foldings:
            for match in word_list.pattern.finditer(folded):
                # A sentence-start entry's match begins with the spaces or quotes before it.
                lead = LEADING_NON_WORD.match(match.group())
                start = match.start() + (lead.end() if lead else 0)
                if match.end() > start:
                    found.add((where[start], where[match.end() - 1] + 1))
        spans = tuple(sorted(found))
        if spans:
            reasons.append(Reason(word_list.code, word_list.message, word_list.rule, spans))
    return reasons


def shouting(text: str, minimum_letters: int = 20, share: float = 0.7) -> list[Reason]:
    """Mostly capital letters over a reasonable length."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < minimum_letters:
        return []
    upper = sum(1 for c in letters if c.isupper())
    if upper / len(letters) >= share:
        return [Reason("shouting", "It is written mostly in capital letters.", RULE_ABUSE)]
    return []


# What the author of a held comment is told was found, and what to change so that it can be
# published at once: (found, fix), completing "our automatic check found ..." and "if you
# edit it to ...". The word lists say it in their own headers.
_FOR_AUTHOR = {
    "personal_data:email": ("an email address", "remove the email address"),
    "personal_data:phone": ("a phone number", "remove the phone number"),
    "personal_data:postcode": ("a postcode", "remove the postcode"),
    "personal_data:ni_number": ("a national insurance number", "remove the national insurance number"),
    "personal_data:date_of_birth": ("a date of birth", "remove the date of birth"),
    "link": ("a link", "remove the link (you can name the page or document instead)"),
    "banned_word": ("words the house rules do not allow", "reword it"),
    "suspect_word": ("a word that moderators check by hand", "reword it"),
    "shouting": ("mostly capital letters", "write it in ordinary capitals and small letters"),
}


def for_author(code: str) -> tuple[str, str] | None:
    """What screening found and how to fix it, in words for the author; None for other codes.

    Every code screening itself produces has an answer: only those holds are lifted when the
    author edits the text so that screening finds nothing (repeats, campaigns and sanctions
    are not screening's, and wait for a moderator whatever the text).
    """
    if code in _FOR_AUTHOR:
        return _FOR_AUTHOR[code]
    for word_list in default_word_lists():
        if word_list.code == code:
            return word_list.found, word_list.fix
    return None


def normalise(text: str) -> str:
    """Text reduced to lower-case words, for spotting repeats and campaigns."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(WORD.findall(text))


def shingles(text: str, size: int = 3) -> frozenset[str]:
    """Overlapping word triples: near-identical texts share most of them."""
    words = normalise(text).split()
    if len(words) < size:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i:i + size]) for i in range(len(words) - size + 1))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two shingle sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


# MinHash sketches: near-identical texts (a campaign template with a sentence added) share most
# of their shingles, and the share of equal minimum hashes estimates that overlap (Jaccard).
# Banding the sketch (locality-sensitive hashing) finds the candidates with an index lookup
# instead of comparing every earlier comment.
SKETCH_SIZE = 16
BAND_ROWS = 2  # 8 bands of 2: texts with 80% of shingles in common share a band 99.97% of the time
NEAR_DUPLICATE = 0.7  # estimated similarity from which two texts count as the same campaign
_PRIME = (1 << 61) - 1
_PERMUTATIONS = tuple((rng.randrange(1, _PRIME), rng.randrange(_PRIME))
                      for rng in [random.Random(20261121)] for _ in range(SKETCH_SIZE))


def _hash64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big")


def sketch(text: str) -> tuple[int, ...]:
    """The MinHash signature of a text's shingles (empty for a text with no words)."""
    hashes = [_hash64(s) for s in shingles(text)]
    if not hashes:
        return ()
    return tuple(min((a * h + b) % _PRIME for h in hashes) for a, b in _PERMUTATIONS)


def bands(signature: Iterable[int]) -> list[str]:
    """The band keys of a signature: two texts sharing any one are candidates for comparison."""
    values = list(signature)
    return [f"{i // BAND_ROWS}:{_hash64(repr(values[i:i + BAND_ROWS])):016x}"
            for i in range(0, len(values), BAND_ROWS)]


def estimated_similarity(a: Iterable[int], b: Iterable[int]) -> float:
    """The share of equal minimum hashes: an estimate of the texts' shingle overlap."""
    a, b = list(a), list(b)
    if not a or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def screen(text: str, banned: Iterable[str] = (), suspect: Iterable[str] = (),
           lists: Iterable[WordList] | None = None) -> list[Reason]:
    """Every reason to hold this text for a moderator; an empty list means nothing found.

    `lists` defaults to the word lists in moderation/wordlists/; `banned` and `suspect` are
    further single words a caller may add.
    """
    return [*personal_data(text), *links(text), *listed_words(text, lists),
            *word_lists(text, banned, suspect), *shouting(text)]


# What stands where words were removed, by the comment's language (a Welsh comment read
# "[removed]" in the middle of its Welsh); English's for any other.
REDACTION_MARK = "[removed]"
REDACTION_MARKS = {"cy": "[wedi'i dynnu]"}
_ANY_MARK = re.compile("|".join(re.escape(m) for m in (REDACTION_MARK, *REDACTION_MARKS.values())))


def not_in_original(original: str, redacted: str) -> str | None:
    """The first part of a redacted text that is not the original's own words, in order: a
    redaction may only replace words with a mark, never add or reword any (None: it does not).
    Spacing and line breaks aside."""
    text = " ".join(original.split())
    pieces = [" ".join(piece.split()) for piece in _ANY_MARK.split(redacted)]
    position = 0
    for index, piece in enumerate(pieces):
        if not piece:
            continue
        found = text.find(piece, position)
        # Words cut without a mark at the start, or the end, are a rewording too.
        if found < 0 or (index == 0 and found != 0):
            return piece
        position = found + len(piece)
    if pieces and pieces[-1] and position != len(text):
        return pieces[-1]
    return None


def redact(text: str, spans: Iterable[tuple[int, int]], mark: str = REDACTION_MARK) -> str:
    """The text with the given character spans replaced by a visible mark."""
    result, last = [], 0
    for start, end in sorted({tuple(s) for s in spans}):  # spans may come back from JSON as lists
        if start < last:
            start = last
        if start >= end:
            continue
        result.append(text[last:start])
        result.append(mark)
        last = end
    result.append(text[last:])
    return "".join(result)
