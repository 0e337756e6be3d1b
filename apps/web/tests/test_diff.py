"""The diff page: what changed between two releases (?from=, ?to=) in one architecture's builds
(?arch=, x86_64 by default), with pickers that work without JavaScript; the former drift page of
a release redirects to it."""

import pytest

from apps.kernel.tests.factory import (
    make_field,
    make_identification,
    make_layout,
    make_memtype,
    make_release,
    make_renamed_releases,
    make_usage,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def renamed():
    return make_renamed_releases("v6.18", "v7.0")


def section(html, start, end):
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


def test_it_shows_a_renamed_field_as_a_rename_and_the_usage_that_follows_it(client, renamed):
    response = client.get("/diff/?from=v6.18&to=v7.0&arch=arm")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1>What changed from v6.18 to v7.0 <span class="muted">(arm)</span></h1>' in html
    layouts = section(html, '<h2 id="structs">', '<h2 id="usages">')
    assert (
        '<li class="renamed">Renamed: <code>compound_head</code> → <code>compound_info</code> '
        '<span class="muted">@4, long unsigned int</span></li>'
    ) in layouts
    assert '<li class="added">' not in layouts
    assert '<li class="removed">Removed: <code>_mapcount</code>' in layouts
    stranded = section(html, '<h2 id="stranded">', '<h2 id="identification">')
    assert "<code>page.compound_head</code> renamed → <code>compound_info</code> @4" in stranded
    assert "<code>page._mapcount</code> vanished" in stranded
    stale = html[html.index('<h3 id="identification-stale">') :]
    assert "(since v6.18) names <code>compound_head</code>" in stale
    assert '<option value="arm" selected>arm (32-bit)</option>' in html
    assert '<option value="v6.18" selected>v6.18</option>' in html
    assert '<option value="v7.0" selected>v7.0</option>' in html


def test_the_pickers_are_a_get_form_of_the_loaded_releases_and_the_architectures(client, renamed):
    html = client.get("/diff/?from=v6.18&to=v7.0").content.decode()
    form = section(html, '<form method="get" action="/diff/"', "</form>")
    for name in ("from", "to", "arch"):
        assert f'name="{name}"' in form
    assert form.count('<option value="v6.18"') == 2 and form.count('<option value="v7.0"') == 2
    assert '<button type="submit">Compare</button>' in form


def test_without_parameters_it_compares_the_newest_release_with_the_one_before(client, renamed):
    make_release("v5.10")  # an older release without builds is not offered
    response = client.get("/diff/")
    assert response.status_code == 200
    assert (response.context["from_build"].release.name, response.context["to_build"].release.name) == (
        "v6.18",
        "v7.0",
    )
    assert response.context["arch"] == "x86_64"
    assert '<option value="v5.10"' not in response.content.decode()


def test_the_x86_64_builds_of_the_same_releases_have_no_rename_but_usages_keep_something_else(client, renamed):
    html = client.get("/diff/?to=v7.0").content.decode()
    assert "(x86_64)</span></h1>" in html
    assert "Renamed:" not in html
    assert "No struct both releases have changed." in html
    assert "From 6.18 (6.18), BTF, pahole 1.30 to 7.0 (7.0), BTF, pahole 1.30." in html
    usages = section(html, '<h2 id="usages">', '<h2 id="stranded">')
    assert (
        "Keeps something else in <code>page.compound_head</code>: head page | 1 (v7.0) "
        '<span class="muted">(was: head page | 1 (v6.18))</span>'
    ) in usages


def test_it_lists_per_type_the_identification_that_changed(client, renamed):
    slab = make_memtype("slab")
    make_identification(slab, since="", test="PageSlab(): PG_slab")
    make_identification(slab, since="v6.10", test="PageSlab(): PGTY_slab")
    make_identification(slab, since="v7.0", test="folio_test_slab(): PGTY_slab")

    html = client.get("/diff/?from=v6.18&to=v7.0").content.decode()
    changes = section(html, '<h2 id="identification">', '<h3 id="identification-stale">')
    assert (
        '<code>slab</code></a>: <code class="api">PageSlab(): PGTY_slab</code> → '
        '<code class="api">folio_test_slab(): PGTY_slab</code> <span class="muted">(since v7.0)</span>'
    ) in changes
    assert "tail_page" not in changes and "folio" not in changes.replace("folio_test_slab", "")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=v6.18&to=v9.9", "to", "No release named v9.9 is loaded."),
        ("from=v6.1&to=v7.0", "from", "No release named v6.1 is loaded."),
        ("to=v7.0&arch=sparc", "arch", "No architecture named sparc; memtypes knows x86_64, arm64, arm, i386."),
        ("to=v7.0&arch=i386", "to", "Release v7.0 has no build for i386."),
        ("to=v6.18", "from", "No release before v6.18 has a build for x86_64: choose one to compare with."),
    ],
)
def test_bad_values_show_the_form_with_the_message_and_400(client, renamed, query, field, message):
    response = client.get(f"/diff/?{query}")

    assert response.status_code == 400
    html = response.content.decode()
    assert f"<li><code>{field}</code>: {message}</li>" in html.replace("&#x27;", "'")
    assert '<form method="get" action="/diff/"' in html
    assert '<h2 id="structs">' not in html


def test_the_former_drift_page_redirects_to_the_diff_page(client, renamed):
    response = client.get("/releases/v7.0/drift/?against=v6.18&arch=arm")
    assert response.status_code == 301
    assert response["Location"] == "/diff/?to=v7.0&from=v6.18&arch=arm"
    assert client.get("/releases/v7.0/drift/")["Location"] == "/diff/?to=v7.0"


def test_every_release_page_links_the_comparison_with_the_previous_release(client, renamed):
    html = client.get("/releases/v7.0/").content.decode()
    assert '<a href="/diff/?from=v6.18&amp;to=v7.0">Compared with the previous release (v6.18)</a>' in html
    assert "Compared with the previous release" not in client.get("/releases/v6.18/").content.decode()


@pytest.mark.parametrize("n", [1, 4])
def test_it_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    old, new = make_layout(make_release("v6.18")), make_layout(make_release("v7.0"))
    for i in range(n):
        make_usage(make_memtype(f"type_{i}"), make_field(old, f"old_{i}", offset=8 * i))
        make_field(new, f"new_{i}", offset=8 * i, size=4)

    # 1 every build with its release (the pickers, the two builds), 2-3 the layouts of both
    # builds with their fields, 4-5 the usages of each build, 6 the identifications.
    with django_assert_num_queries(6):
        response = client.get("/diff/?from=v6.18&to=v7.0")
    assert len(response.context["report"].stranded) == n


def test_another_architecture_costs_the_two_queries_that_map_its_fields(client, django_assert_num_queries, renamed):
    # as above, plus the fields of each arm build, to find the x86_64 usages on them
    with django_assert_num_queries(8):
        response = client.get("/diff/?from=v6.18&to=v7.0&arch=arm")
    assert len(response.context["report"].stranded) == 2
