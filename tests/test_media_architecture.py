"""Pillow stays behind one module, like every third-party library (docs/architecture.md)."""
from __future__ import annotations

from test_architecture import _importers  # tests/ is on sys.path


def test_pillow_lives_in_one_module():
    assert _importers("PIL") == ["documents/media.py"]
