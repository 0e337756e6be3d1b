"""The rule engine on the real rules and builds: for every loaded release, pages built from the
numbers of that build's enums (never typed here) classify as the kernel would see them."""

import pytest

from apps.decoder.models import Rule
from apps.decoder.rules import EXCLUDES, MATCH, UNKNOWN, Evidence, RuleSet, RuleSetError
from apps.kernel.models import EnumValue

ERAS = ["v5.10", "v5.15", "v6.1", "v6.12", "v6.18", "v7.2", "v7.3-rc7"]
UNTYPED = 0xFFFFFFFF  # page_type of a page without a type: _mapcount -1


@pytest.fixture
def kernel_data(kernel_data_once):
    return kernel_data_once


def flags(rs, *names):
    """A flags word with the named PG_ flags set, from the build's enum (via the rule set)."""
    return sum(1 << rs.numbers[("pageflags", name)] for name in names)


def has_flags(rs, *names):
    return all(("pageflags", name) in rs.numbers for name in names)


def identifying(rs, slug, field="page_type"):
    return [r for r in rs.rules if r.memory_type.slug == slug and r.effect == "identifies" and r.field == field]


def page_type(rs, slug):
    """The page_type word the kernel writes for a type at this release: the PGTY_ number in the top
    byte (from the build's enum pagetype), or the inverted bit cleared (from the rule's data)."""
    (rule,) = identifying(rs, slug)
    if rule.operation == Rule.Operation.PAGETYPE:
        return rs.number(rule) << 24
    return UNTYPED & ~int(rule.mask, 16)


def typed_or_flag(rs, slug, flag):
    """Evidence of a page of a type that is a page type in some eras and a flag in others."""
    if identifying(rs, slug):
        return Evidence(fields={"flags": 0, "page_type": page_type(rs, slug)})
    if has_flags(rs, flag):
        return Evidence(fields={"flags": flags(rs, flag), "page_type": UNTYPED})
    return Evidence(flag_names=frozenset({flag.removeprefix("PG_")}), fields={"page_type": UNTYPED})


def plain_flags(rs, *names):
    """flags with the names set when the build gives their numbers, else the printed names."""
    if has_flags(rs, *names):
        return {"fields": {"flags": flags(rs, *names)}}
    return {"flag_names": frozenset(n.removeprefix("PG_") for n in names), "fields": {"flags": 0}}


@pytest.mark.parametrize("release", ERAS)
def test_slab_buddy_and_pgtable_pages(kernel_data, release):
    rs = RuleSet.at(release, "x86_64")
    assert rs.classify(typed_or_flag(rs, "slab", "PG_slab")).type.slug == "slab"
    assert rs.classify(Evidence(fields={"flags": 0, "page_type": page_type(rs, "buddy"), "private": 3})).type.slug == (
        "buddy"
    )
    assert rs.classify(Evidence(fields={"flags": 0, "page_type": page_type(rs, "pgtable")})).type.slug == "pgtable"


@pytest.mark.parametrize("release", ERAS)
def test_mapping_tags_anon_ksm_and_file(kernel_data, release):
    rs = RuleSet.at(release, "x86_64")
    base = plain_flags(rs, "PG_lru")
    anon_vma = 0xFFFF888003A1B2C0
    mapping = 0xFFFF888004C0FFE8
    for value, slug in ((anon_vma | 1, "anon_mem"), (anon_vma | 3, "ksm"), (mapping, "file_mem")):
        fields = {**base["fields"], "mapping": value, "page_type": UNTYPED}
        result = rs.classify(Evidence(fields=fields, flag_names=base.get("flag_names", frozenset())))
        assert result.type.slug == slug, (release, hex(value))
        assert not result.tail
        assert "lru_mem" in {r.rule.memory_type.slug for r in result.matched}


@pytest.mark.parametrize("release", ERAS)
def test_hugetlb_head(kernel_data, release):
    rs = RuleSet.at(release, "x86_64")
    head = plain_flags(rs, "PG_head")
    if identifying(rs, "hugetlb"):
        evidence = Evidence(
            fields={**head["fields"], "page_type": page_type(rs, "hugetlb"), "mapping": 0xFFFF888004C0FFE8},
            flag_names=head.get("flag_names", frozenset()),
            page1_fields={"flags": 9},
        )
    else:
        (dtor,) = [r for r in rs.rules if r.memory_type.slug == "hugetlb"]
        assert dtor.page == "page1" and dtor.field == "compound_dtor"
        evidence = Evidence(
            fields={**head["fields"], "page_type": UNTYPED, "mapping": 0xFFFF888004C0FFE8},
            page1_fields={"compound_dtor": int(dtor.value, 16), "compound_order": 9},
        )
    result = rs.classify(evidence)
    assert result.type.slug == "hugetlb"
    assert "file_mem" not in {t.slug for t, _ in result.candidates}
    if has_flags(rs, "PG_head"):
        assert result.order == 9


