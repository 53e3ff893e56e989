"""The images of an import: reading uploads and zips safely, checking each image, and
resolving the paths the Markdown gives to the images supplied.

The only module that imports Pillow. Pure: bytes in, checked images out, no Flask, no
database. An image is accepted only if it really decodes as PNG, JPEG, GIF or WebP (the file
name's extension is not trusted), or is an SVG free of script, event handlers, foreign content
and external references; anything else is refused with a message naming the file, so nothing
of a bad import is stored.
"""
from __future__ import annotations

import hashlib
import io
import posixpath
import re
import stat
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote
from xml.etree import ElementTree

from PIL import Image as PILImage

from .docx import convert_docx
from .errors import N_, DocumentError, Note, translate

__all__ = ["ELSEWHERE", "MISSING", "NO_ALT", "UNUSED", "ImageFile", "Images", "MediaError", "MediaLimits",
           "MEDIA_LIMITS", "Upload", "check_image", "is_image_name", "is_markdown_name", "read_zip", "sort_upload"]


@dataclass(frozen=True)
class MediaLimits:
    """Hard limits on the images of one import and on a zip holding them."""

    max_image_bytes: int = 10 * 1024 * 1024
    # Width x height: a small file may still decode to gigabytes of pixels.
    max_pixels: int = 50_000_000
    max_images: int = 200
    zip_max_entries: int = 1000
    zip_max_bytes: int = 64 * 1024 * 1024  # uncompressed, all members together
    # Real images and Markdown compress at most ~20:1; a zip bomb at thousands to one.
    zip_max_ratio: int = 100


MEDIA_LIMITS = MediaLimits()

MARKDOWN_SUFFIXES = (".md", ".markdown")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
# Pillow's format name -> (media type, the extension Consult serves it under).
_FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
SVG_TYPE = "image/svg+xml"
EXTENSIONS = frozenset({"png", "jpg", "gif", "webp", "svg"})
EXTENSION_OF = {**{media_type: extension for media_type, extension in _FORMATS.values()}, SVG_TYPE: "svg"}
MEDIA_URL = "/media/"
# The kinds of Images.warnings()' notes (their words are in the reader's language).
MISSING, ELSEWHERE, NO_ALT, UNUSED = "missing", "elsewhere", "no-alt", "unused"


class MediaError(DocumentError):
    """An uploaded file or image is refused; says which and why."""


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else translate(N_("%(num)s bytes"), num=f"{n:,}")


def is_markdown_name(name: str) -> bool:
    """True for a Markdown file's name (.md, .markdown)."""
    return name.lower().endswith(MARKDOWN_SUFFIXES)


def is_image_name(name: str) -> bool:
    """True for a name an image may have (.png, .jpg, .jpeg, .gif, .webp, .svg)."""
    return name.lower().endswith(IMAGE_SUFFIXES)


def normalise_path(name: str) -> str:
    """A path within an import, as a clean relative POSIX path ("docs/media/x.png")."""
    return posixpath.normpath(name.replace("\\", "/")).lstrip("/")


# --------------------------------------------------------------------------- images


@dataclass(frozen=True)
class ImageFile:
    """A checked image: where it was in the import, its bytes, type and size in pixels."""

    path: str
    data: bytes = field(repr=False)
    sha256: str
    media_type: str
    extension: str
    width: int | None
    height: int | None
    stored_size: int = 0  # for an image already stored and not read again (data empty): its size

    @property
    def size(self) -> int:
        """The image's size in bytes."""
        return len(self.data) or self.stored_size

    @property
    def url(self) -> str:
        """The site-relative address Consult serves it at: content-addressed, so it never changes."""
        return f"{MEDIA_URL}{self.sha256}.{self.extension}"


def check_image(name: str, data: bytes, limits: MediaLimits = MEDIA_LIMITS) -> ImageFile:
    """Check that `data` really is an image Consult will serve, or raise MediaError."""
    if len(data) > limits.max_image_bytes:
        raise MediaError(N_("the image is %(size)s; the limit is %(limit)s: make it smaller and try again"),
                         None, name, size=_size(len(data)), limit=_size(limits.max_image_bytes))
    if not data:
        raise MediaError(N_("the image file is empty"), None, name)
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
        raise MediaError(N_("this file is a web page (HTML), not an image: it was refused"), None, name)
    sha = hashlib.sha256(data).hexdigest()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg")) or name.lower().endswith(".svg"):
        width, height = _check_svg(name, data)
        return ImageFile(normalise_path(name), data, sha, SVG_TYPE, "svg", width, height)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data)) as probe:
                kind = probe.format or ""
                width, height = probe.size
                if kind not in _FORMATS:
                    raise _not_an_image(kind, name)
                if width * height > limits.max_pixels:
                    raise MediaError(N_("the image is %(width)s x %(height)s pixels; the limit is %(limit)s "
                                        "pixels in all"), None, name,
                                     width=width, height=height, limit=f"{limits.max_pixels:,}")
                probe.load()  # decode every pixel: a truncated or forged file fails here
    except MediaError:
        raise
    except (PILImage.DecompressionBombWarning, PILImage.DecompressionBombError):
        raise MediaError(N_("the image has too many pixels to be shown"), None, name) from None
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a file it cannot read
        raise MediaError(N_("this file cannot be read as an image (PNG, JPEG, GIF, WebP or SVG): "
                            "it may be damaged or of another kind"), None, name) from None
    media_type, extension = _FORMATS[kind]
    return ImageFile(normalise_path(name), data, sha, media_type, extension, width, height)


