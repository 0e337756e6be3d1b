"""Dated views of the hierarchy: the trees kernel developers drew on a given day, loaded from
data/views.yaml and kept apart from the current relations."""

import io

import pytest
from django.core.management import CommandError, call_command

from apps.kernel import graph
from apps.kernel.models import DatedView, DatedViewEdge, MemoryType, TypeRelation
from apps.kernel.tests.tiny_data import write_tiny_data

pytestmark = pytest.mark.django_db

TINY_VIEW = """\
- slug: first-tree
  name: A first tree
  date: '2021-10-22'
  source: wilcox-2021-memory-types-tree
  edges:
    - {parent: page, child: folio}
    - {parent: page, child: anon_mem}
"""


def load(data_dir):
    out = io.StringIO()
    call_command("load_kernel_data", data_dir=str(data_dir), stdout=out)
    return out.getvalue().strip()


def refused(tmp_path, views_yaml):
    with pytest.raises(CommandError) as failure:
        load(write_tiny_data(tmp_path, **{"views.yaml": views_yaml}))
    assert not DatedView.objects.exists()
    return str(failure.value)


def test_a_view_loads_beside_the_current_relations_without_touching_them(tmp_path):
    load(write_tiny_data(tmp_path, **{"views.yaml": TINY_VIEW}))
    view = DatedView.objects.get(slug="first-tree")
    assert view.date.isoformat() == "2021-10-22"
    assert sorted(str(e) for e in view.edges.all()) == ["page > anon_mem", "page > folio"]
    # In the current hierarchy anon_mem stays under folio only.
    anon = MemoryType.objects.get(slug="anon_mem")
    assert [p.slug for p in anon.parents.all()] == ["folio"]
    assert TypeRelation.objects.count() == 2
    assert ": 0 created, 0 updated" in load(tmp_path)
    assert DatedViewEdge.objects.count() == 2


@pytest.mark.parametrize(
    ("views_yaml", "message"),
    [
        (TINY_VIEW.replace("child: anon_mem", "child: nosuch"), "views.yaml: first-tree: unknown type 'nosuch'"),
        (TINY_VIEW.replace("'2021-10-22'", "'22 Oct 2021'"), "date '22 Oct 2021' is not an ISO date"),
        (TINY_VIEW.replace("child: anon_mem", "child: folio"), "the edge page > folio is listed twice"),
        (TINY_VIEW + "    - {parent: folio, child: page}\n", "the edges close a cycle: folio > page > folio"),
        (TINY_VIEW.replace("source: wilcox-2021-memory-types-tree", "source: nosuch"), "unknown source 'nosuch'"),
        (TINY_VIEW + TINY_VIEW, "first-tree: view defined twice"),
    ],
)
def test_a_bad_view_is_refused_with_one_line_and_nothing_is_written(tmp_path, views_yaml, message):
    assert message in refused(tmp_path, views_yaml)


def test_an_edge_that_closes_a_cycle_in_its_view_is_refused_by_clean(tmp_path):
    load(write_tiny_data(tmp_path, **{"views.yaml": TINY_VIEW}))
    view = DatedView.objects.get()
    types = {t.slug: t for t in MemoryType.objects.all()}
    edge = DatedViewEdge(view=view, parent=types["folio"], child=types["page"])
    with pytest.raises(Exception, match="close a cycle in the view: folio > page > folio"):
        edge.full_clean()
    # Only the view's own edges count: anon_mem > folio closes a cycle in the current hierarchy
    # (folio > anon_mem) but none in this view.
    DatedViewEdge(view=view, parent=types["anon_mem"], child=types["folio"]).full_clean()
    assert graph.cycle_through(types["anon_mem"].id, types["folio"].id) == ["anon_mem", "folio", "anon_mem"]


def test_the_real_views_are_wilcox_s_two_trees(kernel_data):
    """The 2021-10-22 tree and its revision of the next day, as the mails draw them."""
    tree, revised = DatedView.objects.order_by("date")
    assert (tree.slug, tree.source.message_id) == ("wilcox-2021-10-22", "YXK2ICKi6fjNfr4X@casper.infradead.org")
    assert (revised.slug, revised.source.message_id) == ("wilcox-2021-10-23", "YXNx686gvsJMgS+z@casper.infradead.org")

    def parents(view, slug):
        return sorted(e.parent.slug for e in view.edges.select_related("parent") if e.child.slug == slug)

    assert tree.edges.count() == 13
    assert parents(tree, "zsmalloc") == parents(tree, "vmalloc") == ["page"]
    assert revised.edges.count() == 16
    assert parents(revised, "devmem") == ["folio", "mappable"]
    assert parents(revised, "vmalloc") == ["mappable"]
    assert parents(revised, "zsmalloc") == parents(revised, "dmapool") == ["folio"]
    assert len(graph.dated(revised).types) == 16


def test_views_never_change_the_current_hierarchy(kernel_data):
    mappable = MemoryType.objects.get(slug="mappable")
    # The revised tree gives mappable five kinds; the current hierarchy places them by kernel evidence.
    assert graph.descendants(mappable) == []
    vmalloc = MemoryType.objects.get(slug="vmalloc")
    assert [p.slug for p in vmalloc.parents.all()] == ["page"]
    assert {t.slug for t in graph.whole().types} == set(MemoryType.objects.values_list("slug", flat=True))


def test_a_type_knows_its_parents_in_each_view(kernel_data):
    vmalloc = MemoryType.objects.get(slug="vmalloc")
    found = [(view.slug, [p.slug for p in parents]) for view, parents in graph.parents_in_views(vmalloc)]
    assert found == [("wilcox-2021-10-22", ["page"]), ("wilcox-2021-10-23", ["mappable"])]
    page = MemoryType.objects.get(slug="page")
    assert [(view.slug, parents) for view, parents in graph.parents_in_views(page)] == [
        ("wilcox-2021-10-22", []),
        ("wilcox-2021-10-23", []),
    ]
