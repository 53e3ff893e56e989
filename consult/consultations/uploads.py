"""The document a form brings: uploaded files, pasted Markdown, or what a preview carried over.

The new-consultation and new-version forms both read their document here (manage.py); what was
given is carried, as hidden fields, to the next page (a preview, the confirmation before
publishing), so nothing typed or uploaded is lost on the way.
"""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from consult.consultations import service
from consult.consultations.creation import ImageMap, read_upload
from consult.i18n import N_, gettext

# The source name of pasted Markdown in import reports and refusals, read in the reader's language.
PASTED = N_("pasted text")


class Submitted:
    """The document a form carries: which files, its images, and what to carry to the next page."""

    def __init__(self, files: list[tuple[str, str]], carried: str, uploaded: list[str],
                 images: ImageMap | None = None, skipped: list[str] | None = None):
        self.files = files
        self.carried = carried
        self.uploaded = uploaded
        self.images = dict(images or {})
        self.skipped = skipped or []
        self.carried_media = json.dumps(
            [[path, base64.b64encode(image.data).decode("ascii")] for path, image in self.images.items()]
        ) if self.images else ""


def _carried_files(raw: str) -> list[tuple[str, str]]:
    try:
        value = json.loads(raw)
        if isinstance(value, list) and all(
            isinstance(item, list) and len(item) == 2
            and all(isinstance(part, str) for part in item) for item in value
        ):
            return [(name, text) for name, text in value]
    except ValueError:
        pass
    raise service.ServiceError(gettext(
        "The files uploaded before the preview could not be read back: upload them again."))


def _carried_images(raw: str) -> ImageMap:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
        if isinstance(value, list) and all(
            isinstance(item, list) and len(item) == 2
            and all(isinstance(part, str) for part in item) for item in value
        ):
            items = [(path, base64.b64decode(data, validate=True)) for path, data in value]
            return read_upload(items).images
    except (ValueError, binascii.Error):
        pass
    raise service.ServiceError(gettext(
        "The images uploaded before the preview could not be read back: upload them again."))


def document_files(form: Any) -> Submitted:
    """Read the document from a form (a manage.DocumentForm): new uploads (Word, Markdown,
    images, zips), else pasted text, else files carried over from the preview; images uploaded
    alone keep the Markdown given before (pasted or carried)."""
    uploads = [f for f in (form.files.data or []) if getattr(f, "filename", "")]
    pasted = (form.markdown.data or "").replace("\r\n", "\n").replace("\r", "\n")
    upload = read_upload([(u.filename, u.read()) for u in uploads]) if uploads else None
    if upload is not None and upload.markdown and pasted.strip():
        raise service.ServiceError(gettext(
            "Give the document either as uploaded files or as pasted text, not both: clear the "
            "pasted text, or choose no Markdown files (images may go with pasted text)."))
    if upload is not None and upload.markdown:
        files = service.read_files(upload.markdown)
        return Submitted(files, json.dumps(files), [name for name, _ in files], upload.images,
                         upload.skipped)
    images = upload.images if upload is not None else _carried_images(form.carried_media.data or "")
    if pasted.strip():
        return Submitted([(gettext(PASTED), pasted)], "", [], images)
    if form.carried.data:
        files = _carried_files(form.carried.data)
        return Submitted(files, form.carried.data, [name for name, _ in files], images)
    if upload is not None and upload.images:
        raise service.ServiceError(gettext(
            "Only images were uploaded: add the Markdown file (.md) that shows them, or paste it."))
    raise service.ServiceError(gettext(
        "Give the document: upload a Word document (.docx), or one or more Markdown files (with "
        "their images, or a zip of them all), or paste the Markdown."))
