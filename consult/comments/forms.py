"""The comment form (Flask-WTF: CSRF token and field parsing; rules live in the service)."""
from __future__ import annotations

import uuid

from wtforms import HiddenField, StringField, TextAreaField

from consult.comments.validation import MAX_LENGTH, CommentInput
from consult.forms import Form
from consult.i18n import current_language
from consult.i18n import lazy_gettext as _l
from consult.text import whole_number


class CommentForm(Form):
    """Comment on a paragraph, the document as a whole, or reply to a comment."""

    body = TextAreaField(_l("Your comment"), render_kw={"maxlength": MAX_LENGTH, "rows": 6})
    # Radio groups are rendered by the template; the service validates their values.
    stance = StringField(_l("Your view (optional)"), default="")
    respondent_type = StringField(_l("You are responding"), default="individual")
    organisation = StringField(_l("Organisation's name"), render_kw={"maxlength": 200})
    show_name = StringField(_l("Publish my comment"), default="name")
    # A select of the site's languages and "detect" (templates/comments/_form.html); empty:
    # the page's language is preselected.
    language = StringField(_l("Language of your comment"), default="")
    submission_key = HiddenField()
    parent_id = HiddenField()

    def fresh(self) -> CommentForm:
        """Give a newly shown form its one-time submission key."""
        if not self.submission_key.data:
            self.submission_key.data = uuid.uuid4().hex
        return self

    def to_input(self) -> CommentInput:
        """The typed values as the service's input."""
        parent = (self.parent_id.data or "").strip()
        return CommentInput(
            body=self.body.data or "",
            submission_key=self.submission_key.data or "",
            stance=self.stance.data or None,
            respondent_type=self.respondent_type.data or "individual",
            organisation=self.organisation.data,
            show_name=self.show_name.data != "anonymous",
            # A forged, non-numeric parent is treated as a reply to a comment that does not exist.
            parent_id=(whole_number(parent) or 0) if parent else None,
            language=self.language.data or None,
            form_language=current_language(),
        )


class EditForm(Form):
    """Edit the text of one's own comment."""

    body = TextAreaField(_l("Your comment"), render_kw={"maxlength": MAX_LENGTH, "rows": 8})


class ConfirmForm(Form):
    """A bare form: a CSRF token for a confirmed action such as withdrawing."""
