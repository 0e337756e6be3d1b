"""Search by kernel identifier: types that name it, struct fields and enum values of that name
with the releases they appear in, and sources."""

import pytest

from apps.kernel import search
from apps.kernel.models import EnumValue
from apps.kernel.tests.factory import (
    make_build,
    make_field,
    make_identification,
    make_layout,
    make_memtype,
    make_release,
    make_source,
)

pytestmark = pytest.mark.django_db


def hits(html, section):
    start = html.index(f'<h2 id="{section}">')
    end = html.find("<h2 ", start + 1)
    return html[start : end if end != -1 else None]


def test_a_field_name_lists_its_struct_and_the_releases_and_arches_it_appears_in(client):
    for name in ("v6.18", "v7.2", "v7.3-rc7"):
        release = make_release(name)
        head = "compound_head" if name == "v6.18" else "compound_info"
        make_field(make_layout(release, "page"), head, offset=8)
        if name == "v7.2":
            make_field(make_layout(build=make_build(release, "arm"), struct="page", size=36), head, offset=4, size=4)

    html = client.get("/search/?q=compound_info").content.decode()

    fields = hits(html, "fields")
    assert (
        '<li><code>compound_info</code>: struct page, <a href="/releases/v7.2/structs/page/">v7.2</a> '
        '<span class="muted small">(x86_64, arm)</span>, <a href="/releases/v7.3-rc7/structs/page/">v7.3-rc7</a>'
    ) in fields
    assert "compound_head" not in fields
    assert 'href="https://elixir.bootlin.com/linux/v7.3-rc7/source/include/linux/mm_types.h">definition</a>' in fields


def test_a_field_only_another_arch_has_links_to_that_arch_layout(client):
    release = make_release("v6.12")
    make_field(make_layout(build=make_build(release, "i386"), struct="page", size=40), "_last_cpupid", offset=12)

    html = client.get("/search/?q=_last_cpupid").content.decode()

    assert '<a href="/releases/v6.12/structs/page/?arch=i386">v6.12</a> <span class="muted small">(i386)</span>' in html


def test_an_identification_test_finds_its_type_and_says_since_when(client):
    slab = make_memtype("slab", name="Slab")
    make_identification(slab, since="v6.10", test="PageSlab(): page_type PGTY_slab")
    make_memtype("anon_mem", alloc_api="folio_alloc() then folio_test_anon()")

    html = client.get("/search/?q=pgty_slab").content.decode()

    types = hits(html, "types")
    assert '<a href="/types/slab/"><code>slab</code> (Slab)</a>' in types
    assert '<li>identification since v6.10: <code class="api">PageSlab(): page_type PGTY_slab</code></li>' in types
    assert "anon_mem" not in types

    types = hits(client.get("/search/?q=folio_test_anon").content.decode(), "types")
    assert '<li>allocated with: <code class="api">folio_alloc() then folio_test_anon()</code></li>' in types


def test_an_enum_value_lists_the_releases_and_values_of_its_builds(client):
    for name, value in (("v6.12", 245), ("v7.2", 246)):
        build = make_build(make_release(name))
        EnumValue.objects.create(build=build, enum="pagetype", name="PGTY_slab", value=value)
        EnumValue.objects.create(build=build, enum="pagetype", name="PGTY_table", value=value + 1)

    html = client.get("/search/?q=PGTY_slab").content.decode()

    enums = hits(html, "enums")
    assert (
        '<li><code>PGTY_slab</code>: enum pagetype, <a href="/releases/v6.12/#enums">v6.12</a> '
        '<span class="muted small">= 245</span>, <a href="/releases/v7.2/#enums">v7.2</a> '
        '<span class="muted small">= 246</span>'
    ) in enums
    assert "PGTY_table" not in enums


def test_an_exact_name_comes_before_longer_names_that_contain_it(client):
    layout = make_layout(make_release("v6.12"), "slab")
    for name in ("slab_cache_extra", "slab_cache", "a_slab_cache"):
        make_field(layout, name)

    found = search.search("slab_cache")

    assert [f.name for f in found.fields] == ["slab_cache", "a_slab_cache", "slab_cache_extra"]


def test_a_source_naming_the_query_is_listed_with_its_release(client):
    make_source(key="slab-h-v6-12", title="mm/slab.h at v6.12", path="mm/slab.h", release="v6.12")

    sources = hits(client.get("/search/?q=mm/slab.h").content.decode(), "sources")

    assert "mm/slab.h @ v6.12" in sources
    assert "(Kernel source file, v6.12)" in sources


def test_an_empty_query_shows_only_the_form(client, django_assert_num_queries):
    make_memtype("slab")

    with django_assert_num_queries(0):
        response = client.get("/search/?q=")

    html = response.content.decode()
    assert '<input id="q" name="q" type="search"' in html
    assert "Memory types naming" not in html


def test_a_query_that_is_too_long_is_refused_with_a_message(client):
    response = client.get("/search/", {"q": "x" * 101})

    assert response.status_code == 400
    assert "Search for at most 100 characters." in response.content.decode()


def test_it_lists_at_most_the_limit_of_each_kind_and_says_so(client, monkeypatch):
    layout = make_layout()
    for n in range(3):
        make_field(layout, f"pp_{n}")
    monkeypatch.setattr(search, "LIMIT", 2)

    response = client.get("/search/?q=pp_")

    assert len(response.context["found"].fields) == 2
    assert "Only the first 2 fields are listed" in response.content.decode()


@pytest.mark.parametrize("n", [1, 5])
def test_it_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    for i in range(n):
        build = make_build(make_release(f"v6.{i + 1}"))
        make_identification(make_memtype(f"lru_{i}"), test=f"PageLRU() {i}")
        make_field(make_layout(build=build), f"lru_{i}")
        EnumValue.objects.create(build=build, enum="pageflags", name="PG_lru", value=5)
        make_source(key=f"lru-{i}", title=f"lru {i}")

    # 1 types, 2 identifications with their type, 3 fields with struct and release, 4 enum
    # values with release, 5 sources.
    with django_assert_num_queries(5):
        found = client.get("/search/?q=lru").context["found"]
        assert len(found.types) == len(found.fields) == len(found.sources) == n
        assert [len(e.releases) for e in found.enums] == [n]
