"""The site's own pages: the privacy notice, the accessibility statement and the contact page.

Each is Markdown an administrator edits in the browser (/admin/pages), stored in the database
and rendered through documents' sanitising path (allowlisted HTML, checked links); until an
administrator saves one, a sensible default text is shown. Each page has an English and a Welsh
text (consult/site_pages_cy.py has the Welsh defaults); what a Welsh reader sees is reader_text's
rule. Also what the home page says about who runs the site (SITE_OPERATOR).

A module of its own, outside the areas: every page's footer links here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.sansio.app import App
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import TextAreaField

import documents
from consult import site_pages_cy
from consult.accounts import role_required
from consult.database import unit_of_work
from consult.extensions import db
from consult.forms import Form
from consult.i18n import N_, current_language, gettext, lazy_gettext
from consult.models import User, utcnow
from documents.render import DOCUMENT_TAGS, PROTOCOLS, parse_markdown, render_tokens
from moderation.db import Base, DbSession

MAX_BODY = 50_000


class SitePage(Base):
    """An administrator's texts for one of the site's own pages (no row: both defaults).

    body is the English text (None: the English default); body_cy the Welsh text (None: none of
    the administrator's own, see reader_text). Rows saved before the Welsh text have body_cy None.
    """

    __tablename__ = "site_pages"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    body: Mapped[str | None] = mapped_column(Text)
    body_cy: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


@dataclass(frozen=True)
class PageKind:
    """One of the site's own pages: its address, title and default Markdown."""

    name: str
    title: str
    default: str


PRIVACY_DEFAULT = """\
This notice says what personal data {site} keeps about you, why, for how long, and who can see it.

## What we keep

- **If you only read**: nothing that identifies you. Like every web server, ours may log each
  request (address, time, page) to keep the site running and secure; {operator_name} keeps
  such logs only as long as that needs.
- **If you create an account**: your email address, the name you choose to show, and your
  password, stored only as a one-way hash. Your email address is never shown to anyone else.
- **If you comment**: what you wrote, when, the paragraph it is on, your stance and whether you
  answer as an individual or for an organisation (and which), if you say so. Whether your name
  is shown with it is your choice on the form.
- **If a moderator decides on a comment**: the decision, the house rule it cites and a note, so
  that the decision can be explained and appealed.

## Why

To run public consultations: to show your comments, to tell you what happened to them (by
email), to moderate them against the published house rules, and to count them in the
department's published response.

## How long

- Your account: until you delete it, which you can do at any time from "Your account". Your
  comments then stay, shown as "a former participant", because they are part of the public
  record of the consultation.
- Published comments: as long as the consultation is kept in the public archive.
- Comments that were not published, and moderators' notes: for as long as the consultation is
  kept, so that decisions can be explained.
- Signing in: a signed-in session lasts at most 30 days. Failed sign-in attempts, with the
  address they came from, are kept for a short time to protect accounts from guessing.

## Who sees it

- **Everyone**: published comments, with your name only if you chose to show it. Published
  comments can also be downloaded as open data: the same comments, with the name the page shows,
  and no email addresses.
- **Moderators**: comments waiting for a decision, and the name you show.
- **Officials** of the department running a consultation: its published comments, to answer
  them.
- **Administrators**: accounts (email address, name, role), to keep the site running.

Nobody else: we do not sell or share your data, and the site sets no advertising or tracking
cookies. It uses three cookies: one keeps you signed in and protects the forms you send; one
remembers the language you chose (for a year); and one, sent only to the sign-in page, lets a
browser you signed in from before sign in even while someone elsewhere is guessing at your
password (for a year).

## Your rights

From "Your account" you can download everything the site holds about you, see your comments and
what happened to them, edit or withdraw a comment, and delete your account. To correct your name
or email address, for anything else, or to complain, see the [contact page](/contact).
"""

ACCESSIBILITY_DEFAULT = """\
We want everyone to be able to read and comment on consultations on {site}.

## How the site works for you

- Every page works with a keyboard alone and without JavaScript.
- Pages work with screen readers; paragraph numbers, changes between versions and charts are
  also given in words.
- Text can be enlarged to 200% and the pages reflow on a narrow screen.
- Colours meet the WCAG 2.2 AA contrast ratios.

## How we check it

Every release is checked with automated tests in a real browser (axe-core against WCAG 2.2 AA,
and the W3C HTML validator) on the pages people use most.

## Known problems

Documents imported from other formats may contain tables or figures without a text
description. Tell us where you find one and we will fix it.

## Tell us about a problem

If something on the site does not work for you, or you need a document in another format, see
the [contact page](/contact). We aim to reply within five working days.
"""

CONTACT_DEFAULT = """\
{site} is run by {operator}.

## Questions about a consultation

Each consultation names the department running it. Comment on the consultation itself if your
question is about what it proposes, so that your question is part of the public record.

## Questions about the site, your account or your data

Write to the site's administrators. An administrator can change this page to give an email
address, a postal address and a telephone number.

## Complaints about moderation

If a comment of yours was not published, the message telling you so explains how to appeal:
an appeal is decided by a different moderator.
"""

PAGES = {
    "privacy": PageKind("privacy", "Privacy notice", PRIVACY_DEFAULT),
    "accessibility": PageKind("accessibility", "Accessibility statement", ACCESSIBILITY_DEFAULT),
    "contact": PageKind("contact", "Contact", CONTACT_DEFAULT),
}


# --------------------------------------------------------------------------- service


class PageError(ValueError):
    """An edit refused: the reason, in words, and the field it is about ("body" or "body_cy")."""

    def __init__(self, message: str, field: str = "body") -> None:
        super().__init__(message)
        self.field = field


def render_markdown(markdown: str) -> str:
    """Markdown to sanitised HTML, as documents render theirs (raw HTML through the allowlist)."""
    env: dict = {"html_scan_budget": 4 * markdown.count("\n") + 10_000}
    return documents.sanitize_document_html(render_tokens(parse_markdown(markdown, env), env))


_TAG = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9-]*)|<!--")
_LINK_SCHEME = re.compile(r"\]\(\s*<?\s*([a-zA-Z][a-zA-Z0-9+.\-]*):")


