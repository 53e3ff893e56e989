"""The site's own pages: the privacy notice, the accessibility statement and the contact page.

Each is Markdown an administrator edits in the browser (/admin/pages), stored in the database
and rendered through documents' sanitising path (allowlisted HTML, checked links); until an
administrator saves one, a sensible default text is shown. Also what the home page says about
who runs the site (SITE_OPERATOR).

A module of its own, outside the areas: every page's footer links here.
"""
from __future__ import annotations

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
from documents.render import parse_markdown, render_tokens
from moderation.db import Base, DbSession

MAX_BODY = 50_000


class SitePage(Base):
    """An administrator's text for one of the site's own pages (none saved: the default)."""

    __tablename__ = "site_pages"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
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
  comments can also be downloaded as open data, without email addresses or other personal data.
- **Moderators**: comments waiting for a decision, and the name you show.
- **Officials** of the department running a consultation: its published comments, to answer
  them.
- **Administrators**: accounts (email address, name, role), to keep the site running.

Nobody else: we do not sell or share your data, and the site sets no advertising or tracking
cookies. It uses one cookie to keep you signed in, and one to protect forms.

## Your rights

You can see, correct and delete your account and comments from "Your account". For anything
else, or to complain, see the [contact page](/contact).
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
    """An edit refused: the reason, in words."""


def render_markdown(markdown: str) -> str:
    """Markdown to sanitised HTML, as documents render theirs (raw HTML through the allowlist)."""
    env: dict = {"html_scan_budget": 4 * markdown.count("\n") + 10_000}
    return documents.sanitize_document_html(render_tokens(parse_markdown(markdown, env), env))


def default_text(kind: PageKind, site: str, operator: str, language: str = "en") -> str:
    """The default Markdown of a page, naming the site and who runs it, in English or Welsh (cy)."""
    if language == "cy" and kind.name in site_pages_cy.DEFAULTS:
        return site_pages_cy.DEFAULTS[kind.name].format(
            site=site, operator=operator or site_pages_cy.NO_OPERATOR,
            operator_name=operator or site_pages_cy.NO_OPERATOR_NAME)
    return kind.default.format(site=site, operator=operator or "the organisation named on its home page",
                               operator_name=operator or "the site's operator")


def stored(session: DbSession, name: str) -> SitePage | None:
    """The administrator's saved text of a page, if any."""
    return session.get(SitePage, name)


def save_page(session: DbSession, name: str, body: str, actor_id: int | None) -> SitePage:
    """Store an administrator's Markdown for a page."""
    if name not in PAGES:
        raise PageError(gettext("There is no such page."))
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise PageError(gettext("Write the page's text, or restore the default text instead."))
    if len(body) > MAX_BODY:
        raise PageError(gettext("Keep the page to %(limit)s characters or fewer.", limit=f"{MAX_BODY:,}"))
    render_markdown(body)  # refuses what the renderer cannot take (documents.DocumentError)
    page = session.get(SitePage, name) or SitePage(name=name, body=body)
    page.body, page.updated_at, page.updated_by = body, utcnow(), actor_id
    session.add(page)
    session.flush()
    return page


def restore_default(session: DbSession, name: str) -> bool:
    """Forget the administrator's text of a page, so the default shows; False if there was none."""
    page = session.get(SitePage, name)
    if page is None:
        return False
    session.delete(page)
    session.flush()
    return True


# --------------------------------------------------------------------------- pages

bp = Blueprint("pages", __name__)


class PageForm(Form):
    """The Markdown of one of the site's pages."""

    body = TextAreaField(lazy_gettext("The page's text, in Markdown"), render_kw={"rows": 24, "spellcheck": "true"})


class ConfirmForm(Form):
    """A bare form: the CSRF token for a confirmed action."""


def _kind(name: str) -> PageKind:
    kind = PAGES.get(name)
    if kind is None:
        abort(404, description=gettext("There is no such page."))
    return kind


def _text(kind: PageKind, language: str = "en") -> tuple[str, SitePage | None]:
    page = stored(db.session, kind.name)
    if page is not None:
        return page.body, page
    return default_text(kind, current_app.config["SITE_NAME"], current_app.config["SITE_OPERATOR"], language), None


def _show(name: str):
    """The page in the reader's language when it is the default text; an administrator's as written
    (marked as English on a page read in another language)."""
    kind = _kind(name)
    body, page = _text(kind, current_language())
    text_language = "en" if page is not None else current_language()
    return render_template("pages/show.html", kind=kind, html=Markup(render_markdown(body)), page=page,
                           text_language=text_language)


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


@bp.route("/admin/pages/<slug>", methods=["GET", "POST"])
@role_required("admin")
def edit(slug: str):
    """Edit a page's Markdown, preview it, and save it."""
    kind = _kind(slug)
    form = PageForm()
    body, page = _text(kind)
    messages: list[str] = []
    preview = None
    if request.method == "GET":
        form.body.data = body
    else:
        typed = form.body.data or ""
        try:
            preview = Markup(render_markdown(typed))
        except documents.DocumentError as exc:
            messages.append(str(exc))
        if request.form.get("action") == "save" and not messages:
            try:
                with unit_of_work(db.session):
                    save_page(db.session, kind.name, typed, current_user.id)
            except (PageError, documents.DocumentError) as exc:
                messages.append(str(exc))
            else:
                flash(gettext("The %(page)s is saved and public.", page=_title(kind).lower()), "success")
                return redirect(url_for(f"pages.{kind.name}"), code=303)
    return render_template("pages/edit.html", kind=kind, form=form, page=page, preview=preview,
                           messages=messages), 400 if messages else 200


@bp.route("/admin/pages/<slug>/default", methods=["GET", "POST"])
@role_required("admin")
def restore(slug: str):
    """Go back to the default text, after a confirmation page."""
    kind = _kind(slug)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("pages/restore.html", kind=kind, form=form,
                               page=stored(db.session, kind.name))
    with unit_of_work(db.session):
        restored = restore_default(db.session, kind.name)
    page = _title(kind).lower()
    flash(gettext("The %(page)s shows the default text again.", page=page) if restored
          else gettext("The %(page)s already showed the default text.", page=page), "success")
    return redirect(url_for(f"pages.{kind.name}"), code=303)


# The pages' titles in the reader's language (the same messages as templates/pages/*.html).
_TITLES = {"privacy": N_("Privacy notice"), "accessibility": N_("Accessibility statement"), "contact": N_("Contact")}


def _title(kind: PageKind) -> str:
    return gettext(_TITLES[kind.name]) if kind.name in _TITLES else kind.title


def init_app(app: App) -> None:
    """Register the pages and the site's operator (SITE_OPERATOR: who runs the site)."""
    app.config["SITE_OPERATOR"] = (app.config.get("SITE_OPERATOR") or "").strip()
    app.register_blueprint(bp)

    @app.context_processor
    def _operator() -> dict:
        return {"site_operator": app.config["SITE_OPERATOR"], "site_pages": PAGES}
