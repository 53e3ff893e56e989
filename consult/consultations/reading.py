"""The blueprint of the public reading pages, named "consultations".

Its pages about the document alone (home, versions, changes) are in consultations/views.py.
The document page and the paragraph page show comments and take new ones, so they are in
consult/comments/pages.py: comments depend on consultations, never the reverse, and both
modules add their routes to this one blueprint so the endpoint names stay `consultations.*`.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("consultations", __name__)