def _not_an_image(kind: str, name: str) -> MediaError:
    if kind:
        return MediaError(N_("images must be PNG, JPEG, GIF, WebP or SVG; this one is %(kind)s"), None, name,
                          kind=kind)
    return MediaError(N_("this file is not a PNG, JPEG, GIF, WebP or SVG image"), None, name)


_SVG_FORBIDDEN = frozenset({"script", "foreignobject", "iframe", "embed", "object", "audio", "video",
                            "handler", "listener", "set", "animate"})
_SAFE_DATA = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^)'\"\s]*)", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(?:px)?\s*$")


def _check_svg(name: str, data: bytes) -> tuple[int | None, int | None]:
    """Accept an SVG only if it can do nothing but draw: refusal, not repair, is the rule."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MediaError(N_("the SVG image is not UTF-8 text"), None, name) from None
    if re.search(r"<!(?:DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise MediaError(N_("the SVG image declares a DOCTYPE or entities, which Consult does not "
                            "accept in images"), None, name)
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 - no DOCTYPE, so no entity expansion
    except ElementTree.ParseError as error:
        raise MediaError(N_("the SVG image is not well-formed XML (%(error)s)"), None, name,
                         error=str(error)) from None
    if _local(root.tag) != "svg":
        raise MediaError(N_("this file is not an SVG image"), None, name)

    def refuse(why: str, **values: object) -> MediaError:
        return MediaError(N_("%(why)s: images with scripts or links to other files are refused; export it "
                             "again as a plain drawing, or as a PNG"), None, name, why=translate(why, **values))

    for element in root.iter():
        tag = _local(element.tag)
        if tag in _SVG_FORBIDDEN:
            raise refuse(N_("the SVG image contains a <%(tag)s> element"), tag=tag)
        for attribute, value in element.attrib.items():
            attr = _local(attribute).lower()
            if attr.startswith("on"):
                raise refuse(N_("the SVG image has an event handler (%(attr)s)"), attr=attr)
            if attr == "href" and not (value.startswith("#") or _SAFE_DATA.match(value)):
                raise refuse(N_("the SVG image refers to another file (%(file)s)"), file=value[:60])
            if attr == "style":
                _check_css(value, refuse)
        if tag == "style" and element.text:
            _check_css(element.text, refuse)
    return _svg_length(root.get("width")), _svg_length(root.get("height"))


def _check_css(css: str, refuse) -> None:
    if "@import" in css.lower() or "expression(" in css.lower():
        raise refuse(N_("the SVG image imports a style sheet"))
    for target in _CSS_URL.findall(css):
        if not target.startswith("#"):
            raise refuse(N_("the SVG image refers to another file in its style (%(file)s)"), file=target[:60])


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _svg_length(value: str | None) -> int | None:
    match = _NUMBER.match(value or "")
    return round(float(match.group(1))) if match else None


# --------------------------------------------------------------------------- zips and uploads


def read_zip(name: str, data: bytes, limits: MediaLimits = MEDIA_LIMITS) -> list[tuple[str, bytes]]:
    """The files inside a zip as (path, bytes), refusing bombs and paths that climb out."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise MediaError(N_("this file is not a zip archive that can be read"), None, name) from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > limits.zip_max_entries:
            raise MediaError(N_("the zip holds %(count)s files; the limit is %(limit)s"), None, name,
                             count=f"{len(members):,}", limit=f"{limits.zip_max_entries:,}")
        declared = 0
        for member in members:
            path = member.filename.replace("\\", "/")
            parts = path.split("/")
            if path.startswith("/") or re.match(r"^[A-Za-z]:", path) or ".." in parts:
                raise MediaError(N_("the zip holds a file outside its own folder (%(file)s): it was refused"),
                                 None, name, file=member.filename[:80])
            if stat.S_ISLNK(member.external_attr >> 16):
                raise MediaError(N_("the zip holds a link (%(file)s), not a file"), None, name,
                                 file=member.filename[:80])
            declared += member.file_size
            if declared > limits.zip_max_bytes:
                raise MediaError(N_("the zip unpacks to more than %(limit)s, the limit"), None, name,
                                 limit=_size(limits.zip_max_bytes))
            if member.compress_size and member.file_size / member.compress_size > limits.zip_max_ratio:
                raise MediaError(N_("%(file)s in the zip is compressed %(ratio)s to 1, far more than real "
                                    "documents and images are: it was refused"), None, name,
                                 file=member.filename[:80], ratio=f"{member.file_size // member.compress_size:,}")
        files: list[tuple[str, bytes]] = []
        total = 0
        for member in members:
            if _ignored(member.filename):
                continue
            # Read no more than declared (+1): a member that lies about its size is caught.
            with archive.open(member) as handle:
                content = handle.read(member.file_size + 1)
            total += len(content)
            if len(content) > member.file_size or total > limits.zip_max_bytes:
                raise MediaError(N_("%(file)s in the zip is larger than the zip says"), None, name,
                                 file=member.filename[:80])
            files.append((normalise_path(member.filename), content))
    return files


