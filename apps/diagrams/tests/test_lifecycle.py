"""Life of a page as a picture: the DOT text, the SVG a reader clicks, the URLs, hostile text and
a fixed query count."""

import pytest

from apps.diagrams import lifecycle as lifecycle_dot
from apps.diagrams import render
from apps.diagrams.tests.helpers import SVG, XLINK, dot_edges, dot_nodes, svg_groups, svg_links, svg_tree
from apps.diagrams.tests.test_hostile_strings import CASES
from apps.kernel import catalogue, lifecycle
from apps.kernel.tests.factory import make_memtype, make_source, make_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def life():
    """buddy -> slab and back, and file_mem written back (a loop)."""
    buddy = make_memtype("buddy", area="free", name="Free pages")
    slab = make_memtype("slab", area="slab", descriptor="struct slab")
    file_mem = make_memtype("file_mem", area="folio")
    slub = make_source(key="slub-c-v6-12", path="mm/slub.c", release="v6.12")
    make_transition(buddy, slab, event="allocated by the slab allocator", function="allocate_slab()", until="v5.17",
                    source=make_source(key="slub-c-v5-10", path="mm/slub.c", release="v5.10"))  # fmt: skip
    make_transition(buddy, slab, event="allocated by the slab allocator", function="alloc_slab_page()", since="v5.17",
                    source=slub)  # fmt: skip
    make_transition(slab, buddy, event="freed", function="__free_slab()", source=slub)
    make_transition(file_mem, file_mem, event="written back", function="folio_end_writeback()")
    return {"buddy": buddy, "slab": slab, "file_mem": file_mem}


def edge_links(root):
    """The hrefs of the SVG's edges (Graphviz links an edge's line and its label)."""
    return {anchor.get(f"{XLINK}href") for group in svg_groups(root, "edge") for anchor in group.iter(f"{SVG}a")}


def test_each_transition_is_one_edge_labelled_with_its_event_and_the_function_of_each_era(life):
    dot_text = lifecycle_dot.build(lifecycle.whole())
    edges = dot_edges(dot_text)
    assert set(edges) == {("buddy", "slab"), ("slab", "buddy"), ("file_mem", "file_mem")}
    assert "allocated by the slab allocator" in edges[("buddy", "slab")]
    assert "allocate_slab() until v5.17, alloc_slab_page() since v5.17" in edges[("buddy", "slab")]
    assert "mm/slub.c @ v5.10" in edges[("buddy", "slab")]  # the tooltip names each era's source
    assert 'URL="/lifecycle/#buddy-slab-allocated-by-the-slab-allocator"' in edges[("buddy", "slab")]
    assert set(dot_nodes(dot_text)) == {"buddy", "slab", "file_mem"}


