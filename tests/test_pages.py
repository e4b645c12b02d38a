"""The public pages, Dutch by default and English on request."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_page_is_dutch_by_default(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert "Verwerkingsregister en AVG-verzoeken" in html
    assert reverse("admin:index") in html
    assert reverse("requests_portal:index") in html


def test_an_english_browser_still_gets_dutch_until_the_person_chooses(client):
    response = client.get(reverse("home"), headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="nl">' in response.content.decode()
    assert response.headers["Content-Language"] == "nl"


def test_home_page_in_english(client):
    client.cookies["django_language"] = "en"
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html
    assert "Processing register and GDPR requests" in html


def test_an_unknown_language_cookie_falls_back_to_dutch(client):
    client.cookies["django_language"] = "xx"
    assert '<html lang="nl">' in client.get(reverse("home")).content.decode()


def test_language_switch_remembers_the_choice(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("home")).content.decode()
    assert "Processing register and GDPR requests" in html
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    assert "Verwerkingsregister en AVG-verzoeken" in client.get(reverse("home")).content.decode()


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get(reverse("home"))
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_page_has_landmarks_and_a_labelled_language_switch(client):
    html = client.get(reverse("home")).content.decode()
    for landmark in ("<header", "<nav aria-label=", '<main id="main"', "<footer"):
        assert landmark in html
    assert '<label for="language">' in html
    assert 'href="#main"' in html


def test_portal_index_links_every_organisation_to_its_form(client, organisation):
    response = client.get(reverse("requests_portal:index"))
    assert response.status_code == 200
    assert organisation.name in response.content.decode()
    assert reverse("requests_portal:form", args=[organisation.slug]) in response.content.decode()


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_browsers_asking_for_favicon_ico_get_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.url == "/static/favicon.svg"
    assert b'rel="icon"' in client.get(reverse("home")).content


def test_the_header_offers_staff_who_are_signed_in_the_administration_not_the_login(client, login, organisation):
    from tests.factories import UserFactory

    def header(html: str) -> str:
        return html.split("<nav", 1)[1].split("</nav>", 1)[0]

    assert "Inloggen voor medewerkers" in header(client.get(reverse("home")).content.decode())
    signed_in = header(login(UserFactory(member_of=[organisation])).get(reverse("home")).content.decode())
    assert "Beheer" in signed_in and "Inloggen voor medewerkers" not in signed_in
