"""The curated data, loaded, against what the kernel does in every release it covers: checks
that fail when a curator leaves out or misplaces a usage the kernel certainly has."""

import pytest
import yaml
from django.conf import settings

from apps.kernel import graph
from apps.kernel.models import FieldUsage, MemdescNumber

pytestmark = pytest.mark.django_db


@pytest.fixture
def kernel_data(kernel_data_once, db):
    """Every test here only reads the real data: it is loaded once for the module."""
    return kernel_data_once


RELEASES = [entry["name"] for entry in yaml.safe_load((settings.KERNEL_DATA_DIR / "releases.yaml").read_text())]


def used_fields(slug, release):
    """Names of the fields (of any struct) that the type records a usage of in the release."""
    return set(
        FieldUsage.objects.filter(memory_type__slug=slug, field__layout__build__release__name=release).values_list(
            "field__name", flat=True
        )
    )


@pytest.mark.parametrize("release", RELEASES)
def test_slab_keeps_its_kmem_cache_in_slab_cache(kernel_data, release):
    # include/linux/mm_types.h (v5.15): struct page's slab_cache; mm/slab.h (v5.17 on): struct slab's.
    assert "slab_cache" in used_fields("slab", release)


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("slug", ["anon_mem", "file_mem"])
def test_anonymous_and_file_memory_keep_their_mapping(kernel_data, release, slug):
    # The anon_vma (low bit PAGE_MAPPING_ANON) or the address_space: folio->mapping / page->mapping.
    assert "mapping" in used_fields(slug, release)


@pytest.mark.parametrize("release", RELEASES)
def test_a_free_buddy_page_keeps_its_order_or_its_free_list_link(kernel_data, release):
    # mm/page_alloc.c: set_buddy_order() writes page->private; free lists link through buddy_list (lru before v5.19).
    assert used_fields("buddy", release) & {"private", "buddy_list", "lru"}


def test_every_type_descends_from_page(kernel_data):
    assert [t.slug for t in graph.roots()] == ["page"]


def test_every_memdesc_number_fits_the_plan_s_four_bit_type(kernel_data):
    numbers = MemdescNumber.objects.all()
    assert numbers.exists()
    assert all(n.number <= 15 and (n.subtype is None or n.number == 0) for n in numbers)