def _ignored(path: str) -> bool:
    """Files a zip made on a Mac or Windows carries that are not part of the document."""
    parts = path.replace("\\", "/").split("/")
    return "__MACOSX" in parts or parts[-1] in {".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass
class Upload:
    """An import sorted: Markdown files in order, checked images by path, and files skipped."""

    markdown: list[tuple[str, bytes]]
    images: dict[str, ImageFile]
    skipped: list[str] = field(default_factory=list)


def sort_upload(items: Iterable[tuple[str, bytes]], limits: MediaLimits = MEDIA_LIMITS,
                *, strict: bool = True) -> Upload:
    """Sort uploaded files (and the contents of any zip among them) into Markdown and images.

    Every image is checked (check_image); the first refusal raises MediaError and nothing is
    kept. With `strict`, a file that is neither Markdown, an image nor a zip is refused; inside
    a zip such files are skipped and listed (a zip often carries a README or a licence).
    """
    markdown: list[tuple[str, bytes]] = []
    images: dict[str, ImageFile] = {}
    skipped: list[str] = []

    def add(name: str, data: bytes, *, in_zip: bool) -> None:
        if is_markdown_name(name):
            markdown.append((name, data))
        elif is_image_name(name):
            if len(images) >= limits.max_images:
                raise MediaError(N_("more than %(limit)s images; the limit is %(limit)s"), None, name,
                                 limit=limits.max_images)
            image = check_image(name, data, limits)
            images.setdefault(image.path, image)
        elif in_zip or not strict:
            skipped.append(name)
        else:
            raise MediaError(N_("only Markdown files (.md), Word documents (.docx), images (PNG, JPEG, GIF, "
                                "WebP, SVG) and zip archives of them can be imported"), None, name)

    for name, data in items:
        if name.lower().endswith(".zip"):
            for inner, content in read_zip(name, data, limits):
                add(inner, content, in_zip=True)
        elif name.lower().endswith(".docx"):
            # A Word document: its Markdown and its images, beside it in the import.
            try:
                converted = convert_docx(data, name)
            except MediaError:
                raise
            except DocumentError as exc:
                raise exc.moved(MediaError, None, name) from None
            folder = posixpath.dirname(name)
            prefix = folder + "/" if folder else ""
            stem = posixpath.splitext(posixpath.basename(name))[0]
            add(f"{prefix}{stem}.md", converted.markdown.encode("utf-8"), in_zip=False)
            for path, content in converted.images.items():
                add(prefix + path, content, in_zip=False)
        else:
            add(name, data, in_zip=False)
    # Markdown files are joined in the order given (a zip's in its own order).
    return Upload(markdown, images, skipped)


# --------------------------------------------------------------------------- resolving


_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.\-]*:|//)", re.IGNORECASE)


@dataclass
class ImageUse:
    """One image the Markdown shows: where, the path it gives, and what it resolved to."""

    source: str | None
    src: str
    alt: str
    image: ImageFile | None = None
    external: bool = False