@pytest.mark.parametrize(("release", "read"), [("v6.2", "compound_dtor"), ("v6.4", "word2"), ("v6.6", "flags")])
def test_hugetlb_reads_the_dtor_byte_by_the_name_of_its_era(kernel_data, release, read):
    """v6.3 took compound_dtor and compound_order out of struct page (the bytes became struct folio's
    _folio_dtor and _folio_order); v6.6 replaced the dtor by the PG_hugetlb flag of page[1]."""
    rs = RuleSet.at_name(release, "x86_64")
    page1 = {(r.memory_type.slug, r.field or f"word{r.word}") for r in rs.rules if r.page == "page1"}
    assert {name for slug, name in page1 if slug == "hugetlb"} == {read}
    if read == "word2":
        head = plain_flags(rs, "PG_head")
        word2 = 0x0902  # _folio_dtor HUGETLB_PAGE_DTOR (2) in byte 0, _folio_order 9 in byte 1
        evidence = Evidence(fields={**head["fields"], "page_type": UNTYPED}, page1_fields={"word2": word2})
        result = rs.classify(evidence)
        assert (result.type.slug, result.order) == ("hugetlb", 9)
        assert ("page", "compound_order") not in page1


def test_the_hugetlb_dtor_index_starts_in_v4_4(kernel_data):
    assert "hugetlb" not in {r.memory_type.slug for r in RuleSet.at_name("v4.3", "x86_64").rules}
    assert "hugetlb" in {r.memory_type.slug for r in RuleSet.at_name("v4.4", "x86_64").rules}


@pytest.mark.parametrize("release", ERAS)
def test_tail_page_takes_its_heads_type(kernel_data, release):
    rs = RuleSet.at(release, "x86_64")
    tail_word = "compound_info" if "compound_info" in {r.field for r in rs.rules} else "compound_head"
    head = typed_or_flag(rs, "slab", "PG_slab")
    evidence = Evidence(
        fields={"flags": 0, tail_word: 0xFFFFEA0000123401, "mapping": 0xDEAD000000000400, "page_type": UNTYPED},
        head_fields=head.fields,
        head_flag_names=head.flag_names,
    )
    result = rs.classify(evidence)
    assert result.tail
    assert result.head_type.slug == "slab"
    assert result.type.slug == "slab"
    # Without the head, a tail page is only known as a page.
    alone = rs.classify(Evidence(fields={"flags": 0, tail_word: 0xFFFFEA0000123401, "mapping": 0xDEAD000000000400}))
    assert alone.tail and alone.head_type is None and alone.type.slug == "page"


@pytest.mark.parametrize("release", [r for r in ERAS if r != "v5.10"])
def test_netpool(kernel_data, release):
    rs = RuleSet.at(release, "x86_64")
    (rule, *_) = [r for r in rs.rules if r.memory_type.slug == "netpool"]
    magic = int(rule.value, 16) | 0x2  # bit 1: pfmemalloc, masked out by the kernel's test
    result = rs.classify(Evidence(fields={"flags": 0, "pp_magic": magic, "page_type": UNTYPED}))
    assert result.type.slug == "netpool"
    # An ordinary list pointer in the same word is no page_pool page.
    other = rs.classify(Evidence(fields={"flags": 0, "pp_magic": 0xFFFF888004C0FFE8, "page_type": UNTYPED}))
    assert other.type.slug != "netpool"


def test_netpool_dma_index_bits_from_v6_16(kernel_data):
    magic = 0xDEAD000000000040 | (0x1234 << 7)
    assert RuleSet.at("v7.2", "x86_64").classify(Evidence(fields={"pp_magic": magic})).type.slug == "netpool"
    assert RuleSet.at_name("v6.9", "x86_64").classify(Evidence(fields={"pp_magic": magic})).type.slug == "page"

    def masks(name):
        return sorted(r.mask for r in RuleSet.at_name(name, "x86_64").rules if r.memory_type.slug == "netpool")

    assert masks("v6.16") == ["0xffffff800000007c"]
    # The v6.15 tag still tests ~0x3; the DMA-index bits reached 6.15.y (6.15.3) and 6.12.y (6.12.34) as
    # backports, which the stable builds' rule covers beside it.
    assert masks("v6.15") == ["0xffffff800000007c", "0xfffffffffffffffc"]


