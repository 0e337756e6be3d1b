"""decode_text() and decode_words() on the real kernel data: which release and build a dump is
read at, what each raw word holds, the warnings a reader needs, and input refused."""

from pathlib import Path

import pytest

from apps.decoder.decode import MAX_INPUT_BYTES, DecodeError, decode_text, decode_words
from apps.kernel.models import release_sort_key

DUMPS = Path(__file__).parent / "dumps"


@pytest.fixture
def kernel_data(kernel_data_once, db):
    return kernel_data_once


def dump(name):
    return next(DUMPS.glob(f"{name}*.txt")).read_text()


def raw_words(text):
    """The words of the raw: rows of a dump, as hex strings."""
    return [w for line in text.splitlines() if line.strip().startswith("raw:") for w in line.split()[1:]]


SLAB_6_15 = dump("01-")
BUDDY_6_9 = dump("06-")
ANON_5_11 = dump("08-")


def test_it_reads_the_release_the_dump_prints_and_says_which_layout_it_used(kernel_data):
    decoding = decode_text(BUDDY_6_9)
    assert decoding.release_name == "v6.9"
    assert (decoding.release.name, decoding.arch, decoding.exact) == ("v6.12", "x86_64", False)
    assert "Release v6.9 is not loaded for x86_64; rules at v6.9 and the v6.12 layout are used." in decoding.warnings
    assert "The architecture is not given: x86_64 is assumed from the dump's 64-bit words." in decoding.warnings


def test_a_release_the_user_names_overrides_the_dumps(kernel_data):
    decoding = decode_text(BUDDY_6_9, release="v6.1", arch="x86_64")
    assert (decoding.release_name, decoding.release.name, decoding.exact) == ("v6.1", "v6.1", True)
    assert not any("not loaded" in w or "architecture is not given" in w for w in decoding.warnings)


def test_the_nearest_loaded_release_is_taken_by_distance_in_releases(kernel_data):
    assert decode_text(BUDDY_6_9, release="v6.5").release.name == "v6.1"
    assert decode_text(BUDDY_6_9, release="v6.15").release.name == "v6.18"  # a tie goes to the newer
    assert decode_text(BUDDY_6_9, release="v7.0").release.name == "v7.2"


def test_a_dump_that_names_no_release_is_read_at_one_its_format_allows_and_says_so(kernel_data):
    # The dump lines of the 6.15 report without its CPU line: page_type printed as its top byte.
    text = SLAB_6_15[SLAB_6_15.index("page: refcount") : SLAB_6_15.index("page dumped because")]
    decoding = decode_text(text)
    assert release_sort_key(decoding.release_name) >= release_sort_key("v6.12")
    assert any(
        "does not name its kernel release" in w and "page_type printed as its top byte" in w for w in decoding.warnings
    )


def test_each_raw_word_carries_its_offset_and_the_layouts_fields_there(kernel_data):
    decoding = decode_words(raw_words(SLAB_6_15), "v6.12", "x86_64")
    words = decoding.raw_words
    assert [(w.index, w.offset) for w in words] == [(i, 8 * i) for i in range(8)]
    assert words[6].hex == "00000000f5000000"
    assert {"page_type", "_mapcount", "_refcount"} <= set(words[6].fields)
    assert words[0].fields == ("flags",)
    assert "mapping" in words[3].fields


def test_head_rows_are_the_head_page_then_page_1(kernel_data):
    decoding = decode_text(dump("02-"), arch="x86_64")
    heads = decoding.head_words
    assert [(w.page, w.index) for w in heads][:9] == [(0, i) for i in range(8)] + [(1, 0)]
    assert heads[8].hex == "05ffc00000000003"
    assert decoding.compound and decoding.order == 3


def test_a_release_older_than_the_oldest_layout_decodes_from_the_printed_names_only(kernel_data):
    decoding = decode_text(dump("09-"))
    assert decoding.release_name == "v5.3" and decoding.names_only
    assert any("older than memtypes' oldest layout (v5.10)" in w for w in decoding.warnings)
    assert decoding.raw_words and all(w.fields == () and w.used == () for w in decoding.raw_words)
    assert decoding.flags["names"] == ("head",)


