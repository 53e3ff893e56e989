"""House rules: reading a rules document, publishing versions, naming rules in sentences."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import documents
from moderation.db import DbSession, utcnow
from moderation.models import Decision, HouseRulesVersion
from moderation.service.common import N_, ModerationError, Phrase, Term, audit

DEFAULT_RULES = Path(__file__).parent.parent / "house_rules.md"


@dataclass(frozen=True)
class RulesText:
    """A rules document read: its rules, its whole HTML, and the front matter's title and note."""

    rules: list[dict]
    html: str
    title: str = ""
    note: str = ""

    # It still reads as the pair (rules, html) parse_rules used to return, for callers that unpack it.
    def __iter__(self):
        return iter((self.rules, self.html))

    def __getitem__(self, index):
        return (self.rules, self.html)[index]


RULES_METADATA = ("title", "note")  # what the front matter may say about a rules version
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*(?:\r\n|\r|\n))+")
_NUMBERED_TITLE = re.compile(r"\A(\d+)\.?\s+(\S.*)\Z", re.DOTALL)


def parse_rules(source: str) -> RulesText:
    """Read a rules document: front matter as metadata, one rule per level-2 heading (## …).

    Blank lines before the front matter are dropped first: a textarea (or a person) easily adds
    one, and with it the front matter's closing "---" would underline its last line into a
    level-2 heading, that is, a rule called "title: House rules".
    """
    stripped = _LEADING_BLANK_LINES.match(source or "")
    skipped = len(re.findall(r"\r\n|\r|\n", stripped.group(0))) if stripped else 0
    text = source[stripped.end():] if stripped else (source or "")
    try:
        document = documents.parse(text, source="house rules")
    except documents.DocumentError as exc:
        raise _document_refusal(exc) from exc
    unknown = [str(k) for k in document.meta if k not in RULES_METADATA]
    if unknown:
        raise ModerationError(
            N_("The front matter (between the two --- lines at the top) may give only a title and a "
               "note on what changed; remove %(keys)s."), keys=", ".join(repr(k) for k in unknown))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    rules: list[dict] = []
    for paragraph in document.paragraphs:
        if paragraph.kind == "heading" and paragraph.level == 2:
            line = lines[paragraph.line - 1] if 0 < paragraph.line <= len(lines) else ""
            where = paragraph.line + skipped
            if not line.lstrip().startswith("#"):
                # A line underlined with --- is a level-2 heading to Markdown, never meant as a rule.
                raise ModerationError(
                    N_("Line %(line)s: “%(text)s” is underlined with ---, which would make it a rule. "
                       "Write each rule as a heading starting ## , and put any front matter "
                       "(--- title: … ---) at the very top of the text."), line=where, text=paragraph.text)
            if not _rule_name(paragraph.text):
                raise ModerationError(N_("Line %(line)s: this rule has no title. Write it after the ##, "
                                         "for example “## 3. No abuse {#no-abuse}”."), line=where)
            rules.append({"anchor": paragraph.anchor, "number": str(len(rules) + 1),
                          "title": paragraph.text, "html": paragraph.html})
        elif rules:
            rules[-1]["html"] += "\n" + paragraph.html
    if not rules:
        raise ModerationError(N_("The house rules need at least one rule: a level-2 heading (## …)."))
    meta = document.meta
    return RulesText(rules, document.html, title=_front_matter_text(meta, "title"),
                     note=_front_matter_text(meta, "note"))


def _document_refusal(exc: documents.DocumentError) -> ModerationError:
    """Why the rules document cannot be read, as documents words it (its place and reason), the
    source ("house rules") and the reason read in the reader's language."""
    source, why = Term(N_("house rules")), Phrase(exc.message_id, **exc.values)
    if exc.line:
        return ModerationError(N_("%(source)s, line %(line)s: %(why)s"), source=source, line=exc.line, why=why)
    return ModerationError(N_("%(source)s: %(why)s"), source=source, why=why)


def _front_matter_text(meta: dict, key: str) -> str:
    """A front-matter value as the text it is shown as; a list or a mapping is refused.

    YAML reads "note:" followed by "- a" lines as a list, which str() would store as "['a']".
    """
    value = meta.get(key)
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict, bool)):  # YAML reads a bare yes or no as a bool
        raise ModerationError(
            N_("The front matter's %(key)s must be text on one line (for example “%(key)s: Rule 4 is "
               "clearer”), not a list. Put quotes round it if it is yes or no or contains a colon."), key=key)
    return str(value).strip()


