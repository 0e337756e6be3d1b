"""The committed pahole files, imported: the offsets a kernel person would check against
include/linux/mm_types.h of each release."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.kernel.models import RELEASE_NAME, Field, StructLayout
from apps.kernel.tests.layout_snapshot import layout_snapshot

pytestmark = pytest.mark.django_db

LAYOUTS = settings.KERNEL_DATA_DIR / "layouts"


def import_release(name):
    out = io.StringIO()
    call_command(
        "import_layout", str(LAYOUTS / f"{name}.pahole"), release=name, source=f"data/layouts/{name}.pahole", stdout=out
    )
    return out.getvalue()


def field(release, struct, name, **kw):
    return Field.objects.get(layout__release__name=release, layout__struct=struct, name=name, **kw)


@pytest.fixture
def v6_12():
    import_release("v6.12")


@pytest.fixture
def v5_15():
    import_release("v5.15")


# x86_64 builds only: <release>-<arch>.pahole files (arm64, 32-bit arm and i386 builds) are
# loaded as builds of their release by load_kernel_data, not by import_layout.
X86_64 = sorted(p.stem for p in LAYOUTS.glob("*.pahole") if RELEASE_NAME.match(p.stem))


@pytest.mark.parametrize("release", X86_64)
def test_struct_page_is_64_bytes_in_every_release(release):
    import_release(release)
    assert StructLayout.objects.get(release__name=release, struct="page").size == 64


def test_v6_12_page_keeps_mapping_in_its_fourth_word(v6_12):
    mapping = field("v6.12", "page", "mapping")
    assert (mapping.offset, mapping.size, mapping.word, mapping.c_type) == (24, 8, 3, "struct address_space *")


def test_v6_12_page_keeps_the_refcount_at_52(v6_12):
    refcount = field("v6.12", "page", "_refcount")
    assert (refcount.offset, refcount.size, refcount.c_type) == (52, 4, "atomic_t")


def test_v6_12_has_struct_slab_with_slab_cache_in_the_second_word(v6_12):
    assert field("v6.12", "slab", "slab_cache").offset == 8
    assert not Field.objects.filter(layout__release__name="v6.12", layout__struct="page", name="slab_cache").exists()


def test_v5_15_keeps_slab_cache_in_struct_page_and_has_no_struct_slab(v5_15):
    assert field("v5.15", "page", "slab_cache").offset == 24
    assert list(StructLayout.objects.filter(release__name="v5.15").values_list("struct", flat=True)) == ["page"]


def test_v6_12_folio_fields_on_tail_pages_get_the_index_of_their_page(v6_12):
    assert field("v6.12", "folio", "mapping").page_index == 0
    assert field("v6.12", "folio", "_large_mapcount").page_index == 1
    assert field("v6.12", "folio", "_deferred_list").page_index == 2
    assert field("v6.12", "folio", "_hugetlb_subpool").page_index == 3
    assert StructLayout.objects.get(release__name="v6.12", struct="folio").size == 256


def test_v6_12_slab_counters_are_split_into_bitfields(v6_12):
    bits = {
        f.name: (f.offset, f.size, f.bit_offset, f.bit_size)
        for f in Field.objects.filter(layout__release__name="v6.12", layout__struct="slab", bit_size__isnull=False)
    }
    assert bits == {"inuse": (40, 4, 0, 16), "objects": (40, 4, 16, 15), "frozen": (40, 4, 31, 1)}


def test_v6_12_page_keeps_the_path_of_its_nested_anonymous_unions(v6_12):
    # struct page { union { struct { union { lru; struct { __filler; mlock_count; }; ...
    assert field("v6.12", "page", "mlock_count").path == "union#1@8/struct#1@8/union#1@8/struct#1@8"
    assert field("v6.12", "page", "lru").path == "union#1@8/struct#1@8/union#1@8"
    assert field("v6.12", "page", "pp_magic").path == "union#1@8/struct#2@8"
    assert field("v6.12", "page", "_mapcount").path == "union#2@48"


def test_importing_a_real_file_again_changes_nothing(v6_12):
    before = layout_snapshot()
    assert ": 0 created, 0 updated, 0 deleted," in import_release("v6.12")
    assert layout_snapshot() == before
