"""The response ("you said, we did"): the draft, the report per theme, publishing, corrections."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

import documents
from consult.consultations.service import get_version
from consult.i18n import N_, current_language, gettext, local_time, ngettext
from consult.jobs.service import fan_out, record_progress, start_job
from consult.languages import responses as language_texts
from consult.models import (
    BackgroundJob,
    Comment,
    Consultation,
    Response,
    ResponseCorrection,
    Theme,
    ThemeComment,
    utcnow,
)
from consult.notifications import next_participants, notify_each_written, participant_count, site_path
from consult.responses.assist import method
from consult.responses.common import PUBLISHED, ResponseError, clean_text, get_response
from consult.responses.considered import considered_summary
from consult.responses.themes import anchors_of, themes_for_comments, themes_of, uncounted, uncounted_total
from consult.web import site_zone
from consult.written_on import written_on
from moderation.db import DbSession
from moderation.service.queue import escalated_waiting


@dataclass
class DraftValues:
    """What the draft form starts with: the saved draft, or the versions to compare by default."""

    summary: str
    next_steps: str
    from_version: int | None
    to_version: int | None


def draft_values(session: DbSession, consultation: Consultation) -> DraftValues:
    """The saved draft's text and versions; before one is saved, the first and the latest version."""
    response = get_response(session, consultation)
    if response is not None:
        return DraftValues(response.summary, response.next_steps, response.from_version,
                           response.to_version)
    numbers = [v.number for v in consultation.versions]
    return DraftValues("", "", numbers[0] if numbers else None,
                       numbers[-1] if len(numbers) > 1 else None)


def save_draft(session: DbSession, consultation: Consultation, summary: str, next_steps: str,
               from_version: int | None = None, to_version: int | None = None) -> Response:
    """Save the overall summary and next steps of the response."""
    response = get_response(session, consultation, create=True)
    if response.published_at:
        raise ResponseError(gettext("The response is already published; add a dated correction instead."), 409)
    response.summary = clean_text(summary, "The summary")
    response.next_steps = clean_text(next_steps, "The next steps")
    for number in (from_version, to_version):
        if number is not None and get_version(session, consultation, number) is None:
            raise ResponseError(gettext("This consultation has no version %(number)s.", number=number))
    response.from_version = from_version or response.from_version
    response.to_version = to_version or response.to_version
    return response


@dataclass
class ThemeReport:
    """One theme as the public response shows it, with counts computed, not typed."""

    theme: Theme
    comments: int
    organisations: list[str]
    paragraphs: list[dict]  # {"anchor", "number", "text", "diff_html"}


def report(session: DbSession, consultation: Consultation) -> list[ThemeReport]:
    """Every theme with its counted comments, organisations and changed paragraphs."""
    response = get_response(session, consultation)
    old_number = response.from_version if response else 1
    new_number = response.to_version if response else None
    old = get_version(session, consultation, old_number) if old_number else None
    new = get_version(session, consultation, new_number) if new_number else None
    old_by_anchor = {p.anchor: p for p in old.paragraphs} if old else {}
    new_by_anchor = {p.anchor: p for p in new.paragraphs} if new else {}
    reports = []
    for theme in themes_of(session, consultation):
        rows = session.execute(select(Comment.respondent_type, Comment.organisation)
                               .join(ThemeComment, ThemeComment.comment_id == Comment.id)
                               .where(ThemeComment.theme_id == theme.id,
                                      Comment.status == PUBLISHED)).all()
        organisations = sorted({o.strip() for kind, o in rows if kind == "organisation" and o})
        paragraphs = []
        for anchor in anchors_of(session, theme):
            before, after = old_by_anchor.get(anchor), new_by_anchor.get(anchor)
            shown = after or before
            diff_html = None
            if before and after:
                diff_html = documents.diff(before.text, after.text).html
            if before and after:
                state = "unchanged" if before.fingerprint == after.fingerprint else "edited"
            else:
                state = "new" if after else "removed"
            paragraphs.append({"anchor": anchor, "number": shown.number if shown else anchor,
                               "text": shown.text if shown else "", "diff_html": diff_html,
                               "state": state})
        reports.append(ThemeReport(theme, len(rows), organisations, paragraphs))
    return reports


