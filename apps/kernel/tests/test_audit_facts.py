"""One test per finding of the 2026-11-30 audit of the kernel data (issue 10): each failed on the
data before the correction and pins the corrected fact, with the source it was checked in."""

import pytest
import yaml
from django.conf import settings

from apps.kernel.models import FieldUsage, Identification, MemdescTable, MemoryType, Source, TypeRelation

pytestmark = pytest.mark.django_db


@pytest.fixture
def kernel_data(kernel_data_once, db):
    """Every test here only reads the real data: it is loaded once for the module."""
    return kernel_data_once


def usage(slug, release, struct, field):
    return FieldUsage.objects.select_related("source").get(
        memory_type__slug=slug,
        field__layout__build__release__name=release,
        field__layout__struct=struct,
        field__name=field,
    )


def sinces(slug):
    return sorted(Identification.objects.filter(memory_type__slug=slug).values_list("since", flat=True))


def ident(slug, since):
    return Identification.objects.select_related("source").get(memory_type__slug=slug, since=since)


def description(slug):
    """The type's description with its line breaks folded, as the page shows it."""
    return " ".join(MemoryType.objects.get(slug=slug).description.split())


def backports():
    return yaml.safe_load((settings.KERNEL_DATA_DIR / "backports.yaml").read_text())


def backport(release, commit):
    return next(b for b in backports() if (b["release"], b["commit"]) == (release, commit))


# -- Wrong ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug, field",
    [
        ("folio", "_head_3"),
        ("hugetlb", "_hugetlb_subpool"),
        ("hugetlb", "_hugetlb_cgroup"),
        ("hugetlb", "_hugetlb_cgroup_rsvd"),
        ("hugetlb", "_hugetlb_hwpoison"),
        ("hwpoison", "_hugetlb_hwpoison"),
    ],
)
def test_v6_12_page3_usages_say_they_describe_the_backport_not_the_tag(kernel_data, slug, field):
    # 4eeec8c89a0c "mm: move hugetlb specific things in folio to page[3]" is v6.15 (MM pull for
    # 6.15-rc1, 20250330165732.f4c1493615375623f67e38eb@linux-foundation.org), in 6.12.y since Sep 2026.
    found = usage(slug, "v6.12", "folio", field)
    assert found.basis == "stable"
    assert "v6.12 tag" in found.keeps and "4eeec8c89a0c" in found.keeps


def test_the_v6_12_backport_of_the_fourth_folio_page_is_listed(kernel_data):
    entry = backport("v6.12", "4eeec8c89a0c")
    assert entry["upstream"] == "v6.15"
    assert {"_flags_3", "_head_3", "__page_3"} <= {f["name"] for f in entry["fields"]}
    assert Source.objects.get(key=entry["source"]).message_id.startswith("178965828939.")


def test_the_folio_description_gives_the_v6_12_tag_three_pages(kernel_data):
    description = MemoryType.objects.get(slug="folio").description
    assert "spans 3 pages (192 bytes)" in description and "4eeec8c89a0c" in description


def test_v6_1_private_1_is_a_6_1_y_backport_and_the_tag_keeps_the_subpool_in_page_1_private(kernel_data):
    private_1 = usage("hugetlb", "v6.1", "folio", "_private_1")
    assert private_1.basis == "stable" and "page[1].private" in private_1.keeps and "96 bytes" in private_1.keeps
    assert "SUBPAGE_INDEX_SUBPOOL" in usage("hugetlb", "v6.1", "page", "private").keeps
    entry = backport("v6.1", "d340625f4849")
    assert {("folio", "_private_1"), ("page", "_private_1")} == {(f["struct"], f["name"]) for f in entry["fields"]}


def test_zsmalloc_identification_is_dated_v5_15_v5_17_v6_0(kernel_data):
    assert sinces("zsmalloc")[:4] == ["", "v5.17", "v6.0", "v6.11"]
    oldest = ident("zsmalloc", "").test
    assert "page->units" in oldest and "page->freelist" in oldest and "inode" in oldest
    assert "page_type" in ident("zsmalloc", "v5.17").test
    assert "zsmalloc_mops" in ident("zsmalloc", "v6.0").test


def test_guard_pages_of_v6_1_are_set_by_set_page_guard_in_page_alloc_c(kernel_data):
    keeps = usage("guard", "v6.1", "page", "buddy_list").keeps
    assert keeps.startswith("set_page_guard() (mm/page_alloc.c)")


def test_slab_pages_of_v6_18_are_frozen(kernel_data):
    keeps = usage("slab", "v6.18", "slab", "__page_refcount").keeps
    assert keeps.startswith("Stays 0") and "9aec2fb0fd5e" in keeps


def test_large_kmalloc_of_v6_18_is_frozen_and_the_folio_argument_is_revisited(kernel_data):
    assert usage("large_kmalloc", "v6.18", "folio", "_refcount").keeps.startswith("Stays 0")
    note = TypeRelation.objects.get(parent__slug="folio", child__slug="large_kmalloc").note
    assert "frozen" in note and "v6.17" in note


# -- Unsupported or open where the answer exists ----------------------------------------------


def test_slab_is_a_page_type_from_v6_10(kernel_data):
    assert "v6.10" in sinces("slab")
    assert "46df8e73a4a3" in ident("slab", "v6.10").test
    assert "up to v6.9" in MemoryType.objects.get(slug="slab").description