def _rule_name(title: str) -> str:
    """A rule title without its leading number ("3. No abuse" -> "No abuse")."""
    title = (title or "").strip()
    numbered = _NUMBERED_TITLE.match(title)
    if numbered:
        return numbered.group(2).strip()
    return "" if re.fullmatch(r"\d+\.?", title) else title


def rule_label(rule: dict) -> str:
    """'rule 3 (No abuse, threats or discrimination)': how a rule is named in sentences."""
    title = (rule.get("title") or "").strip()
    numbered = _NUMBERED_TITLE.match(title)
    if numbered:  # the title's own number is the one readers see on the rules page
        return f"rule {numbered.group(1)} ({numbered.group(2).strip()})"
    return f"rule {rule.get('number', '?')} ({title})" if title else f"rule {rule.get('number', '?')}"


def current_rules(session: DbSession) -> HouseRulesVersion:
    """The house rules in force, publishing the default text the first time (for writers: a
    decision must cite a version on record; pages read `rules_in_force`, which never writes)."""
    latest = select(HouseRulesVersion).order_by(HouseRulesVersion.number.desc()).limit(1)
    version = session.scalar(latest)
    if version is None:
        try:
            with session.begin_nested():
                version = publish_rules(session, DEFAULT_RULES.read_text(encoding="utf-8"),
                                        note="The first house rules.", actor_id=None, number=1)
        except IntegrityError:  # another request published them at the same moment: use theirs
            version = session.scalars(latest).one()
    return version


def check_translation(parsed: RulesText, text: str) -> RulesText:
    """The rules in another language, read, when they are the same rules under the same anchors
    as `parsed`; ModerationError saying which anchors differ otherwise."""
    translated = parse_rules(text)
    main, other = [r["anchor"] for r in parsed.rules], [r["anchor"] for r in translated.rules]
    if main != other:
        missing = [a for a in main if a not in other] or ["-"]
        extra = [a for a in other if a not in main] or ["-"]
        raise ModerationError(N_("The translated rules must be the same rules, in the same order and under the "
                                 "same anchors, as the main text (missing: %(missing)s; not in the main text: "
                                 "%(extra)s)."), missing=", ".join(missing), extra=", ".join(extra))
    return translated


def publish_rules(session: DbSession, source: str, note: str, actor_id: int | None,
                  number: int | None = None, translations: dict[str, str] | None = None) -> HouseRulesVersion:
    """Publish a new version of the house rules; decisions cite the version in force.

    The version number is the next one, or `number` when given (the first rules are number 1,
    so two requests publishing them at once collide on the unique number). The default text is
    always version 1: published first if it is not on record yet. `translations`: the same rules
    in other languages, by language code (empty texts are left out; readers then see the main text).
    """
    parsed = parse_rules(source)
    given = {code: text for code, text in (translations or {}).items() if (text or "").strip()}
    for text in given.values():
        check_translation(parsed, text)
    note = (note or "").strip() or parsed.note
    if number is None:
        number = session.scalar(select(func.max(HouseRulesVersion.number)))
        if number is None:
            number = current_rules(session).number
        number += 1
    version = HouseRulesVersion(number=number, source=source, rules=parsed.rules, html=parsed.html,
                                note=note, published_by=actor_id, translations=given or None)
    session.add(version)
    session.flush()
    audit(session, "rules_published", "rules", version.id, actor_id=actor_id,
          number=version.number, note=note)
    return version


def rule_titles(version: HouseRulesVersion) -> dict[str, str]:
    """Rule anchor -> "3. No abuse, threats or discrimination"."""
    return {r["anchor"]: r["title"] for r in version.rules}


@functools.lru_cache(maxsize=16)
def _front_matter_title(source: str) -> str:
    try:
        return parse_rules(source).title
    except ModerationError:  # a version published before the checks of today: no title then
        return ""


def rules_title(version: HouseRulesVersion) -> str:
    """The title a rules version's front matter gives, or "House rules"."""
    return _front_matter_title(version.source) or "House rules"


@functools.lru_cache(maxsize=1)
def _default_rules() -> RulesText:
    return parse_rules(DEFAULT_RULES.read_text(encoding="utf-8"))


