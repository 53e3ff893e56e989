"""Comment views: the form on a paragraph page, submitting, and "My comments"."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy.exc import OperationalError

from consult.comments import service
from consult.comments.forms import CommentForm, ConfirmForm, EditForm
from consult.comments.pages import general_page, paragraph_page, public_consultation
from consult.database import read_then_write, unit_of_work
from consult.extensions import db, login_manager
from consult.i18n import LANGUAGES, current_language, gettext
from consult.models import CommentStatus, Status, utcnow
from consult.reattachment import reattachments_for
from consult.responses import service as responses
from consult.text_language import language_name
from consult.web import site_zone
from consult.written_on import written_on

bp = Blueprint("comments", __name__)


@bp.app_template_global("comment_language_choices")
def comment_language_choices() -> list[tuple[str, str]]:
    """The languages offered on the comment form: the site's, each by its own name."""
    return list(LANGUAGES.items())


@bp.app_template_filter("language_name")
def language_name_filter(code: str | None) -> str:
    """A comment's language by its own name ("Cymraeg"); an unknown tag as written."""
    return language_name(code)


@bp.app_template_global("own_comment_editable")
def own_comment_editable(comment) -> bool:
    """Whether the signed-in author may still edit this comment (the paragraph page's Edit link)."""
    return (current_user.is_authenticated and current_user.id == comment.author_id
            and service.can_edit(comment, utcnow()) and comment.consultation.status is Status.OPEN)


@bp.app_template_global("edit_until")
def edit_until(comment):
    """Until when a published comment may be edited (None while it awaits moderation)."""
    if comment.status != CommentStatus.PUBLISHED.value or comment.published_at is None:
        return None
    return comment.published_at + service.EDIT_WINDOW


@bp.app_template_global("lang_attr")
def lang_attr(code: str | None) -> Markup:
    """` lang="cy"` for a text in another language than the page's (which it otherwise inherits
    from <html lang>); nothing for the page's language or a language not known."""
    if not code or code == current_language():
        return Markup("")
    return Markup(' lang="%s"') % escape(code)


def wants_json() -> bool:
    """True when the page's script (not a person's browser) sent the request."""
    return request.accept_mimetypes.best == "application/json"


