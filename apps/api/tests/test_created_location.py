"""Every create answers 201 with a Location header that runserver's WSGI validator accepts
(`make run`), not only on servers that take any str subclass."""

import pytest

from apps.api.tests.wsgi_helpers import call
from apps.kernel.tests.factory import make_memtype, make_source

pytestmark = pytest.mark.usefixtures("keep_the_test_connection")


def test_creating_a_type_through_runserver_answers_201_with_its_location(editor_token, db):
    source = make_source()
    status, headers, _ = call(
        "POST",
        "/api/v1/types/",
        {"slug": "zsmalloc", "name": "zsmalloc", "summary": "Compressed pages.", "sources": [source.key]},
        {"Authorization": f"Token {editor_token}"},
    )
    assert status.startswith("201")
    assert headers["Location"] == "http://testserver/api/v1/types/zsmalloc/"
    assert type(headers["Location"]) is str


def test_creating_a_relation_and_a_source_answer_201_too(editor_token, db):
    page, folio = make_memtype("page"), make_memtype("folio")
    auth = {"Authorization": f"Token {editor_token}"}
    status, headers, _ = call(
        "POST", "/api/v1/relations/", {"parent": page.slug, "child": folio.slug, "source": make_source().key}, auth
    )
    assert status.startswith("201"), status
    assert "/api/v1/relations/" in headers["Location"]
    status, headers, _ = call(
        "POST", "/api/v1/sources/", {"key": "lwn-1", "kind": "url", "title": "LWN", "web_url": "https://lwn.net/"}, auth
    )
    assert status.startswith("201"), status
    assert headers["Location"] == "http://testserver/api/v1/sources/lwn-1/"
