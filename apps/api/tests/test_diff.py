"""What changed between two releases, in the layouts and in the usages."""

import pytest

from apps.kernel.tests.factory import make_field, make_layout, make_memtype, make_release, make_usage


@pytest.fixture
def releases(db):
    old, new = make_release("v6.1"), make_release("v6.12")
    old_page, new_page = make_layout(old, "page", size=64), make_layout(new, "page", size=64)
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


def test_missing_or_unknown_releases_are_400_on_their_parameter(client, releases):
    assert client.get("/api/v1/diff/?from=v6.1").json() == {"to": ["This field is required."]}
    response = client.get("/api/v1/diff/?from=v6.1&to=v7.0")
    assert response.status_code == 400
    assert response.json() == {"to": ["No release named v7.0."]}


@pytest.mark.parametrize("n", [1, 4])
def test_it_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries, n):
    old, new = make_layout(make_release("v6.1")), make_layout(make_release("v6.12"))
    for i in range(n):
        make_usage(make_memtype(f"type_{i}"), make_field(old, f"old_{i}", offset=8 * i))
        make_field(new, f"new_{i}", offset=8 * i, size=4)
    # the two releases, the layouts of both, their fields, the usages of both
    with django_assert_num_queries(4):
        body = client.get("/api/v1/diff/?from=v6.1&to=v6.12").json()
    assert len(body["usages"]) == n
