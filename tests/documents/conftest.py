"""Fixtures for the documents package tests: the real corpus."""
from __future__ import annotations

from pathlib import Path

import pytest

import documents

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
DRAFT = ["index", "introduction", "objectives", "scope", "procurement", "reuse", "oss",
         "Implementation", "Appendixa", "appendixb"]
FINAL = ["introduction", "objectives", "scope", "solutions-analysis", "reuse", "oss", "exceptions",
         "Implementation", "Appendixa"]


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus folder, or skip when this checkout has none."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus folder {CORPUS} is absent (it lives beside the repository)")
    return CORPUS


def load_federal(corpus: Path, folder: str, names: list[str]) -> documents.Document:
    """One version of the federal policy, its pages joined in reading order."""
    base = corpus / "federal-source-code-policy" / folder
    return documents.parse_files([(f"{n}.md", (base / f"{n}.md").read_text()) for n in names])


@pytest.fixture()
def draft(corpus: Path) -> documents.Document:
    """The March 2016 draft."""
    return load_federal(corpus, "draft-2016-03", DRAFT)


@pytest.fixture()
def final(corpus: Path) -> documents.Document:
    """The August 2016 final policy."""
    return load_federal(corpus, "final-2016-08", FINAL)


@pytest.fixture(scope="session")
def arf_texts(corpus: Path) -> list[tuple[str, str]]:
    """The four ARF releases, in date order."""
    return [(f.name, f.read_text()) for f in sorted((corpus / "eudi-arf").glob("arf-main-*.md"))]
