"""The demo consultation and demo accounts that `make run` loads."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from consult.consultations import service
from consult.models import Consultation, utcnow
from consult.users import create_user, find_by_email

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


def load_demo(session: Session) -> tuple[Consultation, list[DemoAccount]]:
    """Create the demo consultation and accounts, leaving existing ones alone."""
    for account in DEMO_ACCOUNTS:
        if find_by_email(session, account.email) is None:
            create_user(
                session, account.email, account.password, role=account.role,
                display_name=f"Demo {account.role}", confirmed=True,
            )
    consultation = service.get_consultation(session, "federal-source-code-policy")
    if consultation is None:
        now = utcnow()
        consultation = service.create_consultation(
            session,
            slug="federal-source-code-policy",
            files=federal_files("draft"),
            title="Federal Source Code Policy",
            department="Office of Management and Budget",
            summary=(
                "A draft policy to make custom-developed Federal source code available for "
                "reuse across agencies, and to release a portion of it as open source software."
            ),
            scope_about=(
                "We want to know whether the proposed open source pilot will fuel innovation, "
                "lower costs and benefit the public, and how it should work in practice."
            ),
            scope_open=(
                "The pilot's minimum share of released code, the exceptions, how agencies "
                "inventory and share code, and the metrics for success."
            ),
            scope_closed=(
                "Existing law on intellectual property and national security classification "
                "is not changed by this policy."
            ),
            scope_outcome=(
                "Every comment is read. We will group comments into themes and publish, for "
                "each theme, what we changed in the final policy and why."
            ),
            response_expected="Within 12 weeks of the closing date.",
            moderation_mode="post",
            opens_at=now - timedelta(days=3),
            closes_at=now + timedelta(days=27),
            publish=True,
        )
    return consultation, DEMO_ACCOUNTS
