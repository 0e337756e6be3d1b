"""The drift page of a release: what changed since an earlier release (?against=, the previous
one by default) in one architecture's builds (?arch=, x86_64 by default)."""

import pytest

from apps.kernel.tests.factory import (
    make_build,
    make_field,
    make_identification,
    make_layout,
    make_memtype,
    make_release,
    make_usage,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def renamed():
    """v6.18 and v7.0, each built for x86_64 and arm. On arm, v7.0 renamed struct page's
    compound_head to compound_info at the same offset, C type and size; the x86_64 builds keep
    compound_head. Usages are recorded on the x86_64 fields."""
    tail = make_memtype("tail_page")
    for name in ("v6.18", "v7.0"):
        release = make_release(name)
        for arch, word in (("x86_64", 8), ("arm", 4)):
            page = make_layout(build=make_build(release, arch, kernel_version=name[1:]), struct="page", size=8 * word)
            make_field(page, "flags", offset=0, size=word)
            head = "compound_info" if (name, arch) == ("v7.0", "arm") else "compound_head"
            make_field(page, head, offset=word, size=word, path="union#1@4/struct#3@4")
            if arch == "x86_64":
                make_usage(tail, page.fields.get(name="compound_head"), keeps="the head page | 1")
    make_identification(tail, since="v6.18", test="PageTail(): page->compound_head & 1")


def test_the_drift_page_shows_a_renamed_field_and_the_usage_that_follows_it(client, renamed):
    response = client.get("/releases/v7.0/drift/?arch=arm")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1>What changed in v7.0 since v6.18 <span class="muted">(arm)</span></h1>' in html
    assert (
        '<li class="renamed">Renamed: <code>compound_head</code> → <code>compound_info</code> '
        '<span class="muted">@4, long unsigned int</span></li>'
    ) in html
    layouts = html[html.index('<h2 id="structs">') : html.index('<h2 id="stranded">')]
    assert '<li class="added">' not in layouts and '<li class="removed">' not in layouts
    stranded = html[html.index('<h2 id="stranded">') : html.index('<h2 id="identification">')]
    assert "<code>page.compound_head</code> renamed → <code>compound_info</code> @4" in stranded
    identification = html[html.index('<h2 id="identification">') : html.index('<h2 id="usages">')]
    assert "(since v6.18) names <code>compound_head</code>" in identification
    assert '<option value="arm" selected>arm (32-bit)</option>' in html
    assert '<option value="v6.18" selected>v6.18</option>' in html


def test_the_x86_64_builds_of_the_same_releases_have_no_rename(client, renamed):
    response = client.get("/releases/v7.0/drift/")

    html = response.content.decode()
    assert "(x86_64)</span></h1>" in html
    assert "Renamed:" not in html
    assert "No struct both releases have changed." in html
    assert "From 6.18 (6.18), BTF, pahole 1.30 to 7.0 (7.0), BTF, pahole 1.30." in html


def test_against_picks_the_earlier_release_and_the_first_release_has_nothing_earlier(client, renamed):
    response = client.get("/releases/v7.0/drift/?against=v6.18&arch=arm")
    assert response.context["from_build"].release.name == "v6.18"
    assert response.context["from_build"].arch == "arm"

    html = client.get("/releases/v6.18/drift/?arch=arm").content.decode()
    assert "No earlier release has a build for arm." in html


def test_a_missing_build_is_a_404_and_an_unknown_arch_a_400(client, renamed):
    assert client.get("/releases/v7.0/drift/?arch=i386").status_code == 404
    assert client.get("/releases/v7.0/drift/?against=v6.1").status_code == 404
    assert client.get("/releases/v9.9/drift/").status_code == 404
    response = client.get("/releases/v7.0/drift/?arch=sparc")
    assert response.status_code == 400
    assert "sparc is not one of the available choices." in response.content.decode()


@pytest.mark.parametrize("n", [1, 4])
def test_it_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    old, new = make_layout(make_release("v6.18")), make_layout(make_release("v7.0"))
    for i in range(n):
        make_usage(make_memtype(f"type_{i}"), make_field(old, f"old_{i}", offset=8 * i))
        make_field(new, f"new_{i}", offset=8 * i, size=4)

    # 1 the build shown, 2 the previous build of its arch, 3-4 the layouts of both with their
    # fields, 5-6 the usages of each build, 7 the identifications that may name a field gone,
    # 8 the other releases for the picker.
    with django_assert_num_queries(8):
        response = client.get("/releases/v7.0/drift/")
    assert len(response.context["report"].stranded) == n
