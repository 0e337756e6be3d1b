"""Reading dump_page() texts: the real dumps of tests/dumps/ (index.yaml says where each comes
from and what it is) and the shapes they take across releases. Pure parsing, no database."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings

from apps.decoder.dump import DumpError, parse

DUMPS = Path(__file__).parent / "dumps"
INDEX = yaml.safe_load((DUMPS / "index.yaml").read_text(encoding="utf-8"))["dumps"]


def dump(name):
    return (DUMPS / name).read_text(encoding="utf-8")


def parsed(name):
    return parse(dump(name))


def type_slugs():
    """The memory types of data/types/*.yaml, each file a list of types."""
    slugs = set()
    for path in Path(settings.KERNEL_DATA_DIR, "types").glob("*.yaml"):
        slugs.update(t["slug"] for t in yaml.safe_load(path.read_text(encoding="utf-8")))
    return slugs


SLUGS = type_slugs()


# The test set


def test_the_index_names_every_dump_file_once():
    files = [entry["file"] for entry in INDEX]
    assert len(files) == len(set(files))
    assert sorted(files) == sorted(p.name for p in DUMPS.glob("*.txt"))
    assert len(files) >= 24


@pytest.mark.parametrize("entry", INDEX, ids=lambda e: e["file"])
def test_each_dump_has_a_source_a_kernel_and_an_expected_type(entry):
    source = entry["source"]
    assert source["kind"] in ("mail", "url")
    assert source["message_id"] if source["kind"] == "mail" else source["url"]
    assert source["title"] and source["date"]
    assert entry["kernel"]["version"] and entry["kernel"]["where"]
    expected = entry["expected"]
    assert expected["type"] in SLUGS
    assert isinstance(expected["tail"], bool)
    assert expected["head_type"] is None or expected["head_type"] in SLUGS
    assert entry["why"].strip()


@pytest.mark.parametrize("entry", INDEX, ids=lambda e: e["file"])
def test_every_dump_in_the_test_set_parses(entry):
    result = parsed(entry["file"])
    assert result.raw or result.flags is not None or result.page_type is not None
    assert result.word_bits in (32, 64)
    assert result.reason or "no 'page dumped because:' line: the dump may be cut short" in result.notes


@pytest.mark.parametrize("entry", INDEX, ids=lambda e: e["file"])
def test_the_release_is_read_where_the_dump_prints_it(entry):
    release = parsed(entry["file"]).kernel_release
    if entry["kernel"].get("printed", True):
        assert release == entry["kernel"]["version"]
    else:
        assert release is None


# Eras and formats


def test_a_v4_dump_with_count_and_a_null_mapping():
    result = parsed("10-page-4.1-early-boot-null-mapping.txt")
    assert result.page_address == 0xFFFFEA0000040000
    assert (result.refcount, result.mapcount, result.mapping, result.index) == (0, 1, 0, 0)
    assert (result.flags, result.flag_names, result.flag_fields) == (0, (), {})
    assert result.raw == ()
    assert result.reason == "VM_BUG_ON_PAGE(!zone_spans_pfn(zone, pfn))"
    assert result.kernel_release == "4.1.0-rc1-next-20150501+"


def test_a_v4_dump_wrapped_by_the_mail_client_keeps_its_compound_mapcount():
    result = parsed("23-slab-head-4.18-next-count-flowed.txt")
    assert result.compound_mapcount == 0
    assert result.mapping == 0xFFFF8801DA987DC0
    assert result.flag_names == ("slab", "head")
    assert result.raw == (
        0x02FFFC0000008100,
        0xFFFFEA0006609A08,
        0xFFFFEA0006B75508,
        0xFFFF8801DA987DC0,
        0x0,
        0xFFFF8801CC324E00,
        0x0000000100000001,
        0x0,
    )
    assert result.notes == ()


def test_a_v5_dump_with_hashed_pointers_timestamps_and_caller_ids():
    result = parsed("08-anon-thp-5.11-ppc64-hashed.txt")
    assert result.pointers_hashed
    assert result.page_address is None
    assert result.page_pointer == result.head == 0xEB7725AD
    assert (result.order, result.compound_mapcount, result.compound_pincount) == (5, 0, 0)
    assert result.prefixes == ("anon",)
    assert result.flag_names == ("locked", "uptodate", "dirty", "head", "swapbacked")
    assert result.raw[3] == 0xC0002016FF5E0849
    assert result.pfn == 0x20023760
    assert any("hashed" in note for note in result.notes)


def test_a_v5_6_dump_with_the_head_pointer_on_the_page_line():
    result = parsed("45-tail-anon-thp-5.6-rc-head-on-page-line.txt")
    assert (result.page_address, result.head) == (0xFFFFEA0010EF1B80, 0xFFFFEA0010EF0000)
    assert (result.order, result.compound_mapcount, result.refcount, result.mapcount) == (9, 1, 0, 1)
    assert result.raw[1] == 0xFFFFEA0010EF0001
    assert len(result.head_raw) == 8 and result.head_raw[3] == 0xFFFF8884777271B9


def test_a_v6_4_dump_with_head_pointer_memcg_and_an_empty_page_type():
    result = parsed("03-slab-head-6.5-next-x86-pointer.txt")
    assert result.page_address == result.head == 0xFFFFEA0001A1DE00
    assert result.order == 2
    assert (result.entire_mapcount, result.nr_pages_mapped, result.pincount) == (0, 0, 0)
    assert result.memcg == 0xFFFF88801937BC01
    assert result.prefixes == ("memcg:ffff88801937bc01",)
    assert (result.page_type, result.page_type_name, result.page_type_top_byte) == (0xFFFFFFFF, None, False)
    assert result.flag_fields == {"node": 0, "zone": 1, "lastcpupid": 0x7FF}


def test_the_inverted_page_type_of_v6_4_to_v6_11_is_the_whole_word():
    result = parsed("06-buddy-6.9-bad-page-state.txt")
    assert (result.page_type, result.page_type_name, result.page_type_top_byte) == (0xFFFFFF7F, "buddy", False)
    assert result.raw[5:7] == (9, 0xFFFFFF7F)
    assert result.page_address is None and not result.pointers_hashed


def test_the_page_type_of_v6_12_on_is_its_top_byte():
    result = parsed("01-slab-6.15-x86-page-type-f5.txt")
    assert (result.page_type, result.page_type_name, result.page_type_top_byte) == (0xF5, "slab", True)
    assert result.raw[6] == 0xF5000000
    assert result.flags == 0x4FFF00000000000
    assert result.flag_names == ()
    assert result.flag_fields == {"node": 1, "zone": 1, "lastcpupid": 0x7FF}
    assert result.pfn == 0x48891


def test_a_large_folio_prints_its_head_and_page_1_as_head_rows():
    result = parsed("02-slab-head-6.16-arm64-head-rows.txt")
    assert result.order == 3
    assert result.folio_mapcount == 0
    assert len(result.raw) == 8
    assert len(result.head_raw) == 16
    assert result.head_raw[:8] == result.raw
    assert result.head_raw[8:10] == (0x05FFC00000000003, 0xFFFFFDFFC339EA01)
    assert result.kernel_release == "6.16.0-rc1-syzkaller-g39dfc971e42d"


def test_a_tail_page_prints_itself_as_raw_and_its_folio_as_head_rows():
    result = parsed("39-tail-anon-thp-6.17-rc0-head-rows.txt")
    assert result.raw[1] == 0xFFFFEA0001C20001
    assert result.head_raw[3] == 0xFFFF88807C250551
    assert result.head_raw[8:10] == (0x00FFF00000010A09, 0xFFFFEA0001C20001)
    assert (result.order, result.folio_mapcount, result.nr_pages_mapped, result.pincount) == (9, 505, 505, 2)
    assert result.reason is None
    assert "no 'page dumped because:' line: the dump may be cut short" in result.notes


def test_a_file_page_prints_its_memcg_and_aops_before_the_flags():
    result = parsed("04-file-f2fs-7.0-aops-memcg.txt")
    assert result.prefixes == ("memcg:ffff88801c6c8d40", "aops:f2fs_meta_aops")
    assert result.aops == "f2fs_meta_aops"
    assert result.mapping == result.raw[3] == 0xFFFF888046F3E788
    assert result.flag_names == ("locked", "waiters", "uptodate", "lru")
    assert result.kernel_release is None


def test_the_memcg_printed_after_the_reason_in_v5_is_read():
    result = parsed("38-file-shmem-5.10-page-mem-cgroup.txt")
    assert result.memcg == result.raw[7] == 0xFFFF888010E00000
    assert result.prefixes == ("aops:shmem_aops",)
    assert result.reason == "kasan: bad access detected"


def test_a_flags_field_that_is_not_a_page_flag_stays_a_field():
    result = parsed("12-pgtable-6.14-arm64-mte-kasantag.txt")
    assert result.flag_fields == {"node": 0, "zone": 0, "lastcpupid": 0x7FF, "kasantag": 0x7A}
    assert result.flag_names == ()


def test_flags_printed_on_the_page_line_in_v5_8():
    result = parsed("29-page-5.8-m68k-flags-on-page-line.txt")
    assert (result.flags, result.flag_names) == (0, ())
    assert (result.refcount, result.mapcount, result.mapping, result.index) == (0, 1, 0, 0)
    assert result.raw == (0, 0x100, 0x122, 0, 0, 0, 0, 0)


def test_a_dump_without_a_flags_line_says_so():
    result = parsed("24-slab-5.4-no-flags-line-slab-allocator.txt")
    assert result.flags is None
    assert result.raw[0] == 0x00FFFE0000000200
    assert "the dump has no flags: line; the flags word is raw word 0" in result.notes


def test_bad_pages_second_flags_line_is_not_the_dumps():
    result = parsed("27-page-3.19-arm32-garbage-memmap.txt")
    assert result.flags == 0x96640253
    assert result.flag_names == ("locked", "error", "dirty", "active", "arch_1", "reclaim", "mlocked")
    assert result.reason == "PAGE_FLAGS_CHECK_AT_FREE flag(s) set"


# 32-bit words


def test_a_32_bit_dump_has_eight_words_a_row():
    result = parsed("30-reserved-5.2-next-mips32-bad-pte.txt")
    assert result.word_bits == 32
    assert result.page_address == 0x80C24880
    assert result.raw == (0x1000, 0x80C24884, 0x80C24884, 0, 0, 0, 0xFFFFFFFE, 1)
    assert (result.refcount, result.mapcount) == (1, -1)


def test_a_32_bit_struct_page_of_36_bytes_ends_with_a_short_row():
    result = parsed("28-slab-5.9-arm32-hashed-nine-words.txt")
    assert result.word_bits == 32
    assert len(result.raw) == 9
    assert result.raw[-1] == 0
    assert result.pointers_hashed and result.page_address is None


def test_a_40_byte_32_bit_struct_page_prints_ten_words():
    result = parsed("41-buddy-5.17-i386-ten-words.txt")
    assert result.word_bits == 32
    assert result.raw == (0x80000000, 0x100, 0x122, 0, 1, 0xA, 0xFFFFFF7F, 0, 0, 0)
    assert result.flag_fields == {"zone": 2}


def test_a_v4_4_dump_with_its_flags_on_the_page_line():
    result = parsed("43-page-4.4-rc-pae-flags-on-page-line.txt")
    assert (result.refcount, result.mapcount, result.mapping, result.index) == (0, -128, 0, 0)
    assert (result.flags, result.flag_names) == (0x40000000, ())
    assert result.page_address == 0xEEA45000 and result.word_bits == 32
    assert result.raw == ()
    assert result.reason == "VM_BUG_ON_PAGE(page_mapcount(page) < 0)"


def test_a_32_bit_raw_row_wrapped_by_the_mail_client_is_joined():
    result = parsed("31-page-5.7-arm32-wrapped-raw-row.txt")
    assert result.raw == (0, 0xEFD24844, 0xEFD24844, 0, 0, 0, 0xFFFFFFFF, 1)
    assert result.kernel_release == "5.7.0+"


def test_a_zone_device_page_keeps_its_zone_field():
    result = parsed("36-zonedev-fsdax-6.6-rfc-cut-columns.txt")
    assert result.flag_fields == {"node": 0, "zone": 4, "lastcpupid": 0x1FFFF}
    assert result.flag_names == ("reserved", "head")
    assert result.aops == "ext4_dax_aops"
    assert (result.head, result.order) == (0xFFFFEA0005F00000, 9)
    assert result.raw[1] == 0xFFFF888202681520


# Log, mail and paste noise


def test_syslog_kernel_prefixes_are_stripped():
    result = parsed("07-buddy-6.6-kernel-prefix-hashed.txt")
    assert result.page_type_name == "buddy"
    assert result.mapcount == -128
    assert len(result.raw) == 8
    assert result.kernel_release == "6.6.0-rc1+"


def test_a_journal_excerpt_wrapped_at_every_line_is_joined_back():
    result = parsed("19-file-6.4-journal-flowed-mapcount-looks-offline.txt")
    assert (result.refcount, result.mapcount, result.index, result.pfn) == (4, -256, 0x16, 0x462500)
    assert result.flags == 0x2FFFF5800002056
    assert result.flag_names == ("referenced", "uptodate", "lru", "workingset", "private")
    assert result.page_type == 0xFFFFFEFF
    assert result.raw[3] == 0xFFFF8A10472A8C70 and result.raw[6] == 0x3FFFFFEFF
    assert len(result.raw) == 8
    assert result.kernel_release == "6.4.11-zen2-1-zen"


def test_quoted_and_wrapped_raw_rows_are_joined_back():
    result = parsed("18-netpool-6.17-quoted-wrapped.txt")
    assert result.raw == (0x01FFFE0000000000, 0xDEAD000000000040, 0xFF11000123C9B000, 0, 0, 1, 0xFFFFFFFF, 0)
    assert (result.index, result.pfn) == (0, 0x11C98B)
    assert result.kernel_release == "6.17.0-rc5-gfec474d29325"


def test_lines_wrapped_with_an_indent_and_elided_rows():
    result = parsed("33-anon-device-exclusive-raw-elided.txt")
    assert (result.index, result.pfn) == (0x7F20671F7, 0x442B6A)
    assert result.flag_names == ("referenced", "uptodate", "dirty", "active", "owner_2", "swapbacked")
    assert result.flag_fields == {"node": 1, "zone": 3, "lastcpupid": 0x7FF}
    assert result.prefixes == ("memcg:ffff888179298000", "anon")
    assert result.raw == ()
    assert result.word_bits == 64
    assert result.notes == ("the raw: rows are elided in the text ('raw: ...')",)


def test_rows_cut_at_a_column_are_read_as_printed_and_noted():
    result = parsed("21-reserved-6.2-truncated-columns.txt")
    assert result.raw[3] == 0 and len(result.raw) == 8
    assert result.index is None
    assert "the page: line is cut short: it has no index:" in result.notes
    assert "the raw words are not all of one width: a row may be cut short" in result.notes


def test_crlf_and_log_levels_read_like_the_plain_text():
    text = dump("01-slab-6.15-x86-page-type-f5.txt")
    plain = parse(text)
    noisy = parse("\r\n".join(f"<4>{line}" for line in text.split("\n")))
    assert (noisy.raw, noisy.flags, noisy.page_type, noisy.kernel_release) == (
        plain.raw,
        plain.flags,
        plain.page_type,
        plain.kernel_release,
    )
    assert noisy.text != plain.text


def test_syslog_prefixes_with_iso_timestamps_read_like_the_plain_text():
    text = dump("06-buddy-6.9-bad-page-state.txt")
    plain = parse(text)
    logged = parse("\n".join(f"2024-05-23T15:12:17.123456+08:00 host kernel: {line}" for line in text.split("\n")))
    assert (logged.raw, logged.page_type, logged.reason, logged.kernel_release) == (
        plain.raw,
        plain.page_type,
        plain.reason,
        plain.kernel_release,
    )


def test_the_first_of_two_dumps_is_read_and_the_second_noted():
    result = parsed("05-page-6.9-two-dumps-buddy-reset.txt")
    assert result.reason == "VM_BUG_ON_PAGE(!PageBuddy(page))"
    assert result.page_type is None
    assert result.raw[1] == 0xDEAD000000000100
    assert "the text holds 2 dump_page() outputs; the first one is read" in result.notes


def test_page_does_not_match_folio_is_noted_with_a_misleading_prefix_kept():
    result = parsed("25-tail-6.15-does-not-match-folio-ksm-prefix.txt")
    assert result.prefixes == ("ksm",)
    assert result.raw[1] == 0xFFFFEA0000D78000
    assert any("page does not match folio" in note for note in result.notes)


# Not a dump


@pytest.mark.parametrize("text", ["", "   \n\t\r\n"])
def test_it_rejects_an_empty_text(text):
    with pytest.raises(DumpError, match="The text is empty."):
        parse(text)


def test_it_rejects_a_text_without_a_dump_page_line():
    trace = "BUG: KASAN: slab-use-after-free in foo+0x1/0x2\nCall Trace:\n <TASK>\n dump_stack_lvl+0x1/0x2\n"
    with pytest.raises(DumpError, match="No dump_page\\(\\) output in the text"):
        parse(trace)


def test_it_rejects_raw_rows_that_are_not_hex():
    text = dump("01-slab-6.15-x86-page-type-f5.txt").replace("raw: 04fff00000000000", "raw: 04fff0000000000g")
    with pytest.raises(DumpError) as error:
        parse(text)
    assert str(error.value) == (
        "raw: row 1 is not hexadecimal words: "
        "'raw: 04fff0000000000g ffff88801a041280 ffffea0000d6e3c0 dead000000000008'."
    )
