"""Every form's WTForms messages are in the reader's language, read once per language."""
from __future__ import annotations

from wtforms import StringField
from wtforms.validators import InputRequired

from consult import forms
from consult.forms import Form


class _NameForm(Form):
    name = StringField("Name", validators=[InputRequired()])  # WTForms' own message


def _errors(app, query: str) -> list[str]:
    with app.test_request_context(f"/{query}", method="POST", data={"name": ""}):
        form = _NameForm(meta={"csrf": False})
        assert not form.validate()
        return form.name.errors


def test_wtforms_messages_follow_the_readers_language_and_are_loaded_once(app):
    forms._wtforms_messages.cache_clear()
    assert _errors(app, "") == ["This field is required."]
    assert _errors(app, "?lang=cy") == ["Rhaid cwblhau'r maes hwn."]
    for _ in range(3):
        _errors(app, "?lang=cy")
        _errors(app, "")
    assert forms._wtforms_messages.cache_info().misses == 2  # English and Welsh, once each
