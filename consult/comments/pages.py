"""The reading pages that show comments: the document, one paragraph, the general comments.

The document page and the paragraph page are routes of the reading blueprint
(consult/consultations/reading.py) so their endpoints stay `consultations.show` and
`consultations.paragraph`; they live here because they compose comments with the document,
and comments depend on consultations, never the reverse. The comment views re-render the
paragraph and general pages, with the text kept, when a comment is refused.
"""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from consult.comments import service
from consult.comments.forms import CommentForm
from consult.consultations import service as consultations
from consult.consultations.reading import bp
from consult.consultations.rendering import DOCUMENT_SLOT, document_bytes, page_response
from consult.extensions import db
from consult.i18n import gettext
from consult.models import Status, utcnow
from consult.reattachment import reattachments_for
from consult.responses import service as responses
from consult.web import site_zone


def public_consultation(slug: str):
    """The consultation at this slug, or a 404 if there is none or it is still a draft."""
    consultation = consultations.get_consultation(db.session, slug)
    # Drafts are not public; the editing pages for officials show them.
    if consultation is None or consultation.status is Status.DRAFT:
        abort(404, description=gettext("There is no consultation at '/c/%(slug)s'.", slug=slug))
    return consultation


def viewer_id() -> int | None:
    """The signed-in user's id, or None for a visitor."""
    return current_user.id if current_user.is_authenticated else None


@bp.get("/c/<slug>")
def show(slug: str):
    """The current version of a consultation's document, paragraph by paragraph."""
    consultation, version = consultations.get_with_current_version(db.session, slug)
    if consultation is None or consultation.status is Status.DRAFT or version is None:
        abort(404, description=gettext("There is no consultation at '/c/%(slug)s'.", slug=slug))
    return _render_version(consultation, version, latest=True, version_count=version.number)


@bp.get("/c/<slug>/v/<int:number>")
def show_version(slug: str, number: int):
    """An earlier (or the current) version of the document, read as it was."""
    consultation = public_consultation(slug)
    version = consultations.get_version(db.session, consultation, number)
    if version is None:
        abort(404, description=gettext("This consultation has no version %(number)s.", number=number))
    latest = consultations.current_version(db.session, consultation)
    if version.id == latest.id:
        return redirect(url_for("consultations.show", slug=slug))
    return _render_version(consultation, version, latest=False, version_count=latest.number)


def may_comment(is_open: bool) -> tuple[bool, str | None]:
    """Whether the reader may comment now (signed in, address confirmed, no suspension or ban),
    and if a measure stops them, why: said instead of the form, rather than after writing."""
    if not service.can_comment(current_user):
        return False, None
    blocked = service.posting_refusal(db.session, current_user.id, utcnow(), zone=site_zone()) if is_open else None
    return blocked is None, blocked


def _render_version(consultation, version, latest: bool, version_count: int):
    is_open = consultation.status is Status.OPEN
    counts = service.published_counts(db.session, consultation)
    document = document_bytes(
        consultation, version, latest=latest, is_open=is_open, counts=counts,
        load_paragraphs=lambda: consultations.paragraphs_of(db.session, version))
    can_comment, _blocked = may_comment(is_open)
    page = render_template(
        "consult/show.html",
        consultation=consultation,
        version=version,
        version_count=version_count,
        latest=latest,
        counts=counts,
        is_open=is_open,
        document_html=DOCUMENT_SLOT,
        can_comment=can_comment,
        form=CommentForm().fresh() if can_comment and latest else None,
    )
    return page_response(page, document)


@bp.get("/c/<slug>/p/<anchor>")
def paragraph(slug: str, anchor: str):
    """One paragraph on its own page, with the section it belongs to."""
    return paragraph_page(public_consultation(slug), anchor)


def _held(thread: service.Thread, *more) -> dict[int, service.HeldNotice]:
    """Why the viewer's own comments on the page await moderation (only they see them)."""
    if not current_user.is_authenticated:
        return {}
    shown = [*thread.comments, *(r for rs in thread.replies.values() for r in rs), *more]
    return service.held_notices(db.session, [c for c in shown if c.author_id == current_user.id])


def _counted(thread: service.Thread) -> dict:
    """The themes each comment on the page was counted under, once the response is out."""
    ids = [c.id for c in thread.comments] + [r.id for rs in thread.replies.values() for r in rs]
    return responses.themes_for_comments(db.session, ids)


def _thread(consultation, anchor: str | None) -> service.Thread:
    try:
        return service.thread(db.session, consultation, anchor, viewer_id=viewer_id(),
                              order=request.args.get("order", "newest"),
                              cursor=request.args.get("after"), language=request.args.get("language"))
    except service.CommentError as exc:
        abort(exc.status, description=exc.message)


def _languages(consultation, anchor: str | None, thread: service.Thread) -> list[str]:
    """The languages a reader may narrow this list to (shown only when there are two or more)."""
    found = set(service.published_languages(db.session, consultation).get(anchor, ()))
    return sorted(found | ({thread.language} if thread.language else set()))


def paragraph_page(consultation, anchor: str, form: CommentForm | None = None,
                   error: service.CommentError | None = None):
    """Render a paragraph's own page: the text, its comments, and the comment form."""
    located = consultations.locate_paragraph(db.session, consultation, anchor)
    if located is None:
        abort(404, description=gettext("This consultation has no paragraph '%(anchor)s'.", anchor=anchor))
    thread = _thread(consultation, anchor)
    current = located.paragraph if located.current else None
    counted, raised = {}, []
    if responses.published_response(db.session, consultation):
        counted = _counted(thread)
        raised = responses.themes_for_anchor(db.session, consultation, anchor)
    return render_template(
        "consult/paragraph.html",
        counted=counted,
        themes_raised=raised,
        consultation=consultation,
        located=located,
        paragraph=located.paragraph,
        latest_version=located.latest,
        thread=thread,
        thread_languages=_languages(consultation, anchor, thread),
        changed={c.id: service.paragraph_changed(c, current) for c in thread.comments},
        reattached=reattachments_for(db.session, [c.id for c in thread.comments]),
        held=_held(thread),
        form=(form or CommentForm()).fresh(),
        error=error,
        **_commenting(consultation),
        promise=service.MODERATION_PROMISE,
    ), (error.status if error else 200)


def _commenting(consultation) -> dict:
    is_open = consultation.status is Status.OPEN
    can_comment, blocked = may_comment(is_open)
    return {"can_comment": can_comment, "posting_blocked": blocked, "is_open": is_open}


def general_page(consultation, form: CommentForm | None = None,
                 error: service.CommentError | None = None):
    """Comments on the whole document, and comments on paragraphs since removed."""
    thread = _thread(consultation, None)
    counted = _counted(thread) if responses.published_response(db.session, consultation) else {}
    removed = service.comments_on_removed_paragraphs(db.session, consultation, viewer_id())
    return render_template(
        "comments/general.html",
        consultation=consultation,
        counted=counted,
        thread=thread,
        thread_languages=_languages(consultation, None, thread),
        held=_held(thread, *removed),
        removed=removed,
        reattached=reattachments_for(db.session, [c.id for c in removed]),
        form=(form or CommentForm()).fresh(),
        error=error,
        **_commenting(consultation),
        promise=service.MODERATION_PROMISE,
    ), (error.status if error else 200)
