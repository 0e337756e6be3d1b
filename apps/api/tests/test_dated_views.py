"""The dated views of the hierarchy in the API: /api/v1/views/ and one view as a graph."""

import pytest

from apps.kernel import catalogue
from apps.kernel.tests.factory import make_dated_view, make_memtype

pytestmark = pytest.mark.django_db


@pytest.fixture
def kernel_data(kernel_data_once):
    return kernel_data_once


def test_the_list_gives_each_view_with_its_date_source_and_size(client, kernel_data):
    body = client.get("/api/v1/views/").json()
    assert [(v["slug"], v["date"], v["edge_count"]) for v in body] == [
        ("wilcox-2021-10-22", "2021-10-22", 13),
        ("wilcox-2021-10-23", "2021-10-23", 16),
    ]
    assert body[1]["url"] == "http://testserver/api/v1/views/wilcox-2021-10-23/"
    assert body[1]["source"]["key"] == "wilcox-2021-10-23-memory-types-revised"


def test_a_view_is_served_as_nodes_edges_roots_and_a_tree(client, kernel_data):
    body = client.get("/api/v1/views/wilcox-2021-10-23/").json()
    assert body["view"]["name"].startswith("Wilcox's revised tree")
    assert len(body["nodes"]) == 16
    assert {"parent": "folio", "child": "devmem"} in [{k: e[k] for k in ("parent", "child")} for e in body["edges"]]
    assert body["roots"] == ["page"]
    assert body["diagrams"]["svg"] == "http://testserver/views/wilcox-2021-10-23/diagram.svg"
    assert client.get(body["diagrams"]["dot"]).status_code == 200


def test_the_current_hierarchy_is_not_changed_by_the_views(client, kernel_data):
    edges = client.get("/api/v1/hierarchy/").json()["edges"]
    assert not [e for e in edges if e["parent"] == "mappable"]


def test_an_unknown_view_is_a_json_404(client, db):
    response = client.get("/api/v1/views/nosuch/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("size", [2, 12])
def test_a_fixed_number_of_queries(client, db, django_assert_num_queries, size):
    root = make_memtype("q_root")
    make_dated_view("q-tree", [(root, make_memtype(f"q_kind_{n}")) for n in range(size)])
    catalogue.current()  # held, as after the process's first request (apps.kernel.catalogue)
    # the views; then the view and the data version (its edges are in the catalogue)
    with django_assert_num_queries(1):
        assert client.get("/api/v1/views/").status_code == 200
    with django_assert_num_queries(2):
        assert client.get("/api/v1/views/q-tree/").status_code == 200
