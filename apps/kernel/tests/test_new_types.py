"""Facts a user would check on the types added for issue 10 (percpu, dmapool, mappable, kfence,
secretmem, guest_memfd, net_iov, balloon, z3fold, zbud) and on the facts recorded in existing
types (HVO, frozen slabs, memdesc steps, PGTY_netpp), against the real data under data/."""

import pytest

from apps.kernel.models import FieldUsage, Identification, MemoryType, TypeRelation

pytestmark = pytest.mark.django_db


@pytest.fixture
def kernel_data(kernel_data_once, db):
    """Every test here only reads the real data: it is loaded once for the module."""
    return kernel_data_once


def parents(slug):
    return set(TypeRelation.objects.filter(child__slug=slug).values_list("parent__slug", flat=True))


def identification(slug, since):
    return Identification.objects.get(memory_type__slug=slug, since=since)


def usage(slug, struct, field, release):
    """The usage of struct.field in that release, with the word's offset (fails if absent)."""
    return FieldUsage.objects.select_related("field", "source").get(
        memory_type__slug=slug,
        field__layout__struct=struct,
        field__name=field,
        field__layout__build__release__name=release,
    )


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("percpu", {"vmalloc"}),
        ("kfence", {"slab"}),
        ("secretmem", {"file_mem"}),
        ("guest_memfd", {"file_mem"}),
        ("net_iov", {"netpool"}),
        ("balloon", {"offline", "movable_ops"}),
        ("z3fold", {"movable_ops"}),
        ("zbud", {"page"}),
        ("mappable", {"folio"}),
        ("dmapool", {"folio"}),
    ],
)
def test_new_type_sits_under_its_argued_parents(kernel_data, slug, expected):
    assert parents(slug) == expected
    # Every placement says why, and cites something.
    for relation in TypeRelation.objects.filter(child__slug=slug):
        assert relation.note


def test_percpu_keeps_its_chunk_in_index_then_private(kernel_data):
    # mm/percpu.c pcpu_set_page_chunk(): page->index (v6.1, v6.12), page->private (6.16/6.17-era tree).
    for release in ("v6.1", "v6.12"):
        index = usage("percpu", "page", "index", release)
        assert index.field.offset == 32
    private = usage("percpu", "page", "private", "v6.18")
    assert private.field.offset == 40
    assert not FieldUsage.objects.filter(
        memory_type__slug="percpu", field__layout__build__release__name="v6.18", field__name="index"
    )


def test_kfence_pages_carry_the_slab_fields_kfree_reads(kernel_data):
    # mm/kfence/core.c: slab->slab_cache set per object; memcg_data (v6.1) became obj_exts (v6.12).
    assert usage("kfence", "slab", "slab_cache", "v6.12").source.key == "kfence-core-c-v6-12"
    assert usage("kfence", "slab", "memcg_data", "v6.1").field.offset == 56
    assert usage("kfence", "slab", "obj_exts", "v6.12").field.offset == 56


def test_secretmem_and_guest_memfd_are_told_by_their_mapping(kernel_data):
    assert "secretmem_aops" in identification("secretmem", "v6.12").test
    assert usage("secretmem", "folio", "mapping", "v6.12").field.offset == 24
    # guest_memfd came with the KVM pull for 6.8 (KVM_CREATE_GUEST_MEMFD).
    assert "kvm_gmem_aops" in identification("guest_memfd", "v6.8").test
    assert usage("guest_memfd", "folio", "index", "v6.12").field.offset == 32


def test_net_iov_is_bit_0_of_a_netmem_ref_since_devmem_tcp(kernel_data):
    net_iov = MemoryType.objects.get(slug="net_iov")
    assert net_iov.descriptor == "struct net_iov"
    assert "NET_IOV (0x1)" in identification("net_iov", "v6.12").test
    # v6.18: the first member of struct net_iov is a struct netmem_desc; pp_magic at 8, as in a page.
    assert usage("net_iov", "netmem_desc", "pp_magic", "v6.18").field.offset == 8


