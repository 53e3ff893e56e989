"""A new user's first minutes (issue 20, item 6): what the site is and who runs it, the privacy
notice, accessibility statement and contact page (administrators edit them as Markdown), the
API's own page, and how `make` runs the site."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from helpers import csrf_token, fresh_app  # tests/ is on sys.path
from support.factories import AuthActions, UserFactory

REPO = Path(__file__).resolve().parent.parent
PAGES = {"privacy": "Privacy notice", "accessibility": "Accessibility statement", "contact": "Contact"}


def _html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def as_admin(auth, make_user):
    return auth.login(make_user("root@example.org", role="admin", name="root"))


# --------------------------------------------------------------------------- home page


def test_the_home_page_says_what_the_site_is_and_who_runs_it(database_url, tmp_path):
    for app in fresh_app(database_url, tmp_path, SITE_NAME="Millbrook Consult",
                         SITE_OPERATOR="Millbrook Town Council"):
        page = _html(app.test_client().get("/"))
        assert ("Millbrook Consult is run by <bdi>Millbrook Town Council</bdi>, which publishes its "
                "draft policies here for comment") in page


def test_without_an_operator_the_home_page_still_explains_and_links_who_runs_it(client):
    page = _html(client.get("/"))
    intro = re.search(r'<p class="lede site-intro">(.*?)</p>', page, re.S).group(1)
    assert "Consult is where draft policies are published for comment" in intro
    assert 'href="/contact">who runs this site</a>' in intro


# --------------------------------------------------------------------------- the pages


@pytest.mark.parametrize("path", ["/", "/register", "/c/no-such/changes", "/privacy"])
def test_every_page_footer_links_the_site_pages_and_the_api(client, path):
    page = _html(client.get(path))
    footer = page[page.index('<footer class="site-footer">'):]
    for href, words in (("/privacy", "Privacy notice"), ("/accessibility", "Accessibility statement"),
                        ("/contact", "Contact"), ("/api/v1", "Open data API")):
        assert f'<a href="{href}">{words}</a>' in footer


def test_the_register_form_links_the_privacy_notice(client):
    page = _html(client.get("/register"))
    form_part = page[page.index("<h1>Create an account</h1>"):page.index("</form>")]
    assert '<a href="/privacy">privacy notice</a>' in form_part


def test_the_default_privacy_notice_says_what_is_kept_for_how_long_and_who_sees_it(client):
    page = _html(client.get("/privacy"))
    assert "<h1>Privacy notice</h1>" in page
    for heading in ("What we keep", "How long", "Who sees it"):
        assert f"<h2>{heading}</h2>" in page
    assert "Your email address is never shown to anyone else" in page
    assert "Last updated" not in page  # the default text has no date of its own
    assert "Edit the privacy notice" not in page  # for administrators only


@pytest.mark.parametrize("name,title", PAGES.items())
def test_each_page_has_a_default_text_anyone_can_read(client, name, title):
    response = client.get(f"/{name}")
    assert response.status_code == 200
    page = _html(response)
    assert f"<h1>{title}</h1>" in page and "<h2>" in page
    assert f"<title>{title} · Consult</title>" in page


def test_the_contact_page_names_the_operator(database_url, tmp_path):
    for app in fresh_app(database_url, tmp_path, SITE_OPERATOR="Millbrook Town Council"):
        assert "Consult is run by Millbrook Town Council." in _html(app.test_client().get("/contact"))


# --------------------------------------------------------------------------- administrators edit them


def test_only_administrators_may_edit_the_pages(client, auth, make_user):
    for role in ("citizen", "moderator", "official"):
        other = auth.client_for(make_user(f"{role}@example.org", role=role, name=role))
        assert other.get("/admin/pages/privacy").status_code == 403
        assert other.post("/admin/pages/privacy", data={"body": "Hacked", "action": "save"}).status_code == 403
        assert other.get("/admin/pages").status_code == 403
    assert "/login" in client.get("/admin/pages/privacy").headers["Location"]
    assert "Hacked" not in _html(client.get("/privacy"))


def test_an_administrator_previews_then_saves_markdown_and_it_is_sanitised(client, as_admin):
    page = _html(as_admin.get("/admin/pages/privacy"))
    assert "## What we keep" in page  # the default text, ready to edit
    assert 'href="/admin/pages/privacy"' in _html(as_admin.get("/admin/pages"))
    text = ("## Our data\n\nWe keep **little**. <script>alert(1)</script>"
            "[bad](javascript:alert(2)) [good](https://example.org/p)\n")
    preview = as_admin.post("/admin/pages/privacy", data={"body": text, "action": "preview"})
    assert preview.status_code == 200
    assert "Preview (not saved yet)" in _html(preview) and "<strong>little</strong>" in _html(preview)
    assert "Our data" not in _html(client.get("/privacy"))  # a preview saves nothing
    saved = as_admin.post("/admin/pages/privacy", data={"body": text, "action": "save"})
    assert saved.status_code == 303 and saved.headers["Location"] == "/privacy"
    public = _html(client.__class__(client.application).get("/privacy"))
    assert "<h2>Our data</h2>" in public and "<strong>little</strong>" in public
    assert "<script>alert(1)" not in public and 'href="javascript:' not in public
    assert '<a href="https://example.org/p">good</a>' in public
    assert "Last updated" in public
    assert "What we keep" not in public
    listing = _html(as_admin.get("/admin/pages"))
    assert "Yours, saved" in listing and "<bdi>root</bdi>" in listing


def test_an_empty_text_is_refused(as_admin):
    response = as_admin.post("/admin/pages/contact", data={"body": "   ", "action": "save"})
    assert response.status_code == 400
    assert "Write the page&#39;s text" in _html(response) or "Write the page's text" in _html(response)


def test_restoring_the_default_asks_first(client, as_admin):
    as_admin.post("/admin/pages/contact", data={"body": "Ring 01234.", "action": "save"})
    confirm = _html(as_admin.get("/admin/pages/contact/default"))
    assert "This cannot be undone" in confirm and 'method="post"' in confirm
    assert "Ring 01234." in _html(client.get("/contact"))
    response = as_admin.post("/admin/pages/contact/default")
    assert response.status_code == 303
    page = _html(client.get("/contact"))
    assert "Ring 01234." not in page and "Questions about a consultation" in page


def test_unknown_pages_are_404_for_administrators(as_admin):
    assert as_admin.get("/admin/pages/terms").status_code == 404
    assert as_admin.post("/admin/pages/terms", data={"body": "x", "action": "save"}).status_code == 404


def test_saving_needs_the_forms_csrf_token(csrf_app):
    client = csrf_app.test_client()
    auth = AuthActions(csrf_app, client, UserFactory(csrf_app))
    auth.login(auth.user_id("admin"))
    refused = client.post("/admin/pages/privacy", data={"body": "No token.", "action": "save"})
    assert refused.status_code == 400
    token = csrf_token(_html(client.get("/admin/pages/privacy")))
    saved = client.post("/admin/pages/privacy", data={"body": "With token.", "action": "save",
                                                      "csrf_token": token})
    assert saved.status_code == 303
    assert "With token." in _html(client.get("/privacy"))


# --------------------------------------------------------------------------- /api/v1


@pytest.mark.parametrize("path", ["/api/v1", "/api/v1/"])
def test_api_root_is_a_page_for_a_browser_linking_the_openapi_document(client, path):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get(path, headers={"Accept": browser})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = _html(response)
    assert "<h1>Open data API</h1>" in page
    assert 'href="http://localhost/api/v1/openapi.json"' in page
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("accept", [None, "application/json", "*/*"])
def test_api_root_still_answers_json_to_programs(client, accept):
    response = client.get("/api/v1", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["links"]["openapi"] == "http://localhost/api/v1/openapi.json"
    assert data["links"]["consultations"] == "http://localhost/api/v1/consultations"
    assert client.get(data["links"]["openapi"]).get_json()["openapi"].startswith("3.")


def test_the_readme_mentions_the_api_and_another_port():
    readme = (REPO / "README.md").read_text()
    assert "/api/v1" in readme and "openapi.json" in readme
    assert "make run PORT=5050" in readme


# --------------------------------------------------------------------------- make


def _dry_run(*args: str) -> str:
    # -n: print the commands only; -B: as if nothing were installed yet.
    result = subprocess.run(["make", "-n", "-B", *args], cwd=REPO, capture_output=True, text=True,
                            check=True, timeout=60)
    return result.stdout


def test_make_run_installs_only_what_running_needs_and_takes_a_port():
    commands = _dry_run("run", "PORT=5050")
    installs = [line for line in commands.splitlines() if "pip install" in line and "-e" in line]
    assert installs and all("[test]" not in line for line in installs), installs
    assert "--port 5050" in commands and "http://127.0.0.1:5050" in commands


def test_make_test_installs_the_test_extras():
    commands = _dry_run("test")
    assert "-e '.[test]'" in commands and "pytest" in commands