def test_a_dump_without_raw_rows_says_its_type_comes_from_the_printed_values(kernel_data):
    decoding = decode_text(dump("10-"))
    assert decoding.words == ()
    assert "The dump has no raw: rows: the type is decided from the values it prints." in decoding.warnings


def test_an_anon_prefix_the_mapping_word_does_not_support_is_a_warning(kernel_data):
    # The 5.11 dump with the anon bit of its mapping word cleared (as a corrupted page would show).
    text = ANON_5_11.replace("c0002016ff5e0849", "c0002016ff5e0848")
    decoding = decode_text(text, release="v5.10")
    assert 'The dump prints "anon" but mapping (0xc0002016ff5e0848) & 3 = 0, not 1 (anon).' in decoding.warnings
    assert not any("anon" in w for w in decode_text(ANON_5_11, release="v5.10").warnings)


def test_without_a_release_the_names_printed_pick_the_era_whose_rules_agree(kernel_data):
    # A 6.10 slab page (dumps/34-...) prints page_type 0xffffefff(slab): PG_slab 0x1000 cleared
    # under 0xf0000000 holds in v6.10 only; v6.11 put the type bits in the top byte.
    decoding = decode_text(dump("34-"))
    assert decoding.release_name == "v6.10"
    assert any("page_type ffffefff printed as slab" in w for w in decoding.warnings)


def test_a_printed_page_type_that_differs_from_the_raw_word_is_a_warning(kernel_data):
    text = BUDDY_6_9.replace("page_type: 0xffffff7f(buddy)", "page_type: 0xfffffeff(buddy)")
    decoding = decode_text(text)
    assert "page_type: prints fffffeff but the raw page_type word is 0xffffff7f." in decoding.warnings


@pytest.mark.parametrize(
    ("call", "field", "message"),
    [
        (lambda: decode_text("hello, this is no dump"), "text", ""),
        (lambda: decode_text(""), "text", "Paste the text of a dump_page()"),
        (lambda: decode_text("x" * (MAX_INPUT_BYTES + 1)), "text", "longer than 64 KiB"),
        (lambda: decode_text(BUDDY_6_9, release="six"), "release", "is not a release name"),
        (lambda: decode_text(BUDDY_6_9, release="v99.1"), "release", "memtypes knows releases up to"),
        (lambda: decode_text(BUDDY_6_9, arch="sparc"), "arch", "No architecture named 'sparc'"),
        (lambda: decode_text(BUDDY_6_9, arch="i386"), "arch", "The words are 64-bit; i386 has 32-bit words."),
        (lambda: decode_words(["0x1", "zz"], "v6.12", "x86_64"), "words", "Word 1 ('zz') is not a hex number"),
        (lambda: decode_words(["0x1"], "v6.12", "x86_64", head_words=["g"]), "head_words", "Word 0 ('g')"),
        (lambda: decode_words([], "v6.12", "x86_64"), "words", "Give the raw words"),
    ],
)
def test_bad_input_is_refused_naming_what_is_wrong(kernel_data, call, field, message):
    with pytest.raises(DecodeError) as refused:
        call()
    assert refused.value.field == field
    assert message in str(refused.value)


def test_it_runs_a_fixed_number_of_queries(kernel_data, django_assert_num_queries):
    # 1 the builds, 2-6 the rule set (build, rules, enum spans, enum values, the page type),
    # 7 the struct page and folio fields, 8 the build's usages; with or without head rows.
    for text, release in ((BUDDY_6_9, "v6.12"), (dump("02-"), "v7.2")):
        with django_assert_num_queries(8):
            decoding = decode_text(text, release=release, arch="x86_64")
            sources = [(r.rule.memory_type.slug, r.rule.source.citation) for r in decoding.rules]
            assert len(sources) == len(decoding.rules)
            assert all(w.fields for w in decoding.raw_words)


