"""The base of every form: Flask-WTF's, with WTForms' own messages read once per language.

Flask-WTF loads WTForms' message catalogue (its "This field is required." and the like, in
the reader's language) again in every request that makes a form: parsing a .mo file and
compiling its plural rule, about a twentieth of what a comment's POST costs. The catalogue
never changes while the process runs, so each language's is loaded once and kept.
"""
from __future__ import annotations

import functools
import gettext

from babel import support
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

from consult.i18n import current_language

__all__ = ["Form"]


@functools.cache
def _wtforms_messages(language: str) -> gettext.NullTranslations:
    return support.Translations.load(messages_path(), [language], domain="wtforms")


class Form(FlaskForm):
    """A Flask-WTF form (CSRF token included) whose WTForms messages are in the reader's language."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _wtforms_messages(current_language())
