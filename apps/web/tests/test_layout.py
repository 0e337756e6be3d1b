"""The layout of one struct in one release: fields by offset, and its words with their users."""

import pytest

from apps.kernel.tests.factory import make_field, make_layout, make_memtype, make_release, make_usage

pytestmark = pytest.mark.django_db


@pytest.fixture
def v6_12():
    """A small struct page of v6.12 with a folio over it: a union at 8, mapping at 24, and the
    folio's _large_mapcount on the first tail page."""
    release = make_release("v6.12", kernel_version="6.12.117+deb12-cloud-amd64")
    page = make_layout(release, "page", size=64, provenance="pahole 1.24 -C page on vmlinux (BTF)")
    fields = {
        "flags": make_field(page, "flags", offset=0, size=8),
        "lru": make_field(page, "lru", offset=8, size=16, c_type="struct list_head", path="union#1@8/struct#1@8"),
        "compound_head": make_field(page, "compound_head", offset=8, size=8, path="union#1@8/struct#3@8"),
        "mapping": make_field(page, "mapping", offset=24, size=8, path="union#1@8/struct#1@8"),
        "_mapcount": make_field(page, "_mapcount", offset=48, size=4, c_type="atomic_t"),
    }
    folio = make_layout(release, "folio", size=256)
    folio_mapping = make_field(folio, "mapping", offset=24, size=8)
    large = make_field(folio, "_large_mapcount", offset=112, size=4, page_index=1)
    return release, page, fields, folio_mapping, large


def test_it_lists_the_fields_by_offset_indented_under_their_unions(client, v6_12):
    html = client.get("/releases/v6.12/structs/page/").content.decode()

    names = ["flags", "lru", "compound_head", "mapping", "_mapcount"]
    table = html[html.index('<table class="fields">') :]
    positions = [table.index(f"<code>{name}</code>") for name in names]
    assert positions == sorted(positions)
    assert '<th scope="row" class="depth-2"><code>lru</code></th>' in table
    assert '<th scope="row" class="depth-0"><code>flags</code></th>' in table
    assert "union 1 at 8 › struct 3 at 8" in table


def test_it_shows_the_provenance_of_the_layout(client, v6_12):
    html = client.get("/releases/v6.12/structs/page/").content.decode()

    assert "pahole 1.24 -C page on vmlinux (BTF)" in html
    assert "6.12.117+deb12-cloud-amd64" in html


def test_the_word_view_shows_who_uses_a_word_through_a_descriptor(client, v6_12):
    _, _, fields, folio_mapping, large = v6_12
    make_usage(make_memtype("anon_mem"), folio_mapping, keeps="anon_vma pointer")
    make_usage(make_memtype("file_mem"), fields["mapping"], keeps="address_space")
    make_usage(make_memtype("thp"), large, keeps="mapcount of the whole folio")

    response = client.get("/releases/v6.12/structs/page/")

    pages = dict(response.context["pages"])
    assert sorted(pages) == [0, 1]
    word3 = pages[0][3]
    assert [fld.name for fld, _ in word3.fields] == ["mapping"]
    assert [(t.slug, keeps, on) for t, keeps, on in word3.fields[0][1]] == [
        ("anon_mem", "anon_vma pointer", "folio.mapping"),
        ("file_mem", "address_space", "page.mapping"),
    ]
    tail_word6 = pages[1][6]
    assert [(t.slug, on) for _, users in tail_word6.fields for t, _, on in users] == [("thp", "folio._large_mapcount")]
    html = response.content.decode()
    assert "Tail page 1 of a compound (page[1])" in html
    assert "(recorded on <code>folio.mapping</code>)" in html


def test_a_list_head_is_shown_in_both_words_it_covers(client, v6_12):
    response = client.get("/releases/v6.12/structs/page/")

    head = dict(response.context["pages"])[0]
    assert "lru" in [fld.name for fld, _ in head[1].fields]
    assert "lru" in [fld.name for fld, _ in head[2].fields]


def test_a_descriptor_layout_shows_the_usages_recorded_on_it(client, v6_12):
    _, _, _, folio_mapping, _ = v6_12
    make_usage(make_memtype("anon_mem"), folio_mapping, keeps="anon_vma pointer")

    response = client.get("/releases/v6.12/structs/folio/")

    html = response.content.decode()
    assert "struct folio of v6.12" in html
    assert '<a href="/types/anon_mem/"><code>anon_mem</code></a>: anon_vma pointer' in html


def test_it_404s_for_an_unknown_struct_or_release(client, v6_12):
    assert client.get("/releases/v6.12/structs/zpdesc/").status_code == 404
    assert client.get("/releases/v9.9/structs/page/").status_code == 404


def test_it_runs_a_fixed_number_of_queries(client, v6_12, django_assert_num_queries):
    _, _, fields, folio_mapping, large = v6_12
    for n, fld in enumerate([folio_mapping, large, fields["mapping"], fields["flags"]]):
        make_usage(make_memtype(f"type_{n}"), fld)

    # 1 the layout with its release, 2 its fields, 3 usages recorded on them, 4-5 the release's
    # matrix (struct page fields, every usage of the release with its type and field).
    with django_assert_num_queries(5):
        response = client.get("/releases/v6.12/structs/page/")
        assert sum(len(r.users) for _, rows in response.context["pages"] for r in rows) == 4
    # A descriptor has no matrix: 1 layout, 2 fields, 3 usages.
    with django_assert_num_queries(3):
        response = client.get("/releases/v6.12/structs/folio/")
        assert [u.memory_type.slug for _, usages in response.context["fields"] for u in usages] == [
            "type_0",
            "type_1",
        ]


def test_a_descriptor_field_over_a_union_is_listed_once_per_word(client, v6_12):
    release, _, _, _, _ = v6_12
    folio_lru = make_field(release.layouts.get(struct="folio"), "lru", offset=8, size=16, c_type="struct list_head")
    make_usage(make_memtype("lru_mem"), folio_lru, keeps="linkage on an LRU list")

    response = client.get("/releases/v6.12/structs/page/")

    head = dict(response.context["pages"])[0]
    assert [(t.slug, on) for t, _, on in head[1].users] == [("lru_mem", "folio.lru")]
    assert [(t.slug, on) for t, _, on in head[2].users] == [("lru_mem", "folio.lru")]
