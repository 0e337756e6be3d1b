"""Search over types and struct fields."""

import pytest

from apps.kernel.tests.factory import make_build, make_field, make_layout, make_memtype, make_release
from apps.web import views

pytestmark = pytest.mark.django_db


def test_it_finds_types_by_description_and_fields_by_c_type(client):
    make_memtype("anon_mem", name="Anonymous memory", description="Points to the VMA's anon_vma.")
    make_memtype("slab", name="Slab")
    make_field(make_layout(make_release("v6.12"), "folio"), "mapping", c_type="struct address_space *")

    html = client.get("/search/?q=ANON_VMA").content.decode()

    assert '<a href="/types/anon_mem/"><code>anon_mem</code> (Anonymous memory)</a>' in html
    assert "/types/slab/" not in html
    assert "No struct field matches." in html

    html = client.get("/search/?q=address_space").content.decode()

    assert '<a href="/releases/v6.12/structs/folio/">struct folio of v6.12</a>' in html
    assert "No memory type matches." in html


def test_a_field_of_a_32_bit_build_names_its_arch_and_links_to_its_layout(client):
    release = make_release("v6.12")
    make_field(make_layout(release, "page"), "mapping", offset=24)
    make_field(make_layout(build=make_build(release, "i386"), struct="page", size=40), "mapping", offset=12, size=4)

    html = client.get("/search/?q=mapping").content.decode()

    assert '<a href="/releases/v6.12/">v6.12</a> <span class="muted">i386</span>' in html
    assert '<a href="/releases/v6.12/structs/page/?arch=i386">struct page of v6.12</a>' in html
    assert '<a href="/releases/v6.12/structs/page/">struct page of v6.12</a>' in html


def test_an_empty_query_shows_only_the_form(client, django_assert_num_queries):
    make_memtype("slab")

    with django_assert_num_queries(0):
        response = client.get("/search/?q=")

    html = response.content.decode()
    assert '<input id="q" name="q" type="search"' in html
    assert "Memory types matching" not in html


def test_a_query_that_is_too_long_is_refused_with_a_message(client):
    response = client.get("/search/", {"q": "x" * 101})

    assert response.status_code == 400
    assert "Search for at most 100 characters." in response.content.decode()


def test_it_lists_at_most_the_limit_of_fields_and_says_so(client, monkeypatch):
    layout = make_layout()
    for n in range(3):
        make_field(layout, f"pp_{n}")
    monkeypatch.setattr(views, "SEARCH_FIELD_LIMIT", 2)

    response = client.get("/search/?q=pp_")

    assert len(response.context["fields"]) == 2
    assert "Only the first 2 fields are listed" in response.content.decode()


def test_it_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    layout = make_layout()
    for n in range(5):
        make_memtype(f"lru_{n}")
        make_field(layout, f"lru_{n}")

    # 1 matching types, 2 matching fields with their layout and release.
    with django_assert_num_queries(2):
        response = client.get("/search/?q=lru")
        assert {f.layout.release.name for f in response.context["fields"]} == {layout.release.name}
        assert len(response.context["types"]) == 5
