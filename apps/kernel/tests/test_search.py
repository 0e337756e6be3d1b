"""Search by kernel identifier, as data: names grouped per struct or enum with the releases and
builds they appear in, exact names first, bounded results."""

import pytest

from apps.kernel import search
from apps.kernel.models import EnumValue
from apps.kernel.tests.factory import make_build, make_field, make_layout, make_memtype, make_release

pytestmark = pytest.mark.django_db


def test_a_field_name_is_one_result_per_struct_with_its_releases_oldest_first_and_x86_64_first():
    for name in ("v7.3-rc7", "v7.2"):
        release = make_release(name)
        for arch in ("arm64", "x86_64"):
            make_field(make_layout(build=make_build(release, arch), struct="slab"), "slab_cache", offset=8)
    make_field(make_layout(make_release("v5.15"), "page"), "slab_cache", offset=24)

    found = search.search("SLAB_CACHE")

    assert [(f.container, [(r.name, r.arches) for r in f.releases]) for f in found.fields] == [
        ("page", [("v5.15", ["x86_64"])]),
        ("slab", [("v7.2", ["x86_64", "arm64"]), ("v7.3-rc7", ["x86_64", "arm64"])]),
    ]


def test_an_enum_value_keeps_each_builds_value():
    release = make_release("v7.2")
    for arch, value in (("x86_64", 245), ("arm", 245)):
        EnumValue.objects.create(build=make_build(release, arch), enum="pagetype", name="PGTY_slab", value=value)

    [hit] = search.search("pgty_slab").enums

    assert [(r.name, r.values) for r in hit.releases] == [("v7.2", {"x86_64": 245, "arm": 245})]


def test_each_kind_is_bounded_and_says_it_had_more():
    for n in range(3):
        make_memtype(f"lru_{n}")

    found = search.search("lru", limit=2)

    assert [t.memory_type.slug for t in found.types] == ["lru_0", "lru_1"]
    assert found.more == {"types"}
    assert not search.search("no such identifier").types
    assert search.search("no such identifier").empty
