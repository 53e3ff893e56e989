"""What every part of the response area shares: its error, text checks, and the response row."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, overload

from sqlalchemy import bindparam, select

from consult.i18n import N_, gettext
from consult.models import (
    CommentStatus,
    Consultation,
    Response,
)
from moderation.db import DbSession

PUBLISHED = CommentStatus.PUBLISHED.value
MAX_TEXT = 20_000


class ResponseError(ValueError):
    """A response action refused, with a message for the official (and optional details)."""

    def __init__(self, message: str, status: int = 400, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.details = list(details)


# The fields clean_text names, in the reader's language.
_LABELS = {label: label for label in (
    N_("The theme's title"), N_("What people said"), N_("Key words"), N_("The department's reasons"),
    N_("The note"), N_("The summary"), N_("The next steps"), N_("The correction"))}


def clean_text(value: str | None, label: str, limit: int = MAX_TEXT, required: bool = False) -> str:
    """The text stripped; refused when required and empty, or longer than the limit."""
    text = (value or "").strip()
    named = gettext(_LABELS[label]) if label in _LABELS else label
    if required and not text:
        raise ResponseError(gettext("%(label)s is required.", label=named))
    if len(text) > limit:
        raise ResponseError(gettext("%(label)s is limited to %(limit)s characters.", label=named,
                                    limit=f"{limit:,}"))
    return text


# Built once: every paragraph page asks whether there is a published response.
_RESPONSE_OF = select(Response).where(Response.consultation_id == bindparam("consultation"))


@overload
def get_response(session: DbSession, consultation: Consultation, create: Literal[True]) -> Response: ...
@overload
def get_response(session: DbSession, consultation: Consultation, create: bool = False) -> Response | None: ...
def get_response(session: DbSession, consultation: Consultation, create: bool = False) -> Response | None:
    """The consultation's response (a draft until published); with create, made if missing."""
    response = session.scalar(_RESPONSE_OF, {"consultation": consultation.id})
    if response is None and create:
        numbers = sorted(v.number for v in consultation.versions)
        response = Response(consultation_id=consultation.id, from_version=numbers[0],
                            to_version=numbers[-1] if len(numbers) > 1 else None)
        session.add(response)
        session.flush()
    return response


def is_published(session: DbSession, consultation: Consultation) -> bool:
    """True when the consultation's response is published."""
    response = get_response(session, consultation)
    return response is not None and response.published_at is not None


def published_response(session: DbSession, consultation: Consultation) -> Response | None:
    """The consultation's response if it is published, else None."""
    response = get_response(session, consultation)
    return response if response is not None and response.published_at is not None else None


def public_response(session: DbSession, consultation: Consultation) -> Response | None:
    """The response the public may read: published, of a consultation that was made public."""
    # A consultation never made public has no public response, whatever its rows say.
    if consultation.published_at is None:
        return None
    return published_response(session, consultation)
