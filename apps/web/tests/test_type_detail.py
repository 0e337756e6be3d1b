"""The page of one memory type (facts, hierarchy, identification, its words and fields in one
build) and the page of its field usages in every release."""

from html import unescape

import pytest

from apps.kernel import catalogue
from apps.kernel.models import Backport, MemdescNumber, MemdescTable
from apps.kernel.tests.factory import (
    make_build,
    make_field,
    make_identification,
    make_layout,
    make_memtype,
    make_relation,
    make_release,
    make_source,
    make_usage,
)

pytestmark = pytest.mark.django_db


def test_it_links_the_parents_and_children_with_the_relation_notes(client):
    folio = make_memtype("folio", name="Folio")
    lru = make_memtype("lru_mem", name="LRU memory")
    anon = make_memtype("anon_mem", name="Anonymous memory")
    make_relation(folio, lru, note="Folios are a superset of lru_mem.")
    make_relation(lru, anon)

    html = client.get("/types/lru_mem/").content.decode()

    assert '<a href="/types/folio/"><code>folio</code> (Folio)</a>: Folios are a superset of lru_mem.' in html
    assert '<a href="/types/anon_mem/"><code>anon_mem</code> (Anonymous memory)</a>' in html


def test_it_404s_for_an_unknown_slug(client):
    response = client.get("/types/no_such_type/")

    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def test_it_shows_the_usage_row_of_page_mapping_in_the_release_shown(client):
    release = make_release("v6.1")
    page = make_layout(release, "page")
    mapping = make_field(page, "mapping", offset=24, size=8, c_type="struct address_space *")
    anon = make_memtype("anon_mem")
    make_usage(anon, mapping, keeps="anon_vma pointer, low bit PAGE_MAPPING_ANON")

    response = client.get("/types/anon_mem/")

    (row,) = response.context["in_build"].rows
    assert (row.field.name, row.first_word, row.last_word) == ("mapping", 3, 3)
    html = response.content.decode()
    usage = html[html.index('<h3 id="usage">') :]
    assert usage.startswith('<h3 id="usage">Fields it uses in v6.1 on x86_64</h3>')
    assert "<code>mapping</code>" in usage
    assert "anon_vma pointer, low bit PAGE_MAPPING_ANON" in usage
    assert "word 3" in usage
    assert '<a href="/types/anon_mem/releases/">The fields anon_mem uses in every release, newest first</a>' in html


def test_the_releases_page_shows_the_usage_row_of_page_mapping_in_its_release(client):
    release = make_release("v6.1")
    page = make_layout(release, "page")
    make_field(page, "mapping", offset=24, size=8, c_type="struct address_space *")
    make_usage(make_memtype("anon_mem"), page.fields.get(), keeps="anon_vma pointer, low bit PAGE_MAPPING_ANON")

    response = client.get("/types/anon_mem/releases/")

    rows = response.context["releases"]
    assert [(build.release.name, [row.field.name for row in rows]) for build, rows in rows] == [("v6.1", ["mapping"])]
    assert rows[0][1][0].first_word == rows[0][1][0].last_word == 3
    html = response.content.decode()
    assert '<h2 id="usage-v6.1">In v6.1' in html
    assert '<a href="/types/anon_mem/?release=v6.1#words">its words in v6.1</a>' in html
    assert "anon_vma pointer, low bit PAGE_MAPPING_ANON" in html
    assert "word 3" in html


def test_the_releases_page_404s_for_an_unknown_slug(client):
    assert client.get("/types/nonesuch/releases/").status_code == 404


def test_a_usage_names_the_build_its_offsets_come_from_and_marks_carried_and_backported_ones(client):
    release = make_release("v6.12")
    build = make_build(release, kernel_version="6.12.117", package="linux-image-6.12.117-cloud", package_version="1")
    page = make_layout(build=build, struct="page")
    backport = Backport.objects.create(
        release=release, commit="4eeec8c89a0c", upstream="v6.15", subject="pt_share_count", source=make_source()
    )
    anon = make_memtype("anon_mem")
    make_usage(anon, make_field(page, "mapping", offset=24), keeps="anon_vma pointer", carried=True)
    make_usage(anon, make_field(page, "pt_share_count", offset=40, size=4, backport=backport), keeps="shared count")

    for url in ("/types/anon_mem/", "/types/anon_mem/releases/"):
        html = client.get(url).content.decode()

        assert "Offsets from 6.12.117 (linux-image-6.12.117-cloud 1), BTF, pahole 1.30." in html, url
        usage = html[html.index('id="usage') :]
        mapping = usage[usage.index("anon_vma pointer") :]
        assert mapping.index("carried, not re-verified</span>") < mapping.index("shared count"), url
        shared = usage[usage.index("shared count") :]
        assert shared.index(">stable backport</span>") < shared.index("</tr>"), url
        assert "carried, not re-verified" not in shared[: shared.index("</tr>")], url


