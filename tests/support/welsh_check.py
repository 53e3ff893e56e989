"""The check that a page read in Welsh holds no English (issue 21): every text node and every
attribute read aloud or shown (title, alt, aria-label, placeholder, a submit input's value) is
searched for English words, once the names, document text and comments a test wrote itself are
taken out, with a small allow-list of names, brands and symbols that read the same in both
languages. Content marked as another language (lang="en" on it or an ancestor) is not interface
text and is passed by.

Shared by tests/test_i18n_welsh_pages.py (the main pages) and tests/test_i18n_every_route.py
(every GET page of the site).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
# Words that are English and never Welsh (nor a name the pages show): one of them in a text node
# that is not the test's own data means the page let English through.
ENGLISH_WORDS = frozenset({
    "the", "and", "of", "your", "you", "is", "are", "was", "were", "this", "that", "with", "for", "from",
    "have", "has", "not", "will", "can", "what", "which", "comment", "comments", "consultation",
    "consultations", "paragraph", "paragraphs", "page", "sign", "search", "response", "read", "see", "more",
    "about", "here", "there", "please", "their", "they", "our", "we", "who", "when", "where", "how", "open",
    "closed", "published", "draft", "theme", "themes", "queue", "moderator", "official", "version",
    "versions", "it", "send", "back", "new", "edit", "delete", "change", "save", "cancel", "next",
    "previous", "first", "last", "yes", "no",
})
# Names, brands and symbols that read the same in Welsh.
LICENCE = "Open Government Licence v3.0"  # the open data licence, named as published
ALLOWED = {"Consult", "English", "Cymraeg", "CSV", "JSON", "Atom", "OpenAPI", "Markdown", "UTC",
           "Europe/London"}
# The default house rules are a published document in English (moderation/house_rules.md): their
# titles are document text, cited by name beside comments and in the queue.
HOUSE_RULES = [line[3:].split(" {#")[0] for line in
               (REPO / "moderation" / "house_rules.md").read_text(encoding="utf-8").splitlines()
               if line.startswith("## ")]
HOUSE_RULES += [title.split(". ", 1)[1] for title in HOUSE_RULES if ". " in title]


class _Text(HTMLParser):
    """Every text node and read attribute, outside <script>/<style> and content marked as another language."""

    READ = {"title", "alt", "aria-label", "placeholder"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, skipped)

    def _skipped(self) -> bool:
        return any(skipped for _tag, skipped in self._stack)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        # Code (scripts, styles, and <code>/<kbd>/<samp>: a parameter name, a URL, Markdown
        # syntax read the same in every language), the text being edited in a text area, anything
        # marked as another language on purpose (a document or comment in English, the language
        # switch), and a search hit's excerpt of a document or comment are not interface text.
        skipped = (tag in ("script", "style", "textarea", "code", "kbd", "samp")
                   or (values.get("lang") or "cy")[:2] not in ("cy", "")
                   or "hit-text" in (values.get("class") or "").split())
        if tag not in ("br", "img", "input", "meta", "link", "hr", "wbr", "source"):
            self._stack.append((tag, skipped))
        if self._skipped() or skipped:
            return
        for name, value in attrs:
            if value and name in self.READ:
                self.found.append(value)
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.found.append(values["value"])

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        if not self._skipped() and data.strip():
            self.found.append(data)


def english_in(page: str, data: Iterable[str] = (), allowed: Iterable[str] = ()) -> list[str]:
    """The text nodes of a page that still hold English words once `data` (the test's own
    document, names and comments, and the house rules) is taken out. `allowed`: more words
    that read the same in Welsh, beside ALLOWED."""
    parser = _Text()
    parser.feed(page)
    known_texts = sorted({*data, *HOUSE_RULES, LICENCE}, key=len, reverse=True)
    same = ALLOWED | set(allowed)
    found = []
    for text in parser.found:
        rest = " ".join(text.split())
        for known in known_texts:
            rest = rest.replace(known, " ")
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", rest) if w not in same}
        if words & ENGLISH_WORDS:
            found.append(" ".join(text.split()))
    return found