def test_netpool_on_32_bit_arm(kernel_data):
    rs = RuleSet.at("v7.2", "arm")
    assert rs.classify(Evidence(fields={"pp_magic": 0x40 | (5 << 7)})).type.slug == "netpool"
    assert rs.classify(Evidence(fields={"pp_magic": 0xC2A4F040})).type.slug == "page"  # a lowmem pointer


@pytest.mark.parametrize("release", ERAS)
def test_zone_device(kernel_data, release):
    rs = RuleSet.at(release, "x86_64")
    (rule,) = [r for r in rs.rules if r.memory_type.slug == "zonedev"]
    assert rs.classify(Evidence(fields={"flags": 0}, zone=int(rule.value, 16))).type.slug == "zonedev"
    assert rs.classify(Evidence(fields={"flags": 0}, zone=2)).type.slug == "page"


@pytest.mark.parametrize("release", ERAS)
def test_no_evidence_is_a_page(kernel_data, release):
    result = RuleSet.at(release, "x86_64").classify(Evidence())
    assert result.type.slug == "page"
    assert not result.tail and result.matched == () and result.candidates == ()
    assert all(r.outcome == UNKNOWN for r in result.unknown)


def test_contradictory_flag_and_page_type_give_candidates(kernel_data):
    rs = RuleSet.at("v6.1", "x86_64")
    result = rs.classify(Evidence(fields={"flags": flags(rs, "PG_slab"), "page_type": page_type(rs, "buddy")}))
    assert {result.type.slug, *(t.slug for t, _ in result.candidates)} == {"slab", "buddy"}
    assert all("also holds" in why for _, why in result.candidates)


@pytest.mark.parametrize("release", ["v6.12", "v7.2"])
def test_contradictory_signature_and_zone_give_candidates(kernel_data, release):
    rs = RuleSet.at(release, "x86_64")
    (netpool, *_) = [r for r in rs.rules if r.memory_type.slug == "netpool"]
    (zonedev,) = [r for r in rs.rules if r.memory_type.slug == "zonedev"]
    evidence = Evidence(fields={"flags": 0, "pp_magic": int(netpool.value, 16)}, zone=int(zonedev.value, 16))
    result = rs.classify(evidence)
    assert {result.type.slug, *(t.slug for t, _ in result.candidates)} == {"netpool", "zonedev"}


def test_lower_ranked_matches_are_no_candidates(kernel_data):
    rs = RuleSet.at("v6.12", "x86_64")
    (zonedev,) = [r for r in rs.rules if r.memory_type.slug == "zonedev"]
    evidence = Evidence(fields={"flags": 0, "page_type": page_type(rs, "slab"), "mapping": 0xFFFF888004C0FFE8})
    result = rs.classify(Evidence(fields=evidence.fields, zone=int(zonedev.value, 16)))
    assert result.type.slug == "slab"
    assert result.candidates == ()
    assert {"file_mem", "zonedev"} <= {r.rule.memory_type.slug for r in result.matched}
    # The raw word decides over a printed page type name.
    named = rs.classify(Evidence(fields={"page_type": page_type(rs, "slab")}, page_type_name="buddy"))
    assert named.type.slug == "slab"


def test_v6_12_slab_reads_pgty_slab_from_the_enum(kernel_data):
    rs = RuleSet.at("v6.12", "x86_64")
    number = EnumValue.objects.get(build=rs.build, enum="pagetype", name="PGTY_slab").value
    result = rs.classify(Evidence(fields={"page_type": (number << 24) | 0x1234}))
    (slab,) = [r for r in result.matched if r.rule.memory_type.slug == "slab"]
    assert slab.outcome == MATCH
    assert slab.detail == f"page_type >> 24 = {number:#x} == {number:#x} (PGTY_slab)"
    buddy = [r for r in result.excluded if r.rule.memory_type.slug == "buddy"]
    assert buddy and buddy[0].outcome == EXCLUDES


def test_printed_names_stand_in_for_missing_words(kernel_data):
    rs = RuleSet.at_name("v6.16", "x86_64")  # no build, and no span of enum pageflags
    assert ("pageflags", "PG_reserved") not in rs.numbers
    assert rs.classify(Evidence(page_type_name="slab")).type.slug == "slab"
    assert rs.classify(Evidence(flag_names=frozenset({"reserved"}))).type.slug == "reserved"
    assert any("no build gives enum pageflags" in note for note in rs.notes)