def test_hugetlb_was_a_folio_flag_from_v6_6_and_a_page_type_from_v6_9(kernel_data):
    assert {"v6.6", "v6.9", "v6.12"} <= set(sinces("hugetlb"))
    assert "PG_hugetlb" in ident("hugetlb", "v6.6").test
    assert "d99e3140a4d3" in ident("hugetlb", "v6.9").test


@pytest.mark.parametrize(
    "slug, since, wrong",
    [("large_kmalloc", "v6.15", "v6.18"), ("movable_ops", "v6.17", "v6.18")],
)
def test_sinces_are_the_release_of_the_change_not_the_first_loaded(kernel_data, slug, since, wrong):
    assert since in sinces(slug) and wrong not in sinces(slug)


def test_netmem_desc_is_dated_v6_17(kernel_data):
    assert "Since v6.17 (f3d85c9ee510; first loaded: v6.18)" in description("netpool")


def test_the_hugetlb_and_slab_remarks_cite_wilcoxs_mail_of_2021_10_23(kernel_data):
    relation = TypeRelation.objects.select_related("source").get(parent__slug="folio", child__slug="hugetlb")
    assert relation.source.message_id == "YXNx686gvsJMgS+z@casper.infradead.org"
    slab_note = TypeRelation.objects.get(parent__slug="page", child__slug="slab").note
    assert "YXNx686gvsJMgS+z@casper.infradead.org" in slab_note


def test_both_memdesc_tables_are_kept_each_with_the_copy_it_was_read_from(kernel_data):
    """The stored copy headed "For 2025" numbers the types differently from the copy with
    "unsigned long memdesc": both are real, so both tables are kept, in order, each citing its copy;
    the unfindable "?action=Save" revision is not cited."""
    assert not Source.objects.filter(url__contains="action=Save").exists()
    earlier, later = MemdescTable.objects.order_by("position")
    assert "For 2025" in later.name and "For 2025" in later.source.title
    assert "unsigned long memdesc" in earlier.source.title

    def numbers(table):
        return {n.memory_type.slug: (n.number, n.subtype) for n in table.numbers.select_related("memory_type")}

    assert [numbers(later)[slug] for slug in ("buddy", "file_mem", "anon_mem", "ksm", "slab")] == [
        (1, None), (2, None), (3, None), (4, None), (5, None)
    ]  # fmt: skip
    assert [numbers(later)[slug] for slug in ("movable_ops", "pgtable", "hwpoison", "percpu", "zsmalloc")] == [
        (7, None), (8, None), (9, None), (10, None), (12, None)
    ]  # fmt: skip
    assert numbers(later)["vmalloc"] == (0, 3) and numbers(later)["large_kmalloc"] == (0, 6)
    assert [numbers(earlier)[slug][0] for slug in ("file_mem", "anon_mem", "ksm", "slab", "buddy")] == [1, 2, 3, 4, 5]
    assert numbers(earlier)["netpool"] == (10, None) and "netpool" not in numbers(later)


def test_folio_test_anon_is_true_for_ksm(kernel_data):
    test = ident("anon_mem", "v6.1").test
    assert "true for KSM" in test and "folio_anon_vma()" in test and "excludes KSM" not in test


def test_lru_mem_labels_its_reason_as_an_inference(kernel_data):
    assert "memtypes' inference" in MemoryType.objects.get(slug="lru_mem").description


def test_fsdax_of_v6_1_had_dax_cow_with_index_counting_sharers(kernel_data):
    description = MemoryType.objects.get(slug="fsdax").description
    assert "PAGE_MAPPING_DAX_COW" in description and "neither is in v6.1" not in description


def test_netpool_makes_no_unsourced_mapping_claim(kernel_data):
    note = TypeRelation.objects.get(parent__slug="folio", child__slug="netpool").note
    assert "zero-copy receive)" not in note
    assert "never looks" not in usage("netpool", "v6.1", "page", "_pp_mapping_pad").keeps
    assert "mappable" in description("netpool") and "was not verified" not in description("netpool")


# -- Stale for v6.18 ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["anon_mem", "file_mem", "ksm"])
def test_the_mapping_flags_are_folio_mapping_from_v6_17(kernel_data, slug):
    assert "FOLIO_MAPPING" in ident(slug, "v6.17").test


def test_folio_mapping_flags_is_gone_in_v6_17(kernel_data):
    assert "folio_mapping_flags() was removed" in ident("file_mem", "v6.17").test


@pytest.mark.parametrize("slug", ["zonedev", "device_private", "device_coherent", "device_generic", "fsdax", "p2pdma"])
def test_zone_device_kinds_read_the_pgmap_through_the_folio_from_v6_15(kernel_data, slug):
    assert "page_pgmap(page)->type" in ident(slug, "v6.15").test


def test_netpool_names_page_pool_page_is_pp_and_pp_magic_mask_from_v6_16(kernel_data):
    test = ident("netpool", "v6.16").test
    assert "page_pool_page_is_pp" in test and "PP_MAGIC_MASK" in test
    assert not Identification.objects.filter(memory_type__slug="netpool", since="v6.15").exists()


def test_reserved_says_its_comment_list_changed(kernel_data):
    assert "v6.12.y tree's comment no longer does" in MemoryType.objects.get(slug="reserved").description


def test_zero_page_knows_the_persistent_huge_zero_folio(kernel_data):
    assert "CONFIG_PERSISTENT_HUGE_ZERO_FOLIO" in MemoryType.objects.get(slug="zero_page").description


def test_pg_slab_is_dated_up_to_v6_9_on_the_page_type(kernel_data):
    assert "`PG_slab` up to v6.9" in MemoryType.objects.get(slug="page").description
