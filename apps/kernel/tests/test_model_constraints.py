"""The database refuses what the kernel model forbids, whatever path the write takes."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.kernel.models import Field, FieldUsage, Identification, MemdescNumber, MemdescTable, MemoryType, TypeRelation
from apps.kernel.tests.factory import (
    make_field,
    make_identification,
    make_layout,
    make_memtype,
    make_relation,
    make_source,
    make_usage,
)

pytestmark = pytest.mark.django_db


def refused_by_the_database(create):
    """True when the write raises IntegrityError (inside a savepoint, so PostgreSQL goes on)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        create()
    return True


def test_it_refuses_a_second_type_with_the_same_slug():
    make_memtype("anon_mem")
    assert refused_by_the_database(lambda: MemoryType.objects.create(slug="anon_mem", name="Again", summary="x"))
    assert MemoryType.objects.filter(slug="anon_mem").count() == 1


def test_full_clean_names_the_duplicate_slug():
    make_memtype("anon_mem")
    with pytest.raises(ValidationError) as exc:
        MemoryType(slug="anon_mem", name="Again", summary="x").full_clean()
    assert "slug" in exc.value.message_dict


def test_it_refuses_the_same_parent_twice():
    folio, anon = make_memtype("folio"), make_memtype("anon_mem")
    make_relation(folio, anon)
    assert refused_by_the_database(lambda: TypeRelation.objects.create(parent=folio, child=anon, source=make_source()))
    assert TypeRelation.objects.count() == 1


def test_the_same_parent_twice_is_explained_by_validate_constraints():
    folio, anon = make_memtype("folio"), make_memtype("anon_mem")
    make_relation(folio, anon)
    with pytest.raises(ValidationError, match="This type already has that parent."):
        TypeRelation(parent=folio, child=anon, source=make_source()).full_clean()


def test_the_database_refuses_a_type_as_its_own_parent_on_a_raw_create():
    slab = make_memtype("slab")
    assert refused_by_the_database(lambda: TypeRelation.objects.create(parent=slab, child=slab, source=make_source()))
    assert not TypeRelation.objects.exists()


def test_clean_says_a_type_cannot_be_its_own_parent():
    slab = make_memtype("slab")
    with pytest.raises(ValidationError) as exc:
        TypeRelation(parent=slab, child=slab, source=make_source()).full_clean()
    assert "A type cannot be its own parent." in exc.value.messages


def test_it_refuses_two_fields_of_one_name_at_one_path_of_a_layout():
    layout = make_layout()
    make_field(layout, "mapping", offset=24, path="union#1@8/struct#1@8")
    assert refused_by_the_database(
        lambda: make_field(layout, "mapping", offset=32, path="union#1@8/struct#1@8", position=99)
    )


def test_a_name_may_repeat_at_another_path_of_the_layout():
    # pahole prints struct page's _pt_pad_1 in more than one anonymous struct of a union.
    layout = make_layout()
    make_field(layout, "_pt_pad_1", offset=8, path="union#1@8/struct#5@8")
    make_field(layout, "_pt_pad_1", offset=8, path="union#1@8/struct#6@8")
    assert Field.objects.filter(layout=layout, name="_pt_pad_1").count() == 2


@pytest.mark.parametrize(("bit_offset", "bit_size"), [(0, None), (None, 16)])
def test_a_bitfield_needs_both_its_bit_offset_and_its_bit_size(bit_offset, bit_size):
    layout = make_layout(struct="slab")
    assert refused_by_the_database(
        lambda: make_field(layout, "inuse", offset=40, size=4, bit_offset=bit_offset, bit_size=bit_size)
    )
    with pytest.raises(ValidationError, match="A bitfield needs both its bit offset and its bit size."):
        Field(
            layout=layout,
            name="inuse",
            c_type="unsigned int",
            offset=40,
            size=4,
            bit_offset=bit_offset,
            bit_size=bit_size,
            position=1,
        ).full_clean()


def test_a_complete_bitfield_is_stored():
    fld = make_field(make_layout(struct="slab"), "objects", offset=40, size=4, bit_offset=16, bit_size=15)
    fld.refresh_from_db()
    assert (fld.bit_offset, fld.bit_size) == (16, 15)


def _memdesc_table(position=1):
    return MemdescTable.objects.create(
        slug=f"t{position}", name=f"Table {position}", position=position, source=make_source()
    )


def test_a_type_has_one_memdesc_number_per_table():
    slab, table = make_memtype("slab"), _memdesc_table()
    MemdescNumber.objects.create(table=table, memory_type=slab, number=5, meaning="Slab")
    assert refused_by_the_database(
        lambda: MemdescNumber.objects.create(table=table, memory_type=slab, number=4, meaning="Slab")
    )
    # Another revision of the table may number it differently.
    MemdescNumber.objects.create(table=_memdesc_table(2), memory_type=slab, number=4, meaning="Slab")
    assert sorted(slab.memdesc_numbers.values_list("table__position", "number")) == [(1, 5), (2, 4)]


def test_a_memdesc_number_fits_in_four_bits_and_a_subtype_in_seven():
    number = MemdescNumber(
        table=_memdesc_table(), memory_type=make_memtype("slab"), number=16, subtype=128, meaning="x"
    )
    with pytest.raises(ValidationError) as exc:
        number.full_clean()
    assert {"number", "subtype"} <= set(exc.value.message_dict)


def test_two_tables_cannot_share_a_position():
    _memdesc_table(1)
    assert refused_by_the_database(lambda: _memdesc_table(1))


def test_a_type_is_identified_once_per_release():
    slab = make_memtype("slab")
    make_identification(slab, since="v6.10", test="page_type PGTY_slab")
    assert refused_by_the_database(lambda: make_identification(slab, since="v6.10", test="PG_slab"))
    make_identification(slab, since="", test="PG_slab")
    assert Identification.objects.filter(memory_type=slab).count() == 2


def test_an_identification_since_must_be_a_release_name():
    with pytest.raises(ValidationError) as exc:
        Identification(memory_type=make_memtype(), since="6.10", test="x", source=make_source()).full_clean()
    assert "since" in exc.value.message_dict


def test_a_type_records_its_usage_of_a_field_once():
    anon, mapping = make_memtype("anon_mem"), make_field(name="mapping", offset=24)
    make_usage(anon, mapping, keeps="anon_vma pointer")
    assert refused_by_the_database(lambda: make_usage(anon, mapping, keeps="again"))
    assert FieldUsage.objects.filter(memory_type=anon, field=mapping).count() == 1


def test_two_types_may_use_the_same_field():
    mapping = make_field(name="mapping", offset=24)
    make_usage(make_memtype("anon_mem"), mapping)
    make_usage(make_memtype("file_mem"), mapping)
    assert mapping.usages.count() == 2
