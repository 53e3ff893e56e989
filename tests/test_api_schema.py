"""The API against its own OpenAPI document: schemathesis generates requests for every operation.

Runs in-process against the WSGI app (no server), on a small seeded database, with a bounded
number of examples per operation so that it stays quick.
"""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402 - after the importorskip
from hypothesis import strategies as st  # noqa: E402 - after the importorskip
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from support.archive import seed_archive  # noqa: E402 - tests/ is on sys.path

from consult.extensions import db  # noqa: E402

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]


@pytest.fixture
def api_schema(app):
    """The app's OpenAPI document, loaded through the app, over a seeded database."""
    with app.test_request_context():
        seed_archive()
        db.session.remove()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


# schemathesis.pytest.from_fixture() reaches into a private pytest attribute that pytest 9 no
# longer has, so the operations are driven with hypothesis directly: same generation, same checks.
def test_api_conforms_to_its_openapi_document(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # Seven data operations; schemathesis leaves out the document's own /openapi.json.
    assert len(operations) == 7, [op.label for op in operations]
    for operation in operations:

        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), slug=st.sampled_from([None, "allotments", "parking"]),
               number=st.sampled_from([None, 1, 2]))
        def run(case, slug, number):
            # Generated slugs almost never exist; steer some examples onto the seeded data so
            # that full pages of comments, versions and the response are checked too.
            parameters = case.path_parameters or {}
            if slug and "slug" in parameters:
                parameters["slug"] = slug
            if number and "number" in parameters:
                parameters["number"] = number
            # Straight through WSGI, nothing decodes a compressed body as an HTTP client would:
            # ask for it uncompressed (tests/test_phone.py covers compression).
            case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})

        run()


def test_the_document_covers_the_seeded_data(api_schema):
    operations = {op.ok().label for op in api_schema.get_all_operations()}
    assert "GET /consultations/{slug}/comments" in operations
    # Seven data operations; schemathesis leaves out the document's own /openapi.json.
    assert len(operations) == 7, [op.label for op in operations]
