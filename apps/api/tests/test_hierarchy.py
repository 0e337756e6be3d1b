"""The whole hierarchy as nodes and edges and as a tree from the roots."""

import pytest

from apps.kernel import catalogue
from apps.kernel.tests.factory import make_memtype, make_relation


def test_a_type_with_two_parents_appears_under_each(client, db):
    folio, slab, pgtable = make_memtype("folio"), make_memtype("slab"), make_memtype("pgtable")
    shared = make_memtype("shared")
    make_relation(folio, shared, note="first")
    make_relation(slab, shared)
    body = client.get("/api/v1/hierarchy/").json()
    assert [n["slug"] for n in body["nodes"]] == ["folio", "pgtable", "shared", "slab"]
    assert {"parent": "folio", "child": "shared", "note": "first"} in body["edges"]
    assert body["roots"] == ["folio", "pgtable", "slab"]
    tree = {root["slug"]: [kid["slug"] for kid in root["children"]] for root in body["tree"]}
    assert tree == {"folio": ["shared"], "pgtable": [], "slab": ["shared"]}
    assert body["tree"][0]["url"] == "http://testserver/api/v1/types/folio/"
    assert pgtable.slug in body["roots"]


@pytest.mark.parametrize("n", [1, 4])
def test_it_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries, n):
    previous = make_memtype("root")
    for i in range(n):
        node = make_memtype(f"level_{i}")
        make_relation(previous, node)
        previous = node
    catalogue.current()  # held, as after the process's first request (apps.kernel.catalogue)
    # the data version (the types and relations are in its catalogue)
    with django_assert_num_queries(1):
        body = client.get("/api/v1/hierarchy/").json()
    assert len(body["edges"]) == n
