"""The release pages: the builds read and the structs they hold."""

import pytest

from apps.kernel.tests.factory import make_field, make_layout, make_release

pytestmark = pytest.mark.django_db


def test_the_list_shows_each_release_with_its_structs_sizes_and_field_counts(client):
    release = make_release("v6.12", kernel_version="6.12.117+deb12-cloud-amd64")
    page = make_layout(release, "page", size=64)
    for name in ("flags", "mapping"):
        make_field(page, name)
    make_layout(release, "folio", size=256)

    html = client.get("/releases/").content.decode()

    assert "<code>6.12.117+deb12-cloud-amd64</code>" in html
    page_row = html[html.index('href="/releases/v6.12/structs/page/"') :]
    assert '<td class="num">64</td>\n      <td class="num">2</td>' in page_row
    folio_row = html[html.index('href="/releases/v6.12/structs/folio/"') :]
    assert '<td class="num">256</td>\n      <td class="num">0</td>' in folio_row


def test_the_list_orders_releases_by_version_not_by_name(client):
    for name in ("v6.12", "v5.15", "v6.1"):
        make_release(name)

    response = client.get("/releases/")

    assert [r.name for r in response.context["releases"]] == ["v5.15", "v6.1", "v6.12"]


def test_a_vendor_build_carries_a_warning(client):
    make_release("v6.18", vendor_build=True, notes="VENDOR BUILD: check before generalising.")
    make_release("v6.12")

    assert "Vendor build:" in client.get("/releases/v6.18/").content.decode()
    assert "Vendor build:" not in client.get("/releases/v6.12/").content.decode()


def test_the_release_page_shows_its_notes_and_links_to_its_matrix(client):
    make_release("v6.1", notes="Present: page 64, folio 112, slab 64.")

    html = client.get("/releases/v6.1/").content.decode()

    assert "Present: page 64, folio 112, slab 64." in html
    assert 'href="/releases/v6.1/matrix/"' in html


def test_it_404s_for_an_unknown_release(client):
    assert client.get("/releases/v9.99/").status_code == 404


def test_the_pages_run_a_fixed_number_of_queries(client, django_assert_num_queries):
    for n in range(3):
        release = make_release(f"v6.{n + 1}")
        for struct in ("page", "folio", "slab"):
            make_field(make_layout(release, struct), "flags")

    # 1 releases, 2 their layouts with field counts.
    with django_assert_num_queries(2):
        response = client.get("/releases/")
        assert [[lay.field_count for lay in r.layouts.all()] for r in response.context["releases"]] == [[1, 1, 1]] * 3
    # 1 the release, 2 its layouts with field counts.
    with django_assert_num_queries(2):
        response = client.get("/releases/v6.2/")
        assert [lay.struct for lay in response.context["release"].layouts.all()] == ["folio", "page", "slab"]
