"""The answer cache (memtypes_site/cache.py): an anonymous reader's second GET of a page, an API
answer or a picture costs one query and no rendering, a client that has the answer gets 304, a
write shows at once, editors always see fresh pages, and answers that belong to one visitor (a
form's CSRF token, a cookie, a CSP nonce) are never stored."""

import gzip
import re

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.kernel.models import FieldUsage, MemoryType
from apps.kernel.tests.factory import make_field, make_layout, make_memtype, make_relation, make_release, make_usage
from apps.kernel.tests.test_admin import form_data
from memtypes_site import cache as answer_cache_module
from memtypes_site.tests.test_cache_down import redis_down  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

READS = [
    "/types/folio/",
    "/search/?q=folio",
    "/api/v1/types/",
    "/api/v1/types/folio/",
    "/api/v1/usages/?format=csv",
    "/diagram.svg",
    "/types/folio/diagram.dot",
]


@pytest.fixture(autouse=True)
def answer_cache(settings):
    """On, as in production (the suite turns it off where a test pins a page's own queries)."""
    settings.MEMTYPES_CACHE = True


@pytest.fixture
def hierarchy():
    page = make_memtype("page", area="page")
    folio = make_memtype("folio", area="folio", summary="A set of pages.")
    make_relation(page, folio)
    make_usage(folio, make_field(make_layout(make_release("v6.12"), "page"), "mapping", offset=24), keeps="As loaded.")
    return folio


def bypass_the_data_version(keeps):
    """Change what folio keeps in a word of the newest release (which the type page reads on
    every request) with an UPDATE that leaves the data version as it is."""
    FieldUsage.objects.filter(memory_type__slug="folio").update(keeps=keeps)


@pytest.fixture
def editor_client(client):
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a long test password"))
    return client


@pytest.mark.parametrize("url", READS)
def test_a_second_anonymous_get_is_read_from_the_cache_with_one_query(
    client, hierarchy, url, django_assert_num_queries
):
    first = client.get(url)
    assert first.status_code == 200
    # 1. the data version; no view code runs
    with django_assert_num_queries(1):
        second = client.get(url)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert second["Content-Type"] == first["Content-Type"]


@pytest.mark.parametrize("url", READS)
def test_a_client_that_has_the_answer_gets_304_for_one_query(client, hierarchy, url, django_assert_num_queries):
    etag = client.get(url)["ETag"]
    with django_assert_num_queries(1):
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response.content == b""


