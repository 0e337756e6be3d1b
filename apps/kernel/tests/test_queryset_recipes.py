"""Each page's QuerySet recipe loads what the page shows in a fixed number of queries."""

import pytest

from apps.kernel.models import Build, Field, FieldUsage, MemoryType, Release, TypeRelation
from apps.kernel.tests.factory import (
    make_field,
    make_identification,
    make_layout,
    make_memtype,
    make_relation,
    make_release,
    make_usage,
)

pytestmark = pytest.mark.django_db


def hierarchy(size):
    """size types under folio, each with a parent, two sources, an identification and a usage
    in each of two releases."""
    folio = make_memtype("folio")
    layouts = [make_layout(make_release(name), "folio") for name in ("v6.1", "v6.12")]
    types = []
    for i in range(size):
        memtype = make_memtype(f"t{i:02d}")
        memtype.sources.add(*folio.sources.all())
        make_relation(folio, memtype)
        make_identification(memtype, since="v6.10")
        for layout in layouts:
            make_usage(memtype, make_field(layout, f"f{i}", offset=8 * (i % 8)))
        types.append(memtype)
    return folio, types


@pytest.mark.parametrize("size", [3, 30])
def test_a_type_page_takes_seven_queries(size, django_assert_num_queries):
    folio, types = hierarchy(size)
    # 1. the type, 2. parent relations with parent and source, 3. child relations with child and
    # source, 4. identifications with source, 5. memdesc numbers with table and source, 6. sources,
    # 7. usages with field, layout, release and source
    with django_assert_num_queries(7):
        memtype = MemoryType.objects.for_detail().get(slug=types[0].slug)
        parents = [(r.parent.slug, r.source.key, r.note) for r in memtype.parent_relations.all()]
        children = [(r.child.slug, r.source.key) for r in memtype.child_relations.all()]
        idents = [(i.since, i.source.title) for i in memtype.identifications.all()]
        sources = [s.key for s in memtype.sources.all()]
        usages = [(u.field.layout.build.release.name, u.field.layout.struct, u.field.name, u.source.key)
                  for u in memtype.usages.all()]  # fmt: skip
    assert [p[0] for p in parents] == ["folio"]
    assert children == []
    assert idents[0][0] == "v6.10"
    assert len(sources) == 2
    # Newest release first.
    assert [u[0] for u in usages] == ["v6.12", "v6.1"]
    with django_assert_num_queries(7):
        folio_page = MemoryType.objects.for_detail().get(slug="folio")
        assert len([(r.child.slug, r.source.key) for r in folio_page.child_relations.all()]) == size


@pytest.mark.parametrize("size", [3, 30])
def test_diagram_nodes_take_one_query(size, django_assert_num_queries):
    hierarchy(size)
    # 1. types with the node columns only
    with django_assert_num_queries(1):
        nodes = [(t.slug, t.name, t.summary, t.descriptor, t.status, t.area) for t in MemoryType.objects.for_graph()]
    assert len(nodes) == size + 1


@pytest.mark.parametrize("size", [3, 30])
def test_the_usage_list_takes_one_query(size, django_assert_num_queries):
    hierarchy(size)
    # 1. usages joined with type, field, layout, release and source
    with django_assert_num_queries(1):
        rows = [
            (u.memory_type.slug, u.field.layout.build.release.name, u.field.layout.struct, u.field.name, u.source.key)
            for u in FieldUsage.objects.for_list()
        ]
    assert len(rows) == 2 * size
    assert rows[0][1] == "v6.1" and rows[-1][1] == "v6.12"


@pytest.mark.parametrize("size", [3, 30])
def test_the_fields_of_a_build_take_one_query(size, django_assert_num_queries):
    hierarchy(size)
    build = Build.objects.get(release__name="v6.12")
    # 1. fields joined with their layout
    with django_assert_num_queries(1):
        rows = [(f.layout.struct, f.offset, f.name) for f in Field.objects.of_build(build)]
    assert len(rows) == size
    assert rows == sorted(rows, key=lambda r: (r[0], r[1]))


@pytest.mark.parametrize("size", [3, 30])
def test_the_release_list_takes_three_queries(size, django_assert_num_queries):
    hierarchy(size)
    # 1. releases, 2. their builds, 3. the builds' layouts with a field count each
    with django_assert_num_queries(3):
        rows = [
            (r.name, [(b.arch, [(lay.struct, lay.field_count) for lay in b.layouts.all()]) for b in r.builds.all()])
            for r in Release.objects.for_list()
        ]
    assert rows == [("v6.1", [("x86_64", [("folio", size)])]), ("v6.12", [("x86_64", [("folio", size)])])]


def test_the_cycle_check_takes_one_query_when_there_is_no_cycle(django_assert_num_queries):
    folio, types = hierarchy(5)
    relation = TypeRelation(parent=types[0], child=types[1], source=folio.sources.first())
    # 1. every relation (parent, child)
    with django_assert_num_queries(1):
        relation.clean()
