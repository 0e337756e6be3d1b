"""The matrix of a release: struct page's fields x the types, with what each type keeps there."""

import csv
import io

import pytest

from apps.kernel.tests.factory import make_build, make_field, make_layout, make_memtype, make_release, make_usage


@pytest.fixture
def v612(db):
    """struct page with a union at 8, and a 4-page folio whose fields overlay it."""
    release = make_release("v6.12")
    page = make_layout(release, "page", size=64)
    make_field(page, "flags", offset=0)
    make_field(page, "lru", offset=8, size=16, path="union@8")
    make_field(page, "compound_head", offset=8, size=8, path="union@8/struct#3@8")
    make_field(page, "mapping", offset=24)
    folio = make_layout(release, "folio", size=256)
    mapping = make_field(folio, "mapping", offset=24)
    deferred = make_field(folio, "_deferred_list", offset=128 + 16, size=16, page_index=2)
    slab = make_layout(release, "slab", size=64)
    slab_cache = make_field(slab, "slab_cache", offset=8)
    make_usage(make_memtype("anon_mem"), mapping, keeps="anon_vma | PAGE_MAPPING_ANON")
    make_usage(make_memtype("large_folio"), deferred, keeps="deferred split queue")
    make_usage(make_memtype("slab"), slab_cache, keeps="the kmem_cache")
    return release


def cells(body):
    return {(r["page_index"], r["field"]): r["cells"] for r in body["rows"]}


def test_a_descriptor_field_shows_on_the_page_fields_it_overlays(client, v612):
    body = client.get("/api/v1/releases/v6.12/matrix/").json()
    assert [t["slug"] for t in body["types"]] == ["anon_mem", "large_folio", "slab"]
    assert body["page_size"] == 64
    grid = cells(body)
    assert grid[(0, "mapping")] == {
        "anon_mem": [{"keeps": "anon_vma | PAGE_MAPPING_ANON", "recorded_on": "folio.mapping"}]
    }
    # slab_cache at 8 lies over both members of the union at 8.
    assert grid[(0, "lru")]["slab"][0]["recorded_on"] == "slab.slab_cache"
    assert grid[(0, "compound_head")]["slab"][0]["keeps"] == "the kmem_cache"
    assert grid[(0, "flags")] == {}


def test_a_tail_page_field_gets_rows_of_its_own_page(client, v612):
    body = client.get("/api/v1/releases/v6.12/matrix/").json()
    assert sorted({r["page_index"] for r in body["rows"]}) == [0, 2]
    grid = cells(body)
    # _deferred_list at 144 is page[2] offset 16: the second half of lru.
    assert grid[(2, "lru")] == {
        "large_folio": [{"keeps": "deferred split queue", "recorded_on": "folio._deferred_list"}]
    }
    assert "large_folio" not in grid[(0, "lru")]
    assert [r["field"] for r in body["rows"] if r["page_index"] == 0] == ["flags", "lru", "compound_head", "mapping"]


def test_the_matrix_comes_as_csv_with_a_column_per_type(client, v612):
    response = client.get("/api/v1/releases/v6.12/matrix/?format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == ["page_index", "offset", "size", "field", "path", "anon_mem", "large_folio", "slab"]
    mapping = next(r for r in rows if r["field"] == "mapping" and r["page_index"] == "0")
    assert mapping["anon_mem"] == "anon_vma | PAGE_MAPPING_ANON"
    assert mapping["slab"] == ""


def test_the_matrix_names_its_release_arch_and_build(client, v612):
    body = client.get("/api/v1/releases/v6.12/matrix/").json()
    assert (body["release"], body["arch"]) == ("v6.12", "x86_64")
    assert body["build"] == "6.12.117 (6.12.117), BTF, pahole 1.30"


def test_another_arch_shows_the_x86_64_usages_on_its_own_fields_of_the_same_name(client, v612):
    arm = make_build(v612, "arm", kernel_version="6.12.117", debuginfo="dwarf")
    page = make_layout(build=arm, struct="page", size=32)
    make_field(page, "flags", offset=0, size=4)
    make_field(page, "mapping", offset=12, size=4)
    make_field(make_layout(build=arm, struct="folio", size=128), "mapping", offset=12, size=4)
    body = client.get("/api/v1/releases/v6.12/matrix/?arch=arm").json()
    assert (body["release"], body["arch"], body["page_size"]) == ("v6.12", "arm", 32)
    # anon_mem's usage of folio.mapping lands on arm's mapping at 12; the arm build has no
    # _deferred_list and no struct slab, so those usages are left out rather than misplaced.
    assert [t["slug"] for t in body["types"]] == ["anon_mem"]
    assert [(r["field"], r["offset"]) for r in body["rows"]] == [("flags", 0), ("mapping", 12)]
    assert cells(body)[(0, "mapping")] == {
        "anon_mem": [{"keeps": "anon_vma | PAGE_MAPPING_ANON", "recorded_on": "folio.mapping"}]
    }


def test_a_release_without_a_build_for_the_arch_has_no_matrix(client, v612):
    response = client.get("/api/v1/releases/v6.12/matrix/?arch=arm64")
    assert response.status_code == 404
    assert response.json() == {"detail": "Release v6.12 has no build for arm64."}


def test_an_unknown_release_has_no_matrix(client, v612):
    response = client.get("/api/v1/releases/v9.9/matrix/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No release named v9.9."}


@pytest.mark.parametrize("n", [1, 4])
def test_it_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries, n):
    release = make_release("v6.12")
    page = make_layout(release, "page")
    for i in range(n):
        make_usage(make_memtype(f"type_{i}"), make_field(page, offset=8 * i))
    # the build with its release, struct page's fields, the usages with types and fields
    with django_assert_num_queries(3):
        body = client.get("/api/v1/releases/v6.12/matrix/").json()
    assert len(body["types"]) == n
