"""Moderation forms (Flask-WTF: CSRF token and field parsing; the rules live in the service)."""
from __future__ import annotations

from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional, Regexp

# Named _ so that `make messages` (pybabel's default keywords) extracts the labels; lazy, because
# the forms are made once, at import, and read in each request's language.
from consult.forms import Form
from consult.i18n import lazy_gettext as _
from consult.text import whole_number
from moderation.service import MAX_NOTE

NOTE = {"maxlength": MAX_NOTE, "rows": 3}


class DecisionForm(Form):
    """One decision on one queue item, against the item version the moderator saw."""

    outcome = StringField(_("Decision"))
    # Checkboxes rendered by the template; the service refuses unknown rules with a message.
    rules = SelectMultipleField(_("House rules broken"), choices=[], validate_choice=False)
    note = TextAreaField(_("Note (optional): to the author; with Escalate, to the official"), render_kw=NOTE)
    redacted_text = TextAreaField(_("Text to publish, with the offending words removed"),
                                  render_kw={"rows": 6})
    # A version that is not a plain number fails validation: the page says the form has expired.
    version = HiddenField(validators=[Optional(), Regexp(r"^\s*[0-9]{1,9}\s*$")])

    def expected_version(self) -> int | None:
        """The item version shown to the moderator (None when the form lacks it)."""
        return whole_number((self.version.data or "").strip())


class BulkForm(Form):
    """One decision for a selection of items or a whole campaign group."""

    item_ids = SelectMultipleField(_("Items"), choices=[], coerce=str, validate_choice=False)
    campaign = HiddenField()
    outcome = StringField(_("Decision"))
    rules = SelectMultipleField(_("House rules broken"), choices=[], validate_choice=False)
    note = TextAreaField(_("Note to the authors (optional)"), render_kw=NOTE)

    # Every item on the page, for "apply to every item on this page" (no script needed).
    shown = SelectMultipleField(_("Items shown"), choices=[], coerce=str, validate_choice=False)

    def ids(self) -> list[int]:
        """The selected item ids (anything not a number is ignored)."""
        return [n for n in (whole_number(str(v)) for v in self.item_ids.data or []) if n is not None]

    def shown_ids(self) -> list[int]:
        """The ids of every item the page showed."""
        return [n for n in (whole_number(str(v)) for v in self.shown.data or []) if n is not None]

    @staticmethod
    def versions(formdata) -> dict[int, int]:
        """The item versions shown on the queue page: a field 'version-<item id>' per row."""
        found = {}
        for name, value in formdata.items():
            key = name.removeprefix("version-")
            item_id, version = whole_number(key), whole_number(value)
            if key != name and item_id is not None and version is not None:
                found[item_id] = version
        return found


class FlagForm(Form):
    """A reader's report that a comment breaks a house rule."""

    rule = RadioField(_("Which house rule does it break?"), choices=[], validate_choice=False)
    note = TextAreaField(_("Anything the moderators should know (optional)"), render_kw=NOTE)


class AppealForm(Form):
    """An author asks for a decision to be looked at again."""

    reason = TextAreaField(_("Why do you think the decision was wrong?"), render_kw=NOTE)


class SanctionForm(Form):
    """Place a measure on a user."""

    KINDS = [("premoderate", _("Check their comments before publication")),
             ("suspend", _("Suspend them from posting until a date")),
             ("ban", _("Ban them from posting"))]

    # Radio buttons rendered by the template (KINDS); the service refuses anything else.
    kind = StringField(_("Measure"), default="premoderate")
    reason = TextAreaField(_("Reason (the user is shown it)"), render_kw=NOTE)
    ends_at = DateField(_("Until (required for a suspension; optional otherwise)"),
                        validators=[Optional()])


class ConfirmForm(Form):
    """A bare form: a CSRF token for a one-button action."""


class RevokeForm(Form):
    """Lift a measure in force, saying why if the moderator wishes (the user is told)."""

    reason = StringField(_("Why (optional; they are told)"), render_kw={"maxlength": MAX_NOTE})


class RulesForm(Form):
    """A new version of the house rules, previewed before it is published."""

    source = TextAreaField(_("The house rules (Markdown: one rule per level-2 heading, ## …)"),
                           render_kw={"rows": 24})
    note = StringField(_("What changed (shown with the version)"), render_kw={"maxlength": 500})
    # The same rules in Welsh (the site's other language): same rules, same anchors.
    source_cy = TextAreaField(_("The house rules in Welsh (the same rules under the same anchors; left "
                                "empty, Welsh readers see the text above)"), render_kw={"rows": 16})
    preview = SubmitField(_("Preview"))
    publish = SubmitField(_("Publish this version"))


class AssignmentForm(Form):
    """Assign a moderator to a consultation; each 'remove' button posts the same two fields."""

    user_id = SelectField(_("Moderator"), coerce=int, choices=[], validate_choice=False)
    consultation_id = SelectField(_("Consultation"), coerce=int, choices=[], validate_choice=False)