class Images:
    """The checked images of one import, and a record of every image the Markdown asked for.

    Called as `images(source, src, alt)` while a document is rendered (documents.parse_files's
    `images`): returns the attributes of the <img> to show (src, width, height), or None to show
    the alt text instead. A path resolves against the Markdown file's own path in the import
    ("../media/x.png" from "docs/main/06.md" is "docs/media/x.png"); failing that, by file name
    alone, since the browser form sends bare names.
    """

    def __init__(self, images: dict[str, ImageFile] | Sequence[ImageFile] = (),
                 kept: Sequence[ImageFile] = ()) -> None:
        """`kept`: images already stored (the previous version's), found by their path when the
        import does not supply one of that path, and never reported as unused."""
        self._kept = Images(kept) if kept else None
        values = list(images.values()) if isinstance(images, dict) else list(images)
        self.by_path = {image.path: image for image in values}
        self.by_name: dict[str, list[ImageFile]] = {}
        for image in values:
            self.by_name.setdefault(posixpath.basename(image.path).lower(), []).append(image)
        self.urls = {image.url: image for image in values}
        self.uses: list[ImageUse] = []

    def __call__(self, source: str | None, src: str, alt: str) -> dict[str, str] | None:
        use = ImageUse(source, src, alt.strip())
        self.uses.append(use)
        found = self.find(source, src) or (self._kept.find_path(source, src) if self._kept else None)
        if found is None:
            use.external = bool(_EXTERNAL.match(src.strip()))
            return None
        use.image = found
        attrs = {"src": found.url}
        if found.width and found.height:
            attrs["width"], attrs["height"] = str(found.width), str(found.height)
        return attrs

    @staticmethod
    def _joined(source: str | None, src: str) -> tuple[str, str] | None:
        """(the link's path, that path joined to the Markdown file's folder); None for no path."""
        if not src or _EXTERNAL.match(src):
            return None
        path = unquote(src.split("#", 1)[0].split("?", 1)[0])
        base = posixpath.dirname(normalise_path(source)) if source else ""
        return path, posixpath.normpath(posixpath.join(base, path)) if base else posixpath.normpath(path)

    def find_path(self, source: str | None, src: str) -> ImageFile | None:
        """The image a Markdown path names with its folder (a kept image: never by file name
        alone, since Word names every document's images image1.png …): exactly, or the one
        image whose path ends like the link (the current text pasted again names
        "../media/x.png", which its file's folder had made "media/x.png")."""
        paths = self._joined(source, src.strip())
        if paths is None:
            return None
        path, joined = paths
        if joined in self.by_path:
            return self.by_path[joined]
        tail = normalise_path(path).lstrip("./")
        if "/" not in tail:
            return None
        ending = [image for image in self.by_path.values() if image.path == tail or image.path.endswith("/" + tail)]
        return ending[0] if len(ending) == 1 else None

    def find(self, source: str | None, src: str) -> ImageFile | None:
        """The supplied image a Markdown path names, or None."""
        src = src.strip()
        if src in self.urls:
            return self.urls[src]  # already resolved (rendered HTML passing through again)
        paths = self._joined(source, src)
        if paths is None:
            return None
        path, joined = paths
        if joined in self.by_path:
            return self.by_path[joined]
        candidates = self.by_name.get(posixpath.basename(path).lower(), [])
        if len(candidates) == 1:
            return candidates[0]
        # Several images of that name: the one whose path ends like the link ("media/x.png").
        tail = normalise_path(path).lstrip("./")
        ending = [c for c in candidates if c.path == tail or c.path.endswith("/" + tail)]
        return ending[0] if len(ending) == 1 else None

    @property
    def used(self) -> list[ImageFile]:
        """The supplied images the document shows, each once, in the order first shown."""
        seen: dict[str, ImageFile] = {}
        for use in self.uses:
            if use.image is not None:
                seen.setdefault(use.image.path, use.image)
        return list(seen.values())

    @property
    def unused(self) -> list[ImageFile]:
        """Supplied images no part of the document shows."""
        used = {image.path for image in self.used}
        return [image for path, image in self.by_path.items() if path not in used]

    def warnings(self) -> list[str]:
        """What a person importing should know, in their language: images missing (each a Note of
        kind MISSING), elsewhere (ELSEWHERE), without alt text (NO_ALT), unused (UNUSED)."""
        out: list[str] = []
        for use in self.uses:
            if use.image is None and use.external:
                note = Note(ELSEWHERE, N_("the image %(src)s is on another site: Consult does not show images "
                                          "from elsewhere, so it is a link"), src=use.src)
            elif use.image is None and use.alt:
                note = Note(MISSING, N_("the image %(src)s was not supplied: shown as its alt text “%(alt)s”"),
                            src=use.src, alt=use.alt)
            elif use.image is None:
                note = Note(MISSING, N_("the image %(src)s was not supplied, and has no alt text"), src=use.src)
            elif not use.alt:
                note = Note(NO_ALT, N_("the image %(src)s has no alt text: readers who cannot see it are told "
                                       "nothing"), src=use.src)
            else:
                continue
            out.append(Note(note.kind, N_("%(source)s: %(note)s"), source=use.source, note=note)
                       if use.source else note)
        for image in self.unused:
            out.append(Note(UNUSED, N_("the image %(path)s was supplied but the document does not show it"),
                            path=image.path))
        return out


def total_bytes(images: Iterable[ImageFile]) -> int:
    """The bytes of some images together (for the limit on one import)."""
    return sum(len(image.data) for image in images)

