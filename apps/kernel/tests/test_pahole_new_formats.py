"""What newer pahole prints, read from real builds (trimmed excerpts, exactly as printed):
an anonymous member of a named struct type (v7.2 struct slab's `struct freelist_counters ;`),
bitfields printed as `8: 0`, and 32-bit builds read from DWARF."""

from pathlib import Path

import pytest

from apps.kernel import pahole

FIXTURES = Path(__file__).parent / "fixtures" / "pahole"


def structs(name):
    return {s.name: s for s in pahole.parse((FIXTURES / name).read_text())}


def fields(struct):
    return {f.name: f for f in struct.fields}


def test_v7_2_slab_expands_its_anonymous_freelist_counters_at_their_offsets_in_slab():
    slab = fields(structs("v7.2-slab-btf.txt")["slab"])
    assert (slab["freelist"].offset, slab["freelist"].size) == (32, 8)
    assert (slab["counters"].offset, slab["counters"].size) == (40, 8)
    assert slab["freelist"].path.split("/")[:3] == ["union#1@16", "struct#1@16", "struct freelist_counters@32"]
    assert (slab["slab_cache"].offset, slab["__page_refcount"].offset) == (8, 52)


def test_bitfields_printed_as_offset_colon_bit_keep_their_bits():
    counters = fields(structs("v7.2-slab-btf.txt")["freelist_counters"])
    assert [
        (counters[n].offset, counters[n].bit_offset, counters[n].bit_size) for n in ("inuse", "objects", "frozen")
    ] == [
        (8, 0, 16),
        (8, 16, 15),
        (8, 31, 1),
    ]


def test_struct_page_of_a_32_bit_arm_build_is_36_bytes():
    page = structs("v7.2-arm-page-dwarf.txt")["page"]
    assert page.size == 36
    assert fields(page)["compound_info"].offset == 4


def test_struct_page_of_a_32_bit_x86_build_is_40_bytes():
    page = structs("v6.1-i386-page-dwarf.txt")["page"]
    assert page.size == 40
    assert fields(page)["_refcount"].size == 4


def test_an_embedded_struct_the_text_does_not_define_is_refused():
    text = (FIXTURES / "v7.2-slab-btf.txt").read_text()
    cut = text[: text.index("struct freelist_counters {")]
    with pytest.raises(
        pahole.PaholeError, match="struct slab embeds struct freelist_counters, which the text does not define"
    ):
        pahole.parse(cut)
