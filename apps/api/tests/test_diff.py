"""What changed between two releases, in the layouts and in the usages."""

import pytest

from apps.kernel.tests.factory import (
    make_build,
    make_field,
    make_identification,
    make_layout,
    make_memtype,
    make_release,
    make_renamed_releases,
    make_usage,
)


@pytest.fixture
def releases(db):
    old, new = make_release("v6.1"), make_release("v6.12")
    old_build = make_build(
        old,
        kernel_version="6.1.192",
        package="linux-image-6.1.0-56-cloud-amd64-unsigned",
        package_version="6.1.192-2",
        tool="pahole 1.24",
    )
    new_build = make_build(new, kernel_version="6.12.117", package="linux-image-6.12.117+deb12-cloud-amd64-unsigned")
    old_page, new_page = make_layout(build=old_build, size=64), make_layout(build=new_build, size=64)
    make_layout(new, "ptdesc", size=64)
    make_field(old_page, "flags", offset=0)
    make_field(new_page, "flags", offset=0)
    make_field(old_page, "index", offset=32, c_type="pgoff_t")
    make_field(new_page, "__folio_index", offset=32, c_type="pgoff_t")
    make_field(old_page, "_mapcount", offset=48, size=4, c_type="atomic_t")
    make_field(new_page, "_mapcount", offset=52, size=4, c_type="atomic_t")
    make_field(old_page, "private", offset=40, size=8)
    make_field(new_page, "private", offset=40, size=4)
    old_slab = make_field(old_page, "slab_cache", offset=24, path="union@8/struct#2@8")
    make_field(new_page, "memcg_data", offset=56)
    anon = make_memtype("anon_mem")
    slab = make_memtype("slab")
    make_usage(slab, old_slab, keeps="kmem_cache")
    make_usage(anon, old_page.fields.get(name="flags"), keeps="PG_anon_exclusive")
    make_usage(anon, new_page.fields.get(name="flags"), keeps="PG_anon_exclusive in page 1")
    return old, new


def test_it_lists_added_removed_moved_resized_and_renamed_fields(client, releases):
    body = client.get("/api/v1/diff/?from=v6.1&to=v6.12").json()
    assert (body["from"], body["to"]) == ("v6.1", "v6.12")
    assert body["structs"]["added"] == ["ptdesc"]
    page = body["structs"]["changed"][0]
    assert page["struct"] == "page"
    assert [f["name"] for f in page["added"]] == ["memcg_data"]
    assert [f["name"] for f in page["removed"]] == ["slab_cache"]
    assert [(p["from_name"], p["to_name"], p["to_offset"]) for p in page["renamed"]] == [("index", "__folio_index", 32)]
    assert [(p["name"], p["from_offset"], p["to_offset"]) for p in page["moved"]] == [("_mapcount", 48, 52)]
    assert [(p["name"], p["from_size"], p["to_size"]) for p in page["resized"]] == [("private", 8, 4)]


def test_it_lists_usages_added_removed_and_changed_per_type(client, releases):
    body = client.get("/api/v1/diff/?from=v6.1&to=v6.12").json()
    by_type = {entry["type"]: entry for entry in body["usages"]}
    assert [u["field"] for u in by_type["slab"]["removed"]] == ["slab_cache"]
    assert by_type["anon_mem"]["changed"] == [
        {
            "struct": "page",
            "field": "flags",
            "from_keeps": "PG_anon_exclusive",
            "to_keeps": "PG_anon_exclusive in page 1",
        }
    ]


def test_a_release_compared_with_itself_has_no_changes(client, releases):
    body = client.get("/api/v1/diff/?from=v6.12&to=v6.12").json()
    assert body["structs"] == {"added": [], "removed": [], "changed": []}
    assert body["usages"] == []


def test_it_names_the_builds_compared_and_the_usages_whose_field_is_gone(client, releases):
    body = client.get("/api/v1/diff/?from=v6.1&to=v6.12").json()
    assert body["arch"] == "x86_64"
    assert body["from_build"] == "6.1.192 (linux-image-6.1.0-56-cloud-amd64-unsigned 6.1.192-2), BTF, pahole 1.24"
    assert body["to_build"].startswith("6.12.117 (")
    # slab recorded slab_cache in v6.1's struct page; v6.12's struct page has no such field.
    assert body["stranded"] == [
        {
            "type": "slab",
            "struct": "page",
            "field": "slab_cache",
            "change": "vanished",
            "to_field": None,
            "to_offset": None,
        }
    ]
    assert body["identifications"] == []


