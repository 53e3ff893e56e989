"""Shared by every part of moderation.service: the errors it raises, its limits and words, and the
audit entry every change writes."""
from __future__ import annotations

from collections.abc import Callable

from moderation.db import DbSession
from moderation.models import APPROVE, ESCALATE, REDACT, REJECT, REMOVE, AuditEntry, QueueItem

CLAIM_MINUTES = 5
APPEAL_DAYS = 30
MAX_NOTE = 2000
CAMPAIGN_AUTHORS = 3  # this many different people sending the same text make a campaign
PAGE_SIZE = 25
SANCTION_NAMES = {"premoderate": "Pre-moderation", "suspend": "Suspension", "ban": "Ban"}


def N_(message: str) -> str:  # noqa: N802  (the marker pybabel extracts)
    """Mark a message for translation: moderation never imports consult, which translates it
    where it shows it (see `translate_messages_with`)."""
    return message


class Term(str):
    """Words put into a message (an outcome's name), marked with N_ and translated with it."""


class Phrase(str):
    """A marked message with its own params (a document's refusal), put into another message:
    English as the value, translated with the message it is put in."""

    message_id: str
    params: dict[str, object]

    def __new__(cls, message: str, **params: object) -> Phrase:
        value = super().__new__(cls, message % params if params else message)
        value.message_id, value.params = message, params
        return value


class CitedRules(str):
    """The rules a decision cited, put into a message: English ('rule 2 (…) and rule 3 (…)') as
    the value, with the anchors and rules version kept so that the application can name them in
    the reader's language."""

    anchors: tuple[str, ...]
    version: int | None
    versions: tuple[int | None, ...]  # each anchor's own version, when they differ (else empty)

    def __new__(cls, english: str, anchors: list[str], version: int | None,
                versions: list[int | None] | None = None) -> CitedRules:
        value = super().__new__(cls, english)
        value.anchors, value.version = tuple(anchors), version
        value.versions = tuple(versions) if versions else ()
        return value


# Outcomes in words, for sentences ("Bea already decided: not published under rule 3 (…)").
OUTCOME_WORDS = {APPROVE: Term(N_("approved and published")), REJECT: Term(N_("not published")),
                 REDACT: Term(N_("published with words removed")),
                 ESCALATE: Term(N_("escalated to an official")), REMOVE: Term(N_("removed"))}


# The application's translation (consult gives its gettext at start-up); none: English.
_translators: list[Callable[..., str]] = []


def translate_messages_with(translate: Callable[..., str]) -> None:
    """Have every ModerationError's message read in the reader's language: `translate(message,
    **params)` (gettext's signature) is called when the message is read, with the params as
    given (a `Term`, `Phrase` or `CitedRules` among them is the translator's to put in that language)."""
    _translators[:] = [translate]


class ModerationError(ValueError):
    """A moderation request refused, with a message for the person who made it.

    The message is kept as marked (`N_`), with its `params` apart, so that it is read in the
    language of whoever reads it: `message` translates it then (English with no translator)."""

    def __init__(self, message: str, status: int = 400, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message_id = message
        self.params = params
        self.status = status

    @property
    def message(self) -> str:
        """The message in the reader's language, its values filled in."""
        if _translators:
            return _translators[0](self.message_id, **self.params)
        return self.message_id % self.params if self.params else self.message_id


class Conflict(ModerationError):
    """Someone else decided first, or the text changed: nothing was stored."""

    def __init__(self, message: str, item: QueueItem | None = None, **params: object) -> None:
        super().__init__(message, status=409, **params)
        self.item = item


def audit(session: DbSession, action: str, subject_type: str, subject_id: int | None, *,
          actor_id: int | None = None, consultation_id: int | None = None, **detail) -> None:
    """Append one entry to the moderation record."""
    session.add(AuditEntry(action=action, subject_type=subject_type, subject_id=subject_id,
                           actor_id=actor_id, consultation_id=consultation_id, detail=detail))
