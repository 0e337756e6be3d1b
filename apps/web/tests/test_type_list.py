"""The list of all memory types, grouped by area."""

import pytest

from apps.kernel import catalogue
from apps.kernel.tests.factory import make_memtype, make_relation

pytestmark = pytest.mark.django_db


def test_it_groups_the_types_by_area_with_their_parents_linked(client):
    folio = make_memtype("folio", area="folio", name="Folio")
    anon = make_memtype("anon_mem", area="folio", descriptor="struct folio", status="mainline")
    make_relation(folio, anon)
    make_memtype("slab", area="slab", status="planned", summary="Objects carved out of pages.")

    html = client.get("/types/").content.decode()

    assert html.index('id="area-folio"') < html.index('id="area-slab"')
    anon_row = html[html.index('href="/types/anon_mem/"') :]
    assert '<a class="mono" href="/types/folio/">folio</a>' in anon_row[: anon_row.index("</tr>")]
    assert "<code>struct folio</code>" in anon_row
    assert "Objects carved out of pages." in html
    assert '<span class="badge planned">Planned (memdesc plan)</span>' in html
    assert 'id="area-pgtable"' not in html


def test_it_says_so_when_there_are_no_types(client):
    assert "No memory types are recorded yet." in client.get("/types/").content.decode()


def test_it_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    root = make_memtype("page", area="page")
    for n in range(5):
        make_relation(root, make_memtype(f"type_{n}", area="folio"))

    catalogue.current()  # held, as after the process's first request (apps.kernel.catalogue)
    # 1 the data version: its catalogue holds the types and their parents.
    with django_assert_num_queries(1):
        response = client.get("/types/")
        areas = response.context["areas"]
        parents = {t.slug: [p.slug for p in parents] for _, _, types in areas for t, parents in types}
    assert parents == {"page": [], **{f"type_{n}": ["page"] for n in range(5)}}
