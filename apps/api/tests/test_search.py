"""Search across types, fields and usages."""

import pytest

from apps.kernel.tests.factory import make_build, make_field, make_layout, make_memtype, make_release, make_usage


def test_it_finds_types_fields_and_usages(client, db):
    make_memtype("anon_mem", description="Its folio->mapping points to an anon_vma.")
    make_memtype("slab")
    page = make_layout(make_release("v6.12"), "page")
    mapping = make_field(page, "mapping", offset=24, c_type="struct address_space *")
    make_usage(make_memtype("file_mem"), mapping, keeps="the file's address_space")
    body = client.get("/api/v1/search/?q=mapping").json()
    assert [t["slug"] for t in body["types"]] == ["anon_mem"]
    assert [(f["struct"], f["name"]) for f in body["fields"]] == [("page", "mapping")]
    assert body["fields"][0]["url"] == "http://testserver/api/v1/releases/v6.12/structs/page/"
    assert [u["type"] for u in body["usages"]] == ["file_mem"]
    assert client.get("/api/v1/search/?q=address_space file").json()["usages"][0]["type"] == "file_mem"


def test_a_field_of_another_arch_names_its_arch_and_links_to_its_own_layout(client, db):
    release = make_release("v6.12")
    make_field(make_layout(release, "page"), "mapping", offset=24)
    make_field(make_layout(build=make_build(release, "i386"), struct="page", size=32), "mapping", offset=12, size=4)
    body = client.get("/api/v1/search/?q=mapping").json()
    assert [(f["release"], f["arch"], f["offset"], f["url"]) for f in body["fields"]] == [
        ("v6.12", "i386", 12, "http://testserver/api/v1/releases/v6.12/structs/page/?arch=i386"),
        ("v6.12", "x86_64", 24, "http://testserver/api/v1/releases/v6.12/structs/page/"),
    ]  # newest release first, then by arch (as the search page lists them)


def test_an_empty_or_one_letter_query_is_a_400(client, db):
    assert client.get("/api/v1/search/").json() == {"q": ["This field is required."]}
    response = client.get("/api/v1/search/?q=a")
    assert response.status_code == 400
    assert "q" in response.json()


@pytest.mark.parametrize("n", [1, 4])
def test_it_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries, n):
    page = make_layout(make_release("v6.12"), "page")
    for i in range(n):
        make_usage(make_memtype(f"lru_{i}"), make_field(page, f"lru_{i}", offset=8 * i), keeps="on an lru")
    # types, fields with layout and release, usages with everything they show
    with django_assert_num_queries(3):
        body = client.get("/api/v1/search/?q=lru").json()
    assert len(body["types"]) == len(body["fields"]) == len(body["usages"]) == n
