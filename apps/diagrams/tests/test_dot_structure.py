"""The DOT text: nodes, edges, clusters, highlight and legend (no `dot` program needed)."""

import re

import pytest

from apps.diagrams import dot
from apps.diagrams.tests.helpers import dag_of, dot_edges, dot_nodes
from apps.kernel import graph
from apps.kernel.models import MemoryType
from apps.kernel.tests.factory import make_memtype, make_relation

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """page > folio > lru_mem > anon_mem, page > slab, with anon_mem also under slab."""
    t = {
        "page": make_memtype("page", area="page", descriptor="struct page"),
        "folio": make_memtype("folio", area="folio", descriptor="struct folio"),
        "lru_mem": make_memtype("lru_mem", area="folio"),
        "anon_mem": make_memtype("anon_mem", area="folio"),
        "slab": make_memtype("slab", area="slab", descriptor="struct slab"),
    }
    make_relation(t["page"], t["folio"])
    make_relation(t["folio"], t["lru_mem"])
    make_relation(t["lru_mem"], t["anon_mem"])
    make_relation(t["page"], t["slab"])
    make_relation(t["slab"], t["anon_mem"], note="drawn twice would be wrong")
    return t


def cluster_members(text):
    """{cluster label: [node names]}."""
    members = {}
    for label, body in re.findall(
        r"subgraph cluster_\d+ \{\n\s+graph \[label=<<i>(.*?)</i>>.*?\n(.*?)\n  \}", text, re.S
    ):
        members[label] = re.findall(r'^\s+"([^"]+)" \[', body, re.M)
    return members


def test_it_draws_one_node_per_type_and_one_edge_per_relation(tree):
    text = dot.build(graph.whole())
    assert set(dot_nodes(text)) == set(tree)
    assert set(dot_edges(text)) == {
        ("page", "folio"),
        ("folio", "lru_mem"),
        ("lru_mem", "anon_mem"),
        ("page", "slab"),
        ("slab", "anon_mem"),
    }


def test_a_type_with_two_parents_is_one_node_with_two_incoming_edges(tree):
    text = dot.build(graph.whole())
    assert re.findall(r'^\s+"anon_mem" \[', text, re.M) == ['    "anon_mem" [']
    assert [edge for edge in dot_edges(text) if edge[1] == "anon_mem"] == [
        ("lru_mem", "anon_mem"),
        ("slab", "anon_mem"),
    ]


def test_it_labels_each_box_with_its_slug_and_descriptor_struct(tree):
    nodes = dot_nodes(dot.build(graph.whole()))
    assert 'label=<<b>folio</b><br/><font point-size="10">struct folio</font>>' in nodes["folio"]
    assert "label=<<b>lru_mem</b>>" in nodes["lru_mem"]


def test_it_groups_the_types_of_an_area_in_one_labelled_cluster_with_page_on_top(tree):
    text = dot.build(graph.whole())
    assert cluster_members(text) == {
        "Folio-backed memory": ["anon_mem", "folio", "lru_mem"],
        "Slab and kmalloc": ["slab"],
    }
    assert re.search(r'\{ rank=min;\n\s+"page" \[', text)


def test_it_fills_each_area_with_the_colour_of_the_page_palette(tree):
    nodes = dot_nodes(dot.build(graph.whole()))
    assert 'fillcolor="#cfe3f7"' in nodes["folio"]  # --folio in static/css/memtypes.css
    assert 'fillcolor="#f9dcb5"' in nodes["slab"]  # --slab


def test_it_highlights_only_the_type_a_neighbourhood_is_centred_on(tree):
    text = dot.build(graph.neighbourhood(tree["lru_mem"]))
    nodes = dot_nodes(text)
    assert set(nodes) == {"page", "folio", "lru_mem", "anon_mem"}
    assert [name for name, attrs in nodes.items() if "penwidth=3" in attrs] == ["lru_mem"]


def test_the_legend_names_the_highlighted_type(tree):
    assert "thick border: lru_mem</td>" in dot.build(graph.neighbourhood(tree["lru_mem"]))


def test_the_whole_hierarchy_highlights_nothing(tree):
    assert "penwidth" not in dot.build(graph.whole())


def test_types_not_in_mainline_are_dashed_and_grey_with_their_edges(tree):
    MemoryType.objects.filter(slug="anon_mem").update(status=MemoryType.Status.PLANNED)
    text = dot.build(graph.whole())
    nodes, edges = dot_nodes(text), dot_edges(text)
    assert 'style="rounded,filled,dashed"' in nodes["anon_mem"]
    assert "Planned (memdesc plan)" in nodes["anon_mem"]
    assert 'style="dashed"' in edges[("lru_mem", "anon_mem")]
    assert "dashed" not in nodes["folio"] and "dashed" not in edges[("page", "folio")]


def test_the_legend_shows_the_areas_drawn_and_the_dashed_box_only_when_there_is_one(tree):
    text = dot.build(graph.whole())
    legend = re.search(r"^  label=(<.*>);$", text, re.M).group(1)
    assert re.findall(r"cellpadding=\"3\">([^<]+)</td>", legend) == [
        "struct page itself",
        "Folio-backed memory",
        "Slab and kmalloc",
    ]
    assert "dashed" not in legend
    slab = MemoryType.objects.get(slug="slab")
    slab.status = MemoryType.Status.REMOVED
    slab.save()
    assert "dashed: proposed, planned or removed" in dot.build(graph.whole())


def test_each_box_links_to_its_type_page_with_its_summary_as_tooltip(tree):
    nodes = dot_nodes(dot.build(graph.whole()))
    folio = tree["folio"]
    assert 'URL="/types/folio/", target="_top"' in nodes["folio"]
    assert f'tooltip="{folio.name}: {folio.summary}"' in nodes["folio"]


def test_each_edge_says_which_kind_of_which_with_the_relation_note(tree):
    edges = dot_edges(dot.build(graph.whole()))
    assert 'tooltip="anon_mem is a kind of slab: drawn twice would be wrong"' in edges[("slab", "anon_mem")]


def test_an_unchanged_hierarchy_gives_the_same_text_and_an_edit_changes_it(tree):
    first = dot.build(graph.whole())
    assert dot.build(graph.whole()) == first
    slab = MemoryType.objects.get(slug="slab")
    slab.summary = "Memory carved into objects by SLUB."
    slab.save()
    assert dot.build(graph.whole()) != first


def test_a_dag_of_chosen_types_draws_only_them(tree):
    text = dot.build(dag_of(tree["page"], tree["slab"]))
    assert set(dot_nodes(text)) == {"page", "slab"}
    assert set(dot_edges(text)) == {("page", "slab")}
