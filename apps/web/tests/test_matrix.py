"""The fields x types table of a release's struct page."""

import pytest

from apps.kernel.tests.factory import make_field, make_layout, make_memtype, make_release, make_usage

pytestmark = pytest.mark.django_db


def test_it_shows_what_each_type_keeps_in_each_struct_page_field(client):
    release = make_release("v6.12")
    page = make_layout(release, "page")
    make_field(page, "flags", offset=0)
    mapping = make_field(page, "mapping", offset=24)
    folio_mapping = make_field(make_layout(release, "folio", size=256), "mapping", offset=24)
    make_usage(make_memtype("anon_mem", area="folio"), folio_mapping, keeps="anon_vma pointer")
    make_usage(make_memtype("file_mem", area="folio"), mapping, keeps="the address_space")

    response = client.get("/releases/v6.12/matrix/")

    rows = {
        (index, fld.name): [(t.slug, entries) for t, entries in cells] for index, fld, cells in response.context["rows"]
    }
    assert rows[(0, "mapping")] == [
        ("anon_mem", [("anon_vma pointer", "folio.mapping")]),
        ("file_mem", [("the address_space", "page.mapping")]),
    ]
    assert rows[(0, "flags")] == [("anon_mem", []), ("file_mem", [])]
    html = response.content.decode()
    assert '<th scope="col" class="area-folio"><a href="/types/anon_mem/"><code>anon_mem</code></a></th>' in html
    assert "anon_vma pointer" in html


def test_it_says_so_when_the_release_has_no_struct_page(client):
    make_release("v6.12")

    assert "No struct page layout is stored for v6.12." in client.get("/releases/v6.12/matrix/").content.decode()


def test_it_404s_for_an_unknown_release(client):
    assert client.get("/releases/v9.9/matrix/").status_code == 404


def test_it_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    release = make_release("v6.12")
    page = make_layout(release, "page")
    for n in range(4):
        make_usage(make_memtype(f"type_{n}"), make_field(page, f"field_{n}", offset=8 * n))

    # 1 the release, 2 its struct page fields, 3 its usages with their types and fields.
    with django_assert_num_queries(3):
        response = client.get("/releases/v6.12/matrix/")
        assert [t.slug for t in response.context["matrix"].types] == ["type_0", "type_1", "type_2", "type_3"]
