"""Life of a page, as curated in data/lifecycle.yaml: for each family of transitions, the kernel
function a reader would look up at a release. Each was read in that release's kernel tree
(Debian linux-source 5.10.262, 6.1.192, 6.12.117, 7.2.13, 7.3~rc7), as the cited source says."""

import pytest

from apps.kernel import lifecycle
from apps.kernel.facts import release_order
from apps.kernel.models import Release, Source, Transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def kernel_data(kernel_data_once, db):
    """Every test here only reads the real data: it is loaded once for the module."""
    return kernel_data_once


def function_at(from_slug, to_slug, event, release):
    """The function that performs the transition at `release`, or None when no era covers it."""
    eras = list(
        Transition.objects.at_release(release).filter(from_type__slug=from_slug, to_type__slug=to_slug, event=event)
    )
    assert len(eras) <= 1, eras
    return eras[0].function if eras else None


def era_at(from_slug, to_slug, event, release):
    return (
        Transition.objects.at_release(release)
        .select_related("source")
        .get(from_type__slug=from_slug, to_type__slug=to_slug, event=event)
    )


def test_the_slab_allocator_takes_pages_from_the_buddy_allocator_and_gives_them_back(kernel_data):
    event = "allocated by the slab allocator (SLUB)"
    assert function_at("buddy", "slab", event, "v5.10") == "allocate_slab()"
    assert function_at("buddy", "slab", event, "v6.12") == "alloc_slab_page()"
    assert function_at("buddy", "slab", event, "v7.3-rc7") == "alloc_slab_page()"
    freed = era_at("slab", "buddy", "freed by the slab allocator (SLUB)", "v7.2")
    assert freed.function == "__free_slab()"
    assert "free_frozen_pages()" in freed.note


def test_an_anonymous_page_is_faulted_in_swapped_out_and_freed(kernel_data):
    assert function_at("buddy", "anon_mem", "page fault on anonymous memory", "v6.1") == "do_anonymous_page()"
    assert function_at("buddy", "anon_mem", "swapped in", "v7.2") == "do_swap_page()"
    swap_cache = "added to the swap cache"
    assert function_at("anon_mem", "anon_mem", swap_cache, "v6.12") == "add_to_swap()"
    assert function_at("anon_mem", "anon_mem", swap_cache, "v7.2") == "folio_alloc_swap()"
    assert function_at("anon_mem", "buddy", "reclaimed after swap-out", "v5.10") == "__remove_mapping()"
    freed = "freed when the last reference is dropped"
    assert function_at("anon_mem", "buddy", freed, "v5.10") == "__put_page()"
    # folio_put() (v5.16) still freed through __put_page(); the rename came with the v6.0 MM pull.
    assert function_at("anon_mem", "buddy", freed, "v5.19") == "__put_page()"
    renamed = era_at("anon_mem", "buddy", freed, "v6.0")
    assert renamed.function == "__folio_put()"
    assert renamed.dated_by.message_id == "20220803133541.18b82ec9344ed0e8b975fe5b@linux-foundation.org"
    assert function_at("anon_mem", "buddy", freed, "v6.12") == "__folio_put()"
    assert era_at("anon_mem", "buddy", freed, "v7.3-rc7").source.path == "mm/folio.c"


def test_a_page_cache_folio_is_read_dirtied_written_back_and_evicted(kernel_data):
    assert function_at("buddy", "file_mem", "read into the page cache", "v5.10") == "add_to_page_cache_lru()"
    assert function_at("buddy", "file_mem", "read into the page cache", "v6.12") == "filemap_add_folio()"
    assert function_at("file_mem", "file_mem", "dirtied", "v5.10") == "set_page_dirty()"
    assert function_at("file_mem", "file_mem", "dirtied", "v6.1") == "folio_mark_dirty()"
    assert function_at("file_mem", "file_mem", "written back", "v5.10") == "end_page_writeback()"
    assert function_at("file_mem", "file_mem", "written back", "v7.3-rc7") == "folio_end_writeback()"
    assert function_at("file_mem", "buddy", "evicted by reclaim", "v6.18") == "__remove_mapping()"
    truncated = "removed from the page cache (truncation)"
    assert function_at("file_mem", "buddy", truncated, "v5.16") == "__delete_from_page_cache()"
    assert function_at("file_mem", "buddy", truncated, "v5.17") == "__filemap_remove_folio()"
    dated_by = era_at("file_mem", "buddy", truncated, "v6.1").dated_by
    assert dated_by.message_id == "20221013101528.4afacfe3@canb.auug.org.au"


def test_a_pte_page_table_is_built_with_the_constructor_of_its_era(kernel_data):
    allocated = "allocated as a PTE page table"
    assert function_at("buddy", "pgtable", allocated, "v6.1") == "pte_alloc_one()"
    assert "pgtable_pte_page_ctor()" in era_at("buddy", "pgtable", allocated, "v6.1").note
    assert "pagetable_pte_ctor()" in era_at("buddy", "pgtable", allocated, "v6.12").note
    freed = "PTE page table freed"
    assert "pgtable_pte_page_dtor()" in era_at("pgtable", "buddy", freed, "v5.10").note
    assert "pagetable_pte_dtor() + pagetable_free()" in era_at("pgtable", "buddy", freed, "v6.12").note
    assert "pagetable_dtor_free()" in era_at("pgtable", "buddy", freed, "v7.2").note


