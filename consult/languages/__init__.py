"""Consultations in more than one language: their tables, importing translations, reading them."""
from __future__ import annotations

from flask import Flask

from consult.languages import models  # noqa: F401  (registers the tables with the metadata)


def init_app(app: Flask) -> None:
    """Give templates the reading helpers (the officials' pages are in consultations and responses)."""
    from consult.languages import details, reading

    reading.init_app(app)
    details.init_app(app)
