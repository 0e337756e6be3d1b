"""The API over the curated kernel data in data/: what it serves matches the data files, and
the query counts pinned on small data hold on the real data too."""

import pytest

from apps.kernel import catalogue


@pytest.fixture
def kernel_data(kernel_data_once, db):
    """Every test here only reads the real data: it is loaded once for the module."""
    return kernel_data_once


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


def test_every_struct_of_every_build_is_served_as_pahole_printed_it(client, kernel_data):
    assert kernel_data.builds
    for build in kernel_data.builds:
        name, arch = build["release"], build["arch"]
        served = client.get(f"/api/v1/releases/{name}/").json()
        (served_build,) = [b for b in served["builds"] if b["arch"] == arch]
        assert {(s["struct"], s["size"]) for s in served_build["structs"]} == {
            (struct.name, struct.size) for struct in build["structs"]
        }
        assert served_build["kernel_version"] == build["values"]["kernel_version"]
        assert served_build["layout_file"] == build["values"]["layout_file"]
        page = client.get(f"/api/v1/releases/{name}/structs/page/?arch={arch}").json()
        assert (page["release"], page["arch"]) == (name, arch)
        offsets = [f["offset"] for f in page["fields"]]
        assert offsets == sorted(offsets)
        word = served_build["word_size"]
        assert {w["size"] for w in page["words"]} == {word}
        assert len(page["words"]) * word == page["size"]


def test_the_diff_of_two_releases_names_the_structs_the_kernel_added(client, kernel_data):
    names = list(kernel_data.releases)
    if not {"v6.1", "v6.12"} <= set(names):
        pytest.skip("the data has no v6.1 and v6.12 layouts")
    body = client.get("/api/v1/diff/?from=v6.1&to=v6.12").json()
    assert body["arch"] == "x86_64"
    # data/releases.yaml: ptdesc arrived in v6.6, so v6.1's build lacks it and v6.12's has it.
    assert "ptdesc" in body["structs"]["added"]
    assert "page" in [entry["struct"] for entry in body["structs"]["changed"]]


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/v1/types/?page_size=500", 1),  # the data version: the types are in its catalogue
        ("/api/v1/hierarchy/", 1),  # the data version: the hierarchy is in its catalogue
        ("/api/v1/relations/?page_size=500", 2),
        ("/api/v1/usages/?page_size=500", 2),
    ],
)
def test_the_real_data_runs_the_pinned_number_of_queries(client, kernel_data, django_assert_num_queries, url, queries):
    catalogue.current()  # held, as after the process's first request (apps.kernel.catalogue)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_the_real_releases_run_the_pinned_number_of_queries(client, kernel_data, django_assert_num_queries):
    # count, releases, builds, their layouts, backports with their sources, and the backports'
    # fields: Django skips that last prefetch when no release lists a backport (as the small
    # data of test_releases.py shows, with backports: 6).
    with django_assert_num_queries(6 if kernel_data.backports else 5):
        body = client.get("/api/v1/releases/?page_size=500").json()
    assert [r["name"] for r in body["results"]] == list(kernel_data.releases)


def test_a_real_type_and_the_matrix_run_the_pinned_number_of_queries(client, kernel_data, django_assert_num_queries):
    slug = sorted(kernel_data.types)[0]
    release = list(kernel_data.releases)[-1]
    # the type, parent relations, child relations, identifications, memdesc numbers, sources, usages
    with django_assert_num_queries(7):
        assert client.get(f"/api/v1/types/{slug}/").status_code == 200
    # the build with its release, struct page's fields, the usages
    with django_assert_num_queries(3):
        assert client.get(f"/api/v1/releases/{release}/matrix/").status_code == 200