def test_it_derives_the_struct_page_words_under_a_descriptor_field(client):
    release = make_release("v6.12")
    page = make_layout(release, "page", size=64)
    make_field(page, "flags", offset=0, size=8)
    make_field(page, "_mapcount", offset=48, size=4, path="union#2@48")
    make_field(page, "page_type", offset=48, size=4, path="union#2@48")
    folio = make_layout(release, "folio", size=256)
    large = make_field(folio, "_large_mapcount", offset=112, size=4, page_index=1)
    huge = make_memtype("thp", descriptor="struct folio")
    make_usage(huge, large, keeps="mapcount of the whole folio")

    response = client.get("/types/thp/")

    (row,) = response.context["in_build"].rows
    assert (row.page_index, row.first_word, row.last_word) == (1, 6, 6)
    assert [pf.name for pf in row.page_fields] == ["_mapcount", "page_type"]
    html = response.content.decode()
    assert "page[1]" in html
    assert "over <code>_mapcount</code>, <code>page_type</code>" in html


def test_the_releases_page_lists_usages_newest_release_first(client):
    anon = make_memtype("anon_mem")
    for name in ("v6.1", "v6.12", "v5.15"):
        make_usage(anon, make_field(make_layout(make_release(name)), "mapping", offset=24))

    response = client.get("/types/anon_mem/releases/")

    assert [build.release.name for build, _ in response.context["releases"]] == ["v6.12", "v6.1", "v5.15"]


def test_it_labels_identifications_by_release_in_release_order(client):
    for name in ("v6.9", "v6.10"):
        make_build(make_release(name))
    slab = make_memtype("slab")
    make_identification(slab, since="v6.10", test="page_type PGTY_slab")
    make_identification(slab, since="", test="page flag PG_slab")
    make_identification(slab, since="v6.9", test="an intermediate test")

    html = client.get("/types/slab/").content.decode()

    before = html.index("<strong>Before v6.9:</strong>")
    assert before < html.index("<strong>Since v6.9:</strong>") < html.index("<strong>Since v6.10:</strong>")
    assert (
        'page flag <a class="ident" href="https://elixir.bootlin.com/linux/v6.12/A/ident/PG_slab">PG_slab</a>'
        in (html[before:])
    )


def test_it_links_a_source_that_has_a_link_and_cites_one_that_has_none(client):
    web = make_source(key="tree", kind="url", title="The 2021 tree", url="https://lore.kernel.org/linux-mm/tree/")
    file = make_source(key="mm-types", path="include/linux/mm_types.h", release="v6.12", title="mm_types.h")
    make_memtype("slab", sources=[web, file])

    html = client.get("/types/slab/").content.decode()

    assert '<a class="source" href="https://lore.kernel.org/linux-mm/tree/"' in html
    assert "include/linux/mm_types.h @ v6.12" in html


def test_it_shows_the_memdesc_number_of_each_revision_with_its_source(client):
    anon = make_memtype("anon_mem")
    for position, number in ((1, 2), (2, 3)):
        table = MemdescTable.objects.create(
            slug=f"t{position}", name=f"The revision number {position}", position=position, source=make_source()
        )
        MemdescNumber.objects.create(table=table, memory_type=anon, number=number, meaning="Anon: struct anon_folio")

    html = unescape(client.get("/types/anon_mem/").content.decode())

    assert '<strong>2</strong> (Anon: struct anon_folio) <span class="muted">— The revision number 1</span>' in html
    assert '<strong>3</strong> (Anon: struct anon_folio) <span class="muted">— The revision number 2</span>' in html