def test_a_304_needs_no_stored_answer(client, hierarchy):
    """With the cache emptied (evicted, or Redis restarted) the page renders and still says 304."""
    etag = client.get("/types/folio/")["ETag"]
    cache.clear()
    assert client.get("/types/folio/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_an_admin_edit_changes_the_etag_and_the_next_get_shows_it(client, hierarchy):
    etag = client.get("/types/folio/")["ETag"]
    editor = APIClient()
    editor.force_login(User.objects.create_superuser("editor", "editor@example.org", "a long test password"))
    change = editor.get(f"/admin/kernel/memorytype/{hierarchy.pk}/change/")
    edit = form_data(change)
    edit["summary"] = "Pages handled as one unit."
    assert editor.post(f"/admin/kernel/memorytype/{hierarchy.pk}/change/", edit).status_code == 302

    response = client.get("/types/folio/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Pages handled as one unit." in response.content.decode()


def test_an_api_write_changes_the_etag_and_the_next_get_shows_it(client, hierarchy):
    before = client.get("/api/v1/types/folio/")
    assert client.get("/types/folio/").status_code == 200
    editor = APIClient()
    editor.force_authenticate(User.objects.create_superuser("editor", "editor@example.org", "a long test password"))
    written = editor.patch(
        "/api/v1/types/folio/", {"summary": "Written by the API."}, format="json", HTTP_IF_MATCH=before["ETag"]
    )
    assert written.status_code == 200

    after = client.get("/api/v1/types/folio/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after.json()["summary"] == "Written by the API."
    assert after["ETag"] == written["ETag"]
    assert "Written by the API." in client.get("/types/folio/").content.decode()


def test_a_write_based_on_an_older_state_is_refused(client, hierarchy):
    etag = client.get("/api/v1/types/folio/")["ETag"]
    make_memtype("slab")  # another editor's write: the data changed
    editor = APIClient()
    editor.force_authenticate(User.objects.create_superuser("editor", "editor@example.org", "a long test password"))
    response = editor.patch("/api/v1/types/folio/", {"summary": "mine"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert MemoryType.objects.get(slug="folio").summary == "A set of pages."


def test_a_signed_in_editor_sees_fresh_pages_and_they_are_not_stored(client, editor_client, hierarchy):
    anonymous = type(client)()
    stored = anonymous.get("/types/folio/")
    # A change that bypasses the data version (what a usage keeps, which the page reads on every
    # request) shows which answer each reader is given.
    bypass_the_data_version("Seen only when rendered.")
    assert anonymous.get("/types/folio/").content == stored.content
    page = editor_client.get("/types/folio/")
    assert "Seen only when rendered." in page.content.decode()
    assert "ETag" not in page or page["ETag"] != stored["ETag"]


def test_an_editor_s_answer_is_never_served_to_a_reader(editor_client, hierarchy):
    editor_client.get("/types/folio/")
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/types/folio/")
    assert response.status_code == 200
    assert len(queries) > 1  # rendered: the data version, then the page's own queries


def test_a_token_client_gets_an_etag_and_a_304_but_nothing_is_stored(hierarchy):
    user = User.objects.create_superuser("script", "script@example.org", "a long test password")
    api = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    etag = api.get("/api/v1/types/folio/")["ETag"]
    assert api.get("/api/v1/types/folio/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert etag != APIClient().get("/api/v1/types/folio/")["ETag"]


def test_with_redis_down_every_page_renders(client, hierarchy, redis_down):  # noqa: F811
    for url in READS:
        first, second = client.get(url), client.get(url)
        assert first.status_code == second.status_code == 200, url
        assert first.content == second.content, url


def test_head_is_answered_from_the_stored_get(client, hierarchy, django_assert_num_queries):
    get = client.get("/types/folio/")
    with django_assert_num_queries(1):
        head = client.head("/types/folio/")
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert head["Content-Length"] == str(len(get.content))


def test_gzip_answers_are_stored_apart_and_vary_on_accept_encoding(client, hierarchy, django_assert_num_queries):
    plain = client.get("/types/folio/")
    packed = client.get("/types/folio/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    for response in (plain, packed):
        assert "Accept-Encoding" in response["Vary"]
    assert packed["ETag"] == f"W/{plain['ETag']}"
    with django_assert_num_queries(1):
        again = client.get("/types/folio/", HTTP_ACCEPT_ENCODING="gzip")
    assert again["Content-Encoding"] == "gzip"
    assert again["Vary"] == packed["Vary"]
    assert gzip.decompress(again.content) == plain.content
    assert "Content-Encoding" not in client.get("/types/folio/")
    assert (
        client.get("/types/folio/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"]).status_code == 304
    )


def test_each_host_and_scheme_gets_its_own_links(client, hierarchy):
    """The API's links are absolute: an answer made for one host name is not served to another."""
    local = client.get("/api/v1/types/folio/", HTTP_HOST="localhost").json()["url"]
    by_address = client.get("/api/v1/types/folio/", HTTP_HOST="127.0.0.1").json()["url"]
    secure = client.get("/api/v1/types/folio/", HTTP_HOST="localhost", secure=True).json()["url"]
    assert (local, by_address, secure) == (
        "http://localhost/api/v1/types/folio/",
        "http://127.0.0.1/api/v1/types/folio/",
        "https://localhost/api/v1/types/folio/",
    )


def test_the_api_s_formats_are_stored_apart(client, hierarchy):
    json_answer = client.get("/api/v1/types/folio/", HTTP_ACCEPT="application/json")
    csv_answer = client.get("/api/v1/usages/?format=csv")
    assert json_answer["Content-Type"] == "application/json"
    assert csv_answer["Content-Type"].startswith("text/csv")
    assert client.get("/api/v1/types/folio/", HTTP_ACCEPT="application/json")["Content-Type"] == "application/json"
    assert "Accept" in json_answer["Vary"]


def test_the_browsable_api_gets_a_new_csp_nonce_each_time(client, hierarchy):
    """Its page has an inline style with the request's nonce: stored, the nonce would repeat."""
    nonces = set()
    for _ in range(2):
        response = client.get("/api/v1/types/folio/", HTTP_ACCEPT="text/html")
        assert response.status_code == 200
        nonces.update(re.findall(r'nonce="([^"]+)"', response.content.decode()))
        assert "ETag" not in response
    assert len(nonces) == 2


CALLS = []


def form_page(request):
    CALLS.append("form")
    return HttpResponse(f'<form method="post"><input name="csrfmiddlewaretoken" value="{get_token(request)}"></form>')


def cookie_page(request):
    CALLS.append("cookie")
    response = HttpResponse("chose a theme")
    response.set_cookie("theme", "dark")
    return response


def missing_page(request):
    CALLS.append("missing")
    return HttpResponse("no such thing", status=404)


def private_page(request):
    CALLS.append("private")
    response = JsonResponse({"answer": "for one reader"})
    response["Cache-Control"] = "private"
    return response


def language_page(request):
    CALLS.append("language")
    response = HttpResponse("bonjour")
    response["Vary"] = "Accept-Language"
    return response


def nonce_page(request):
    CALLS.append("nonce")
    return HttpResponse(f'<style nonce="{request.csp_nonce}">p {{ margin: 0 }}</style>')


def counter(request):
    CALLS.append(request.method)
    return HttpResponse("counted")


urlpatterns = [
    path("form/", form_page),
    path("cookie/", cookie_page),
    path("missing/", missing_page),
    path("private/", private_page),
    path("language/", language_page),
    path("nonce/", nonce_page),
    path("counter/", counter),
]


@pytest.mark.parametrize("url", ["/form/", "/cookie/", "/missing/", "/private/", "/language/", "/nonce/"])
def test_answers_for_one_visitor_are_never_stored(client, settings, url):
    settings.ROOT_URLCONF = __name__
    CALLS.clear()
    first, second = client.get(url), client.get(url)
    assert len(CALLS) == 2
    assert "ETag" not in first and "ETag" not in second


def test_a_post_is_never_answered_from_the_cache(client, settings):
    settings.ROOT_URLCONF = __name__
    CALLS.clear()
    assert client.get("/counter/").status_code == 200
    assert client.post("/counter/").content == b"counted"
    assert client.get("/counter/").status_code == 200
    assert CALLS == ["GET", "POST"]


def test_the_cache_can_be_turned_off(client, settings, hierarchy):
    settings.MEMTYPES_CACHE = False
    first = client.get("/types/folio/")
    assert "ETag" not in first
    bypass_the_data_version("Rendered every time.")
    assert "Rendered every time." in client.get("/types/folio/").content.decode()


def test_a_new_deployment_renders_anew(client, hierarchy, monkeypatch):
    etag = client.get("/types/folio/")["ETag"]
    bypass_the_data_version("As the new templates show it.")
    monkeypatch.setattr(answer_cache_module, "code_version", lambda: "another-deployment")
    response = client.get("/types/folio/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "As the new templates show it." in response.content.decode()
