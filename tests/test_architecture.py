"""The agreed shape of the code: import direction and one module per third-party library."""
from __future__ import annotations

import ast
import itertools
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
    # consult/text.py cleans names and numbers (and writes times as the downloads do) for views,
    # services, jobs and the CLI alike.
    assert _imports(REPO / "consult" / "text.py") <= {"__future__", "datetime", "re", "unicodedata"}


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


CONSULT = REPO / "consult"


def _consult_imports(path: Path) -> set[str]:
    """Every consult module a file imports (at the top or inside a function), as dotted names."""
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            # `from consult.comments import views` imports the module consult.comments.views.
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {n for n in names if n == "consult" or n.startswith("consult.")}


def _area(path: Path) -> str | None:
    """The consult sub-package a file belongs to (None for consult's top-level modules)."""
    parts = path.relative_to(CONSULT).parts
    return parts[0] if len(parts) > 1 else None


def _areas() -> list[str]:
    return sorted(p.parent.name for p in CONSULT.glob("*/__init__.py"))


def test_no_view_module_imports_another_areas_views():
    # A page shared by two areas is built from a non-view module (a service or a page module),
    # never by one area's views reaching into another's.
    offenders = []
    for path in sorted(CONSULT.rglob("views.py")):
        for name in _consult_imports(path):
            parts = name.split(".")
            if parts[-1] == "views" and len(parts) == 3 and parts[1] != _area(path):
                offenders.append(f"{path.relative_to(REPO)} imports {name}")
    assert offenders == []


def _area_graph() -> dict[str, dict[str, list[str]]]:
    """area -> the areas it imports -> the files that do it."""
    areas = set(_areas())
    graph: dict[str, dict[str, list[str]]] = {a: {} for a in areas}
    for path in sorted(CONSULT.rglob("*.py")):
        area = _area(path)
        if area not in areas:
            continue
        for name in _consult_imports(path):
            parts = name.split(".")
            if len(parts) > 1 and parts[1] in areas and parts[1] != area:
                graph[area].setdefault(parts[1], []).append(str(path.relative_to(REPO)))
    return graph


def _cycle(graph: dict[str, dict[str, list[str]]]) -> list[str] | None:
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_areas_of_consult_import_each_other_without_a_cycle():
    graph = _area_graph()
    assert {"accounts", "comments", "consultations", "responses"} <= set(graph)
    cycle = _cycle(graph)
    if cycle:
        steps = [f"{a} -> {b} ({', '.join(sorted(set(graph[a][b])))})" for a, b in itertools.pairwise(cycle)]
        raise AssertionError("consult's sub-packages import each other in a cycle:\n  " + "\n  ".join(steps))


def test_the_cycle_finder_finds_a_cycle():
    # The check above must be able to fail.
    graph = {"a": {"b": ["x.py"]}, "b": {"c": ["y.py"]}, "c": {"a": ["z.py"]}, "d": {}}
    assert _cycle(graph) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b": []}, "b": {}}) is None


def test_huey_lives_in_one_module():
    # The job queue's library is swappable: only consult/jobs/queue.py knows it is Huey.
    assert _importers("huey") == ["consult/jobs/queue.py"]


def test_redis_lives_in_the_queue_module():
    assert _importers("redis") == ["consult/jobs/queue.py"]


def test_scikit_learn_lives_in_the_suggestion_algorithms_only():
    # The web processes never load it: consult/responses/assist_jobs.py imports the algorithms
    # inside the jobs that use them, so only a worker running a suggestion job pays for its memory.
    assert _importers("sklearn") == ["consult/responses/suggest.py"]
    for name in ("assist.py", "assist_jobs.py", "assist_views.py"):
        source = (CONSULT / "responses" / name).read_text(encoding="utf-8")
        top_level = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
        assert not any("suggest import" in line or line.endswith(".suggest") for line in top_level), name


def test_pandoc_lives_in_the_word_converter():
    assert _importers("pypandoc") == ["documents/docx.py"]