def test_svg_nodes_link_to_the_type_pages_and_edges_to_their_row(client, life):
    response = client.get("/lifecycle.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    root = svg_tree(response.content)
    assert sorted(href for href, _ in svg_links(root)) == ["/types/buddy/", "/types/file_mem/", "/types/slab/"]
    assert sorted(edge_links(root)) == [
        "/lifecycle/#buddy-slab-allocated-by-the-slab-allocator",
        "/lifecycle/#file_mem-file_mem-written-back",
        "/lifecycle/#slab-buddy-freed",
    ]


def test_a_type_picture_shows_its_transitions_in_and_out_and_highlights_it(client, life):
    root = svg_tree(client.get("/types/slab/lifecycle.svg").content)
    assert sorted(href for href, _ in svg_links(root)) == ["/types/buddy/", "/types/slab/"]
    assert len(svg_groups(root, "edge")) == 2
    dot_text = client.get("/types/slab/lifecycle.dot").content.decode()
    assert "penwidth=3" in dot_nodes(dot_text)["slab"]
    assert "penwidth=3" not in dot_nodes(dot_text)["buddy"]


def test_a_type_without_transitions_is_drawn_alone(client, life):
    make_memtype("percpu", area="other")
    root = svg_tree(client.get("/types/percpu/lifecycle.svg").content)
    assert [href for href, _ in svg_links(root)] == ["/types/percpu/"]
    assert svg_groups(root, "edge") == []


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf", "dot"])
def test_each_format_is_served_with_its_file_name(client, life, fmt):
    whole = client.get(f"/lifecycle.{fmt}")
    assert whole.status_code == 200
    assert whole["Content-Disposition"] == f'inline; filename="memtypes-lifecycle.{fmt}"'
    one = client.get(f"/types/slab/lifecycle.{fmt}")
    assert one["Content-Disposition"] == f'inline; filename="memtypes-slab-lifecycle.{fmt}"'


def test_it_404s_for_an_unknown_type(client, life):
    assert client.get("/types/no_such_type/lifecycle.svg").status_code == 404


def test_an_unchanged_picture_is_drawn_once_and_revalidated_with_304(client, life, dot_runs):
    first = client.get("/lifecycle.svg")
    assert client.get("/lifecycle.svg").content == first.content
    assert dot_runs == ["svg"]
    assert client.get("/lifecycle.svg", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_an_edit_changes_the_picture(client, life):
    before = client.get("/lifecycle.svg")["ETag"]
    make_transition(life["buddy"], life["file_mem"], event="read into the page cache", function="filemap_add_folio()")
    after = client.get("/lifecycle.svg")
    assert after["ETag"] != before
    assert b"filemap_add_folio()" in after.content


def test_the_pictures_take_a_fixed_number_of_queries(client, life, django_assert_num_queries):
    for n in range(10):
        make_transition(life["buddy"], make_memtype(f"extra_{n}", area="other"), event=f"event {n}")
    catalogue.current()  # held, as after the process's first request (apps.kernel.catalogue)
    # 1. the data version (the transitions are in its catalogue)
    with django_assert_num_queries(1):
        response = client.get("/lifecycle.svg")
    assert len(svg_links(svg_tree(response.content))) == 13
    # 1. the data version (the type and its transitions are in its catalogue)
    with django_assert_num_queries(1):
        response = client.get("/types/buddy/lifecycle.svg")
    assert len(svg_groups(svg_tree(response.content), "edge")) == 12
    # drawn at this data version: 1. the data version
    for url in ("/lifecycle.svg", "/types/buddy/lifecycle.svg"):
        with django_assert_num_queries(1):
            assert client.get(url).status_code == 200


@CASES
def test_hostile_text_in_an_event_or_note_stays_text(text):
    buddy, slab = make_memtype("buddy", area="free"), make_memtype("slab", area="slab")
    make_transition(buddy, slab, event=text[:200], function="alloc_slab_page()", note=text,
                    source=make_source(title=text[:300], url="https://example.org/x", kind="url"))  # fmt: skip
    dot_text = lifecycle_dot.build(lifecycle.whole())
    assert "\\" not in dot_text
    for line in dot_text.splitlines():
        assert line.count('"') % 2 == 0, line
    root = svg_tree(render.render(dot_text, "svg"))
    assert len(svg_groups(root, "edge")) == 1
    for element in root.iter():
        assert element.tag.rsplit("}", 1)[-1] not in ("script", "foreignObject", "iframe", "object", "embed")
        for name, value in element.attrib.items():
            assert not name.rsplit("}", 1)[-1].lower().startswith("on")
            if name.endswith("href"):
                assert value.startswith(("/types/", "/lifecycle/#")), value


def test_eras_of_one_function_read_as_one(life):
    pgtable = make_memtype("pgtable", area="pgtable")
    for since, until in (("", "v6.6"), ("v6.6", "v6.14"), ("v6.14", "")):
        make_transition(pgtable, life["buddy"], event="PTE page table freed", function="pte_free()", since=since,
                        until=until)  # fmt: skip
    make_transition(life["buddy"], pgtable, event="allocated", function="pte_alloc_one()", until="v6.6")
    make_transition(life["buddy"], pgtable, event="allocated", function="pagetable_alloc()", since="v6.6")
    steps = {(s.from_type.slug, s.event): s.functions for s in lifecycle.whole().steps}
    assert steps[("pgtable", "PTE page table freed")] == "pte_free()"
    assert steps[("buddy", "allocated")] == "pte_alloc_one() until v6.6, pagetable_alloc() since v6.6"