def removed_parts(markdown: str) -> tuple[bool, bool]:
    """Whether rendering drops raw HTML (tags outside the allowlist, comments) and whether it leaves
    links as written because their address is unsafe (javascript: and the like), for the preview."""
    env: dict = {"html_scan_budget": 4 * markdown.count("\n") + 10_000}
    html: list[str] = []
    for token in parse_markdown(markdown, env):
        if token.type == "html_block":
            html.append(token.content)
        html.extend(child.content for child in token.children or () if child.type == "html_inline")
    tags = [m.group(1) for text in html for m in _TAG.finditer(text)]
    raw_removed = any(tag is None or tag.lower() not in DOCUMENT_TAGS for tag in tags)
    unsafe_links = any(m.group(1).lower() not in PROTOCOLS for m in _LINK_SCHEME.finditer(markdown))
    return raw_removed, unsafe_links


def default_text(kind: PageKind, site: str, operator: str, language: str = "en") -> str:
    """The default Markdown of a page, naming the site and who runs it, in English or Welsh (cy)."""
    if language == "cy" and kind.name in site_pages_cy.DEFAULTS:
        return site_pages_cy.DEFAULTS[kind.name].format(
            site=site, operator=operator or site_pages_cy.NO_OPERATOR,
            operator_name=operator or site_pages_cy.NO_OPERATOR_NAME)
    return kind.default.format(site=site, operator=operator or "the organisation named on its home page",
                               operator_name=operator or "the site's operator")