def test_memory_failure_poisons_free_and_used_pages(kernel_data):
    assert function_at("buddy", "hwpoison", "poisoned while free (memory failure)", "v5.10") == "memory_failure()"
    for slug in ("anon_mem", "file_mem"):
        assert function_at(slug, "hwpoison", "poisoned while in use (memory failure)", "v7.3-rc7") == "memory_failure()"


def test_hot_added_memory_is_onlined_from_reserved_then_from_offline_pages(kernel_data):
    onlined = "hot-added memory onlined"
    assert function_at("reserved", "buddy", onlined, "v6.10") == "generic_online_page()"
    assert function_at("offline", "buddy", onlined, "v6.10") is None
    assert function_at("offline", "buddy", onlined, "v6.11") == "generic_online_page()"
    assert function_at("reserved", "buddy", onlined, "v6.11") is None
    assert function_at("buddy", "offline", "memory block offlined", "v7.2") == "offline_pages()"


def test_large_kmalloc_comes_straight_from_the_page_allocator(kernel_data):
    event = "kmalloc() too large for the kmalloc caches"
    assert function_at("buddy", "large_kmalloc", event, "v5.10") == "kmalloc_order()"
    assert function_at("buddy", "large_kmalloc", event, "v6.10") == "__kmalloc_large_node()"
    assert function_at("buddy", "large_kmalloc", event, "v6.11") == "___kmalloc_large_node()"
    freed = "kfree() of a large kmalloc"
    assert function_at("large_kmalloc", "buddy", freed, "v5.10") == "kfree()"
    assert function_at("large_kmalloc", "buddy", freed, "v5.15") == "free_nonslab_page()"
    assert function_at("large_kmalloc", "buddy", freed, "v6.12") == "free_large_kmalloc()"


def test_vmalloc_zsmalloc_percpu_and_ksm_use_one_function_in_every_release(kernel_data):
    for release in ("v5.10", "v6.12", "v7.3-rc7"):
        assert function_at("buddy", "vmalloc", "mapped into the vmalloc area", release) == "__vmalloc_area_node()"
        assert function_at("vmalloc", "buddy", "vfree()", release) == "vfree()"
        assert function_at("buddy", "zsmalloc", "zspage allocated", release) == "alloc_zspage()"
        assert function_at("zsmalloc", "buddy", "zspage freed", release) == "__free_zspage()"
        assert function_at("buddy", "percpu", "per-CPU chunk populated", release) == "pcpu_alloc_pages()"
        assert function_at("percpu", "buddy", "per-CPU chunk depopulated", release) == "pcpu_free_pages()"
        assert function_at("anon_mem", "ksm", "merged by KSM", release) == "try_to_merge_one_page()"


def test_hugetlb_pools_fill_and_drain_with_the_folio_functions_from_v6_2(kernel_data):
    assert function_at("buddy", "hugetlb", "added to a hugetlb pool", "v6.1") == "alloc_fresh_huge_page()"
    assert function_at("buddy", "hugetlb", "added to a hugetlb pool", "v6.2") == "alloc_fresh_hugetlb_folio()"
    returned = "returned from a hugetlb pool to the page allocator"
    assert function_at("hugetlb", "buddy", returned, "v6.1") == "update_and_free_page()"
    assert function_at("hugetlb", "buddy", returned, "v6.2") == "update_and_free_hugetlb_folio()"
    assert era_at("hugetlb", "buddy", returned, "v7.2").dated_by.key == "akpm-2022-12-13-mm-updates-6-2"


def test_a_page_pool_allocates_pages_and_returns_them(kernel_data):
    assert function_at("buddy", "netpool", "allocated by a page_pool", "v5.10") == "page_pool_alloc_pages()"
    returned = "returned by a page_pool to the page allocator"
    assert function_at("netpool", "buddy", returned, "v6.12") == "page_pool_return_page()"
    assert function_at("netpool", "buddy", returned, "v7.2") == "page_pool_return_netmem()"


def test_debug_pagealloc_guard_pages_come_from_splitting_and_go_back_on_merging(kernel_data):
    split = "kept as a guard page when a free block is split (debug_pagealloc)"
    assert function_at("buddy", "guard", split, "v6.1") == "set_page_guard()"
    assert function_at("guard", "buddy", "merged back when its buddy is freed (debug_pagealloc)", "v7.2") == (
        "clear_page_guard()"
    )


def test_every_era_cites_a_file_read_inside_it_or_says_it_is_inferred(kernel_data):
    for era in Transition.objects.select_related("source"):
        source = era.source
        if source.kind == Source.Kind.FILE:
            key = release_order(source.release)
            assert key is not None, source.key
            assert (not era.since or release_order(era.since) <= key) and (
                not era.until or key < release_order(era.until)
            ), (era, source.key)
        if era.since or era.until:
            # The release a function changed in was dated from a pull request or list post.
            assert era.basis == "inferred", era
        if era.since:
            assert era.dated_by is not None and era.dated_by.kind in ("mail", "url"), era


def test_each_loaded_release_has_at_most_one_function_per_transition(kernel_data):
    whole = lifecycle.whole()
    for release in Release.objects.values_list("name", flat=True):
        at = lifecycle.whole(release)
        assert len(at.steps) <= len(whole.steps)
        assert all(len(step.eras) == 1 for step in at.steps), release