def test_balloon_pages_are_offline_and_keep_their_device_in_private(kernel_data):
    for release in ("v5.15", "v6.1", "v6.12", "v6.18"):
        assert usage("balloon", "page", "private", release).field.offset == 40
        assert usage("balloon", "page", "page_type", release).field.offset == 48
    # The movable_ops rework that brought PG_movable_ops is in the 6.17 MM pull, as for movable_ops itself.
    moved = identification("balloon", "v6.17")
    assert "PG_movable_ops" in moved.test and moved.basis == "inferred"
    assert Identification.objects.get(memory_type__slug="movable_ops", test__contains="PG_movable_ops").since == "v6.17"


def test_device_coherent_memory_is_dated_by_the_v6_0_mm_pull(kernel_data):
    coherent = identification("device_coherent", "v6.0")
    assert "MEMORY_DEVICE_COHERENT" in coherent.test and "akpm-2022-08-03-mm-updates-5-20" in coherent.test
    assert coherent.basis == "inferred"


@pytest.mark.parametrize("slug", ["z3fold", "zbud"])
def test_z3fold_and_zbud_are_removed_in_v6_15(kernel_data, slug):
    assert MemoryType.objects.get(slug=slug).status == MemoryType.Status.REMOVED
    gone = identification(slug, "v6.15")
    assert gone.test.startswith("None:")
    assert gone.source.message_id == "174354657832.1797635.4359559630300335398@gitolite.kernel.org"


def test_z3fold_keeps_its_state_bits_in_private(kernel_data):
    assert usage("z3fold", "page", "private", "v6.12").field.offset == 40
    assert not FieldUsage.objects.filter(memory_type__slug="zbud").exists()


def test_mappable_is_the_proposed_layer_of_the_revised_tree(kernel_data):
    mappable = MemoryType.objects.get(slug="mappable")
    assert mappable.status == MemoryType.Status.PROPOSED
    assert mappable.user_mappable
    relation = TypeRelation.objects.get(child__slug="mappable")
    assert relation.source.message_id == "YXNx686gvsJMgS+z@casper.infradead.org"
    # The default view stays the 2021-10-22 tree: nothing is re-parented under mappable.
    assert not TypeRelation.objects.filter(parent__slug="mappable").exists()


def test_dmapool_has_no_mark_in_struct_page(kernel_data):
    assert not FieldUsage.objects.filter(memory_type__slug="dmapool").exists()
    assert "struct dma_page" in identification("dmapool", "").test


def test_facts_recorded_in_existing_types(kernel_data):
    hugetlb = MemoryType.objects.get(slug="hugetlb")
    assert "HUGETLB_VMEMMAP_RESERVE_SIZE" in hugetlb.description
    assert hugetlb.sources.filter(key="vmemmap-dedup-rst-v6-12").exists()
    slab = MemoryType.objects.get(slug="slab")
    assert "9aec2fb0fd5e" in slab.description
    page = MemoryType.objects.get(slug="page")
    assert "memdesc_flags_t" in page.description and "__folio_index" in page.description
    netpool = MemoryType.objects.get(slug="netpool")
    assert "PGTY_netpp = 0xf9" in netpool.description
    assert netpool.sources.filter(message_id="20260515034701.17027-1-byungchul@sk.com").exists()
    # _mm_ids: the folio's first tail page at v6.18, 104 bytes into the folio (page 1).
    mm_ids = usage("folio", "folio", "_mm_ids", "v6.18")
    assert (mm_ids.field.offset, mm_ids.field.page_index) == (104, 1)


@pytest.mark.parametrize(
    ("slug", "since", "basis"),
    [
        ("dmapool", "", "stable"),
        ("guest_memfd", "v6.8", "inferred"),
        ("net_iov", "v6.12", "stable"),
        ("secretmem", "v6.12", "stable"),
        ("balloon", "", "stable"),
        ("percpu", "", "stable"),
        ("z3fold", "v6.15", "inferred"),
        ("zbud", "", "stable"),
        ("zbud", "v6.15", "inferred"),
    ],
)
def test_identification_read_in_a_stable_tree_or_dated_by_a_post_is_not_labelled_as_read_at_the_tag(
    kernel_data, slug, since, basis
):
    assert identification(slug, since).basis == basis
