"""The demo consultation and demo accounts that `make run` loads."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypedDict

from consult import demo_bilingual
from consult.consultations import service
from consult.models import Consultation, User, utcnow
from consult.users import create_user, find_by_email
from moderation.db import DbSession

REPO = Path(__file__).resolve().parent.parent
# The shared corpus sits beside the repository; a copy ships in the repo for fresh clones.
CORPUS_CANDIDATES = (REPO.parent / "shared" / "corpus", REPO / "demo" / "corpus")
FEDERAL_DRAFT = (
    "index.md", "introduction.md", "objectives.md", "scope.md", "procurement.md",
    "reuse.md", "oss.md", "Implementation.md", "Appendixa.md", "appendixb.md",
)
FEDERAL_FINAL = (
    "introduction.md", "objectives.md", "scope.md", "solutions-analysis.md", "reuse.md",
    "oss.md", "exceptions.md", "Implementation.md", "Appendixa.md",
)
DEMO_PASSWORD = "consult-demo-2026"


@dataclass
class DemoAccount:
    """A demo login printed when the demo starts."""

    role: str
    email: str
    password: str


DEMO_ACCOUNTS = [
    DemoAccount("citizen", "citizen@demo.consult.test", DEMO_PASSWORD),
    DemoAccount("moderator", "moderator@demo.consult.test", DEMO_PASSWORD),
    DemoAccount("official", "official@demo.consult.test", DEMO_PASSWORD),
    DemoAccount("admin", "admin@demo.consult.test", DEMO_PASSWORD),
]


def corpus_dir() -> Path:
    """The folder holding the demo documents."""
    for candidate in CORPUS_CANDIDATES:
        if (candidate / "federal-source-code-policy").is_dir():
            return candidate
    raise FileNotFoundError(
        "The demo corpus was not found in ../shared/corpus or demo/corpus."
    )


def federal_files(version: str) -> list[tuple[str, str]]:
    """The Federal Source Code Policy pages, in reading order, as (name, text) pairs."""
    folder = corpus_dir() / "federal-source-code-policy"
    names, sub = (FEDERAL_DRAFT, "draft-2016-03") if version == "draft" else (FEDERAL_FINAL, "final-2016-08")
    return service.read_files([(f"{sub}/{n}", (folder / sub / n).read_bytes()) for n in names])


CITIZENS = [
    ("Alex Morgan", "alex@demo.consult.test"),
    ("Priya Shah", "priya@demo.consult.test"),
    ("Tom Becker", "tom@demo.consult.test"),
    ("Grace Okafor", "grace@demo.consult.test"),
    ("Sam Lee", "sam@demo.consult.test"),
]


class _Extras(TypedDict, total=False):
    """What a demo comment sets beyond its text (CommentInput's optional fields)."""

    stance: str
    respondent_type: str
    organisation: str


# (citizen index, paragraph text prefix or None for the whole document, text, extras)
FEDERAL_COMMENTS: list[tuple[int, str | None, str, _Extras]] = [
    (0, "This policy requires that, among other things",
     "Twenty percent is too timid. Make open source the default and require agencies to "
     "justify exceptions instead.", {"stance": "oppose"}),
    (1, "This policy requires that, among other things",
     "A pilot is sensible: agencies need time to learn how to run open projects well.",
     {"stance": "support"}),
    (2, "The U.S. Government is committed to improving",
     "Please say plainly that the goal includes saving public money, not only innovation.",
     {"stance": "mixed"}),
    (3, "Communities are critically important",
     "Releasing code is not enough. Agencies must staff the maintenance of what they publish, "
     "or the repositories will rot.", {"respondent_type": "organisation",
                                        "organisation": "Open Source Initiative (demo)"}),
    (4, "Communities are critically important",
     "Agree with the point on maintenance. Budget lines for community management would help.",
     {"stance": "support"}),
    (0, "The release of the item would compromise agency mission",
     "This exception is so broad that any agency could use it to release nothing.",
     {"stance": "oppose"}),
    (1, "Open Source Software (OSS): Software that can be freely accessed",
     "The definition should reference the OSI-approved licences explicitly.", {}),
    (2, "In meeting their software needs, covered agencies should give preference",
     "The three-step analysis will be a paperwork exercise unless someone audits it.",
     {"stance": "mixed"}),
    (3, None, "Overall a welcome policy. Publish the code inventory as open data too.",
     {"stance": "support", "respondent_type": "organisation", "organisation": "Civic Tech Guild (demo)"}),
    (4, "The release of the item would compromise agency mission",
     "Call me on 07700 900123 and I will explain how our agency would abuse this exception.",
     {"stance": "oppose"}),
    (2, None, "Buy cheap watches at www.example.com/watches", {}),
]
CAMPAIGN = "Make all federal source code open by default, with narrow exceptions for security."
# Comments on the open consultation, as FEDERAL_COMMENTS. The last two are held by screening
# (a phone number, an advert) and left waiting, so a new moderator has a queue to work on.
OPEN_COMMENTS: list[tuple[int, str | None, str, _Extras]] = [
    (0, "This chapter explains how trust works",
     "The scope should say who checks that a relying party is still registered after the first "
     "check, and how often.", {"stance": "mixed"}),
    (3, "Figure 12 illustrates the main entities",
     "The figure needs a text description: as it stands it cannot be read with a screen reader.", {}),
    (1, "This chapter explains how trust works",
     "My wallet stopped working last week. Ring me on 07700 900456 and I will explain what went "
     "wrong with the trust check.", {"stance": "oppose"}),
    (4, None, "Cheap certified wallets at www.example.com/wallets, best prices this week!", {}),
]


def _find(paragraphs, prefix):
    for paragraph in paragraphs:
        if paragraph.text.startswith(prefix):
            return paragraph.anchor
    raise LookupError(f"demo paragraph not found: {prefix!r}")


def _accounts(session: DbSession) -> dict[str, User]:
    users: dict[str, User] = {}
    for account in DEMO_ACCOUNTS:
        user = find_by_email(session, account.email)
        if user is None:
            user = create_user(session, account.email, account.password, role=account.role,
                               display_name=f"Demo {account.role}", confirmed=True)
        users[account.role] = user
    for name, email in CITIZENS:
        users[email] = find_by_email(session, email) or create_user(
            session, email, DEMO_PASSWORD, display_name=name, confirmed=True)
    return users


def _open_consultation(session: DbSession, users: dict[str, User]) -> Consultation:
    """The EUDI trust model, open for comments, with a few comments and two waiting for a moderator."""
    from consult.comments.service import CommentInput, submit_comment
    from consult.consultations.creation import read_upload

    folder = corpus_dir() / "eudi-arf"
    files = service.read_files([("eudi-arf/06-trust-model.md", (folder / "06-trust-model.md").read_bytes())])
    # The chapter's four figures (CC BY 4.0, like the text), which it links as ../media/*.png.
    figures = read_upload([(f"media/{path.name}", path.read_bytes())
                           for path in sorted((folder / "media").glob("*.png"))]).images
    now = utcnow()
    consultation = service.create_consultation(
        session, slug="eudi-wallet-trust-model", files=files, images=figures,
        title="EUDI Wallet: the trust model",
        department="European Commission (demonstration)",
        summary=("How trust is established and checked between wallets, issuers and relying "
                 "parties. Demonstration text: European Commission, EUDI Wallet Architecture "
                 "and Reference Framework, CC BY 4.0."),
        scope_about="We want to know whether the trust model is clear, complete and workable.",
        scope_open="How trust lists, registration and certification fit together; gaps and risks.",
        scope_closed="The legal basis in the eIDAS regulation is not open for debate here.",
        scope_outcome="Comments are grouped into themes; each theme gets a published answer.",
        response_expected="Within 8 weeks of the closing date.",
        moderation_mode="post", opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=28),
        publish=True,
    )
    paragraphs = consultation.versions[0].paragraphs
    when = now - timedelta(days=1)
    for i, (who, prefix, body, extra) in enumerate(OPEN_COMMENTS):
        when += timedelta(hours=3)
        submit_comment(session, consultation, _find(paragraphs, prefix) if prefix else None,
                       users[CITIZENS[who][1]],
                       CommentInput(body=body, submission_key=f"demo-open-{i}", **extra), now=when)
    return consultation


