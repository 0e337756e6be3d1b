"""The API over the curated kernel data in data/: what it serves matches the data files, and
the query counts pinned on small data hold on the real data too."""

import pytest


def test_every_type_and_relation_of_the_data_is_served(client, kernel_data):
    body = client.get("/api/v1/hierarchy/").json()
    assert {node["slug"] for node in body["nodes"]} == set(kernel_data.types)
    served = {(edge["parent"], edge["child"]) for edge in body["edges"]}
    assert served == {(parent, child) for parent, child, *_ in kernel_data.relations}

    def reached(nodes):
        for node in nodes:
            yield node["slug"]
            yield from reached(node["children"])

    assert set(reached(body["tree"])) == set(kernel_data.types)


def test_every_struct_of_every_release_is_served_as_pahole_printed_it(client, kernel_data):
    for release in kernel_data.releases:
        served = client.get(f"/api/v1/releases/{release['name']}/").json()
        assert {(s["struct"], s["size"]) for s in served["structs"]} == {
            (struct.name, struct.size) for struct in release["structs"]
        }
        page = client.get(f"/api/v1/releases/{release['name']}/structs/page/").json()
        offsets = [f["offset"] for f in page["fields"]]
        assert offsets == sorted(offsets)
        assert len(page["words"]) * 8 == page["size"]


def test_the_diff_of_two_releases_names_the_structs_the_kernel_added(client, kernel_data):
    names = [r["name"] for r in kernel_data.releases]
    if not {"v6.1", "v6.12"} <= set(names):
        pytest.skip("the data has no v6.1 and v6.12 layouts")
    body = client.get("/api/v1/diff/?from=v6.1&to=v6.12").json()
    # data/releases.yaml: ptdesc arrived in v6.6, so v6.1's build lacks it and v6.12's has it.
    assert "ptdesc" in body["structs"]["added"]
    assert "page" in [entry["struct"] for entry in body["structs"]["changed"]]


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/v1/types/?page_size=500", 4),
        ("/api/v1/hierarchy/", 2),
        ("/api/v1/releases/", 3),
        ("/api/v1/relations/?page_size=500", 2),
        ("/api/v1/usages/?page_size=500", 2),
    ],
)
def test_the_real_data_runs_the_pinned_number_of_queries(client, kernel_data, django_assert_num_queries, url, queries):
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_a_real_type_and_the_matrix_run_the_pinned_number_of_queries(client, kernel_data, django_assert_num_queries):
    slug = sorted(kernel_data.types)[0]
    release = kernel_data.releases[-1]["name"]
    # the type, parent relations, child relations, identifications, sources, usages
    with django_assert_num_queries(6):
        assert client.get(f"/api/v1/types/{slug}/").status_code == 200
    # the release, struct page's fields, the usages
    with django_assert_num_queries(3):
        assert client.get(f"/api/v1/releases/{release}/matrix/").status_code == 200
