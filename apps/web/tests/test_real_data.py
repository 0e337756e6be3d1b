"""The pages over the curated kernel data under data/, as a reader sees them."""

from html import unescape

import pytest

from apps.kernel import catalogue
from apps.kernel.models import Build, MemoryType, Release

pytestmark = pytest.mark.django_db


@pytest.fixture
def kernel_data(kernel_data_once, db):
    """Every test here only reads the real data: it is loaded once for the module."""
    return kernel_data_once


def test_every_curated_type_has_a_page_that_links_its_parents(client, kernel_data):
    for memory_type in MemoryType.objects.all():
        response = client.get(memory_type.get_absolute_url())
        assert response.status_code == 200, memory_type.slug
        html = response.content.decode()
        for parent in memory_type.parents.all():
            assert f'<a href="/types/{parent.slug}/"><code>{parent.slug}</code>' in html, (memory_type.slug, parent)


def test_the_type_list_shows_every_curated_type(client, kernel_data):
    html = client.get("/types/").content.decode()

    for slug in kernel_data.types:
        assert f'href="/types/{slug}/"' in html


def test_the_struct_page_of_each_build_shows_its_provenance_and_mapping_in_its_word(client, kernel_data):
    builds = Build.objects.select_related("release")
    assert builds
    for build in builds:
        url = build.layouts.get(struct="page").get_absolute_url()
        response = client.get(url)
        html = unescape(response.content.decode())
        provenance = html[html.index('<section class="provenance"') : html.index('<h2 id="words">')]
        assert build.kernel_version in provenance, url
        assert build.layout_file in provenance, url
        if build.package:
            assert build.package in provenance, url
        # mapping is the fourth word of struct page: byte 24 of 8-byte words, 12 of 4-byte ones.
        head = dict(response.context["pages"])[0]
        assert "mapping" in [fld.name for fld, _ in head[3].fields], url
        assert head[3].word.size == build.word_size
        assert ("Vendor build:" in provenance) == build.vendor_build, url


def test_the_curated_usage_of_mapping_is_shown_on_the_type_page(client, kernel_data):
    on_mapping = [u for u in kernel_data.usages if u[2] in ("page", "folio") and u[4] == "mapping"]
    if not on_mapping:
        pytest.skip("no usage of mapping is curated under data/usages/ yet")
    slug, release, struct, _, _, keeps, *_ = on_mapping[0]

    response = client.get(f"/types/{slug}/?release={release}")

    assert any(row.field.name == "mapping" and row.first_word == 3 for row in response.context["in_build"].rows)
    assert keeps.split("\n")[0][:40] in unescape(response.content.decode())

    response = client.get(f"/types/{slug}/releases/")

    rows = {build.release.name: rows for build, rows in response.context["releases"]}[release]
    assert any(row.field.name == "mapping" and row.first_word == 3 for row in rows)
    assert keeps.split("\n")[0][:40] in unescape(response.content.decode())


def test_the_folio_page_runs_the_same_queries_on_the_real_data(client, kernel_data, django_assert_num_queries):
    # the 12 of test_type_detail for the first request of this data version, then its 3, the
    # same on another release and architecture.
    with django_assert_num_queries(1 + catalogue.LOAD_QUERIES + 2):
        response = client.get("/types/folio/")
        assert response.context["children"]
    with django_assert_num_queries(3):
        response = client.get("/types/folio/?release=v7.2&arch=arm")
        assert response.context["children"]
    assert response.status_code == 200


def test_the_diff_from_v6_18_to_v7_2_shows_compound_head_renamed_compound_info(client, kernel_data):
    response = client.get("/diff/?from=v6.18&to=v7.2")

    assert response.status_code == 200
    html = unescape(response.content.decode())
    page = html[html.index('<h3 id="struct-page">') : html.index("</section>", html.index('<h3 id="struct-page">'))]
    assert "Renamed: <code>compound_head</code> → <code>compound_info</code>" in page
    assert "Removed: <code>compound_head</code>" not in page
    assert "Added: <code>compound_info</code>" not in page


def test_every_release_but_the_oldest_links_its_diff_with_the_previous_one(client, kernel_data):
    releases = [r.name for r in Release.objects.order_by("sort_key")]
    for previous, release in zip(releases, releases[1:], strict=False):
        html = client.get(f"/releases/{release}/").content.decode()
        link = f'<a href="/diff/?from={previous}&amp;to={release}">Compared with the previous release ({previous})</a>'
        assert link in html, release
        assert client.get(f"/diff/?from={previous}&to={release}").status_code == 200, release


def test_the_slab_page_draws_the_words_slab_uses_in_every_build(client, kernel_data):
    for build in Build.objects.select_related("release"):
        response = client.get(f"/types/slab/?release={build.release.name}&arch={build.arch}")
        assert response.status_code == 200, build
        used = [w for w in dict(response.context["in_build"].grid)[0] if w.used]
        assert used, build
        # A word several of its fields share lists each on a line of its own.
        shared = next(w for w in used if len(w.uses) > 1)
        on, keeps = shared.uses[1]
        assert f'<br><span class="badge used-label">used</span> <code>{on}</code>' in response.content.decode()
        html = unescape(response.content.decode())
        assert f"struct page of {build.release.name} on {build.arch} ({build.word_size}-byte words)" in html


def test_searching_kernel_identifiers_finds_them_with_their_releases(client, kernel_data):
    def found(query):
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200, query
        return response.context["found"]

    by_struct = {
        f.container: [r.name for r in f.releases] for f in found("compound_info").fields if f.name == "compound_info"
    }
    assert by_struct == {"page": ["v7.2", "v7.3-rc7"]}
    slab_cache = {f.container: [r.name for r in f.releases] for f in found("slab_cache").fields}
    assert slab_cache["page"] == ["v5.10", "v5.15"]  # before struct slab (v5.17)
    assert slab_cache["slab"][0] == "v6.1"
    pgty_slab = found("PGTY_slab")
    assert [(e.container, e.name) for e in pgty_slab.enums] == [("pagetype", "PGTY_slab")]
    assert "slab" in [t.memory_type.slug for t in pgty_slab.types]
    assert "anon_mem" in [t.memory_type.slug for t in found("folio_test_anon").types]