def test_a_tail_pages_words_are_labelled_as_a_tail_and_its_head_rows_as_its_head(kernel_data):
    # The 6.17-rc anon THP tail page (dumps/39-...): word 1 is head + 1, word 3 TAIL_MAPPING.
    decoding = decode_text(dump("39-"), release="v6.18")
    assert decoding.tail and decoding.head_type.slug == "anon_mem"
    raw = decoding.raw_words
    assert [on for _, on, _ in raw[1].used] == ["page.compound_head"]
    assert raw[3].used == ()
    head = [w for w in decoding.head_words if w.page == 0]
    assert ("folio.mapping", "anon_vma pointer with FOLIO_MAPPING_ANON (bit 0) set.") in [
        (on, keeps) for _, on, keeps in head[3].used
    ]
    assert "For a tail page dump_page prints its head's flags: raw word 0 is the page's own." in decoding.warnings


# Minimal dumps in the shapes of their era, for the release a dump's format allows.
OLD_FORMAT_SEVEN_WORDS = (
    "page:ffffea000f7afa78 count:0 mapcount:0 mapping:          (null) index:0x0\n"
    "flags: 0x2ffff8000000000()\n"
    "raw: 02ffff8000000000 ffff880012345679 0000000000000000 00000000ffffffff\n"
    "raw: dead000000000100 dead000000000200 0000000000000000\n"
    "page dumped because: nonzero mapcount\n"
)


def test_count_instead_of_refcount_dates_a_dump_before_v5_2_and_says_so(kernel_data):
    decoding = decode_text(OLD_FORMAT_SEVEN_WORDS)
    assert release_sort_key(decoding.release_name) < release_sort_key("v5.2")
    assert decoding.names_only
    assert any('"count:" printed, not "refcount:": before v5.2' in w for w in decoding.warnings)


def test_refcount_and_no_page_pointer_date_a_dump_from_v6_9(kernel_data):
    text = (
        "page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x1000\n"
        "flags: 0x17ffffc0000000(node=0|zone=2)\n"
        "page dumped because: test\n"
    )
    decoding = decode_text(text)
    assert release_sort_key(decoding.release_name) >= release_sort_key("v6.9")
    assert any("no pointer on the page: line: v6.9 and later" in w for w in decoding.warnings)
    pointer = decode_text(text.replace("page: refcount", "page:ffffea0000040000 refcount"))
    assert release_sort_key("v5.2") <= release_sort_key(pointer.release_name) < release_sort_key("v6.9")


def test_a_complete_dump_without_raw_rows_is_dated_before_v4_10_unless_its_format_is_newer(kernel_data):
    no_raw = "page:ffffea0000040000 count:0 mapcount:-128 mapping:          (null) index:0x0\nflags: 0x0()\n"
    old = decode_text(no_raw + "page dumped because: nonzero mapcount\n")
    assert release_sort_key(old.release_name) < release_sort_key("v4.10")
    # -128 printed is _mapcount -129: not PAGE_BUDDY_MAPCOUNT_VALUE (-128) before the page types.
    assert old.type.slug == "page"
    newer = decode_text(no_raw.replace(" count:", " refcount:") + "page dumped because: nonzero mapcount\n")
    assert release_sort_key(newer.release_name) >= release_sort_key("v5.2")


def test_raw_rows_shorter_than_the_builds_struct_page_are_not_read_through_its_layout(kernel_data):
    # Word 3 of this 56-byte struct page is the counters; in v5.10..v7.3 layouts it is mapping.
    decoding = decode_text(OLD_FORMAT_SEVEN_WORDS, release="v6.12", arch="x86_64")
    assert decoding.type.slug == "page"
    assert len(decoding.raw_words) == 7 and all(w.fields == () for w in decoding.raw_words)
    assert any(
        "7 raw words (56 bytes) but struct page of the v6.12 x86_64 build is 64 bytes" in w for w in decoding.warnings
    )


def test_a_printed_tail_flag_makes_a_tail_page_before_v4_4(kernel_data):
    text = (
        "page:ffffea000b4f0500 count:0 mapcount:-1 mapping:          (null) index:0x0\n"
        "page flags: 0x2fffff00008000(tail)\n"
        "page dumped because: nonzero mapcount\n"
    )
    decoding = decode_text(text)
    assert decoding.tail and decoding.release_name == "v4.3"
    assert any(r.rule.name == "PG_tail" and r.outcome == "match" for r in decoding.matched)
    # From v4.4 compound_head says tail, and "tail" is no page flag: the rule does not hold there.
    assert not decode_text(text, release="v5.10").tail


