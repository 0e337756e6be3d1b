"""Unknown addresses get a 404 page in the site's style; the health check stays."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_unknown_address_gets_the_site_404_page(client):
    response = client.get("/no/such/page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in html
    assert "<code>/no/such/page/</code>" in html
    assert '<a href="/types/">the list of memory types</a>' in html


def test_the_health_check_answers_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "cache": "ok"}
