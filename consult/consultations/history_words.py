"""A history entry's words, kept beside its English detail so that each reader reads the entry in
their own language (consultation_events.words).

An entry is a list of sentences, each ``[message, params]``: the message is marked with N_ and
translated when the entry is shown; a param is a number or plain text, or one of

- ``{"own": text}``: an official's own words (a reason, a note), shown as written;
- ``{"quoted": text}``: the same, in quotation marks (a title before and after);
- ``{"time": "2026-03-01T09:00:00"}``: a stored (naive UTC) time, shown in the site's zone;
- ``{"term": message}``: a word or phrase, translated (a moderation mode, "none");
- ``{"plural": [singular, plural], "num": n}``: a counted phrase ("3 comments");
- ``{"part": [message, params]}``: a sentence inside another;
- ``{"join": [[message, params], ...], "sep": "; "}``: sentences one after another.

`english` gives the detail the database keeps (for downloads and older readers); `shown` the
same entry in the reader's language, escaped, with the official's words marked ``dir="auto"``.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import has_app_context
from markupsafe import Markup, escape

from consult import web
from consult.i18n import gettext, local_time, ngettext

TIME_FORMAT = "%-d %B %Y, %H:%M"

Sentence = list  # [message, params]


def sentence(message: str, **params: Any) -> Sentence:
    """One sentence of an entry."""
    return [message, params]


def own(text: str) -> dict:
    return {"own": text}


def quoted(text: str) -> dict:
    return {"quoted": text}


def time(value: datetime) -> dict:
    return {"time": value.replace(tzinfo=None).isoformat()}


def term(message: str) -> dict:
    return {"term": message}


def counted(singular: str, plural: str, num: int) -> dict:
    return {"plural": [singular, plural], "num": num}


def part(message: str, **params: Any) -> dict:
    return {"part": sentence(message, **params)}


def joined(sentences: list[Sentence], sep: str) -> dict:
    return {"join": sentences, "sep": sep}


class _Writer:
    """Writes an entry with one language's functions: plain text, or Markup for a page."""

    def __init__(self, translate: Callable[..., str], plural: Callable[..., str],
                 when: Callable[[datetime], str], markup: bool) -> None:
        self.translate, self.plural, self.when, self.markup = translate, plural, when, markup

    def text(self, value: str) -> str:
        return escape(value) if self.markup else value

    def own(self, value: str) -> str:
        return Markup('<span dir="auto">%s</span>') % value if self.markup else value

    def param(self, value: Any) -> str:
        if not isinstance(value, dict):
            return self.text(str(value))
        if "own" in value:
            return self.own(value["own"])
        if "quoted" in value:
            return self.text("“") + self.own(value["quoted"]) + self.text("”")
        if "time" in value:
            return self.text(self.when(datetime.fromisoformat(value["time"])))
        if "term" in value:
            return self.text(self.translate(value["term"]))
        if "plural" in value:
            singular, plural = value["plural"]
            return self.text(self.plural(singular, plural, value["num"]))
        if "part" in value:
            return self.sentence(value["part"])
        if "join" in value:
            return self.text(value.get("sep", " ")).join(self.sentence(s) for s in value["join"])
        return ""

    def sentence(self, entry: Sentence) -> str:
        message, params = entry
        values = {key: self.param(value) for key, value in (params or {}).items()}
        if self.markup:
            # The catalogue's text is ours; every value put into it is escaped above.
            return Markup(self.translate(message)) % values if values else Markup(self.translate(message))
        return self.translate(message) % values if values else self.translate(message)

    def entry(self, sentences: list[Sentence]) -> str:
        return self.text(" ").join(self.sentence(s) for s in sentences)


def site_zone() -> ZoneInfo:
    """The zone the history states times in: the site's (SITE_TIMEZONE), UTC outside the app."""
    return web.site_zone() if has_app_context() else ZoneInfo("UTC")


def english(sentences: list[Sentence], zone) -> str:
    """The entry as the database keeps it in `detail`: English, times in the site's zone."""
    writer = _Writer(lambda m: m, lambda one, other, n: (one if n == 1 else other) % {"num": n},
                     lambda t: local_time_english(t, zone), markup=False)
    return writer.entry(sentences)


def local_time_english(value: datetime, zone) -> str:
    return value.replace(tzinfo=UTC).astimezone(zone).strftime(TIME_FORMAT)


def shown(sentences: list[Sentence], zone) -> Markup:
    """The entry in the reader's language, for a page."""
    writer = _Writer(gettext, lambda one, other, n: ngettext(one, other, n),
                     lambda t: local_time(t, TIME_FORMAT, zone), markup=True)
    return Markup(writer.entry(sentences))
