"""Reading pahole's text: offsets, sizes, bitfields and the anonymous unions that overlay them.
Pure parsing, no database."""

from pathlib import Path

import pytest

from apps.kernel import pahole

FIXTURES = Path(__file__).parent / "fixtures"


def parsed(name):
    return {s.name: s for s in pahole.parse((FIXTURES / name).read_text(encoding="utf-8"))}


def fields_of(struct):
    return {(f.path, f.name): f for f in struct.fields}


def by_name(struct, name):
    [fld] = [f for f in struct.fields if f.name == name]
    return fld


def test_it_reads_every_struct_with_its_size():
    structs = parsed("page_excerpt.pahole")
    assert {name: s.size for name, s in structs.items()} == {"page": 64, "folio": 128}


def test_it_reads_offsets_sizes_and_c_types():
    page = parsed("page_excerpt.pahole")["page"]
    mapping = by_name(page, "mapping")
    assert (mapping.c_type, mapping.offset, mapping.size) == ("struct address_space *", 24, 8)
    refcount = by_name(page, "_refcount")
    assert (refcount.c_type, refcount.offset, refcount.size, refcount.path) == ("atomic_t", 32, 4, "")


def test_nested_anonymous_unions_become_the_path_of_each_field():
    page = parsed("page_excerpt.pahole")["page"]
    assert by_name(page, "lru").path == "union#1@8/struct#1@8/union#1@8"
    assert by_name(page, "mlock_count").path == "union#1@8/struct#1@8/union#1@8/struct#1@8"
    assert by_name(page, "mapping").path == "union#1@8/struct#1@8"
    # The second struct of the same union overlays the first one's words.
    assert by_name(page, "compound_head").path == "union#1@8/struct#2@8"
    assert by_name(page, "callback_head").path == "union#1@8"


def test_overlaid_fields_keep_the_same_offset():
    page = parsed("page_excerpt.pahole")["page"]
    at_8 = sorted(f.name for f in page.fields if f.offset == 8)
    assert at_8 == ["__filler", "callback_head", "compound_head", "lru"]


def test_fields_are_numbered_in_the_order_pahole_printed_them():
    page = parsed("page_excerpt.pahole")["page"]
    assert [f.name for f in sorted(page.fields, key=lambda f: f.position)] == [
        "flags",
        "lru",
        "__filler",
        "mlock_count",
        "mapping",
        "compound_head",
        "compound_order",
        "compound_mapcount",
        "callback_head",
        "_refcount",
        "memcg_data",
    ]


def test_holes_cachelines_and_attributes_are_skipped():
    structs = parsed("page_excerpt.pahole")
    # __attribute__((__aligned__(8))) on a member and on the closing brace of the struct.
    assert by_name(structs["page"], "callback_head").c_type == "struct callback_head"
    assert by_name(structs["folio"], "_flags_1").offset == 64
    assert len(structs["folio"].fields) == 5


def test_bitfields_keep_their_bit_offset_and_bit_size():
    slab = parsed("slab_bitfields.pahole")["slab"]
    bits = {f.name: (f.offset, f.size, f.bit_offset, f.bit_size) for f in slab.fields if f.bit_size is not None}
    assert bits == {"inuse": (40, 4, 0, 16), "objects": (40, 4, 16, 15), "frozen": (40, 4, 31, 1)}
    assert by_name(slab, "counters").bit_size is None
    assert by_name(slab, "inuse").path == "union#1@40/struct#1@40"


def test_a_function_pointer_member_is_read():
    text = "struct page {\n\tvoid (*free)(struct page *, int); /*     0     8 */\n\t/* size: 8, cachelines: 1 */\n};\n"
    [page] = pahole.parse(text)
    assert (page.fields[0].name, page.fields[0].c_type) == ("free", "void (*)(struct page *, int)")


def test_an_array_member_keeps_its_dimension_in_the_type():
    text = "struct page {\n\tchar name[16]; /*     0    16 */\n\t/* size: 16, cachelines: 1 */\n};\n"
    [page] = pahole.parse(text)
    assert (page.fields[0].name, page.fields[0].c_type) == ("name", "char[16]")


GOOD = "struct page {\n\tlong unsigned int flags; /*     0     8 */\n\n\t/* size: 8, cachelines: 1 */\n};\n"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        pytest.param("", 0, "no struct found", id="empty"),
        pytest.param("hello\n" + GOOD, 1, "expected 'struct NAME {'", id="text-before-a-struct"),
        pytest.param(GOOD.replace("/*     0     8 */", ""), 2, "cannot read", id="member-without-offset"),
        pytest.param(GOOD.replace("};", ""), 5, "struct page is not closed", id="unclosed-struct"),
        pytest.param(GOOD.replace("\t/* size: 8, cachelines: 1 */\n", ""), 4, "no '/* size: N", id="no-size-line"),
        pytest.param(GOOD.replace("size: 8", "size: 4"), 2, "past the struct's size 4", id="field-past-the-end"),
        pytest.param(GOOD + GOOD, 6, "struct page appears twice", id="struct-twice"),
        pytest.param(
            GOOD.replace("flags; /*     0     8 */", "flags:4; /*     0     8 */"),
            2,
            "a bitfield needs both",
            id="bitfield-without-bit-offset",
        ),
        pytest.param(
            GOOD.replace("flags; /*     0     8 */", "flags:40; /*     0:30  4 */"),
            2,
            "do not fit in 4 bytes",
            id="bitfield-too-wide",
        ),
        pytest.param(
            GOOD.replace("\t/* size", "\t};  /*     0     8 */\n\t/* size"),
            4,
            "a closing brace with no open union or struct",
            id="stray-closing-brace",
        ),
        pytest.param(
            GOOD.replace("\t/* size", "\tunion {\n\t/* size"), 6, "ends inside an open union", id="union-left-open"
        ),
        pytest.param(
            GOOD.replace("flags; /*     0     8 */", "flags; /*     0     8 */\n\tlong flags; /*  0  8 */"),
            3,
            "appears twice at the same path",
            id="field-twice",
        ),
    ],
)
def test_malformed_input_is_refused_naming_the_line(text, line, words):
    with pytest.raises(pahole.PaholeError) as exc:
        pahole.parse(text)
    assert exc.value.lineno == line
    assert str(exc.value).startswith(f"line {line}: ")
    assert words in str(exc.value)
    assert "\n" not in str(exc.value)
