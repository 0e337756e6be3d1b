"""The home page: what memtypes is, the hierarchy drawn, the types by area."""

import pytest

from apps.kernel import catalogue
from apps.kernel.tests.factory import make_memtype, make_relation, make_release

pytestmark = pytest.mark.django_db


def test_it_links_the_types_the_releases_and_the_api(client):
    make_memtype("slab", area="slab", name="Slab")
    make_release("v6.1")
    make_release("v6.12")

    html = client.get("/").content.decode()

    assert '<a class="mono" href="/types/slab/">slab</a>' in html
    assert '<a href="/releases/v6.12/">v6.12</a>' in html
    assert 'href="/releases/v6.12/structs/page/"' in html
    assert '<a href="/api/v1/">the JSON API</a>' in html
    assert '<a href="/api/v1/docs/">its documentation</a>' in html
    assert '<a href="/diagram.svg">SVG</a>' in html


def test_it_draws_the_whole_hierarchy_inline_or_says_why_not(client):
    folio = make_memtype("folio")
    make_relation(folio, make_memtype("anon_mem"))

    response = client.get("/")

    picture = response.context["picture"]
    html = response.content.decode()
    if picture.svg:
        assert '<figure class="diagram"' in html
        assert "anon_mem" in picture.svg
    else:
        assert f'<div class="diagram-missing" role="note">{picture.error}</div>' in html


def test_it_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    page = make_memtype("page", area="page")
    for n in range(4):
        make_relation(page, make_memtype(f"type_{n}", area="folio"))
        make_release(f"v6.{n + 1}")

    catalogue.current()  # held, as after the process's first request (apps.kernel.catalogue)
    # 1 the data version (its catalogue holds the types with their parents, the hierarchy to
    # draw), 2 releases.
    with django_assert_num_queries(2):
        response = client.get("/")
        assert [[p.slug for p in parents] for _, parents in response.context["areas"][1][2]] == [["page"]] * 4
    # The picture drawn at this data version: the same queries.
    with django_assert_num_queries(2):
        again = client.get("/")
        assert [[p.slug for p in parents] for _, parents in again.context["areas"][1][2]] == [["page"]] * 4
    assert again.context["picture"].svg == response.context["picture"].svg