def test_v6_18_page_types_come_from_the_v7_2_build(kernel_data):
    rs = RuleSet.at("v6.18", "x86_64")
    v72 = RuleSet.at("v7.2", "x86_64")
    assert rs.build.release.name == "v6.18"
    assert rs.numbers[("pagetype", "PGTY_slab")] == v72.numbers[("pagetype", "PGTY_slab")]
    assert rs.numbers[("pageflags", "PG_head")] == v72.numbers[("pageflags", "PG_head")]
    assert any("v7.2 x86_64 build" in note for note in rs.notes)


def test_v5_15_flags_come_from_the_v5_10_build(kernel_data):
    rs = RuleSet.at("v5.15", "x86_64")
    v510 = EnumValue.objects.get(build__release__name="v5.10", enum="pageflags", name="PG_slab").value
    assert rs.numbers[("pageflags", "PG_slab")] == v510
    assert rs.classify(Evidence(fields={"flags": 1 << v510})).type.slug == "slab"


def test_at_name_between_loaded_releases(kernel_data):
    # v6.10: slab is an inverted page type, typed in the rule; the pageflags enum has no span.
    rs = RuleSet.at_name("v6.10", "x86_64")
    assert rs.build is None and rs.release is None
    assert rs.notes[0].startswith("memtypes has no x86_64 build of v6.10")
    assert rs.classify(Evidence(fields={"page_type": 0xFFFFFFFF & ~0x1000})).type.slug == "slab"
    flag = [r for r in rs.rules if r.operation == "flag" and r.name == "PG_head"]
    assert rs.evaluate(flag[0], Evidence(fields={"flags": 1 << 16})).outcome == UNKNOWN
    # v6.13 borrows enum pagetype from the v6.12 build.
    rs613 = RuleSet.at_name("v6.13", "x86_64")
    assert rs613.classify(
        Evidence(fields={"page_type": rs613.numbers[("pagetype", "PGTY_buddy")] << 24})
    ).type.slug == ("buddy")


def test_flag_names(kernel_data):
    rs = RuleSet.at("v6.12", "x86_64")
    names = rs.flag_names(flags(rs, "PG_head", "PG_lru"))
    assert {"PG_head", "PG_lru"} <= set(names)
    assert "PG_locked" not in names


def test_unknown_build_is_refused(kernel_data):
    with pytest.raises(RuleSetError, match="no i386 build of v7.2"):
        RuleSet.at("v7.2", "i386")
    with pytest.raises(RuleSetError):
        RuleSet.at_name("6.12", "x86_64")


@pytest.mark.parametrize("release", ["v5.10", "v7.2"])
def test_rule_set_query_count(kernel_data, django_assert_num_queries, release):
    with django_assert_num_queries(5):
        rs = RuleSet.at(release, "x86_64")
    with django_assert_num_queries(0):
        rs.classify(Evidence(fields={"flags": 0, "page_type": UNTYPED, "mapping": 0x1001}))


def test_buddy_before_and_after_the_page_types_of_v4_18(kernel_data):
    v414, v419 = RuleSet.at_name("v4.14", "x86_64"), RuleSet.at_name("v4.19", "x86_64")
    (old,) = [r for r in v414.rules if r.memory_type.slug == "buddy" and r.effect == "identifies"]
    (new,) = [r for r in v419.rules if r.memory_type.slug == "buddy" and r.effect == "identifies"]
    minus_128 = int(old.value, 16)  # PAGE_BUDDY_MAPCOUNT_VALUE as the rule has it
    bit_clear = UNTYPED & ~int(new.mask, 16)  # __SetPageBuddy() on an untyped page
    assert v414.classify(Evidence(fields={"_mapcount": minus_128})).type.slug == "buddy"
    assert v414.classify(Evidence(fields={"_mapcount": bit_clear})).type.slug == "page"
    assert v419.classify(Evidence(fields={"page_type": bit_clear})).type.slug == "buddy"
    assert v419.classify(Evidence(fields={"page_type": minus_128})).type.slug == "page"
    # The bit PG_offline has from v5.0 was PG_balloon in v4.18-v4.20.
    (offline,) = [r for r in RuleSet.at("v5.10").rules if r.memory_type.slug == "offline"]
    word = UNTYPED & ~int(offline.mask, 16)
    assert v419.classify(Evidence(fields={"page_type": word})).type.slug == "balloon"
    assert RuleSet.at("v5.10").classify(Evidence(fields={"page_type": word})).type.slug == "offline"
