"""The pages over the curated kernel data under data/, as a reader sees them."""

from html import unescape

import pytest

from apps.kernel.models import MemoryType, Release

pytestmark = pytest.mark.django_db


def test_every_curated_type_has_a_page_that_links_its_parents(client, kernel_data):
    for memory_type in MemoryType.objects.for_list():
        response = client.get(memory_type.get_absolute_url())
        assert response.status_code == 200, memory_type.slug
        html = response.content.decode()
        for parent in memory_type.parents.all():
            assert f'<a href="/types/{parent.slug}/"><code>{parent.slug}</code>' in html, (memory_type.slug, parent)


def test_the_type_list_shows_every_curated_type(client, kernel_data):
    html = client.get("/types/").content.decode()

    for slug in kernel_data.types:
        assert f'href="/types/{slug}/"' in html


def test_the_struct_page_of_each_release_shows_its_provenance_and_mapping_in_word_3(client, kernel_data):
    for release in Release.objects.all():
        response = client.get(f"/releases/{release.name}/structs/page/")
        html = response.content.decode()
        assert release.layouts.get(struct="page").provenance in unescape(html)
        head = dict(response.context["pages"])[0]
        assert "mapping" in [fld.name for fld, _ in head[3].fields], release.name
        assert ("Vendor build:" in html) == release.vendor_build


def test_the_curated_usage_of_mapping_is_shown_on_the_type_page(client, kernel_data):
    on_mapping = [u for u in kernel_data.usages if u[2] in ("page", "folio") and u[4] == "mapping"]
    if not on_mapping:
        pytest.skip("no usage of mapping is curated under data/usages/ yet")
    slug, release, struct, _, _, keeps, _, _ = on_mapping[0]

    response = client.get(f"/types/{slug}/")

    rows = {r.name: rows for r, rows in response.context["releases"]}[release]
    assert any(row.usage.field.name == "mapping" and row.first_word == 3 for row in rows)
    assert keeps.split("\n")[0][:40] in unescape(response.content.decode())


def test_the_folio_page_runs_the_same_queries_on_the_real_data(client, kernel_data, django_assert_num_queries):
    # 1 the type, 2 parent relations, 3 child relations, 4 identifications, 5 sources, 6 usages,
    # 7 the loaded releases, 8 the struct page fields of their releases, 9-10 the neighbourhood.
    with django_assert_num_queries(10):
        response = client.get("/types/folio/")
        assert response.context["type"].child_relations.all()
    assert response.status_code == 200