def test_missing_or_unknown_releases_are_400_on_their_parameter(client, releases):
    assert client.get("/api/v1/diff/?from=v6.1").json() == {"to": ["This field is required."]}
    response = client.get("/api/v1/diff/?from=v6.1&to=v7.0")
    assert response.status_code == 400
    assert response.json() == {"to": ["No release named v7.0."]}


def test_a_release_without_a_build_for_the_arch_or_an_unknown_arch_is_400(client, releases):
    response = client.get("/api/v1/diff/?from=v6.1&to=v6.12&arch=arm64")
    assert response.status_code == 400
    assert response.json() == {
        "from": ["Release v6.1 has no build for arm64."],
        "to": ["Release v6.12 has no build for arm64."],
    }
    response = client.get("/api/v1/diff/?from=v6.1&to=v6.12&arch=sparc")
    assert response.status_code == 400
    assert response.json() == {"arch": ['"sparc" is not a valid choice.']}


@pytest.fixture
def renamed(db):
    return make_renamed_releases("v6.18", "v7.0")


def test_a_field_renamed_at_the_same_offset_type_and_size_is_listed_as_renamed_on_that_arch(client, renamed):
    body = client.get("/api/v1/diff/?from=v6.18&to=v7.0&arch=arm").json()
    assert (body["from"], body["to"], body["arch"]) == ("v6.18", "v7.0", "arm")
    (page,) = body["structs"]["changed"]
    assert page["renamed"] == [
        {
            "name": "compound_info",
            "from_name": "compound_head",
            "to_name": "compound_info",
            "from_offset": 4,
            "to_offset": 4,
            "from_size": 4,
            "to_size": 4,
            "from_c_type": "long unsigned int",
            "to_c_type": "long unsigned int",
        }
    ]
    assert [f["name"] for f in page["added"]] == []  # a rename is neither added nor removed
    assert [f["name"] for f in page["removed"]] == ["_mapcount"]
    # The x86_64 usage of compound_head, carried to the arm build by name, follows the rename.
    assert body["stranded"] == [
        {
            "type": "folio",
            "struct": "page",
            "field": "_mapcount",
            "change": "vanished",
            "to_field": None,
            "to_offset": None,
        },
        {
            "type": "tail_page",
            "struct": "page",
            "field": "compound_head",
            "change": "renamed",
            "to_field": "compound_info",
            "to_offset": 4,
        },
    ]
    # Identification still naming what the arm v7.0 build lacks.
    assert body["identifications"] == [
        {"type": "folio", "since": "", "test": "folio_mapped(): folio->_mapcount", "names": ["_mapcount"]},
        {
            "type": "tail_page",
            "since": "v6.18",
            "test": "PageTail(): page->compound_head & 1",
            "names": ["compound_head"],
        },
    ]


def test_the_same_releases_on_another_arch_compare_that_arch_builds(client, renamed):
    body = client.get("/api/v1/diff/?from=v6.18&to=v7.0").json()
    assert body["arch"] == "x86_64"
    assert body["structs"]["changed"] == []
    assert body["stranded"] == [] and body["identifications"] == []
    (tail,) = body["usages"]
    assert tail["changed"] == [
        {
            "struct": "page",
            "field": "compound_head",
            "from_keeps": "head page | 1 (v6.18)",
            "to_keeps": "head page | 1 (v7.0)",
        }
    ]


@pytest.mark.parametrize("n", [1, 4])
def test_it_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries, n):
    old, new = make_layout(make_release("v6.1")), make_layout(make_release("v6.12"))
    for i in range(n):
        make_usage(make_memtype(f"type_{i}"), make_field(old, f"old_{i}", offset=8 * i))
        make_field(new, f"new_{i}", offset=8 * i, size=4)
    # the two builds, the releases named (to tell a missing release from a missing build), the
    # layouts of both builds, their fields, the usages of each build, the identifications that
    # may name a field the newer build lacks (builds per arch: 4 -> 7)
    with django_assert_num_queries(7):
        body = client.get("/api/v1/diff/?from=v6.1&to=v6.12").json()
    assert len(body["usages"]) == n


def test_it_lists_per_type_the_identification_that_changed(client, renamed):
    slab = make_memtype("slab")
    make_identification(slab, since="v6.10", test="PageSlab(): PGTY_slab")
    make_identification(slab, since="v7.0", test="folio_test_slab(): PGTY_slab")

    body = client.get("/api/v1/diff/?from=v6.18&to=v7.0").json()
    assert body["identification_changes"] == [
        {
            "type": "slab",
            "before": "PageSlab(): PGTY_slab",
            "after": "folio_test_slab(): PGTY_slab",
            "since": "v7.0",
        }
    ]
    assert client.get("/api/v1/diff/?from=v7.0&to=v7.0").json()["identification_changes"] == []