def publish(session: DbSession, consultation: Consultation, actor_id: int,
            now: datetime | None = None) -> Response:
    """Publish the response and tell everyone who commented where their comment was counted."""
    now = now or utcnow()
    response = get_response(session, consultation, create=True)
    if response.published_at is not None:
        raise ResponseError(gettext("The response was already published on %(date)s.",
                                    date=local_time(response.published_at, "%-d %B %Y", site_zone())),
                            status=409)
    if consultation.status.value not in ("closed",):
        raise ResponseError(gettext("Publish the response once the consultation has closed."), status=409)
    escalated = escalated_waiting(session, consultation.id)
    if escalated:
        raise ResponseError(
            ngettext("%(count)s comment a moderator escalated to an official is still waiting for a decision: "
                     "decide it in the moderation queue before publishing.",
                     "%(count)s comments a moderator escalated to an official are still waiting for a decision: "
                     "decide them in the moderation queue before publishing.", escalated, count=f"{escalated:,}"),
            status=409)
    waiting = uncounted(session, consultation, limit=50)
    if waiting:
        total = uncounted_total(session, consultation)
        raise ResponseError(
            ngettext("%(count)s published comment is not yet counted under a theme or marked as considered. "
                     "Nothing is forgotten by accident: deal with it first.",
                     "%(count)s published comments are not yet counted under a theme or marked as considered. "
                     "Nothing is forgotten by accident: deal with them first.", total, count=f"{total:,}"),
            status=409, details=[(gettext("#%(id)s on %(number)s: %(text)s", id=c.id, number=c.paragraph_number,
                                          text=c.body[:80]) if c.paragraph_number else
                                  gettext("#%(id)s on the whole document: %(text)s", id=c.id, text=c.body[:80]))
                                 for c in waiting])
    themes = themes_of(session, consultation)
    if not themes:
        raise ResponseError(gettext("Add at least one theme before publishing."), status=409)
    missing = [t.title for t in themes if not t.outcome]
    if missing:
        raise ResponseError(gettext("Every theme needs an outcome before publishing."), status=409,
                            details=missing)
    unwritten = incomplete_themes(themes)
    if unwritten:
        raise ResponseError(gettext("Every theme needs what people said and what the department did before "
                                    "publishing: the public would read an empty section."), status=409,
                            details=[t.title for t in unwritten])
    if not response.summary.strip():
        raise ResponseError(gettext("Write the overall summary before publishing."), status=409)
    lacking = language_texts.missing(session, consultation.id, themes)
    if lacking:
        raise ResponseError(gettext("The response is published in every language of the consultation: write "
                                    "what is still missing first."), status=409, details=lacking)
    response.published_at = now
    response.published_by = actor_id
    consultation.responded_at = now
    _tell_participants(session, consultation, actor_id)
    return response


def incomplete_themes(themes: Sequence[Theme]) -> list[Theme]:
    """The themes whose "what people said" or "what we did" (the reasons) is not written yet."""
    return [t for t in themes if not (t.said or "").strip() or not (t.reasons or "").strip()]


TELL_CHUNK = 500  # participants told per step of the job (one commit each)


def tell_key(consultation: Consultation) -> str:
    """The key of the job telling a consultation's participants about its response."""
    return f"tell:response:{consultation.id}"


def _tell_participants(session: DbSession, consultation: Consultation, actor_id: int) -> None:
    """Start the job that tells every participant (once this commits): one message each, in chunks."""
    participants = participant_count(session, consultation.id)
    if participants:
        start_job(session, "tell_response", tell_key(consultation),
                  gettext("Telling the participants in “%(title)s” about the response", title=consultation.title),
                  total=participants, params={"consultation_id": consultation.id}, started_by=actor_id)


def tell_response_step(session: DbSession, job: BackgroundJob) -> int:
    """Tell the next chunk of participants (after job.cursor, by id) what became of their comments.

    Each participant gets one message listing the themes each of their published comments was
    counted under, or that it was considered under no theme. Returns how many were told (0: done).
    """
    chunk = next_participants(session, job, TELL_CHUNK)
    if chunk is None:
        return 0
    consultation, authors = chunk
    link = site_path("responses.show", slug=consultation.slug)
    comments = list(session.scalars(select(Comment).where(
        Comment.consultation_id == consultation.id, Comment.status == PUBLISHED, Comment.author_id.in_(authors))
        .order_by(Comment.author_id, Comment.id)))
    themes_by_comment: dict[int, list[Theme]] = {}
    for tc, theme in session.execute(select(ThemeComment, Theme).join(Theme, Theme.id == ThemeComment.theme_id)
                                     .where(ThemeComment.comment_id.in_([c.id for c in comments]))
                                     .order_by(Theme.position, Theme.id)):
        themes_by_comment.setdefault(tc.comment_id, []).append(theme)
    comments_of: dict[int, list[Comment]] = {}
    for comment in comments:
        comments_of.setdefault(comment.author_id, []).append(comment)

    where = written_on(session, comments)

    def part(comment: Comment) -> str:
        lines = [f"- “{t.title}” ({gettext(t.outcome_label)}): {link}#theme-{t.id}"
                 for t in themes_by_comment.get(comment.id, [])]
        number = where[comment.id].label if comment.id in where else comment.paragraph_number
        if lines:
            return (gettext("Your comment on %(number)s was counted under:", number=number) if number else
                    gettext("Your comment on the whole document was counted under:")) + "\n" + "\n".join(lines)
        considered = f"{link}#considered"
        return (gettext("Your comment on %(number)s was read and considered, and counted under no theme: %(link)s",
                        number=number, link=considered) if number else
                gettext("Your comment on the whole document was read and considered, and counted under no theme: "
                        "%(link)s", link=considered))

    def write(author_id: int) -> tuple[str, str]:  # in each participant's language
        opening = gettext("The department has published what it did with what people said.") + "\n\n"
        return (gettext("The response to “%(title)s” is published", title=consultation.title),
                opening + "\n\n".join(part(c) for c in comments_of.get(author_id, [])))

    notify_each_written(session, authors, "response", write, link=link, job_id=job.id)
    record_progress(session, job, job.done + len(authors), cursor=authors[-1])
    return len(authors)


