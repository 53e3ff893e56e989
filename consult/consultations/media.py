"""Figures stored with document versions: finding one to serve, and who may see it.

An image is public once any published consultation's version shows it; the images of a draft
are for officials only, like the draft itself. No Flask here: the view in media_views.py asks.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from consult.models import Consultation, DocumentVersion, MediaFile, VersionMedia
from documents.media import EXTENSIONS
from moderation.db import DbSession

_NAME = re.compile(r"^([0-9a-f]{64})\.([a-z]{3,4})$")
_EXTENSION_OF = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
                 "image/svg+xml": "svg"}


def find_media(session: DbSession, name: str, *, official: bool) -> MediaFile | None:
    """The stored image a served name ("<sha256>.png") names, if this reader may see it."""
    match = _NAME.match(name)
    if match is None or match.group(2) not in EXTENSIONS:
        return None
    sha256, extension = match.groups()
    media = session.get(MediaFile, sha256)
    if media is None or _EXTENSION_OF.get(media.media_type) != extension:
        return None
    if official:
        return media
    public = session.scalar(
        select(VersionMedia.id)
        .join(DocumentVersion, VersionMedia.version_id == DocumentVersion.id)
        .join(Consultation, DocumentVersion.consultation_id == Consultation.id)
        .where(VersionMedia.sha256 == sha256, Consultation.published_at.is_not(None))
        .limit(1)
    )
    return media if public is not None else None


def figures_of_version(session: DbSession, version_id: int) -> list[VersionMedia]:
    """The images a version shows, by their path in the import."""
    return list(session.scalars(select(VersionMedia).where(VersionMedia.version_id == version_id)
                                .order_by(VersionMedia.path)))
