"""Comments: what a citizen may send, checked before anything is stored."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

import documents
import moderation.service as moderation
from consult.accounts.service import is_confirmed
from consult.i18n import gettext, local_time, ngettext
from consult.models import RESPONDENT_TYPES, STANCES, Consultation, Status
from consult.text import clean_name, has_visible_text, strip_unpaired_bidi
from consult.text_language import clean_code

MAX_LENGTH = 5000


class CommentError(ValueError):
    """A comment refused, with a message for the form and the field it concerns."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


class RateLimited(CommentError):
    """Too many comments too quickly; says when to try again."""

    def __init__(self, retry_after: int) -> None:
        minutes, seconds = divmod(retry_after, 60)
        when = (ngettext("%(num)s minute", "%(num)s minutes", minutes) if minutes
                else ngettext("%(num)s second", "%(num)s seconds", seconds))
        super().__init__(
            gettext("You have posted several comments in a short time. Your text is kept below: "
                    "please try again in %(when)s.", when=when), status=429,
        )
        self.retry_after = retry_after


@dataclass
class CommentInput:
    """What a citizen typed into the comment form."""

    body: str
    submission_key: str
    stance: str | None = None
    respondent_type: str = "individual"
    organisation: str | None = None
    show_name: bool = True
    parent_id: int | None = None
    # The language the text is written in: a code ("cy"), or None or DETECT to tell from the
    # text; when the text does not say, `form_language` (the language the form was read in).
    language: str | None = None
    form_language: str | None = None


DETECT = "detect"


# A direction control written as a character reference (&#x202E;) is one once rendered: the
# pairing check must see it, so such references become the characters before it runs.
_BIDI_REFERENCE = re.compile(r"&#(?:x0*(202[a-e]|206[6-9])|0*(823[4-8]|829[4-7]));", re.IGNORECASE)


def _bidi_reference(match: re.Match) -> str:
    return chr(int(match.group(1), 16) if match.group(1) else int(match.group(2)))


def clean_body(body: str | None) -> str:
    """Validate a comment's text: present, visible, within the limit, no unreadable characters."""
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    text = strip_unpaired_bidi(_BIDI_REFERENCE.sub(_bidi_reference, text)).strip()
    if not text:
        raise CommentError(gettext("Write your comment before sending it."), field="body")
    if not has_visible_text(text):
        raise CommentError(gettext("Write your comment before sending it: what was sent has no visible "
                           "text, only invisible characters."), field="body")
    if len(text) > MAX_LENGTH:
        raise CommentError(
            gettext("Your comment is %(length)s characters long; the limit is %(limit)s. "
                    "Shorten it, or split it into comments on the paragraphs it concerns.",
                    length=f"{len(text):,}", limit=f"{MAX_LENGTH:,}"), field="body",
        )
    if "\ufffd" in text:
        raise CommentError(
            gettext("Your comment contains characters that could not be read (perhaps pasted from "
            "another program). Retype the marked part."), field="body",
        )
    if not has_visible_text(documents.html_text(documents.render_comment(text))):
        # Markdown marks alone ("-", "***", "[](https://…)") or invisible characters written
        # as references (&#8203;) show as an empty comment.
        raise CommentError(gettext("Write your comment before sending it: what was sent would show no "
                           "text, only formatting marks or invisible characters."), field="body")
    bad = [c for c in text if unicodedata.category(c) in {"Cc", "Cs", "Co"} and c not in "\n\t"]
    if bad:
        raise CommentError(
            gettext("Your comment contains invisible control characters; remove them and send it again."),
            field="body",
        )
    return text


def validate_input(data: CommentInput) -> CommentInput:
    """Check and tidy every field of the form; raises CommentError naming the field."""
    data.body = clean_body(data.body)
    if data.stance not in (None, "", *STANCES):
        raise CommentError(gettext("Choose support, oppose, mixed, or leave the stance empty."), "stance")
    data.stance = data.stance or None
    if data.respondent_type not in RESPONDENT_TYPES:
        raise CommentError(gettext("Say whether you respond as an individual or for an organisation."),
                           "respondent_type")
    organisation = clean_name(data.organisation)
    if data.respondent_type == "organisation" and not organisation:
        raise CommentError(gettext("Give the name of the organisation you respond for."), "organisation")
    if len(organisation) > 200:
        raise CommentError(gettext("The organisation's name is limited to 200 characters."), "organisation")
    data.organisation = organisation if data.respondent_type == "organisation" else None
    key = (data.submission_key or "").strip()
    if not key or len(key) > 64:
        raise CommentError(gettext("This form has expired; your text is kept, please send it again."))
    data.submission_key = key
    try:
        data.language = None if data.language == DETECT else clean_code(data.language)
        data.form_language = clean_code(data.form_language)
    except ValueError:
        raise CommentError(gettext("Choose the language your comment is written in from the list."),
                           "language") from None
    return data


def can_comment(user) -> bool:
    """Signed in with a confirmed email address: who may comment."""
    return is_confirmed(user)


def ensure_open(consultation: Consultation, now: datetime) -> None:
    """Refuse comments unless the consultation is open now, saying why."""
    status = consultation.status_at(now)
    if status is Status.OPEN:
        return
    if status is Status.UPCOMING and consultation.opens_at:
        raise CommentError(
            gettext("This consultation opens for comments on %(date)s at %(time)s UTC.",
                    date=_day(consultation.opens_at), time=f"{consultation.opens_at:%H:%M}"),
            status=409,
        )
    if status is Status.DRAFT:
        raise CommentError(gettext("This consultation is not open for comments."), status=404)
    if consultation.closes_at:
        raise CommentError(
            gettext("This consultation closed on %(date)s at %(time)s UTC, so it no longer accepts comments. "
                    "Comments sent before the close are still being considered.",
                    date=_day(consultation.closes_at), time=f"{consultation.closes_at:%H:%M}"), status=409)
    raise CommentError(
        gettext("This consultation closed, so it no longer accepts comments. Comments sent "
                "before the close are still being considered."), status=409,
    )


def posting_refusal(session, author_id: int, now: datetime, zone: tzinfo | None = None) -> str | None:
    """Why this author may not post now (banned or suspended), in the reader's language, or None.

    The same decision as moderation.service.posting_refusal (a ban, else a suspension, in force
    now), worded here; the moderator's reason as written."""
    for sanction in moderation.active_sanctions(session, author_id, now):
        if sanction.kind == "ban":
            return gettext("Your account may no longer post comments. Reason: %(reason)s", reason=sanction.reason)
        if sanction.kind == "suspend":
            if sanction.ends_at is None:
                return gettext("Your account is suspended from posting. Reason: %(reason)s", reason=sanction.reason)
            until = local_time(sanction.ends_at, "%-d %B %Y, %H:%M", zone or UTC) + ("" if zone else " UTC")
            return gettext("Your account is suspended from posting until %(date)s. Reason: %(reason)s",
                           date=until, reason=sanction.reason)
    return None


def _day(moment: datetime) -> str:
    """A stored (UTC) day as refusals name it, the month in the reader's language."""
    return local_time(moment, "%-d %B %Y", UTC)
