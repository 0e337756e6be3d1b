"""Errors are JSON with a clear message, never an HTML page."""

import pytest
from django.test import override_settings

from apps.kernel.models import MemoryType
from apps.kernel.tests.factory import make_identification, make_memtype, make_source


def test_an_unknown_path_under_the_api_is_a_json_404(client, db):
    response = client.get("/api/v1/no/such/thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "No API resource at /api/v1/no/such/thing/."}


def test_an_unexpected_failure_is_a_json_500(client, db, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(MemoryType.objects, "list_values", broken)
    with override_settings(DEBUG=True):
        response = client.get("/api/v1/types/?search=folio")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error."}


def test_deleting_a_cited_source_is_a_409_naming_what_cites_it(editor, db):
    source = make_source(key="mm-types-h")
    make_memtype("folio", sources=[source])
    make_identification(MemoryType.objects.get(slug="folio"), source=source, test="folio_test_large()")
    response = editor.delete("/api/v1/sources/mm-types-h/")
    assert response.status_code == 409
    assert "folio since the start" in response.json()["detail"]


@pytest.mark.parametrize("body", ["not json", '{"slug": 3'])
def test_a_malformed_body_is_a_400(editor, db, body):
    response = editor.generic("POST", "/api/v1/types/", body, content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_a_nul_character_in_a_query_parameter_is_a_400_naming_it(client, db):
    response = client.get("/api/v1/types/?search=fo%00lio")
    assert response.status_code == 400
    assert response.json() == {"search": ["NUL characters are not allowed."]}


def test_a_nul_character_in_the_path_is_a_404(client, db):
    make_memtype("folio")
    response = client.get("/api/v1/types/fo%00lio/")
    assert response.status_code == 404
    assert "NUL" in response.json()["detail"]


def test_a_nul_inside_a_json_string_is_refused_with_400(db):
    from django.contrib.auth.models import Permission, User
    from rest_framework.test import APIClient

    from apps.kernel.models import TypeRelation
    from apps.kernel.tests.factory import make_memtype, make_source

    user = User.objects.create_user("nul-editor")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="kernel"))
    api = APIClient()
    api.force_authenticate(user)
    make_memtype("page"), make_memtype("folio")
    for body in (
        {"parent": "pa\x00ge", "child": "folio", "source": make_source().key},
        {"parent": "page", "child": "folio", "source": "s", "note": ["x", {"k\x00": 1}]},
    ):
        response = api.post("/api/v1/relations/", body, format="json")
        assert response.status_code == 400
        assert "NUL" in response.json()["detail"]
    assert not TypeRelation.objects.exists()


def test_an_error_in_csv_is_a_readable_message_not_a_python_repr(client, db):
    import csv
    import io

    response = client.get("/api/v1/usages/?format=csv&ordering=nonsense")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows and all("ErrorDetail" not in row["message"] and "[" not in row["message"] for row in rows)
    assert rows[0]["message"].startswith("ordering: ")
