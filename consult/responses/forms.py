"""Forms of the response area (Flask-WTF: CSRF token and field parsing; rules live in the service)."""
from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional

from consult.forms import Form
from consult.i18n import lazy_gettext as _
from consult.models import THEME_OUTCOMES
from consult.text import whole_number

# WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice; older ones lack it.
try:
    from wtforms import SelectChoice as _Choice
except ImportError:  # pragma: no cover - WTForms < 3.3
    def _Choice(value, label):  # noqa: N802
        return (value, label)

# The outcomes' English labels are messages of templates/responses/_words.html: read in the reader's language.
OUTCOME_CHOICES = [_Choice(value, _(label)) for value, label in THEME_OUTCOMES.items()]


def choice(value, label):
    """One (value, label) choice for a select or a checkbox list."""
    return _Choice(value, label)


def _whole(value) -> int | None:
    """A whole number from a form value that can be a row id, or None (see text.whole_number)."""
    return whole_number(str(value or "").strip())


def _ids(values) -> list[int]:
    """Numeric ids from a form list; anything else is dropped (the service checks the rest)."""
    return [n for n in map(_whole, values or []) if n is not None]


class NewThemeForm(Form):
    """Start a theme."""

    title = StringField(_("Title of the theme"), render_kw={"maxlength": 200})
    said = TextAreaField(_("What people said (optional)"), render_kw={"rows": 3})
    keywords = StringField(_("Key words for suggestions (optional)"), render_kw={"maxlength": 300})


class ThemeForm(Form):
    """Edit a theme: what people said, what was done, the paragraphs it changed."""

    title = StringField(_("Title of the theme"), render_kw={"maxlength": 200})
    said = TextAreaField(_("What people said"), render_kw={"rows": 5})
    outcome = RadioField(_("What we did"), choices=OUTCOME_CHOICES, validators=[Optional()],
                         validate_choice=False)
    reasons = TextAreaField(_("Our reasons"), render_kw={"rows": 5})
    keywords = StringField(_("Key words for suggestions"), render_kw={"maxlength": 300})
    # Choices are the paragraphs of every version; the service refuses anchors in none.
    anchors = SelectMultipleField(_("Paragraphs this theme changed"), choices=[],
                                  validate_choice=False)
    revision = HiddenField()

    def expected_revision(self) -> int:
        """The theme's revision when the form was opened (0 if missing: always a conflict)."""
        value = (self.revision.data or "").strip()
        return _whole(value) or 0


class MergeForm(Form):
    """Merge one theme into another."""

    into = SelectField(_("Merge this theme into"), choices=[], validate_choice=False)

    def target_id(self) -> int | None:
        """The chosen theme's id, or None."""
        value = (self.into.data or "").strip()
        return _whole(value)


class AssignForm(Form):
    """Count comments under a theme (one, or many ticked in a list)."""

    theme_id = StringField(_("Theme"))
    comment_ids = SelectMultipleField(_("Comments"), choices=[], validate_choice=False)
    return_to = HiddenField()

    def chosen_theme(self) -> int | None:
        """The chosen theme's id, or None (nothing chosen, or not an id)."""
        return _whole(self.theme_id.data)

    def ids(self) -> list[int]:
        """The ticked comments' ids."""
        return _ids(self.comment_ids.data)


class UnassignForm(Form):
    """Take one comment out of a theme."""

    comment_id = StringField(_("Comment"))

    def chosen_comment(self) -> int | None:
        """The comment's id, or None (nothing chosen, or not an id)."""
        return _whole(self.comment_id.data)


class ConsiderForm(Form):
    """Mark a comment as read and deliberately counted under no theme, saying why."""

    # Choices are CONSIDERED_REASONS; the service refuses anything else.
    reason = SelectField(_("Why it fits no theme"), choices=[], validate_choice=False)
    note = TextAreaField(_("In your words (required for another reason)"),
                         render_kw={"rows": 2, "maxlength": 2000})
    return_to = HiddenField()


class DraftForm(Form):
    """The overall summary, the next steps and the versions compared."""

    summary = TextAreaField(_("Overall summary"), render_kw={"rows": 6})
    next_steps = TextAreaField(_("Next steps"), render_kw={"rows": 4})
    from_version = SelectField(_("The version people commented on"), choices=[],
                               validate_choice=False)
    to_version = SelectField(_("The version published after the consultation"), choices=[],
                             validate_choice=False)

    @staticmethod
    def number(value: str | None) -> int | None:
        """A version number from a select, or None."""
        value = (value or "").strip()
        return _whole(value)


class CorrectionForm(Form):
    """A dated correction to a published response."""

    note = TextAreaField(_("The correction"), render_kw={"rows": 3, "maxlength": 5000})


class ConfirmForm(Form):
    """A bare form: the CSRF token for a confirmed action."""


class SuggestThemesForm(Form):
    """Ask for themes to be proposed from the comments (all, or one paragraph's)."""

    anchor = SelectField(_("Comments on"), choices=[], validate_choice=False)


class ProposalsForm(Form):
    """Accept ticked proposed themes as one theme (new, with a title, or an existing one)."""

    proposal_ids = SelectMultipleField(_("Proposed themes"), choices=[], validate_choice=False)
    title = StringField(_("Title of the theme"), render_kw={"maxlength": 200})
    into = SelectField(_("Or add them to the theme"), choices=[], validate_choice=False)
    propose_members = SelectField(_("Their comments"), choices=[], validate_choice=False)

    def ids(self) -> list[int]:
        return _ids(self.proposal_ids.data)

    def into_theme(self) -> int | None:
        return _whole(self.into.data)

    def with_members(self) -> bool:
        return (self.propose_members.data or "offer") != "none"


class BatchForm(Form):
    """Accept a theme's batch of suggestions, but for the shown comments unticked."""

    fingerprint = HiddenField()
    sample = SelectMultipleField(_("Sample"), choices=[], validate_choice=False)
    shown = SelectMultipleField(_("Shown"), choices=[], validate_choice=False)
    keep = SelectMultipleField(_("Count"), choices=[], validate_choice=False)

    def ids(self, field_name: str) -> list[int]:
        return _ids(getattr(self, field_name).data)


class ParagraphLinkForm(Form):
    """Link the ticked paragraphs to a theme, or unlink one (the button pressed names it)."""

    # The service refuses anchors that no version of the document has.
    anchors = SelectMultipleField(_("Paragraphs"), choices=[], validate_choice=False)
    unlink = StringField(_("Paragraph to unlink"))
    pq = HiddenField()  # the search shown, to come back to
