"""Real pictures drawn by Graphviz's `dot`: the right file signatures, and an SVG that is well-formed
with one link per type."""

import pytest

from apps.diagrams import dot, pictures, render
from apps.diagrams.tests.helpers import SVG, svg_links, svg_tree
from apps.kernel import graph, lifecycle
from apps.kernel.tests.factory import make_memtype, make_relation

pytestmark = pytest.mark.django_db


@pytest.fixture
def hierarchy():
    page = make_memtype("page", area="page", descriptor="struct page")
    folio = make_memtype("folio", area="folio", descriptor="struct folio", summary="A head page standing for all.")
    pgtable = make_memtype("pgtable", area="pgtable", descriptor="struct ptdesc")
    make_relation(page, folio)
    make_relation(page, pgtable)
    return [page, folio, pgtable]


@pytest.mark.parametrize(
    ("fmt", "signature"),
    [("svg", b"<?xml"), ("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF-")],
)
def test_dot_draws_each_format_with_its_file_signature(hierarchy, fmt, signature):
    picture = render.render(dot.build(graph.whole()), fmt)
    assert picture.startswith(signature)


def test_the_svg_is_xml_with_one_link_per_type_to_its_page_and_its_summary_as_tooltip(hierarchy):
    root = svg_tree(render.render(dot.build(graph.whole()), "svg"))
    assert root.tag == f"{SVG}svg"
    assert sorted(svg_links(root)) == sorted((f"/types/{t.slug}/", f"{t.name}: {t.summary}") for t in hierarchy)


def test_a_page_picture_is_the_svg_element_alone(hierarchy, rf):
    picture = pictures.inline(rf.get("/"), pictures.hierarchy())
    assert picture.error is None
    assert picture.svg.startswith("<svg")
    assert "<?xml" not in picture.svg and "<!DOCTYPE" not in picture.svg and "<!--" not in picture.svg
    assert len(svg_links(svg_tree(picture.svg.encode()))) == 3


def test_a_page_picture_of_a_neighbourhood_draws_the_type_with_its_relatives(hierarchy, rf):
    page, folio, pgtable = hierarchy
    root = svg_tree(pictures.inline(rf.get("/"), pictures.neighbourhood("folio")).svg.encode())
    assert sorted(href for href, _ in svg_links(root)) == ["/types/folio/", "/types/page/"]


def test_a_page_picture_of_what_the_page_loaded_runs_no_query_but_the_version(hierarchy, rf, django_assert_num_queries):
    request = rf.get("/")
    dag, life = graph.whole(), lifecycle.whole()
    # 1. the data version, read once for the request
    with django_assert_num_queries(1):
        assert pictures.inline(request, pictures.dated_view("a-view", dag)).svg.startswith("<svg")
        assert pictures.inline(request, pictures.whole_lifecycle(life)).svg.startswith("<svg")