def _submit(slug: str, anchor: str | None):
    # No form.validate_on_submit(): the fields have no validators (the service checks the text),
    # and the CSRF token was checked before the view by CSRFProtect, which answers a bad one
    # itself (consult/web.py) and tells the form's own check to pass.
    form = CommentForm()
    consultation = None
    error: service.CommentError
    try:
        with read_then_write(db.session) as write:
            # Signing in is checked here rather than by @login_required, which would load the
            # user before the block, in a transaction begun with the POST's write intent (on
            # SQLite: waiting for the write lock just to read who is posting).
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            consultation = public_consultation(slug)
            # The author, the consultation, the paragraph, sanctions and the rendering of the
            # text are read and checked before the write lock is taken: with many people
            # posting at once, how long each holds SQLite's only write lock limits throughput.
            draft = service.prepare_comment(db.session, consultation, anchor, current_user,
                                            form.to_input(), zone=site_zone())
            write()
            comment, created = service.store_comment(db.session, draft)
            # Read before the commit: afterwards every attribute would be loaded again, in a
            # transaction of its own.
            receipt = _receipt(slug, comment, created)
    except service.CommentError as exc:
        error = exc
    except OperationalError:
        if consultation is None:
            raise  # nothing to show the text on: the site's own "very busy" page answers
        # The database is busy: keep the text on the form and ask to retry shortly.
        error = service.CommentError(gettext(
            "The site is very busy and your comment was not stored yet. Your text is kept "
            "below: please send it again in a few seconds."), status=503)
    else:
        return _acknowledge(receipt)
    if wants_json():
        response = jsonify(ok=False, error=error.message, field=error.field)
        if isinstance(error, service.RateLimited):
            response.headers["Retry-After"] = str(error.retry_after)
        elif error.status == 503:
            response.headers["Retry-After"] = "5"
        return response, error.status
    page = general_page(consultation, form, error) if anchor is None else \
        paragraph_page(consultation, anchor, form, error)
    response = make_response(page)
    if isinstance(error, service.RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    elif error.status == 503:
        response.headers["Retry-After"] = "5"
    return response


def _what_next(comment, notice: service.HeldNotice | None) -> str:
    if comment.status != CommentStatus.PENDING.value:
        return gettext("Thank you. Your comment is published.")
    if notice is None or not notice.findings and comment.consultation.moderation_mode == "pre":
        # The promise's words are a msgid of templates/comments/_promise.html.
        return gettext("Thank you. Your comment is awaiting moderation and will appear once a "
                       "moderator has checked it against the house rules, usually %(promise)s. "
                       "You can follow it in “My comments”.",
                       promise=gettext(service.MODERATION_PROMISE))
    follow = (gettext("You can edit it, and follow it, in “My comments”.") if notice.editable
              else gettext("You can follow it in “My comments”."))
    return gettext("Thank you. Your comment is awaiting moderation. %(why)s %(follow)s",
                   why=notice.sentence(), follow=follow)


def _receipt(slug: str, comment, created: bool) -> dict:
    """What the author is told about a stored comment, and where it is."""
    held = service.held_notices(db.session, [comment])
    message = _what_next(comment, held.get(comment.id))
    if not created:
        message = gettext("We already had this comment: it was sent once and is stored once. "
                          "%(message)s", message=message)
    target = (url_for("consultations.paragraph", slug=slug, anchor=comment.anchor)
              if comment.anchor else url_for("comments.general", slug=slug))
    receipt = {"ok": True, "created": created, "id": comment.id, "status": comment.status,
               "anchor": comment.anchor, "message": message, "url": f"{target}#comment-{comment.id}"}
    if wants_json():
        receipt["html"] = render_template("comments/_comment.html", comment=comment, replies=[],
                                          changed=None, consultation=comment.consultation, held=held)
        if comment.id in held:
            # The reasons, the rules they cite (linked) and the way to edit, for the inline form.
            receipt["held_html"] = render_template("comments/_held.html", notice=held[comment.id],
                                                   comment=comment, show_summary=False)
    return receipt


def _acknowledge(receipt: dict):
    """Answer a stored comment: JSON for the page's script, else a redirect with the message."""
    if wants_json():
        return jsonify(receipt)
    flash(receipt["message"], "success")
    return redirect(receipt["url"], code=303)


@bp.post("/c/<slug>/p/<anchor>/comments")
def create(slug: str, anchor: str):
    """Comment on one paragraph (or reply to a comment on it); signed-in people only."""
    return _submit(slug, anchor)


@bp.post("/c/<slug>/comments")
def create_general(slug: str):
    """Comment on the document as a whole; signed-in people only."""
    return _submit(slug, None)


@bp.get("/c/<slug>/comments")
def general(slug: str):
    """The page of comments on the document as a whole."""
    return general_page(public_consultation(slug))


@bp.get("/me/comments")
@login_required
def mine():
    """Everything I have written, with its status and what I can still do with it."""
    try:
        comments, next_cursor = service.my_comments(db.session, current_user.id,
                                                    request.args.get("after"))
    except service.CommentError as exc:
        abort(exc.status, description=exc.message)
    now = utcnow()
    return render_template("comments/mine.html", comments=comments, next_cursor=next_cursor,
                           held=service.held_notices(db.session, comments, now),
                           counted=responses.counted_under_published(db.session, comments),
                           reattached=reattachments_for(db.session, [c.id for c in comments]),
                           written=written_on(db.session, comments),
                           editable={c.id for c in comments if service.can_edit(c, now)
                                     and c.consultation.status is Status.OPEN})


def _own(comment_id: int):
    try:
        return service.get_own_comment(db.session, comment_id, current_user.id)
    except service.CommentError as exc:
        abort(exc.status, description=exc.message)


@bp.route("/me/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id: int):
    """Edit my comment while it awaits moderation or within 15 minutes of publication."""
    comment = _own(comment_id)
    form = EditForm(data={"body": comment.body} if request.method == "GET" else None)
    error = None
    if request.method == "POST":  # the CSRF token is checked before the view (see _submit)
        was_pending = comment.status == CommentStatus.PENDING.value
        try:
            with unit_of_work(db.session):
                edited = service.edit_comment(db.session, comment_id, current_user.id,
                                              form.body.data or "", zone=site_zone())
                status = edited.status  # read before the commit expires it
        except service.CommentError as exc:
            error = exc
        else:
            if was_pending and status == CommentStatus.PUBLISHED.value:
                message = gettext("Your comment was updated and is now published: our automatic "
                                  "check found nothing for a moderator to look at. The earlier "
                                  "text is kept on record.")
            elif status == CommentStatus.PENDING.value:
                message = gettext("Your comment was updated. It still awaits moderation: “My "
                                  "comments” says why. The earlier text is kept on record.")
            else:
                message = gettext("Your comment was updated. The earlier text is kept on record.")
            flash(message, "success")
            return redirect(url_for("comments.mine") + f"#comment-{comment_id}", code=303)
    return render_template("comments/edit.html", comment=comment, form=form, error=error,
                           held=service.held_notices(db.session, [comment]),
                           edits=service.edits_of(db.session, comment_id)), \
        (error.status if error else 200)


@bp.route("/me/comments/<int:comment_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(comment_id: int):
    """Withdraw my comment, after a confirmation page."""
    comment = _own(comment_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            with unit_of_work(db.session):
                service.withdraw_comment(db.session, comment_id, current_user.id)
        except service.CommentError as exc:
            flash(exc.message, "error")
        else:
            flash(gettext("Your comment was withdrawn. It no longer appears on the consultation."), "success")
        return redirect(url_for("comments.mine"), code=303)
    return render_template("comments/withdraw.html", comment=comment, form=form)
