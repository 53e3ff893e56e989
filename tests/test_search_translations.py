"""Search finds a bilingual consultation's paragraphs in each language (issue 21, item 5): the
current version's text in another language is indexed with that language's analyser (words as
written for Welsh, English stemming for English), its hit links to the paragraph's anchor and
carries its lang, on every engine; drafts and older versions are never found. Set up as
tests/test_search_languages.py is."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from support import engine_setups

from consult import search
from consult.consultations import service
from consult.consultations.lifecycle import publish_draft
from consult.extensions import db
from consult.languages import service as languages
from consult.models import Consultation, utcnow

# The engines' set-ups (support/engine_setups.py): every test here runs on each.
RUN_POSTGRES = engine_setups.RUN_POSTGRES
setup, database_url, app = engine_setups.setup, engine_setups.database_url, engine_setups.app

ENGLISH = """# Allotments

## 1. Waiting lists

Councils must keep a waiting list for allotment plots.
"""
WELSH = """# Rhandiroedd

## 1. Rhestrau aros

Rhaid i gynghorau gadw rhestr aros am leiniau rhandir.
"""
PLOTS = "Councils must keep a waiting list for allotment plots."
WELSH_PLOTS = "Rhaid i gynghorau gadw rhestr aros am leiniau rhandir."


def _translate(slug: str, text: str, language: str = "cy") -> None:
    consultation = db.session.scalars(select(Consultation).where(Consultation.slug == slug)).one()
    version = consultation.versions[-1]
    languages.add_translation(db.session, consultation, version, service.as_document(version), language,
                              [(f"{slug}-{language}.md", text)])
    db.session.commit()


def _find(app, text, **options):
    engine = search.engine(app.config)
    engine.apply_changes(db.session)
    return engine.search(db.session, text, **options)


def _anchors(results):
    return [(h.kind, h.anchor, h.language) for h in results.hits]


@pytest.fixture
def bilingual(app, make_consultation):
    """A published consultation in English with its Welsh text; the anchor of the paragraph."""
    with app.test_request_context():
        made = make_consultation("allotments", ENGLISH, closes_at=utcnow() + timedelta(days=1))
        _translate("allotments", WELSH)
        yield made.anchors[PLOTS]


def test_a_welsh_word_finds_the_welsh_text_of_the_paragraph(bilingual, app):
    found = _find(app, "leiniau")
    assert _anchors(found) == [("paragraph", bilingual, "cy")]
    hit = found.hits[0]
    assert hit.number and hit.version == 1 and hit.slug == "allotments"
    assert "<mark" in hit.highlight and ">leiniau</mark>" in hit.highlight
    assert "Rhaid i gynghorau" in hit.highlight and "Councils" not in hit.highlight
    # Several words, a phrase and a prefix, in Welsh.
    assert _anchors(_find(app, "gynghorau leiniau")) == [("paragraph", bilingual, "cy")]
    assert _anchors(_find(app, '"rhestr aros am"')) == [("paragraph", bilingual, "cy")]
    assert _anchors(_find(app, "leinia*")) == [("paragraph", bilingual, "cy")]
    # Welsh is not stemmed: another form of a word is another word.
    assert _find(app, "gynghor").total == 0
    assert _find(app, "lein").total == 0


def test_the_english_text_is_still_found_by_stemmed_forms_and_not_as_welsh(bilingual, app):
    for query in ("plot", "council waits", '"allotment plots"'):
        assert _anchors(_find(app, query, kinds=("paragraph",))) == [("paragraph", bilingual, None)], query
    both = _find(app, "leiniau OR plots")
    assert sorted(_anchors(both), key=str) == sorted([("paragraph", bilingual, "cy"), ("paragraph", bilingual, None)],
                                                     key=str)
    assert _anchors(_find(app, "rhestr NOT plots")) == [("paragraph", bilingual, "cy")]


def test_filters_apply_to_the_translated_paragraphs(bilingual, app, make_consultation):
    assert _find(app, "leiniau", kinds=("comment",)).total == 0
    assert _find(app, "leiniau", kinds=("paragraph",)).total == 1
    assert _find(app, "leiniau", slugs=("another",)).total == 0
    assert _find(app, "leiniau", slugs=("allotments",)).total == 1
    assert _find(app, "leiniau", date_to=utcnow() - timedelta(days=3)).total == 0


def test_a_translation_stored_later_is_found_and_a_replaced_one_is_not(app, make_consultation):
    with app.test_request_context():
        make_consultation("allotments", ENGLISH, closes_at=utcnow() + timedelta(days=1))
        assert _find(app, "leiniau").total == 0  # indexed before the Welsh text was there
        _translate("allotments", WELSH)
        assert _find(app, "leiniau").total == 1
        _translate("allotments", WELSH.replace("leiniau", "darnau"))  # the Welsh text corrected
        assert _find(app, "leiniau").total == 0
        assert [h.language for h in _find(app, "darnau").hits] == ["cy"]


def test_a_drafts_translated_paragraphs_are_never_found_until_it_is_published(app, make_consultation):
    with app.test_request_context():
        made = make_consultation("allotments", ENGLISH, publish=False, closes_at=utcnow() + timedelta(days=5))
        _translate("allotments", WELSH)
        assert _find(app, "leiniau").total == 0
        assert _find(app, "plots").total == 0
        publish_draft(db.session, db.session.get(Consultation, made.id), None)
        db.session.commit()
        assert _anchors(_find(app, "leiniau")) == [("paragraph", made.anchors[PLOTS], "cy")]


def test_only_the_current_versions_welsh_text_is_found(bilingual, app):
    consultation = db.session.scalars(select(Consultation).where(Consultation.slug == "allotments")).one()
    service.publish_version(
        db.session, consultation, [("allotments.md", ENGLISH.replace("plots", "gardens"))], "Gardens, not plots",
        translations={"cy": [("allotments-cy.md", WELSH.replace("leiniau", "gerddi"))]})
    db.session.commit()
    assert _find(app, "leiniau").total == 0
    found = _find(app, "gerddi")
    assert [(h.anchor, h.version, h.language) for h in found.hits] == [(bilingual, 2, "cy")]


def test_an_english_translation_of_a_welsh_text_is_stemmed(app, make_consultation):
    with app.test_request_context():
        made = make_consultation("rhandiroedd", WELSH, closes_at=utcnow() + timedelta(days=1))
        consultation = db.session.get(Consultation, made.id)
        languages.set_main_language(db.session, consultation, "cy")
        db.session.commit()
        _translate("rhandiroedd", ENGLISH, "en")
        found = _find(app, "council waits", kinds=("paragraph",))
        assert _anchors(found) == [("paragraph", made.anchors[WELSH_PLOTS], "en")]


def test_the_search_page_links_a_welsh_hit_to_its_paragraph_with_its_lang(bilingual, app):
    search.engine(app.config).apply_changes(db.session)
    page = app.test_client().get("/search", query_string={"q": "leiniau"}).get_data(as_text=True)
    assert '<p class="hit-text" lang="cy">' in page
    assert f'href="/c/allotments/p/{bilingual}"' in page
    english = app.test_client().get("/search", query_string={"q": "plots"}).get_data(as_text=True)
    assert '<p class="hit-text">' in english and '<p class="hit-text" lang=' not in english


@pytest.mark.postgres
@pytest.mark.skipif(not RUN_POSTGRES, reason="needs PostgreSQL (CI=true or TEST_DATABASE_URL)")
@pytest.mark.parametrize("setup", [("postgres", "postgres")], ids=["postgres-postgres"])  # its own engine only
def test_postgres_reads_the_translated_paragraphs_through_their_index(app, setup, make_consultation):
    from sqlalchemy import bindparam, cast, text
    from sqlalchemy.dialects import postgresql

    from consult.search import postgres_engine

    with app.test_request_context():
        make_consultation("allotments", ENGLISH, closes_at=utcnow() + timedelta(days=1))
        _translate("allotments", WELSH)
        q = cast(bindparam("q", "'leiniau'"), postgresql.TSQUERY)
        part = dict(postgres_engine._samples(q, ("paragraph",), None, (None, None)))["translation"]
        sql = str(part.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.execute(text(f"EXPLAIN {sql}")).scalars())
        db.session.rollback()
    assert "ix_paragraph_texts_search" in plan, plan
