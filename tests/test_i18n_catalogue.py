"""The catalogues against the code (issue 21, item 2): extract and compare, and find unmarked text.

The messages are extracted afresh with Babel's own extraction (the settings of pyproject.toml's
[tool.babel], as `make messages` uses them): the Welsh catalogue must translate every one of them,
in all six plural forms, with the same placeholders, and hold nothing the code no longer has;
translations/messages.pot must be what `make messages` writes today.

Then every template is read for words a reader sees that are not inside a translation call: the
text between tags and the attributes read aloud or shown (title, alt, aria-label, placeholder),
with `{{ }}`, `{% %}` and `{% trans %}` blocks left out, and string literals written out as text or
passed to a macro as prose ("Count the ticked comments under") rather than through `_()`.
"""
from __future__ import annotations

import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"
WELSH_CATALOGUE = REPO / "translations" / "cy" / "LC_MESSAGES" / "messages.po"
TEMPLATE_CATALOGUE = REPO / "translations" / "messages.pot"


def _extract(keywords: dict | None = None) -> Catalog:
    """The messages marked in the code today, extracted as `make messages` does: pyproject.toml's
    [tool.babel] mappings, and Babel's default keywords with [tool.babel.extract_messages]'s."""
    settings = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["babel"]
    method_map = [(mapping["pattern"], mapping["method"]) for mapping in settings["mappings"]]
    options = {mapping["pattern"]: {key: value for key, value in mapping.items() if key not in ("pattern", "method")}
               for mapping in settings["mappings"]}
    if keywords is None:
        keywords = {**DEFAULT_KEYWORDS,
                    **parse_keywords(settings.get("extract_messages", {}).get("keywords", "").split())}
    catalog = Catalog(project="Consult", copyright_holder="Consult contributors")
    for _filename, _lineno, message, comments, context in extract_from_dir(
            str(REPO), method_map, options, keywords=keywords, strip_comment_tags=True):
        catalog.add(message, None, [], auto_comments=comments, context=context)
    return catalog


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return _extract()


@pytest.fixture(scope="module")
def welsh() -> Catalog:
    with WELSH_CATALOGUE.open("rb") as f:
        return read_po(f, locale="cy")


def test_every_message_in_the_code_has_a_complete_welsh_translation(extracted, welsh):
    assert welsh.num_plurals == 6
    assert len(extracted) > 1000  # the whole interface is marked, not a slice
    problems = []
    for message in extracted:
        if not message.id:
            continue
        translated = welsh.get(message.id, context=message.context)
        if translated is None:
            problems.append(f"missing: {message.id!r}")
            continue
        strings = translated.string if isinstance(translated.string, tuple) else (translated.string,)
        if translated.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {message.id!r}")
        elif len(strings) != (6 if message.pluralizable else 1):
            problems.append(f"wrong number of plural forms: {message.id!r}")
    assert problems == []


def test_the_welsh_catalogue_holds_nothing_the_code_no_longer_has(extracted, welsh):
    """An obsolete message (its English changed or removed) means the .po was not updated."""
    stale = [message.id for message in welsh
             if message.id and extracted.get(message.id, context=message.context) is None]
    assert stale == [], "run `make messages` and translate what is new"


def test_the_welsh_translations_keep_the_placeholders_of_the_english(welsh):
    # Babel's own checks: python-format placeholders the same in every form, plural forms counted.
    problems = [f"{message.id!r}: {error}" for message, errors in welsh.check() for error in errors]
    assert problems == []


def test_flask_babels_lazy_messages_are_extracted_too(extracted):
    """A label marked with lazy_gettext (not imported as `_`) reaches the catalogue as well."""
    lazily = _extract({**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_ngettext": (1, 2),
                       "lazy_pgettext": ((1, "c"), 2)})
    missed = {str(m.id) for m in lazily if m.id and extracted.get(m.id, context=m.context) is None}
    assert missed == set(), "add the name to [tool.babel.extract_messages] keywords in pyproject.toml"


def test_the_message_template_is_what_make_messages_writes_today(extracted):
    def entries(catalog: Catalog) -> list[tuple]:
        return sorted((str(m.context), str(m.id)) for m in catalog if m.id)

    with TEMPLATE_CATALOGUE.open("rb") as f:
        stored = read_po(f)
    assert entries(stored) == entries(extracted), "run `make messages`"


# --- unmarked text in templates ------------------------------------------------------------------

_ENV = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"])
_TRANSLATING_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
_READ_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder"}
_HOLE = "zzhole"  # stands where an expression or tag was, so the HTML around it still parses
_WORD = re.compile(r"[^\W\d_]{2,}")
_FRAGMENT = re.compile(r"#[\w-]*")  # '#comment-{{ id }}' in a macro that builds a link
# Prose in a string literal: a capital, then two words with a space, nothing of a class, id, path
# or endpoint ("not given" in a list of codes is a code).
_PROSE = re.compile(r"^(?![^-_./#=:]*[-_./#=])[^\W\d_a-z][^\W\d_]*[,']?\s+[^\W\d_]+")
# Names, brands and symbols that read the same in every language.
ALLOWED_TEXT = {"Consult", "English", "Cymraeg", "CSV", "JSON", "Atom", "OpenAPI", "Markdown"}
# Prose passed to a macro that translates it where it is shown (templates/responses/_macros.html,
# accept_fields), or a literal another area owns this session.
ALLOWED_LITERALS = {
    "templates/responses/proposal.html": {"Title of the theme (rename it here)"},
    "templates/responses/suggestions.html": {"Title of the new theme (empty: the first ticked proposal's label)"},
}