def test_it_draws_the_neighbourhood_with_links_to_the_image_formats(client):
    folio = make_memtype("folio")
    make_relation(folio, make_memtype("anon_mem"))

    response = client.get("/types/anon_mem/?depth=1")

    html = response.content.decode()
    assert response.context["picture"].svg or response.context["picture"].error
    assert '<div class="diagram-missing"' in html or "<svg" in html
    assert 'href="/types/anon_mem/diagram.svg?depth=1"' in html


def test_it_refuses_a_depth_that_is_not_a_number_of_levels(client):
    make_memtype("folio")

    response = client.get("/types/folio/?depth=deep")

    assert response.status_code == 400
    assert "depth is a whole number of levels, from 1 to 20." in response.content.decode()


@pytest.mark.parametrize("releases", [1, 3])
def test_it_runs_a_fixed_number_of_queries(client, django_assert_num_queries, releases):
    folio = make_memtype("folio")
    for n in range(releases):
        child = make_memtype(f"kind_{n}")
        make_relation(folio, child)
        make_identification(folio, since=f"v6.{n + 1}")
        release = make_release(f"v6.{n + 10}")
        make_field(make_layout(release, "page"), "mapping", offset=24)
        make_usage(folio, make_field(make_layout(release, "folio", size=256), "mapping", offset=24))
        table = MemdescTable.objects.create(slug=f"t{n}", name=f"Table {n}", position=n + 1, source=make_source())
        MemdescNumber.objects.create(table=table, memory_type=folio, number=n, meaning="File")
    make_relation(make_memtype("page"), folio)

    # The first request of this data version: 1 the data version, 2-10 the load of its catalogue
    # (apps.kernel.catalogue: the types with their identifications, memdesc numbers and
    # sources, relations, transitions, dated views, builds and sources), 11-12 the build's
    # fields and the type's usages in its release; its pictures are drawn from the catalogue.
    with django_assert_num_queries(1 + catalogue.LOAD_QUERIES + 2):
        client.get("/types/folio/")
    # Then: 1 the data version (its catalogue held, its pictures drawn), 2-3 the build's fields
    # and the type's usages in its release.
    with django_assert_num_queries(3):
        response = client.get("/types/folio/")
        assert [r.child.slug for r in response.context["children"]] == [f"kind_{n}" for n in range(releases)]
        assert [r.parent.slug for r in response.context["parents"]] == ["page"]
        assert [row.field.name for row in response.context["in_build"].rows] == ["mapping"]
        assert all(row.page_fields for row in response.context["in_build"].rows)
    assert response.status_code == 200

    # 1 the data version (its catalogue holds the type, the builds and the sources), 2 the
    # usages with their fields, 3 the struct page fields of their builds.
    with django_assert_num_queries(3):
        response = client.get("/types/folio/releases/")
        assert len(response.context["releases"]) == releases
        assert all(row.page_fields for _, rows in response.context["releases"] for row in rows)
    assert response.status_code == 200


def test_a_since_without_a_loaded_layout_names_the_first_loaded_release(client):
    make_build(make_release("v6.12"))
    make_build(make_release("v6.18"))
    make_release("v6.15")  # a release with no build is not loaded: its layouts are unknown
    kmalloc = make_memtype("large_kmalloc")
    make_identification(kmalloc, since="", test="no marker")
    make_identification(kmalloc, since="v6.15", test="PGTY_large_kmalloc")

    html = client.get("/types/large_kmalloc/").content.decode()

    assert "<strong>Before v6.15:</strong>" in html
    assert "<strong>Since v6.15 (first loaded: v6.18):</strong>" in html


def test_each_fact_says_what_it_rests_on(client):
    stable = make_build(make_release("v6.1"), kernel_version="6.1.192", uname="6.1.0-56-cloud-amd64")
    folio = make_memtype("folio")
    page = make_layout(build=stable, struct="page")
    make_usage(folio, make_field(page, "flags", offset=0), basis="stable")
    make_usage(folio, make_field(page, "_refcount", offset=52), basis="inferred")
    make_usage(folio, make_field(page, "mapping", offset=24))
    make_identification(folio, since="", test="PageHead()", source=make_source(release="v6.1"))

    html = unescape(client.get("/types/folio/").content.decode())

    assert "(read in a stable build (6.1.192))" in html
    assert "(memtypes' inference)" in html
    assert html.count("(read at the v6.1 tag)") == 2  # the identification and the mapping usage