NO_ARCH_64 = (
    "page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x1000\n"
    "flags: 0x0()\n"
    "raw: 0000000000000000 dead000000000100 dead000000000122 0000000000000000\n"
    "raw: 0000000000000000 0000000000000000 00000001ffffffff 0000000000000000\n"
    "page dumped because: test\n"
    "CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.12.0 #1\n"
)


@pytest.mark.parametrize(
    "oops, arch, evidence",
    [
        ("pstate: 60400005 (nZCv daif +PAN -UAO)\npc : __dump_page+0x1c/0x3a0\n", "arm64", '"pstate:"/"pc :"'),
        ("RIP: 0010:__dump_page+0x1c/0x3a0\n", "x86_64", '"RIP:"'),
    ],
)
def test_the_architecture_is_inferred_from_the_oops_register_lines(kernel_data, oops, arch, evidence):
    decoding = decode_text(NO_ARCH_64 + oops)
    assert decoding.arch == arch
    assert f"The architecture is not given: {arch} is inferred from the {evidence} register line of the oops." in (
        decoding.warnings
    )


def test_32_bit_register_lines_tell_arm_from_i386(kernel_data):
    text = (
        "page:c0ffee00 refcount:0 mapcount:0 mapping:00000000 index:0x0 pfn:0x100\n"
        "flags: 0x0()\n"
        "raw: 00000000 00000100 00000122 00000000 00000000 00000000 ffffffff 00000000\n"
        "page dumped because: test\n"
        "CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1\n"
    )
    assert decode_text(text + "PC is at __dump_page+0x1c/0x3a0\nLR is at dump_page+0x18/0x30\n").arch == "arm"
    assert decode_text(text + "EIP: __dump_page+0x1c/0x3a0\n").arch == "i386"
    # A register line of the other word width is not this dump's.
    assert decode_text(text + "RIP: 0010:__dump_page+0x1c/0x3a0\n").arch == "i386"


def test_an_x86_64_vmemmap_address_names_the_architecture_and_other_addresses_do_not(kernel_data):
    text = NO_ARCH_64.replace("page: refcount", "page:ffffea0000040000 refcount")
    decoding = decode_text(text)
    assert decoding.arch == "x86_64"
    assert any("inferred from the struct page address ffffea0000040000" in w for w in decoding.warnings)
    # x86_64 with CONFIG_RANDOMIZE_MEMORY maps struct pages at addresses like arm64's vmemmap.
    randomized = decode_text(NO_ARCH_64.replace("page: refcount", "page:fffffcc2d84d3d40 refcount"))
    assert "The architecture is not given: x86_64 is assumed from the dump's 64-bit words." in randomized.warnings


def test_register_lines_of_two_architectures_decide_nothing(kernel_data):
    decoding = decode_text(NO_ARCH_64 + "RIP: 0010:foo+0x1/0x2\npstate: 60400005 (nZCv)\n")
    assert decoding.arch == "x86_64"
    assert "The architecture is not given: x86_64 is assumed from the dump's 64-bit words." in decoding.warnings


def test_format_features_that_contradict_each_other_are_said_and_the_newest_one_decides(kernel_data):
    text = (
        "page:ffffea0000040000 count:0 mapcount:0 mapping:0000000000000000 index:0x0\n"
        "flags: 0x0()\n"
        "page_type: f0(buddy)\n"
        "page dumped because: test\n"
    )
    decoding = decode_text(text)
    assert decoding.release_name == "v6.12"
    assert any("contradict each other" in w for w in decoding.warnings)


def test_a_free_buddy_block_has_an_order_but_is_not_a_compound_page(kernel_data):
    decoding = decode_text(dump("40-"))
    assert decoding.type.slug == "buddy"
    assert (decoding.compound, decoding.order) == (False, 5)