def _skeleton(source: str) -> str:
    """The template's own text, with every expression or tag replaced by a hole and trans blocks dropped."""
    out: list[str] = []
    in_trans, after_begin = 0, False
    for _lineno, kind, value in _ENV.lex(source):
        if kind == "whitespace":
            continue
        if kind == "block_begin":
            after_begin = True
            continue
        if after_begin and kind == "name":
            in_trans += {"trans": 1, "endtrans": -1}.get(value, 0)
        after_begin = False
        if kind == "data":
            if not in_trans:
                out.append(value)
        elif not out or not out[-1].endswith(_HOLE):
            # A hole right after '<' is the tag's name (<{{ heading }}>), elsewhere a word of its own.
            out.append(_HOLE if out and out[-1].endswith(("<", "</")) else f" {_HOLE} ")
    return "".join(out)


class _TextNodes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_code = 0

    def _check(self, text: str) -> None:
        words = " ".join(_FRAGMENT.sub(" ", text.replace(_HOLE, " ")).split())
        if _WORD.search(words) and words not in ALLOWED_TEXT:
            self.found.append(words)

    def handle_starttag(self, tag, attrs):
        self._in_code += tag in ("script", "style")
        for name, value in attrs:
            if name in _READ_ATTRIBUTES and value:
                self._check(value)

    def handle_endtag(self, tag):
        self._in_code -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._in_code:
            self._check(data)


def unmarked_text(source: str) -> list[str]:
    """Text a reader sees in the template's own HTML that no translation call covers."""
    parser = _TextNodes()
    parser.feed(_skeleton(source))
    parser.close()
    return parser.found


_NOT_TEXT = (nodes.Compare, nodes.Test, nodes.Getitem, nodes.Getattr, nodes.Include, nodes.Import,
             nodes.FromImport, nodes.Extends)
_CALLED = (nodes.Call, nodes.Filter, nodes.Macro, nodes.CallBlock)


def unmarked_literals(source: str) -> list[str]:
    """String literals written out as words ({{ "Yes" if ... }}) or passed around as prose, untranslated."""
    found: list[str] = []

    def walk(node: nodes.Node, output: bool, quiet: bool) -> None:
        if (isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name)
                and node.node.name in _TRANSLATING_CALLS | {"url_for"}):
            return
        if isinstance(node, nodes.Dict):  # keys are codes ({"support": _("Support")}), values may be text
            for pair in node.items:
                walk(pair.value, output, quiet)
            return
        if isinstance(node, nodes.Const) and isinstance(node.value, str):
            written_as_word = output and node.value[:1].isupper() and _WORD.search(node.value)
            if not quiet and node.value not in ALLOWED_TEXT and (written_as_word or _PROSE.match(node.value)):
                found.append(node.value)
            return
        for child in node.iter_child_nodes():
            walk(child, (output or isinstance(node, nodes.Output)) and not isinstance(node, _CALLED),
                 quiet or isinstance(node, _NOT_TEXT))

    walk(_ENV.parse(source), False, False)
    return found


def test_the_checks_find_unmarked_text_and_pass_marked_text():
    """The two checks themselves, on small templates: what they must catch and what they must let by."""
    assert unmarked_text('<h1>Hello {{ name }}</h1><p title="Open it">{{ _("Fine") }}</p>') == [
        "Hello", "Open it"]
    assert unmarked_text('{% trans n=1 %}One {{ n }}{% endtrans %}<b>{{ _("x") }}</b> · 4.2') == []
    assert unmarked_text('<a href="{{ u }}#comment-{{ c }}">CSV</a><{{ h }} class="x">{{ t }}</{{ h }}>') == []
    assert unmarked_text("<script>var a = 'text';</script><style>p { color: red }</style>") == []
    assert unmarked_literals('{{ "Yes" if a else _("No") }}{{ m(label="Count the ticked ones") }}') == [
        "Yes", "Count the ticked ones"]
    assert unmarked_literals('<p class="x{{ " field-invalid" if e }}">{{ url_for("a.b") }}'
                             '{{ {"support": _("Support")}.get(s, s) }}{% if k == "Some words" %}{% endif %}') == []


def test_no_template_holds_an_unmarked_user_facing_string():
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(REPO).as_posix()
        source = path.read_text(encoding="utf-8")
        for text in unmarked_text(source):
            problems.append(f"{name}: text {text!r}")
        for literal in unmarked_literals(source):
            if literal not in ALLOWED_LITERALS.get(name, ()):
                problems.append(f"{name}: literal {literal!r}")
    assert problems == []
