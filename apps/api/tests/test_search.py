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
    # types, fields with layout and release, usages with everything they show; then the query as
    # an identifier: types, identifications, field names, enum values, sources
    with django_assert_num_queries(8):
        body = client.get("/api/v1/search/?q=lru").json()
    assert len(body["types"]) == len(body["fields"]) == len(body["usages"]) == n


def test_the_whole_query_as_an_identifier_finds_fields_enums_types_and_sources_with_their_releases(client, db):
    from apps.kernel.models import EnumValue
    from apps.kernel.tests.factory import make_identification, make_source

    for name in ("v6.18", "v7.2"):
        release = make_release(name)
        make_field(make_layout(release, "page"), "compound_head" if name == "v6.18" else "compound_info", offset=8)
        arm = make_build(release, "arm")
        make_field(make_layout(build=arm, struct="page", size=36), "compound_info", offset=4, size=4)
        EnumValue.objects.create(build=arm, enum="pagetype", name="PGTY_compound_info", value=250)
    make_identification(make_memtype("tail_page"), since="v7.1", test="PageTail(): page->compound_info & 1")
    make_source(key="compound-info-mail", kind="mail", title="mm: compound_info", message_id="x@y", path="")

    body = client.get("/api/v1/search/?q=compound_info").json()["identifier"]

    assert body["fields"] == [
        {
            "struct": "page",
            "name": "compound_info",
            "releases": [
                {
                    "release": "v6.18",
                    "arches": ["arm"],
                    "url": "http://testserver/api/v1/releases/v6.18/structs/page/?arch=arm",
                },
                {
                    "release": "v7.2",
                    "arches": ["x86_64", "arm"],
                    "url": "http://testserver/api/v1/releases/v7.2/structs/page/",
                },
            ],
            "source_url": "https://elixir.bootlin.com/linux/v7.2/source/include/linux/mm_types.h",
        }
    ]
    assert body["enums"] == [
        {
            "enum": "pagetype",
            "name": "PGTY_compound_info",
            "releases": [{"release": "v6.18", "values": {"arm": 250}}, {"release": "v7.2", "values": {"arm": 250}}],
            "source_url": "https://elixir.bootlin.com/linux/v7.2/A/ident/PGTY_compound_info",
        }
    ]
    [tail] = body["types"]
    assert tail["type"]["slug"] == "tail_page"
    assert tail["matched"] == [{"what": "identification since v7.1", "text": "PageTail(): page->compound_info & 1"}]
    assert [s["key"] for s in body["sources"]] == ["compound-info-mail"]
    assert body["more"] == []
