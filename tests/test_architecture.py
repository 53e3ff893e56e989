"""The agreed shape of the code: import direction and one module per third-party library."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules(package: str):
    return sorted((REPO / package).rglob("*.py"))


def test_documents_imports_neither_consult_nor_moderation():
    offenders = [
        str(p.relative_to(REPO)) for p in _modules("documents")
        if _imports(p) & {"consult", "moderation", "flask", "sqlalchemy"}
    ]
    assert offenders == []


def test_moderation_never_imports_consult():
    offenders = [str(p.relative_to(REPO)) for p in _modules("moderation") if "consult" in _imports(p)]
    assert offenders == []


def test_the_text_helpers_are_pure():
    # consult/text.py cleans names and numbers for views, services, jobs and the CLI alike.
    assert _imports(REPO / "consult" / "text.py") <= {"__future__", "re", "unicodedata"}


def _importers(library: str) -> list[str]:
    found = []
    for package in ("consult", "documents", "moderation"):
        for path in _modules(package):
            if library in _imports(path):
                found.append(str(path.relative_to(REPO)))
    return found


def test_markdown_and_bleach_live_in_one_module():
    assert _importers("markdown_it") == ["documents/render.py"]
    assert _importers("bleach") == ["documents/render.py"]
    assert set(_importers("mdit_py_plugins")) <= {"documents/render.py"}


def test_argon2_lives_in_one_module():
    assert _importers("argon2") == ["consult/passwords.py"]


def test_whoosh_lives_in_at_most_one_module():
    assert len(_importers("whoosh")) <= 1


def test_moderation_and_documents_import_no_flask():
    # Their functions run from a worker, the CLI or a script with a plain SQLAlchemy Session.
    offenders = [
        str(p.relative_to(REPO)) for package in ("moderation", "documents")
        for p in _modules(package) if _imports(p) & {"flask", "flask_sqlalchemy"}
    ]
    assert offenders == []
