"""The demo's bilingual consultation: a short English strategy with its Welsh translation.

Written for the demonstration (an invented council); the Welsh should be checked by a fluent
reader before it is shown as an example of good Welsh. It shows the language switch, the
paragraphs aligned across the two languages, the summary and scope statement in Welsh, and a
comment written in Welsh.
"""
from __future__ import annotations

from datetime import timedelta

from consult.consultations import service
from consult.languages import details
from consult.languages import service as languages
from consult.models import Consultation, User, utcnow
from moderation.db import DbSession

SLUG = "play-areas-strategy"

ENGLISH = """# Play areas strategy 2027 to 2032

Every child in the county should be able to reach a safe, free place to play within a
ten-minute walk of home.

## 1 What we propose {#proposals}

We will refurbish the 40 play areas in the poorest condition by 2030.

We will add equipment that disabled children can use in every refurbished play area.

We will keep play areas open from 8am until dusk, every day of the year.

## 2 How we will pay for it {#funding}

The work will cost about 6 million pounds over five years, from the council's capital
budget and from developers' contributions.

## 3 What we want to know {#questions}

Which play areas near you need work first, and why?

What would make a play area better for your family?
"""

WELSH = """# Strategaeth ardaloedd chwarae 2027 i 2032

Dylai pob plentyn yn y sir allu cyrraedd lle diogel a rhad ac am ddim i chwarae o fewn taith
gerdded deg munud o'i gartref.

## 1 Yr hyn rydym yn ei gynnig {#proposals}

Byddwn yn adnewyddu'r 40 ardal chwarae sydd yn y cyflwr gwaethaf erbyn 2030.

Byddwn yn ychwanegu offer y gall plant anabl ei ddefnyddio ym mhob ardal chwarae a adnewyddir.

Byddwn yn cadw ardaloedd chwarae ar agor o 8am tan iddi nosi, bob dydd o'r flwyddyn.

## 2 Sut y byddwn yn talu amdano {#funding}

Bydd y gwaith yn costio tua 6 miliwn o bunnoedd dros bum mlynedd, o gyllideb gyfalaf y cyngor
ac o gyfraniadau datblygwyr.

## 3 Yr hyn rydym am ei wybod {#questions}

Pa ardaloedd chwarae yn agos atoch chi sydd angen gwaith yn gyntaf, a pham?

Beth fyddai'n gwneud ardal chwarae yn well i'ch teulu chi?
"""

# The consultation's own words in Welsh: its summary, department and scope statement.
WELSH_DETAILS = {
    "summary": "Ble i adnewyddu ardaloedd chwarae yn gyntaf, a beth fyddai'n eu gwneud yn well. "
               "Mae'r ymgynghoriad hwn yn Gymraeg ac yn Saesneg.",
    "department": "Cyngor Sir Enghreifftiol (arddangosiad)",
    "scope_about": "Rydym am glywed gan deuluoedd, gofalwyr a phlant am yr ardaloedd chwarae y maent yn eu "
                   "defnyddio.",
    "scope_open": "Pa ardaloedd chwarae sy'n dod yn gyntaf, a beth ddylai fod ynddynt.",
    "scope_closed": "Mae cyfanswm y gyllideb wedi'i bennu gan raglen gyfalaf y cyngor.",
    "scope_outcome": "Caiff pob sylw ei ddarllen a'i gyfrif o dan thema yn ein hymateb cyhoeddedig.",
    "response_expected": "O fewn 12 wythnos i'r dyddiad cau.",
}

# (citizen email, start of the paragraph's English text, comment, its language)
COMMENTS = [
    ("grace@demo.consult.test", "We will add equipment",
     "Mae angen siglenni y gall cadeiriau olwyn eu defnyddio. Does dim un yn ein pentref ni ar hyn o bryd.", "cy"),
    ("sam@demo.consult.test", "We will keep play areas open",
     "Please keep the lights on in winter: dusk is 4pm in December.", "en"),
]


def bilingual_consultation(session: DbSession, users: dict[str, User]) -> Consultation:
    """The play areas strategy, open for comments in English and Welsh, with one comment in each."""
    from consult.comments.service import CommentInput, submit_comment

    now = utcnow()
    consultation = service.create_consultation(
        session, slug=SLUG, files=[("play-areas-en.md", ENGLISH)],
        title="Play areas strategy 2027 to 2032",
        department="Example County Council (demonstration)",
        summary="Where to refurbish play areas first, and what would make them better. "
                "In English and Welsh: choose Cymraeg at the top of the page.",
        scope_about="We want to hear from families, carers and children about the play areas they use.",
        scope_open="Which play areas come first, and what they should have.",
        scope_closed="The total budget is set by the council's capital programme.",
        scope_outcome="Every comment is read and counted under a theme in our published response.",
        response_expected="Within 12 weeks of the closing date.",
        moderation_mode="post", opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=40),
        publish=True,
    )
    version = consultation.versions[0]
    main = service.as_document(version)
    languages.add_translation(session, consultation, version, main, "cy", [("play-areas-cy.md", WELSH)])
    session.flush()
    details.save(session, consultation, "cy", WELSH_DETAILS)
    when = now - timedelta(days=2)
    for i, (email, prefix, body, language) in enumerate(COMMENTS):
        paragraph = next(p for p in version.paragraphs if p.text.startswith(prefix))
        when += timedelta(hours=5)
        submit_comment(session, consultation, paragraph.anchor, users[email],
                       CommentInput(body=body, submission_key=f"demo-play-{i}", language=language), now=when)
    return consultation
