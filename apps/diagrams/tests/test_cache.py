"""Pictures are drawn once per DOT text and found under the data version without building it;
an edit draws a new one, a write that changes nothing drawn does not."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.diagrams import dot, pictures, render
from apps.kernel.tests.factory import make_memtype, make_relation, make_release, make_transition

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_answer_cache(settings):
    """The pictures' own cache, beneath the answer cache of memtypes_site/cache.py (which would
    serve a repeated request before any view code runs)."""
    settings.MEMTYPES_CACHE = False


@pytest.fixture
def chain():
    """page > folio > lru_mem > anon_mem."""
    slugs = ["page", "folio", "lru_mem", "anon_mem"]
    types = [make_memtype(slug, area="page" if slug == "page" else "folio") for slug in slugs]
    for parent, child in zip(types, types[1:], strict=False):
        make_relation(parent, child)
    make_transition(types[1], types[3], event="mapped")
    return dict(zip(slugs, types, strict=True))


@pytest.fixture
def life():
    """page > slab, and buddy -> slab -> buddy."""
    page, buddy, slab = make_memtype("page", area="page"), make_memtype("buddy", area="free"), make_memtype("slab")
    make_relation(page, slab)
    make_transition(buddy, slab, event="allocated")
    make_transition(slab, buddy, event="freed")
    return slab


def test_a_second_request_is_served_from_the_cache_without_running_dot(client, pair, dot_runs):
    first = client.get("/diagram.png")
    second = client.get("/diagram.png")
    assert dot_runs == ["png"]
    assert second.content == first.content


def test_a_page_and_the_image_url_share_the_cached_svg(client, pair, dot_runs):
    picture = client.get("/").context["picture"]
    response = client.get("/diagram.svg")
    assert dot_runs == ["svg"]
    assert render.svg_markup(response.content) == picture.svg


def test_the_type_page_and_its_image_urls_share_the_cached_svgs(client, life, dot_runs):
    page = client.get("/types/slab/?depth=1")
    assert dot_runs == ["svg", "svg"]  # the neighbourhood and the lifecycle
    assert render.svg_markup(client.get("/types/slab/diagram.svg?depth=1").content) == page.context["picture"].svg
    lifecycle_svg = client.get("/types/slab/lifecycle.svg").content
    assert render.svg_markup(lifecycle_svg) == page.context["lifecycle_picture"].svg
    assert dot_runs == ["svg", "svg"]


def test_each_format_is_drawn_once(client, pair, dot_runs):
    for fmt in ("svg", "png", "pdf", "svg", "png", "pdf"):
        client.get(f"/diagram.{fmt}")
    assert dot_runs == ["svg", "png", "pdf"]


def test_each_depth_is_a_picture_of_its_own(client, chain):
    shallow = client.get("/types/lru_mem/diagram.dot?depth=1").content
    deep = client.get("/types/lru_mem/diagram.dot").content
    assert b'"page"' in deep and b'"page"' not in shallow
    assert client.get("/types/lru_mem/diagram.dot?depth=1").content == shallow


def test_an_edit_is_drawn_at_once(client, pair, dot_runs):
    page, folio = pair
    client.get("/diagram.svg")
    folio.summary = "Memory managed as one unit, possibly compound."
    folio.save()
    response = client.get("/diagram.svg")
    assert dot_runs == ["svg", "svg"]
    assert b"Memory managed as one unit, possibly compound." in response.content


def test_a_type_added_is_drawn_at_once_on_the_page_and_at_the_image_url(client, pair):
    client.get("/")
    client.get("/diagram.dot")
    make_relation(pair[1], make_memtype("anon_mem", area="folio"))
    assert "anon_mem" in client.get("/").context["picture"].svg
    assert b'"folio" -> "anon_mem"' in client.get("/diagram.dot").content


def test_a_write_that_changes_no_picture_draws_nothing_again_and_keeps_the_etag(client, pair, dot_runs):
    before = client.get("/diagram.svg")
    make_release("v6.12")  # a new data version; the hierarchy is as it was
    after = client.get("/diagram.svg")
    assert dot_runs == ["svg"]
    assert after.content == before.content
    assert after["ETag"] == before["ETag"]
    assert client.get("/diagram.svg", HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304


def test_a_picture_drawn_at_this_data_version_costs_only_the_version(client, chain, django_assert_num_queries):
    for url in ("/diagram.svg", "/types/folio/diagram.png?depth=1", "/lifecycle.svg", "/types/folio/lifecycle.dot"):
        client.get(url)
        # 1. the data version; no hierarchy query, whatever the size of the hierarchy
        with django_assert_num_queries(1):
            assert client.get(url).status_code == 200


def test_the_answer_cache_s_read_of_the_version_is_reused(client, chain, settings):
    client.get("/diagram.svg")
    settings.MEMTYPES_CACHE = True
    with CaptureQueriesContext(connection) as queries:
        # another URL, so the answer cache does not have it: the picture's lookup is what runs
        assert client.get("/diagram.svg?for=the-test").status_code == 200
    assert len(queries) == 1  # the data version, read once by memtypes_site.cache


def test_an_unknown_slug_is_404_even_when_pictures_are_cached_and_a_404_is_not_cached(client, chain):
    assert client.get("/types/folio/diagram.svg").status_code == 200
    assert client.get("/types/no_such_type/diagram.svg").status_code == 404
    assert client.get("/types/no_such_type/lifecycle.svg").status_code == 404
    assert client.get("/views/no-such-view/diagram.svg").status_code == 404
    make_relation(chain["folio"], make_memtype("no_such_type", area="folio"))
    assert client.get("/types/no_such_type/diagram.svg").status_code == 200


def test_a_deleted_type_is_404_at_once(client, chain):
    assert client.get("/types/anon_mem/diagram.svg").status_code == 200
    chain["anon_mem"].delete()
    assert client.get("/types/anon_mem/diagram.svg").status_code == 404


def test_a_new_deployment_that_draws_differently_draws_anew(client, pair, monkeypatch):
    assert b"#1d2228" in client.get("/diagram.svg").content  # the ink of the labels
    monkeypatch.setattr(dot, "INK", "#000001")
    monkeypatch.setattr(pictures, "code_version", lambda: "next-deployment")
    assert b"#000001" in client.get("/diagram.svg").content


def test_the_dot_source_needs_no_drawing(client, pair, dot_runs):
    assert client.get("/diagram.dot").status_code == 200
    assert client.get("/diagram.dot").status_code == 200
    assert dot_runs == []


def test_a_failure_is_not_cached_so_installing_dot_brings_the_picture_back(client, pair, no_dot, monkeypatch):
    assert client.get("/diagram.svg").status_code == 503
    assert client.get("/").context["picture"].svg is None
    monkeypatch.undo()  # PATH back, with Graphviz on it
    assert client.get("/diagram.svg").status_code == 200
    assert client.get("/").context["picture"].svg.startswith("<svg")


def test_a_picture_the_cache_lost_is_drawn_again(client, pair, dot_runs):
    from django.core.cache import cache

    first = client.get("/diagram.svg")
    cache.delete(f"memtypes:diagram:svg:{render.digest(client.get('/diagram.dot').content.decode())}")
    again = client.get("/diagram.svg")
    assert dot_runs == ["svg", "svg"]
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