fan_out("tell_response", tell_response_step)


def correct(session: DbSession, consultation: Consultation, note: str, actor_id: int) -> ResponseCorrection:
    """Add a dated correction to a published response."""
    response = get_response(session, consultation)
    if response is None or response.published_at is None:
        raise ResponseError(gettext("Only a published response can be corrected; edit the draft instead."), 409)
    correction = ResponseCorrection(response_id=response.id, note=clean_text(note, "The correction", 5000, True),
                                    by=actor_id)
    session.add(correction)
    return correction


def corrections(session: DbSession, response: Response) -> list[ResponseCorrection]:
    """A response's corrections, oldest first."""
    return list(session.scalars(select(ResponseCorrection).where(ResponseCorrection.response_id == response.id)
                                .order_by(ResponseCorrection.id)))


def as_markdown(session: DbSession, consultation: Consultation) -> str:
    """The published response as a Markdown document, in the reader's language: its headings and
    labels, and the department's words where the consultation has them written in it."""
    response = get_response(session, consultation)
    reports = report(session, consultation)
    if response is not None:
        response, reports, _shown_in = language_texts.localised(session, consultation.id, current_language(),
                                                                response, reports)

    def day(moment: datetime) -> str:
        return local_time(moment, "%-d %B %Y", site_zone())

    changed = {"unchanged": N_("Paragraph %(number)s (unchanged): %(text)s"),
               "edited": N_("Paragraph %(number)s (edited): %(text)s"),
               "new": N_("Paragraph %(number)s (new): %(text)s"),
               "removed": N_("Paragraph %(number)s (removed): %(text)s")}
    comments_label, organisations_label = gettext("Comments"), gettext("Organisations")
    lines = ["# " + gettext("Response: %(title)s", title=consultation.title), ""]
    if response and response.published_at:
        lines += [gettext("Published %(date)s", date=day(response.published_at)) + ".", ""]
    lines += ["## " + gettext("Summary"), "", (response.summary if response else "") or "", ""]
    for item in reports:
        t = item.theme
        outcome = gettext(t.outcome_label)
        lines += [f"## {t.title}", "", f"**{comments_label}:** {item.comments}"
                  + (f" · **{organisations_label}:** {', '.join(item.organisations)}" if item.organisations else ""),
                  "", "### " + gettext("What you said"), "", t.said or "", "",
                  "### " + gettext("What we did: %(outcome)s", outcome=outcome), "", t.reasons or "", ""]
        for p in item.paragraphs:
            lines += ["- " + gettext(changed[p["state"]], number=p["number"], text=p["text"][:300])]
        lines.append("")
    considered = considered_summary(session, consultation)
    if considered.total:
        lines += ["## " + gettext("Read and considered, counted under no theme"), "",
                  f"**{comments_label}:** {considered.total}", ""]
        lines += [f"- {gettext(label)}: {n}" for _code, label, n in considered.reasons]
        lines.append("")
    lines += ["## " + gettext("How we counted the comments"), "", *method(session, consultation).sentences, ""]
    lines += ["## " + gettext("Next steps"), "", (response.next_steps if response else "") or "", ""]
    if response:
        for c in corrections(session, response):
            lines += ["*" + gettext("Correction, %(date)s:", date=day(c.at)) + f"* {c.note}", ""]
    return "\n".join(lines)


def counted_under_published(session: DbSession, comments: Sequence[Comment]) -> dict[int, list[Theme]]:
    """For comments whose consultation's response is published: the themes each counted under."""
    consultation_ids = {c.consultation_id for c in comments}
    published = set(session.scalars(select(Response.consultation_id).where(
        Response.consultation_id.in_(consultation_ids), Response.published_at.is_not(None))))
    return themes_for_comments(session, [c.id for c in comments if c.consultation_id in published])
