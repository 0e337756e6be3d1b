"""/api/v1/lifecycle/: every transition era, by type and by release, and its 400s."""

import pytest

from apps.kernel.tests.factory import make_memtype, make_source, make_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def life():
    buddy, slab, anon = make_memtype("buddy"), make_memtype("slab"), make_memtype("anon_mem")
    slub = make_source(key="slub-c-v6-12", title="mm/slub.c at v6.12", path="mm/slub.c")
    make_transition(buddy, slab, event="allocated by the slab allocator", function="allocate_slab()", until="v5.17",
                    source=slub, basis="inferred")  # fmt: skip
    pull = make_source(key="slab-for-5-17", kind="url", title="slab for 5.17", url="https://example.org/slab")
    make_transition(buddy, slab, event="allocated by the slab allocator", function="alloc_slab_page()", since="v5.17",
                    source=slub, basis="inferred", note="__folio_set_slab()", dated_by=pull)  # fmt: skip
    make_transition(slab, buddy, event="freed", function="__free_slab()", source=slub)
    make_transition(buddy, anon, event="page fault", function="do_anonymous_page()", source=slub)
    return buddy, slab, anon


def functions(body):
    return [(t["from"]["slug"], t["to"]["slug"], t["function"]) for t in body["results"]]


def test_it_lists_every_era_with_its_types_function_and_source(client, life):
    body = client.get("/api/v1/lifecycle/").json()
    assert body["count"] == 4
    era = next(t for t in body["results"] if t["function"] == "alloc_slab_page()")
    assert era == {
        "from": {"slug": "buddy", "name": life[0].name, "url": "http://testserver/api/v1/types/buddy/"},
        "to": {"slug": "slab", "name": life[1].name, "url": "http://testserver/api/v1/types/slab/"},
        "event": "allocated by the slab allocator",
        "function": "alloc_slab_page()",
        "since": "v5.17",
        "until": "",
        "era": "since v5.17",
        "basis": "inferred",
        "note": "__folio_set_slab()",
        "source": {
            "key": "slub-c-v6-12",
            "title": "mm/slub.c at v6.12",
            "url": "http://testserver/api/v1/sources/slub-c-v6-12/",
        },
        "dated_by": {
            "key": "slab-for-5-17",
            "title": "slab for 5.17",
            "url": "http://testserver/api/v1/sources/slab-for-5-17/",
        },
    }
    assert next(t for t in body["results"] if t["function"] == "allocate_slab()")["dated_by"] is None


def test_a_type_gives_the_transitions_into_and_out_of_it(client, life):
    assert functions(client.get("/api/v1/lifecycle/?type=slab").json()) == [
        ("buddy", "slab", "allocate_slab()"),
        ("buddy", "slab", "alloc_slab_page()"),
        ("slab", "buddy", "__free_slab()"),
    ]


def test_a_release_gives_the_function_of_that_release(client, life):
    assert functions(client.get("/api/v1/lifecycle/?type=slab&release=v6.12").json()) == [
        ("buddy", "slab", "alloc_slab_page()"),
        ("slab", "buddy", "__free_slab()"),
    ]
    # A release memtypes has no layout for is a fair question: the era still says.
    assert functions(client.get("/api/v1/lifecycle/?type=slab&release=v5.15").json())[0] == (
        "buddy",
        "slab",
        "allocate_slab()",
    )


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("type=no_such_type", {"type": ["No memory type with that slug."]}),
        ("release=6.12", {"release": ["A release is named like v6.12, v6.1.55 or v7.3-rc7 (major and minor up to "
                                      "99, patch up to 999)."]}),
        ("release=v7.3-rc99", {"release": ["A release is named like v6.12, v6.1.55 or v7.3-rc7 (major and minor up "
                                           "to 99, patch up to 999)."]}),
    ],
)  # fmt: skip
def test_a_bad_filter_is_a_400_naming_the_parameter(client, life, query, errors):
    response = client.get(f"/api/v1/lifecycle/?{query}")
    assert response.status_code == 400
    assert response.json() == errors


def test_it_is_read_only(client, life):
    assert client.post("/api/v1/lifecycle/", {}, content_type="application/json").status_code == 405


def test_it_runs_a_fixed_number_of_queries(client, life, django_assert_num_queries):
    buddy = life[0]
    for n in range(10):
        make_transition(buddy, make_memtype(f"extra_{n}"), event=f"event {n}")
    # 1. the type named by ?type=, 2. the count (pagination), 3. the page of transitions with both
    # types and their sources
    with django_assert_num_queries(3):
        body = client.get("/api/v1/lifecycle/?type=buddy&release=v6.12").json()
    assert body["count"] == 13


def test_the_api_root_links_it(client, db):
    assert client.get("/api/v1/").json()["lifecycle"] == "http://testserver/api/v1/lifecycle/"