def default_rules_version() -> HouseRulesVersion:
    """The default rules as version 1, not stored: what a page shows before `consult init-db`
    (or the first decision) has published them."""
    parsed = _default_rules()
    return HouseRulesVersion(number=1, source=DEFAULT_RULES.read_text(encoding="utf-8"),
                             rules=parsed.rules, html=parsed.html, note="The first house rules.",
                             published_by=None, published_at=utcnow())


@functools.lru_cache(maxsize=4)
def _default_rules_in(language: str) -> RulesText | None:
    path = DEFAULT_RULES.with_name(f"house_rules.{language}.md")
    if not re.fullmatch(r"[a-z]{2,3}", language) or not path.is_file():
        return None
    translated = parse_rules(path.read_text(encoding="utf-8"))
    # The same rules under the same anchors, or it is not the default text in another language.
    if [r["anchor"] for r in translated.rules] != [r["anchor"] for r in _default_rules().rules]:
        return None
    return translated


def default_rules_in(version: HouseRulesVersion, language: str) -> RulesText | None:
    """The version's text in another language: the one published with it, or for the default text
    moderation/house_rules.<language>.md; None when it has none in that language.

    The stored version is unchanged: decisions cite its anchors, which the translation shares."""
    text = (version.translations or {}).get(language)
    if text:
        return _parsed(text)
    if version.source != DEFAULT_RULES.read_text(encoding="utf-8"):
        return None
    return _default_rules_in(language)


def rules_source_in(version: HouseRulesVersion, language: str) -> str:
    """The Markdown of the version in another language ("" when it has none): what the editor
    starts the next version's translation from."""
    text = (version.translations or {}).get(language)
    if text:
        return text
    if version.source == DEFAULT_RULES.read_text(encoding="utf-8") and _default_rules_in(language) is not None:
        return DEFAULT_RULES.with_name(f"house_rules.{language}.md").read_text(encoding="utf-8")
    return ""


@functools.lru_cache(maxsize=32)
def _parsed(text: str) -> RulesText:
    return parse_rules(text)


_LATEST_RULES = select(HouseRulesVersion).order_by(HouseRulesVersion.number.desc()).limit(1)


def rules_in_force(session: DbSession) -> HouseRulesVersion:
    """The house rules in force, read only: the default text when none is on record yet."""
    return session.scalar(_LATEST_RULES) or default_rules_version()


def rules_version(session: DbSession, number: int | None) -> HouseRulesVersion | None:
    """One version of the house rules by its number (version 1 is the default text until stored)."""
    if number is None:
        return None
    version = session.scalar(select(HouseRulesVersion).where(HouseRulesVersion.number == number))
    if version is None and number == 1 and session.scalar(_LATEST_RULES) is None:
        return default_rules_version()
    return version


def rules_versions(session: DbSession) -> list[HouseRulesVersion]:
    """Every version of the house rules, newest first (the default text alone until stored)."""
    versions = list(session.scalars(select(HouseRulesVersion).order_by(HouseRulesVersion.number.desc())))
    return versions or [default_rules_version()]


def rule_index(version: HouseRulesVersion) -> dict[str, dict]:
    """Rule anchor -> the rule ({anchor, number, title, html}) in one version."""
    return {r["anchor"]: r for r in version.rules}


def every_rule(session: DbSession) -> dict[str, dict]:
    """Every rule any version has had, by anchor, as its newest version names it (with that version),
    in the current version's order and then the retired ones: statistics count under old rules too."""
    versions = rules_versions(session)
    index: dict[str, dict] = {}
    for version in versions:
        for rule in version.rules:
            index.setdefault(rule["anchor"], {**rule, "version": version.number,
                                              "current": version.number == versions[0].number})
    return index


def cited_rules(session: DbSession, decision: Decision) -> list[dict]:
    """The rules a decision cites, as {anchor, number, title, label, version} in the version it cited."""
    version = rules_version(session, decision.rules_version)
    index = rule_index(version) if version else {}
    result = []
    for anchor in decision.rules or []:
        rule = index.get(anchor)
        if rule is None:  # never the bare anchor: it is an internal value
            rule = {"number": "?", "title": "a rule since changed"}
        result.append({"anchor": anchor, "number": rule["number"], "title": rule["title"],
                       "label": rule_label(rule) if anchor in index else rule["title"],
                       "version": decision.rules_version})
    return result