def _lifecycle_consultation(session: DbSession, users: dict[str, User]) -> Consultation:
    """The federal policy, taken through comments, moderation, version 2 and a response."""
    from consult.comments.service import CommentInput, submit_comment
    from consult.responses import service as responses
    from moderation import service as moderation
    from moderation.screening import redact

    now = utcnow()
    opened, closed = now - timedelta(days=120), now - timedelta(days=90)
    consultation = service.create_consultation(
        session, slug="federal-source-code-policy", files=federal_files("draft"),
        title="Federal Source Code Policy",
        department="Office of Management and Budget",
        summary=("A draft policy to make custom-developed Federal source code available for reuse "
                 "across agencies, and to release a portion of it as open source software."),
        scope_about=("We want to know whether the proposed open source pilot will fuel innovation, "
                     "lower costs and benefit the public, and how it should work in practice."),
        scope_open=("The pilot's minimum share of released code, the exceptions, how agencies "
                    "inventory and share code, and the metrics for success."),
        scope_closed=("Existing law on intellectual property and national security classification "
                      "is not changed by this policy."),
        scope_outcome=("Every comment is read. We group comments into themes and publish, for each "
                       "theme, what we changed in the final policy and why."),
        response_expected="Within 12 weeks of the closing date.",
        moderation_mode="post", opens_at=opened, closes_at=closed, publish=True,
    )
    paragraphs = consultation.versions[0].paragraphs
    citizens = [users[email] for _name, email in CITIZENS]
    moderator = users["moderator"]
    when = opened + timedelta(days=1)
    posted = []
    for i, (who, prefix, body, extra) in enumerate(FEDERAL_COMMENTS):
        anchor = _find(paragraphs, prefix) if prefix else None
        when += timedelta(hours=7)
        comment, _ = submit_comment(session, consultation, anchor, citizens[who],
                                    CommentInput(body=body, submission_key=f"demo-{i}", **extra), now=when)
        posted.append(comment)
    pilot = _find(paragraphs, "This policy requires that, among other things")
    for i, citizen in enumerate(citizens[:4]):
        when += timedelta(hours=2)
        comment, _ = submit_comment(session, consultation, pilot, citizen,
                                    CommentInput(body=CAMPAIGN, submission_key=f"demo-campaign-{i}",
                                                 stance="oppose"), now=when)
        posted.append(comment)
    # A reply, and the moderator's decisions on what screening held.
    when += timedelta(hours=3)
    submit_comment(session, consultation, posted[0].anchor, citizens[1],
                   CommentInput(body="Default-open sounds good, but who pays for the reviews?",
                                submission_key="demo-reply", parent_id=posted[0].id), now=when)
    from sqlalchemy import select

    from moderation.models import QueueItem
    for item in session.scalars(select(QueueItem).where(QueueItem.consultation_id == consultation.id,
                                                        QueueItem.state == "waiting").order_by(QueueItem.id)):
        codes = {r["code"] for r in item.reasons}
        when += timedelta(hours=5)
        if any(c.startswith("personal_data") for c in codes):
            spans = [s for r in item.reasons for s in r["spans"]]
            request = moderation.DecisionRequest("redact", ["personal-information"],
                                                 redacted_text=redact(item.text, spans))
        elif "link" in codes:
            request = moderation.DecisionRequest("reject", ["no-spam"], "Advertising.")
        else:
            request = moderation.DecisionRequest("approve")
        moderation.decide(session, item.id, moderator.id, request, now=when)
    session.flush()
    # The final policy, as version 2, then the response.
    service.publish_version(session, consultation, federal_files("final"),
                            note="The final policy, M-16-21, issued in August 2016.")
    official = users["official"]
    themes = {
        "default": responses.create_theme(session, consultation, "Open source by default", official.id,
                                          keywords="default percent pilot timid open"),
        "community": responses.create_theme(session, consultation, "Maintaining what is released",
                                            official.id, keywords="maintenance community maintain staff"),
        "exceptions": responses.create_theme(session, consultation, "Exceptions are too broad",
                                             official.id, keywords="exception broad abuse"),
        "general": responses.create_theme(session, consultation, "Definitions and general support",
                                          official.id, keywords="definition welcome licences"),
    }
    session.flush()
    assignments = {"default": [0, 1, 11, 12, 13, 14], "community": [3, 4], "exceptions": [5, 9],
                   "general": [2, 6, 8]}
    for key, indexes in assignments.items():
        ids = [posted[i].id for i in indexes if posted[i].status == "published"]
        responses.assign(session, themes[key], ids, official.id)
    for comment in responses.uncounted(session, consultation):
        responses.mark_considered(session, consultation, comment.id,
                                  "Read and considered; it raises no point about the policy's text.",
                                  official.id)
    outcomes = {
        "default": ("changed", "Many asked for open source by default; others supported a cautious pilot.",
                    "The final policy keeps a pilot (20 percent) but asks agencies to release as much as "
                    "possible, and commits to reviewing the pilot after two years.",
                    ["p-a9cfe6af"]),
        "community": ("changed", "Releasing code needs people to maintain it and engage with users.",
                      "Section 5.2 now asks agencies to engage with the community and plan maintenance.",
                      ["p-039a6ad6", "p-30936c54"]),
        "exceptions": ("changed", "The exceptions could be read so widely that little would be released.",
                       "The exceptions now concern sharing source code, must be documented, and are "
                       "reported to the Federal CIO.", ["p-33a8bb4e", "p-e9947360"]),
        "general": ("no_change", "General support, and suggestions on the definitions.",
                    "The definitions follow existing law and OMB policy; we did not change them.", []),
    }
    known = responses.known_anchors(session, consultation)
    for key, (outcome, said, reasons, anchors) in outcomes.items():
        theme = themes[key]
        responses.update_theme(session, theme, expected_revision=theme.revision, actor_id=official.id,
                               title=theme.title, said=said, outcome=outcome, reasons=reasons,
                               keywords=theme.keywords, anchors=[a for a in anchors if a in known])
    responses.save_draft(session, consultation,
                         "We received comments from individuals and organisations, including a campaign "
                         "asking for open source by default. They changed the final policy in three places.",
                         "Agencies publish their code inventories within 120 days; the pilot is reviewed "
                         "after two years.", from_version=1, to_version=2)
    responses.publish(session, consultation, official.id)
    return consultation


def load_demo(session: DbSession) -> tuple[Consultation, list[DemoAccount]]:
    """Create the demo consultations and accounts, leaving existing ones alone.

    Returns the consultation open for comments; the federal policy shows the whole lifecycle,
    the play areas strategy a consultation in English and Welsh.
    """
    users = _accounts(session)
    open_one = (service.get_consultation(session, "eudi-wallet-trust-model")
                or _open_consultation(session, users))
    if service.get_consultation(session, "federal-source-code-policy") is None:
        _lifecycle_consultation(session, users)
    if service.get_consultation(session, demo_bilingual.SLUG) is None:
        demo_bilingual.bilingual_consultation(session, users)
    return open_one, DEMO_ACCOUNTS
