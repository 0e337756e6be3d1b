"""The catalogue of a data version: loaded once, shared by the requests of a process, and never
shown after a write changed the data."""

import pytest

from apps.kernel import catalogue, graph, lifecycle, version
from apps.kernel.models import MemoryType, TypeRelation
from apps.kernel.tests.factory import make_memtype, make_relation, make_source, make_transition

pytestmark = pytest.mark.django_db


def test_it_is_loaded_once_per_data_version(django_assert_num_queries):
    make_relation(make_memtype("folio"), make_memtype("anon_mem"))
    with django_assert_num_queries(1 + catalogue.LOAD_QUERIES):
        first = catalogue.current()
    with django_assert_num_queries(1):
        assert catalogue.current() is first
    assert sorted(first.by_slug) == ["anon_mem", "folio"]


def test_a_write_shows_in_the_next_read(client):
    folio = make_memtype("folio")
    make_relation(folio, make_memtype("anon_mem"))
    before = catalogue.current()
    assert [r.child.slug for r in graph.relations_of(folio)[1]] == ["anon_mem"]

    make_relation(folio, make_memtype("file_mem"))
    folio.summary = "A folio, as edited in the admin."
    folio.save()

    after = catalogue.current()
    assert after is not before
    assert [r.child.slug for r in graph.relations_of(folio)[1]] == ["anon_mem", "file_mem"]
    assert after.by_slug["folio"].summary == "A folio, as edited in the admin."
    assert "A folio, as edited in the admin." in client.get("/types/folio/").content.decode()


def test_a_bulk_write_inside_one_change_shows_too():
    folio, anon = make_memtype("folio"), make_memtype("anon_mem")
    assert graph.relations_of(anon) == ([], [])
    with version.one_change():
        TypeRelation.objects.bulk_create([TypeRelation(parent=folio, child=anon, source=make_source())])
    assert [r.parent.slug for r in graph.relations_of(anon)[0]] == ["folio"]


def test_a_deleted_type_is_gone_from_the_pages(client):
    make_memtype("zsmalloc")
    assert client.get("/types/zsmalloc/").status_code == 200
    MemoryType.objects.get(slug="zsmalloc").delete()
    assert client.get("/types/zsmalloc/").status_code == 404


def test_an_empty_version_table_keeps_nothing():
    """A flushed database has no version row: what it holds then is read again next time."""
    make_memtype("folio")
    from apps.kernel.models import DataVersion

    DataVersion.objects.all().delete()
    first = catalogue.current()
    assert first.version == "0"
    assert catalogue.current() is not first


def test_the_transitions_are_those_of_the_type_and_of_the_release():
    buddy, slab = make_memtype("buddy"), make_memtype("slab")
    make_transition(buddy, slab, event="allocated", since="v5.17")
    make_transition(slab, buddy, event="freed")
    around = lifecycle.around(slab)
    assert [(s.from_type.slug, s.to_type.slug) for s in around.steps] == [("buddy", "slab"), ("slab", "buddy")]
    assert [(s.from_type.slug, s.event) for s in lifecycle.whole("v5.15").steps] == [("slab", "freed")]
    assert len(lifecycle.whole("v6.1").steps) == 2
