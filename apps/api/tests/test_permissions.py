"""Anyone reads; writing needs a signed-in user holding the model's permission."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.kernel.models import MemoryType
from apps.kernel.tests.factory import make_memtype, make_source

WRITES = [
    ("post", "/api/v1/types/"),
    ("post", "/api/v1/relations/"),
    ("post", "/api/v1/releases/"),
    ("post", "/api/v1/usages/"),
    ("post", "/api/v1/sources/"),
    ("patch", "/api/v1/types/folio/"),
    ("delete", "/api/v1/types/folio/"),
]


@pytest.mark.parametrize(("method", "url"), WRITES)
def test_anonymous_users_cannot_write(client, db, method, url):
    make_memtype("folio")
    response = getattr(client, method)(url, {}, format="json")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()
    assert MemoryType.objects.filter(slug="folio").exists()


@pytest.mark.parametrize(("method", "url"), WRITES)
def test_a_user_without_the_permission_cannot_write(reader, db, method, url):
    make_memtype("folio")
    response = getattr(reader, method)(url, {}, format="json")
    assert response.status_code == 403


def test_anonymous_users_read_everything(client, db):
    make_memtype("folio")
    for url in ["/api/v1/", "/api/v1/types/", "/api/v1/types/folio/", "/api/v1/hierarchy/", "/api/v1/sources/"]:
        assert client.get(url).status_code == 200, url


def test_an_editor_with_a_token_writes(editor_user, db):
    source = make_source()
    token = Token.objects.create(user=editor_user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.post(
        "/api/v1/types/",
        {"slug": "zsmalloc", "name": "zsmalloc", "summary": "Compressed pages.", "sources": [source.key]},
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_a_session_write_needs_the_csrf_token(editor_user, db):
    source = make_source()
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(editor_user)
    payload = {"slug": "zsmalloc", "name": "zsmalloc", "summary": "Compressed pages.", "sources": [source.key]}
    refused = api.post("/api/v1/types/", payload, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    api.get("/admin/login/")
    accepted = api.post("/api/v1/types/", payload, format="json", HTTP_X_CSRFTOKEN=api.cookies["csrftoken"].value)
    assert accepted.status_code == 201
