"""The fields x types table of the struct page of a release's build (?arch=, x86_64 by default)."""

import pytest

from apps.kernel import catalogue
from apps.kernel.tests.factory import make_build, make_field, make_layout, make_memtype, make_release, make_usage

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

    table = response.context["matrix"]
    rows = {
        (row.page_index, row.field.name): [(t.slug, row.cells.get(t.slug, [])) for t in table.types]
        for row in table.rows
    }
    assert rows[(0, "mapping")] == [
        ("anon_mem", [("anon_vma pointer", "folio.mapping")]),
        ("file_mem", [("the address_space", "page.mapping")]),
    ]
    assert rows[(0, "flags")] == [("anon_mem", []), ("file_mem", [])]
    html = response.content.decode()
    assert '<th scope="col" class="area-folio"><a href="/types/anon_mem/"><code>anon_mem</code></a></th>' in html
    assert "anon_vma pointer" in html


def test_what_a_type_keeps_shows_as_text(client):
    page = make_layout(make_release("v6.12"), "page")
    make_usage(make_memtype("anon_mem"), make_field(page, "mapping", offset=24), keeps="<i>anon_vma</i> & more")

    html = client.get("/releases/v6.12/matrix/").content.decode()

    summary = '<details class="kept"><summary><code>page.mapping</code></summary>'
    assert f"{summary}&lt;i&gt;anon_vma&lt;/i&gt; &amp; more</details>" in html
    assert "<i>anon_vma</i>" not in html


def test_it_says_so_when_the_build_has_no_struct_page(client):
    make_layout(make_release("v6.12"), "folio", size=256)

    assert "No struct page layout is stored for v6.12." in client.get("/releases/v6.12/matrix/").content.decode()


def test_it_404s_for_an_unknown_release_arch_or_a_release_without_that_build(client):
    make_layout(make_release("v6.12"), "page")
    make_release("v7.3-rc7")

    assert client.get("/releases/v9.9/matrix/").status_code == 404
    assert client.get("/releases/v7.3-rc7/matrix/").status_code == 404
    response = client.get("/releases/v6.12/matrix/?arch=arm")
    assert (response.status_code, response.context["exception"]) == (404, "Release v6.12 has no build for arm.")
    response = client.get("/releases/v6.12/matrix/?arch=sparc")
    assert response.status_code == 404
    assert response.context["exception"] == "No architecture named 'sparc'; memtypes knows x86_64, arm64, arm, i386."


def test_another_arch_shows_the_x86_64_usages_on_its_own_fields(client):
    release = make_release("v6.12")
    x86_page = make_layout(release, "page", size=64)
    make_usage(make_memtype("file_mem"), make_field(x86_page, "mapping", offset=24), keeps="the address_space")
    make_usage(make_memtype("slab"), make_field(x86_page, "slab_cache", offset=8), keeps="64-bit only here")
    arm = make_build(release, "arm", kernel_version="6.12.117", package="linux-image-armmp", debuginfo="dwarf")
    arm_page = make_layout(build=arm, struct="page", size=32)
    make_field(arm_page, "flags", offset=0, size=4)
    make_field(arm_page, "mapping", offset=12, size=4)

    response = client.get("/releases/v6.12/matrix/?arch=arm")

    assert [(row.page_index, row.field.name, row.field.offset) for row in response.context["matrix"].rows] == [
        (0, "flags", 0),
        (0, "mapping", 12),
    ]
    assert [t.slug for t in response.context["matrix"].types] == ["file_mem"]
    html = response.content.decode()
    assert "<h1>struct page fields × memory types in v6.12 on arm</h1>" in html
    assert "Read from 6.12.117 (linux-image-armmp), DWARF, pahole 1.30." in html
    assert '<option value="arm" selected>arm (32-bit) (6.12.117)</option>' in html


@pytest.mark.parametrize("n", [1, 4])
def test_it_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    release = make_release("v6.12")
    page = make_layout(release, "page")
    for i in range(n):
        make_usage(make_memtype(f"type_{i}"), make_field(page, f"field_{i}", offset=8 * i))

    catalogue.current()  # held, as after the process's first request (apps.kernel.catalogue)
    # 1 the data version (its catalogue holds the builds: the one shown and the architecture
    # picker's), 2 the build's struct page fields, 3 the usages with their types and fields.
    with django_assert_num_queries(3):
        response = client.get("/releases/v6.12/matrix/")
        assert [t.slug for t in response.context["matrix"].types] == [f"type_{i}" for i in range(n)]
