"""Compressed responses (Brotli, gzip or zstd, as the browser asks), through Flask-Compress.

A long document page is large (the EUDI chapter is about 600 KB of HTML) and compresses to a
tenth of that: on a phone that is the difference between reading at once and waiting. This is
the only module that imports Flask-Compress, so another library (or a proxy, see
docs/deploy.md) can take over here alone.

One exception, for BREACH: a compressed page that shows both a secret and text chosen by an
attacker can leak the secret through its size. Pages for a signed-in person hold what only
they may see (their held comments, the moderation queue's personal data), and text from the
address's query string is echoed on some of them (a search, the queue's filters); such
responses go out uncompressed. Everything a person who is not signed in reads, and every page
a signed-in person opens without a query string, is compressed.
"""
from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress
from flask_login import current_user

# Brotli first (smallest for HTML at a quick level), then gzip, which every client has; zstd
# and deflate add little for pages this size. Streamed responses (downloads) take Brotli too.
DEFAULTS = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_ALGORITHM_STREAMING": ["br"],
    "COMPRESS_BR_LEVEL": 4,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 500,
    # Registered by init_app below instead, so that the BREACH exception can be applied.
    "COMPRESS_REGISTER": False,
}


def init_app(app: Flask) -> None:
    """Compress the app's text responses (HTML, CSS, JavaScript, JSON, feeds)."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    # One Compress per app: it keeps the app's settings on itself.
    compress = Compress()
    compress.init_app(app)

    @app.after_request
    def _compress_response(response: Response) -> Response:
        if may_compress():
            return compress.after_request(response)
        # The same address is compressed for others: caches must keep the two apart.
        response.vary.add("Accept-Encoding")
        return response


def may_compress() -> bool:
    """Whether this request's response may be compressed: not when it can carry both a
    signed-in person's own data and text from the query string (BREACH)."""
    if not request.query_string:
        return True
    return not current_user.is_authenticated