def _normal(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").strip()


def english_is_default(kind: PageKind, page: SitePage | None, site: str, operator: str) -> bool:
    """Whether the English text is still the default one (never saved, restored, or saved unchanged)."""
    return page is None or page.body is None or _normal(page.body) == _normal(default_text(kind, site, operator))


@dataclass(frozen=True)
class ReaderText:
    """What a reader is shown: the Markdown, the language it is in, and whether a Welsh reader is
    told that the Welsh version is being prepared (the English text is shown meanwhile)."""

    markdown: str
    language: str
    preparing: bool = False


def reader_text(kind: PageKind, page: SitePage | None, language: str, site: str, operator: str) -> ReaderText:
    """The rule: an English reader sees the English text (the administrator's, else the default).
    A Welsh reader sees the administrator's Welsh text; without one, the Welsh default while the
    English text is the default; once the English text is changed, the English text, marked as
    English, with a note that the Welsh version is being prepared."""
    english = page.body if page is not None and page.body is not None else default_text(kind, site, operator)
    if language != "cy":
        return ReaderText(english, "en")
    if page is not None and page.body_cy:
        return ReaderText(page.body_cy, "cy")
    if english_is_default(kind, page, site, operator):
        return ReaderText(default_text(kind, site, operator, "cy"), "cy")
    return ReaderText(english, "en", preparing=True)


def stored(session: DbSession, name: str) -> SitePage | None:
    """The administrator's saved text of a page, if any."""
    return session.get(SitePage, name)


def _checked(body: str, field: str) -> None:
    if len(body) > MAX_BODY:
        raise PageError(gettext("Keep the page to %(limit)s characters or fewer.", limit=f"{MAX_BODY:,}"), field)
    try:
        render_markdown(body)  # refuses what the renderer cannot take
    except documents.DocumentError as exc:
        raise PageError(str(exc), field) from exc


def save_page(session: DbSession, name: str, body: str, actor_id: int | None, *,
              welsh: str | None = None, welsh_default: str = "") -> SitePage:
    """Store an administrator's English Markdown for a page and, unless welsh is None, the Welsh:
    an empty Welsh text, or the Welsh default unchanged, stores none (see reader_text)."""
    if name not in PAGES:
        raise PageError(gettext("There is no such page."))
    body = _normal(body)
    if not body:
        raise PageError(gettext("Write the page's text, or restore the default text instead."))
    _checked(body, "body")
    welsh_text = None if welsh is None else _normal(welsh)
    if welsh_text:
        _checked(welsh_text, "body_cy")
    page = session.get(SitePage, name) or SitePage(name=name)
    page.body, page.updated_at, page.updated_by = body, utcnow(), actor_id
    if welsh_text is not None:
        page.body_cy = welsh_text if welsh_text and welsh_text != _normal(welsh_default) else None
    session.add(page)
    session.flush()
    return page


def restore_default(session: DbSession, name: str, language: str = "en") -> bool:
    """Forget the administrator's English (or Welsh, cy) text of a page, so the default rule shows;
    False if there was none. The row goes when neither text is left."""
    page = session.get(SitePage, name)
    if page is None or (page.body_cy if language == "cy" else page.body) is None:
        return False
    if language == "cy":
        page.body_cy = None
    else:
        page.body = None
    if page.body is None and page.body_cy is None:
        session.delete(page)
    session.flush()
    return True


# --------------------------------------------------------------------------- pages

bp = Blueprint("pages", __name__)


class PageForm(Form):
    """The English and the Welsh Markdown of one of the site's pages."""

    body = TextAreaField(lazy_gettext("The page's text, in Markdown (English)"),
                         render_kw={"rows": 24, "spellcheck": "true", "lang": "en"})
    body_cy = TextAreaField(lazy_gettext("The Welsh text, in Markdown"),
                            render_kw={"rows": 24, "spellcheck": "true", "lang": "cy"})


class ConfirmForm(Form):
    """A bare form: the CSRF token for a confirmed action."""


def _kind(name: str) -> PageKind:
    kind = PAGES.get(name)
    if kind is None:
        abort(404, description=gettext("There is no such page."))
    return kind


def _site() -> tuple[str, str]:
    return current_app.config["SITE_NAME"], current_app.config["SITE_OPERATOR"]


def _show(name: str):
    """The page in the reader's language, by reader_text's rule."""
    kind = _kind(name)
    page = stored(db.session, kind.name)
    text = reader_text(kind, page, current_language(), *_site())
    return render_template("pages/show.html", kind=kind, html=Markup(render_markdown(text.markdown)), page=page,
                           text_language=text.language, preparing=text.preparing)


@bp.get("/privacy")
def privacy():
    """The privacy notice: what personal data is kept, for how long, and who sees it."""
    return _show("privacy")


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement."""
    return _show("accessibility")


@bp.get("/contact")
def contact():
    """Who runs the site and how to reach them."""
    return _show("contact")


@bp.get("/admin/pages")
@role_required("admin")
def index():
    """The site's own pages, for an administrator to edit."""
    rows = [(kind, stored(db.session, kind.name)) for kind in PAGES.values()]
    ids = [p.updated_by for _k, p in rows if p and p.updated_by]
    editors = {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    return render_template("pages/index.html", rows=rows, editors=editors)


def _preview(typed: str, field) -> dict | None:
    """A preview of one text (None when empty), with what rendering removed; an error on its field."""
    if not typed.strip():
        return None
    try:
        html = Markup(render_markdown(typed))
    except documents.DocumentError as exc:
        field.errors = [str(exc)]
        return None
    raw_removed, unsafe_links = removed_parts(typed)
    return {"html": html, "raw_removed": raw_removed, "unsafe_links": unsafe_links}


@bp.route("/admin/pages/<slug>", methods=["GET", "POST"])
@role_required("admin")
def edit(slug: str):
    """Edit a page's English and Welsh Markdown, preview them, and save them."""
    kind = _kind(slug)
    form = PageForm()
    page = stored(db.session, kind.name)
    site, operator = _site()
    welsh_default = default_text(kind, site, operator, "cy")
    previews: dict[str, dict | None] = {}
    if request.method == "GET":
        form.body.data = page.body if page is not None and page.body is not None else default_text(
            kind, site, operator)
        form.body_cy.data = page.body_cy if page is not None and page.body_cy else (
            welsh_default if english_is_default(kind, page, site, operator) else "")
    else:
        # A form without the Welsh box (an older page, a script) leaves the Welsh text as it is.
        welsh = (form.body_cy.data or "") if "body_cy" in request.form else None
        previews = {"en": _preview(form.body.data or "", form.body),
                    "cy": _preview(welsh, form.body_cy) if welsh is not None else None}
        if request.form.get("action") == "save" and not (form.body.errors or form.body_cy.errors):
            try:
                with unit_of_work(db.session):
                    save_page(db.session, kind.name, form.body.data or "", current_user.id, welsh=welsh,
                              welsh_default=welsh_default)
            except PageError as exc:
                getattr(form, exc.field).errors = [str(exc)]
            else:
                flash(gettext("The %(page)s is saved and public.", page=page_name(kind)), "success")
                return redirect(url_for(f"pages.{kind.name}"), code=303)
    welsh_now = reader_text(kind, page, "cy", site, operator)
    failed = bool(form.body.errors or form.body_cy.errors)
    return render_template("pages/edit.html", kind=kind, form=form, page=page, previews=previews,
                           posted=request.method == "POST", welsh_now=welsh_now, messages=[]), 400 if failed else 200


@bp.route("/admin/pages/<slug>/default", methods=["GET", "POST"])
@role_required("admin")
def restore(slug: str):
    """Go back to the default English (or, with ?language=cy, Welsh) text, after a confirmation page."""
    kind = _kind(slug)
    language = "cy" if request.args.get("language") == "cy" else "en"
    form = ConfirmForm()
    page = stored(db.session, kind.name)
    if not form.validate_on_submit():
        text = None if page is None else (page.body_cy if language == "cy" else page.body)
        return render_template("pages/restore.html", kind=kind, form=form, page=page, language=language,
                               has_text=text is not None)
    with unit_of_work(db.session):
        restored = restore_default(db.session, kind.name, language)
    name = page_name(kind)
    if language == "cy":
        flash(gettext("The Welsh text of the %(page)s is deleted.", page=name) if restored
              else gettext("The %(page)s had no Welsh text of its own.", page=name), "success")
    else:
        flash(gettext("The %(page)s shows the default text again.", page=name) if restored
              else gettext("The %(page)s already showed the default text.", page=name), "success")
    return redirect(url_for(f"pages.{kind.name}"), code=303)


# The pages' names in a sentence, in the reader's language (templates/pages/*.html use them too).
_NAMES = {"privacy": N_("privacy notice"), "accessibility": N_("accessibility statement"),
          "contact": N_("contact page")}


def page_name(kind: PageKind) -> str:
    """The page as named in a sentence ("The contact page is saved"), in the reader's language."""
    return gettext(_NAMES[kind.name]) if kind.name in _NAMES else kind.title.lower()


def init_app(app: App) -> None:
    """Register the pages and the site's operator (SITE_OPERATOR: who runs the site)."""
    app.config["SITE_OPERATOR"] = (app.config.get("SITE_OPERATOR") or "").strip()
    app.register_blueprint(bp)

    @app.context_processor
    def _operator() -> dict:
        return {"site_operator": app.config["SITE_OPERATOR"], "site_pages": PAGES, "site_page_name": page_name}
