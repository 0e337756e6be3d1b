"""The hierarchy stays a DAG: TypeRelation.clean() refuses an edge that closes a cycle and names
the cycle in order, so an editor sees which relation to change."""

import pytest
from django.core.exceptions import ValidationError

from apps.kernel.models import TypeRelation
from apps.kernel.tests.factory import make_memtype, make_relation, make_source

pytestmark = pytest.mark.django_db


def chain(*slugs):
    """Types linked parent > child in the order given."""
    types = [make_memtype(slug) for slug in slugs]
    for parent, child in zip(types, types[1:], strict=False):
        make_relation(parent, child)
    return types


def refusal(relation):
    with pytest.raises(ValidationError) as exc:
        relation.full_clean()
    return exc.value.message_dict["parent"]


def test_it_refuses_a_type_as_its_own_parent():
    slab = make_memtype("slab")
    assert refusal(TypeRelation(parent=slab, child=slab, source=make_source())) == ["A type cannot be its own parent."]


def test_it_refuses_a_cycle_of_two_types():
    folio, anon = chain("folio", "anon_mem")
    assert refusal(TypeRelation(parent=anon, child=folio, source=make_source())) == [
        "This would close a cycle: anon_mem > folio > anon_mem."
    ]


def test_it_refuses_a_cycle_of_six_types_and_names_it_in_order():
    types = chain("page", "folio", "lru_mem", "anon_mem", "anon_thp", "anon_hugetlb")
    closing = TypeRelation(parent=types[-1], child=types[0], source=make_source())
    assert refusal(closing) == [
        "This would close a cycle: anon_hugetlb > page > folio > lru_mem > anon_mem > anon_thp > anon_hugetlb."
    ]
    assert TypeRelation.objects.count() == 5


def test_editing_a_relation_does_not_count_the_relation_itself():
    folio, anon = chain("folio", "anon_mem")
    relation = TypeRelation.objects.get(parent=folio, child=anon)
    relation.note = "Anonymous memory is kept in folios since v5.16."
    relation.full_clean()
    relation.save()
    assert TypeRelation.objects.get(pk=relation.pk).note.startswith("Anonymous memory")


def test_turning_a_relation_around_does_not_count_its_old_direction():
    _, lru, anon = chain("folio", "lru_mem", "anon_mem")
    relation = TypeRelation.objects.get(parent=lru, child=anon)
    relation.parent, relation.child = anon, lru
    relation.full_clean()


def test_a_new_edge_from_a_grandchild_to_its_grandparent_is_a_cycle():
    folio, _, anon = chain("folio", "lru_mem", "anon_mem")
    shortcut = TypeRelation(parent=anon, child=folio, source=make_source())
    assert refusal(shortcut) == ["This would close a cycle: anon_mem > folio > lru_mem > anon_mem."]


def test_a_type_with_two_parents_is_fine():
    folio, lru, anon, mappable = (make_memtype(s) for s in ("folio", "lru_mem", "anon_mem", "user_mappable"))
    make_relation(folio, lru)
    make_relation(lru, anon)
    make_relation(folio, mappable)
    second_parent = TypeRelation(parent=mappable, child=anon, source=make_source())
    second_parent.full_clean()
    second_parent.save()
    assert sorted(anon.parents.values_list("slug", flat=True)) == ["lru_mem", "user_mappable"]


def test_a_diamond_that_shares_a_grandparent_is_not_a_cycle():
    top, left, right, bottom = (make_memtype(s) for s in ("page", "folio", "pgtable", "bottom"))
    make_relation(top, left)
    make_relation(top, right)
    make_relation(left, bottom)
    TypeRelation(parent=right, child=bottom, source=make_source()).full_clean()
