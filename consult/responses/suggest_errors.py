"""Why the suggestion algorithms (consult/responses/suggest.py) suggest nothing, in words for an
official: plain Python (no Flask, no scikit-learn), so that the algorithms stay pure.

A `Message` is the English sentence as it stands and keeps what it was made of (the message id
marked with N_ or Nn_, the plural and the values), which a job stores so that the page shows it
in the reader's language (consult/responses/assist_messages.py).
"""
from __future__ import annotations

from collections.abc import Mapping

__all__ = ["MIN_THEME_TEXTS", "Message", "N_", "Nn_", "SuggestError"]

MIN_THEME_TEXTS = 6  # different texts (campaign groups counted once) needed to suggest themes


def N_(message: str) -> str:  # noqa: N802  (the marker pybabel extracts)
    """Mark a message for translation: this module never translates (no Flask here); consult
    shows a `Message` in the reader's language from what it keeps."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802  (extracted as a plural: pyproject.toml)
    """Mark a message with a plural (chosen by the value `num`) for translation."""
    return singular, plural


def _english(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


class Message(str):
    """A sentence for an official, in English, that keeps what it was made of: its message id
    (marked with N_ or Nn_), the plural and the values (`num` chooses the plural form), and for
    the sentence that no language had enough, each language's own reason. `stored()` is what a
    job keeps, so that the page shows it in the reader's language (consult.responses.assist)."""

    message_id: str
    plural: str | None
    values: dict[str, object]
    reasons: dict[str, tuple[int, Message]]

    def __new__(cls, message_id: str, plural: str | None = None, **values: object) -> Message:
        return cls._made(message_id, plural, values, {})

    @classmethod
    def with_reasons(cls, message_id: str, reasons: Mapping[str, tuple[int, Message]]) -> Message:
        """A message whose %(reasons)s lists each language's reason: "cy (3 comments): ..."."""
        return cls._made(message_id, None, {}, dict(reasons))

    @classmethod
    def _made(cls, message_id: str, plural: str | None, values: dict[str, object],
              reasons: dict[str, tuple[int, Message]]) -> Message:
        text = plural if plural is not None and values.get("num") != 1 else message_id
        shown = {key: _english(value) for key, value in values.items()}
        if reasons:
            shown["reasons"] = "; ".join(
                f"{code} ({n:,} comment{'' if n == 1 else 's'}): {why}" for code, (n, why) in reasons.items())
        self = str.__new__(cls, text % shown if shown else text)
        self.message_id, self.plural, self.values, self.reasons = message_id, plural, values, reasons
        return self

    def stored(self) -> dict:
        """What to keep (JSON): {"id", "plural", "values", "reasons": {code: [comments, stored]}}."""
        return {"id": self.message_id, "plural": self.plural, "values": self.values,
                "reasons": {code: [n, why.stored()] for code, (n, why) in self.reasons.items()}}


class SuggestError(ValueError):
    """Nothing sensible can be suggested; `message` says why, in words for an official (a
    `Message`: English as it stands, translatable from what it keeps)."""

    def __init__(self, message: str, plural: str | None = None, **values: object) -> None:
        self.message = message if isinstance(message, Message) else Message(message, plural, **values)
        super().__init__(str(self.message))
