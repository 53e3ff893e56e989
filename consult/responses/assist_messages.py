"""The suggestion jobs' messages in the reader's language.

A suggestion job runs with no request, so it keeps what each message was made of
(consult.responses.suggest.Message.stored(): the English message id, its plural, its values and,
for "no language has enough", each language's reason) rather than a finished sentence; the page
translates it here. Runs from before that kept plain English sentences: shown as they are.
"""
from __future__ import annotations

from consult.i18n import gettext, ngettext
from consult.models import BackgroundJob, SuggestionRun
from consult.text_language import language_name
from moderation.db import DbSession


def shown(stored: object) -> str:
    """A kept suggestion message in the reader's language (a plain string as it is; "" for none)."""
    if isinstance(stored, str):
        return stored
    if not isinstance(stored, dict) or not isinstance(stored.get("id"), str):
        return ""
    values = dict(stored.get("values") or {})
    reasons = stored.get("reasons") or {}
    if reasons:
        values["reasons"] = "; ".join(
            ngettext("%(language)s (%(num)s comment): %(why)s", "%(language)s (%(num)s comments): %(why)s",
                     n, language=language_name(code), why=shown(why))
            for code, (n, why) in reasons.items())
    if stored.get("plural") and "num" in values:
        return ngettext(stored["id"], stored["plural"], values.pop("num"), **values)
    return gettext(stored["id"], **values)


def run_message(session: DbSession, run: SuggestionRun | None) -> str:
    """Why a finished run suggested nothing, in the reader's language: from what its job kept,
    else the run's own English sentence (older runs); "" when it suggested something."""
    if run is None or not run.message:
        return ""
    job = session.get(BackgroundJob, run.job_id) if run.job_id is not None else None
    kept = (job.params or {}).get("message") if job is not None else None
    return shown(kept) if kept else run.message


def languages_shown(summary: dict | None) -> dict | None:
    """A run's per-language summary with each language's reason for being left out translated."""
    if not summary:
        return summary
    left_out = {code: [left[0], shown(left[1])] for code, left in (summary.get("left_out") or {}).items()}
    return {**summary, "left_out": left_out}
