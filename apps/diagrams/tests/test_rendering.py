"""Real pictures drawn by Graphviz's `dot`: the right file signatures, and an SVG that is well-formed
with one link per type."""

import pytest

from apps.diagrams import dot, render
from apps.diagrams.tests.helpers import SVG, svg_links, svg_tree
from apps.kernel import graph
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


def test_inline_svg_is_the_svg_element_alone_ready_for_a_page(hierarchy):
    picture = render.inline_svg(graph.whole())
    assert picture.error is None
    assert picture.svg.startswith("<svg")
    assert "<?xml" not in picture.svg and "<!DOCTYPE" not in picture.svg and "<!--" not in picture.svg
    assert len(svg_links(svg_tree(picture.svg.encode()))) == 3


def test_inline_svg_of_a_neighbourhood_draws_the_type_with_its_relatives(hierarchy):
    page, folio, pgtable = hierarchy
    root = svg_tree(render.inline_svg(graph.neighbourhood(folio)).svg.encode())
    assert sorted(href for href, _ in svg_links(root)) == ["/types/folio/", "/types/page/"]


def test_inline_svg_runs_no_query_of_its_own(hierarchy, django_assert_num_queries):
    dag = graph.whole()
    with django_assert_num_queries(0):
        render.inline_svg(dag)
