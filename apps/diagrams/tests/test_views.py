"""The picture URLs: formats, conditional requests, depth, errors, and a fixed query count."""

import pytest
from django.urls import reverse

from apps.diagrams.links import diagram_urls
from apps.diagrams.tests.helpers import svg_links, svg_tree
from apps.kernel import catalogue
from apps.kernel.tests.factory import make_memtype, make_relation

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """page > folio > lru_mem > anon_mem."""
    slugs = ["page", "folio", "lru_mem", "anon_mem"]
    types = [make_memtype(slug, area="page" if slug == "page" else "folio") for slug in slugs]
    for parent, child in zip(types, types[1:], strict=False):
        make_relation(parent, child)
    return dict(zip(slugs, types, strict=True))


@pytest.mark.parametrize(
    ("fmt", "content_type", "start"),
    [
        ("svg", "image/svg+xml", b"<?xml"),
        ("png", "image/png", b"\x89PNG"),
        ("pdf", "application/pdf", b"%PDF-"),
        ("dot", "text/vnd.graphviz; charset=utf-8", b'digraph "memory types" {'),
    ],
)
def test_the_whole_hierarchy_is_served_in_each_format(client, chain, fmt, content_type, start):
    response = client.get(f"/diagram.{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content.startswith(start)
    assert response["Content-Disposition"] == f'inline; filename="memtypes-hierarchy.{fmt}"'


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf", "dot"])
def test_a_type_is_served_in_each_format(client, chain, fmt):
    response = client.get(f"/types/folio/diagram.{fmt}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'inline; filename="memtypes-folio.{fmt}"'


def test_the_svg_may_draw_styles_but_never_run_a_script(client, chain):
    response = client.get("/diagram.svg")
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_type_picture_shows_its_ancestors_and_descendants(client, chain):
    root = svg_tree(client.get("/types/lru_mem/diagram.svg").content)
    assert sorted(href for href, _ in svg_links(root)) == [
        "/types/anon_mem/",
        "/types/folio/",
        "/types/lru_mem/",
        "/types/page/",
    ]


def test_depth_limits_the_levels_drawn_each_way(client, chain):
    root = svg_tree(client.get("/types/lru_mem/diagram.svg?depth=1").content)
    assert sorted(href for href, _ in svg_links(root)) == ["/types/anon_mem/", "/types/folio/", "/types/lru_mem/"]


@pytest.mark.parametrize("depth", ["0", "-1", "abc", "1.5", "", " 2", "²"])
def test_it_400s_with_a_plain_message_for_a_bad_depth(client, chain, depth):
    response = client.get("/types/folio/diagram.svg", {"depth": depth})
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith("depth must be a positive whole number, e.g. ?depth=2")


def test_it_404s_for_an_unknown_slug(client, chain):
    assert client.get("/types/no_such_type/diagram.svg").status_code == 404


def test_it_404s_for_a_format_it_does_not_draw(client, chain):
    assert client.get("/diagram.gif").status_code == 404
    assert client.get("/types/folio/diagram.jpeg").status_code == 404


def test_it_refuses_a_write(client, chain):
    assert client.post("/diagram.svg").status_code == 405


def test_a_picture_carries_an_etag_and_asks_to_be_revalidated(client, chain):
    response = client.get("/diagram.png")
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert response["Cache-Control"] == "public, no-cache"


def test_it_answers_304_to_a_client_that_has_the_current_picture(client, chain, dot_runs):
    etag = client.get("/diagram.svg")["ETag"]
    response = client.get("/diagram.svg", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response.content == b""
    assert dot_runs == ["svg"]  # the 304 drew nothing


def test_an_edit_changes_the_etag_so_the_client_gets_the_new_picture(client, chain):
    etag = client.get("/diagram.svg")["ETag"]
    chain["anon_mem"].summary = "Process memory with no file behind it."
    chain["anon_mem"].save()
    response = client.get("/diagram.svg", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    titles = [title for _, title in svg_links(svg_tree(response.content))]
    assert f"{chain['anon_mem'].name}: Process memory with no file behind it." in titles


def test_the_formats_have_distinct_etags(client, chain):
    assert client.get("/diagram.svg")["ETag"] != client.get("/diagram.png")["ETag"]


def test_the_whole_picture_takes_one_query_whatever_the_size(client, chain, django_assert_num_queries):
    for n in range(10):
        make_relation(chain["folio"], make_memtype(f"extra_{n}", area="folio"))
    catalogue.current()  # held, as after the process's first request (apps.kernel.catalogue)
    # 1. the data version (the types and relations are in its catalogue)
    with django_assert_num_queries(1):
        response = client.get("/diagram.svg")
    assert len(svg_links(svg_tree(response.content))) == 14
    # drawn at this data version: 1. the data version
    with django_assert_num_queries(1):
        assert client.get("/diagram.svg").content == response.content


def test_a_type_picture_takes_one_query_whatever_the_size(client, chain, django_assert_num_queries):
    for n in range(10):
        make_relation(chain["lru_mem"], make_memtype(f"extra_{n}", area="folio"))
    catalogue.current()  # held, as after the process's first request (apps.kernel.catalogue)
    # 1. the data version (the types and relations are in its catalogue)
    with django_assert_num_queries(1):
        response = client.get("/types/lru_mem/diagram.svg?depth=2")
    assert len(svg_links(svg_tree(response.content))) == 14
    # drawn at this data version: 1. the data version
    with django_assert_num_queries(1):
        assert client.get("/types/lru_mem/diagram.svg?depth=2").content == response.content


def test_diagram_urls_name_every_format_of_the_whole_or_of_a_type(chain, rf):
    assert diagram_urls() == {fmt: f"/diagram.{fmt}" for fmt in ("svg", "png", "pdf", "dot")}
    assert diagram_urls(chain["folio"], rf.get("/"))["png"] == "http://testserver/types/folio/diagram.png"
    assert reverse("diagrams:type", kwargs={"slug": "folio", "fmt": "pdf"}) == "/types/folio/diagram.pdf"


@pytest.mark.parametrize("keyword", ["edge", "node", "graph", "subgraph", "digraph", "strict", "Strict", "NODE"])
def test_a_type_whose_slug_is_a_dot_keyword_is_drawn_like_any_other(client, chain, keyword):
    make_relation(chain["folio"], make_memtype(keyword, area="folio"))
    response = client.get("/diagram.svg")
    assert response.status_code == 200
    assert f"/types/{keyword}/" in {href for href, _ in svg_links(svg_tree(response.content))}
    home = client.get("/")
    assert home.context["picture"].svg is not None
