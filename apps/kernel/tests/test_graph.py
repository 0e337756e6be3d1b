"""Graph walks: nearest first, depth limits, and a number of queries that does not grow with the
hierarchy."""

import pytest

from apps.kernel import catalogue, graph
from apps.kernel.tests.factory import make_memtype, make_relation

pytestmark = pytest.mark.django_db


@pytest.fixture
def folio_tree():
    """page > folio > lru_mem > {anon_mem, file_mem}; user_mappable > anon_mem; page > slab."""
    t = {s: make_memtype(s) for s in ("page", "folio", "lru_mem", "anon_mem", "file_mem", "user_mappable", "slab")}
    for parent, child in [
        ("page", "folio"),
        ("folio", "lru_mem"),
        ("lru_mem", "anon_mem"),
        ("lru_mem", "file_mem"),
        ("user_mappable", "anon_mem"),
        ("page", "slab"),
    ]:
        make_relation(t[parent], t[child])
    return t


def hierarchy(size):
    """A root with a chain below it, and a second root over every odd type: size types."""
    types = [make_memtype(f"t{i:02d}") for i in range(size)]
    for parent, child in zip(types, types[1:], strict=False):
        make_relation(parent, child)
    for child in types[3::2]:
        make_relation(types[1], child)
    return types


def slugs(types):
    return [t.slug for t in types]


def test_ancestors_come_nearest_first(folio_tree):
    assert slugs(graph.ancestors(folio_tree["anon_mem"])) == ["lru_mem", "user_mappable", "folio", "page"]


def test_ancestors_stop_at_the_depth_asked(folio_tree):
    assert slugs(graph.ancestors(folio_tree["anon_mem"], depth=2)) == ["lru_mem", "user_mappable", "folio"]


def test_descendants_come_nearest_first(folio_tree):
    assert slugs(graph.descendants(folio_tree["page"])) == ["folio", "slab", "lru_mem", "anon_mem", "file_mem"]


def test_descendants_stop_at_the_depth_asked(folio_tree):
    assert slugs(graph.descendants(folio_tree["page"], depth=1)) == ["folio", "slab"]


def test_a_leaf_has_no_descendants_and_a_root_no_ancestors(folio_tree):
    assert graph.descendants(folio_tree["file_mem"]) == []
    assert graph.ancestors(folio_tree["page"]) == []


def test_roots_are_the_types_without_a_parent(folio_tree):
    assert slugs(graph.roots()) == ["page", "user_mappable"]


def test_whole_holds_every_type_and_relation(folio_tree):
    dag = graph.whole()
    assert slugs(dag.types) == sorted(folio_tree)
    assert len(dag.relations) == 6
    assert dag.highlight is None


def test_neighbourhood_holds_the_ancestors_and_descendants_and_highlights_the_type(folio_tree):
    dag = graph.neighbourhood(folio_tree["lru_mem"])
    assert dag.highlight.slug == "lru_mem"
    # slab is folio's sibling, neither above nor below lru_mem; user_mappable is anon_mem's other parent.
    assert slugs(dag.types) == ["anon_mem", "file_mem", "folio", "lru_mem", "page"]
    by_id = dag.by_id
    assert sorted((by_id[r.parent_id].slug, by_id[r.child_id].slug) for r in dag.relations) == [
        ("folio", "lru_mem"),
        ("lru_mem", "anon_mem"),
        ("lru_mem", "file_mem"),
        ("page", "folio"),
    ]


def test_neighbourhood_stops_at_the_depth_asked(folio_tree):
    dag = graph.neighbourhood(folio_tree["folio"], depth=1)
    assert slugs(dag.types) == ["folio", "lru_mem", "page"]


def test_tree_nests_children_and_shows_a_two_parent_type_under_both(folio_tree):
    def shape(nodes):
        return {n["type"].slug: shape(n["children"]) for n in nodes}

    assert shape(graph.whole().tree()) == {
        "page": {"folio": {"lru_mem": {"anon_mem": {}, "file_mem": {}}}, "slab": {}},
        "user_mappable": {"anon_mem": {}},
    }


@pytest.mark.parametrize("size", [5, 50])
def test_ancestors_and_descendants_take_two_queries_whatever_the_size(size, django_assert_num_queries):
    types = hierarchy(size)
    # 1. every relation (parent, child), 2. the types found, with the columns a node shows
    with django_assert_num_queries(2):
        found = graph.ancestors(types[-1])
        assert [t.name for t in found]
    with django_assert_num_queries(2):
        found = graph.descendants(types[0])
        assert [t.summary for t in found]
    assert len(found) == size - 1


@pytest.mark.parametrize("size", [5, 50])
def test_roots_take_one_query_whatever_the_size(size, django_assert_num_queries):
    hierarchy(size)
    # 1. the types with no parent relation
    with django_assert_num_queries(1):
        found = graph.roots()
        assert [(t.slug, t.summary) for t in found]
    assert slugs(found) == ["t00"]


@pytest.mark.parametrize("size", [5, 50])
def test_whole_reads_the_catalogue_whatever_the_size(size, django_assert_num_queries):
    hierarchy(size)
    # the data version and the load of its catalogue (apps.kernel.catalogue); then the version only
    with django_assert_num_queries(1 + catalogue.LOAD_QUERIES):
        graph.whole()
    with django_assert_num_queries(1):
        dag = graph.whole()
        tree = dag.tree()
        assert [(t.slug, t.name, t.summary, t.status, t.area, t.descriptor) for t in dag.types]
        assert [(r.parent_id, r.child_id, r.note) for r in dag.relations]
    assert len(dag.types) == size
    assert [n["type"].slug for n in tree] == ["t00"]


@pytest.mark.parametrize("size", [5, 50])
def test_neighbourhood_reads_the_catalogue_whatever_the_size(size, django_assert_num_queries):
    types = hierarchy(size)
    # the data version and the load of its catalogue; then the version only
    with django_assert_num_queries(1 + catalogue.LOAD_QUERIES):
        graph.neighbourhood(types[2])
    with django_assert_num_queries(1):
        dag = graph.neighbourhood(types[2])
        assert dag.highlight.summary
        assert [(t.slug, t.name, t.summary) for t in dag.types]
        assert [(r.parent_id, r.child_id, r.note) for r in dag.relations]
    assert len(dag.types) == size
