"""GET /media/<sha256>.<ext>: the figures of document versions, served by Consult.

The address is the image's SHA-256, so its bytes never change: browsers and proxies may keep
it for a year. SVG is served with a policy of its own that forbids scripts and any request
(it was checked on import; this is the second wall).
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_login import current_user

from consult.consultations.media import find_media
from consult.extensions import db
from consult.i18n import gettext
from consult.models import Role

bp = Blueprint("media", __name__, url_prefix="/media")

LONG_CACHE = "public, max-age=31536000, immutable"
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@bp.get("/<media>")
def show(media: str):
    """One stored image, with long cache headers and its real type."""
    official = current_user.is_authenticated and current_user.has_role(Role.OFFICIAL)
    found = find_media(db.session, media, official=official)
    if found is None:
        abort(404, description=gettext("There is no image at this address."))
    # A draft's figure may only be kept by the official's own browser, not a shared cache.
    public = not official or find_media(db.session, media, official=False) is not None
    cache = LONG_CACHE if public else "private, max-age=3600"
    etag = f'"{found.sha256}"'
    headers = {"Cache-Control": cache, "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if found.media_type == "image/svg+xml":
        headers["Content-Security-Policy"] = SVG_POLICY
    if etag in request.headers.get("If-None-Match", "") or request.headers.get("If-None-Match") == "*":
        return Response(status=304, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="{media}"'
    return Response(found.data, content_type=found.media_type, headers=headers)
