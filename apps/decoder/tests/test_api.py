"""GET /api/v1/releases/{name}/rules/?arch= and /tools/drgn.py on the real data: what a tool
author reads, the errors, the query counts, and the link from the release."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.kernel.models import EnumValue


@pytest.fixture
def kernel_data(kernel_data_once):
    return kernel_data_once


def rules_of(client, release, **params):
    response = client.get(f"/api/v1/releases/{release}/rules/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_v6_12_rules_name_enums_and_give_the_builds_numbers(client, kernel_data):
    body = rules_of(client, "v6.12")
    assert body["release"] == "v6.12" and body["arch"] == "x86_64"
    assert body["build"].startswith("6.12.117")
    assert body["drgn_url"] == "http://testserver/api/v1/releases/v6.12/tools/drgn.py"
    (slab,) = [r for r in body["rules"] if r["type"] == "slab"]
    number = EnumValue.objects.get(build__release__name="v6.12", build__arch="x86_64", name="PGTY_slab").value
    assert slab["test"] == "page_type >> 24 == PGTY_slab"
    assert (slab["enum"], slab["name"], slab["number"]) == ("pagetype", "PGTY_slab", number)
    assert slab["source"]["key"] == "page-flags-h-v6-12"
    assert slab["source"]["citation"].startswith("include/linux/page-flags.h @ v6.12")
    assert slab["identification"].startswith("folio_test_slab()")
    priorities = [r["priority"] for r in body["rules"]]
    assert priorities == sorted(priorities, reverse=True)
    # Rules of other eras are not served.
    assert not [r for r in body["rules"] if r["name"] == "PG_slab"]


def test_v6_1_slab_is_a_page_flag(client, kernel_data):
    (slab,) = [r for r in rules_of(client, "v6.1")["rules"] if r["type"] == "slab"]
    assert (slab["operation"], slab["name"], slab["until"]) == ("flag", "PG_slab", "v6.10")
    assert (
        slab["number"] == EnumValue.objects.get(build__release__name="v6.1", build__arch="x86_64", name="PG_slab").value
    )


def test_netpool_rules_follow_the_architecture(client, kernel_data):
    x86 = [r for r in rules_of(client, "v7.2")["rules"] if r["type"] == "netpool"]
    arm = [r for r in rules_of(client, "v7.2", arch="arm")["rules"] if r["type"] == "netpool"]
    assert [r["value"] for r in x86] == ["0xdead000000000040"]
    assert [r["value"] for r in arm] == ["0x40"]
    assert rules_of(client, "v7.2", arch="arm")["drgn_url"].endswith("/tools/drgn.py?arch=arm")


def test_v6_18_says_which_build_lent_its_page_types(client, kernel_data):
    body = rules_of(client, "v6.18")
    assert any("v7.2 x86_64 build" in note for note in body["notes"])
    (flag,) = [r for r in body["rules"] if r["name"] == "PG_head"]
    assert (
        flag["number"] == EnumValue.objects.get(build__release__name="v7.2", build__arch="x86_64", name="PG_head").value
    )


@pytest.mark.parametrize(
    ("url", "status", "key", "text"),
    [
        ("/api/v1/releases/v9.9/rules/", 404, "detail", "No release named v9.9."),
        ("/api/v1/releases/v6.12/rules/?arch=sparc", 400, "arch", "'sparc' is not an architecture"),
        ("/api/v1/releases/v6.12/rules/?arch=arm", 404, "detail", "Release v6.12 has no build for arm."),
        ("/api/v1/releases/v9.9/tools/drgn.py", 404, "detail", "No release named v9.9."),
        ("/api/v1/releases/v6.12/tools/drgn.py?arch=mips", 400, "arch", "'mips' is not an architecture"),
    ],
)
def test_errors_are_json(client, kernel_data, url, status, key, text):
    response = client.get(url)
    assert response.status_code == status
    message = response.json()[key]
    assert text in (message if isinstance(message, str) else message[0])


@pytest.mark.parametrize("release", ["v5.10", "v7.3-rc7"])
def test_rules_query_count(client, kernel_data, django_assert_num_queries, release):
    with django_assert_num_queries(5):
        assert client.get(f"/api/v1/releases/{release}/rules/").status_code == 200


def test_drgn_query_count_is_fixed(client, kernel_data, settings):
    settings.MEMTYPES_CACHE = False  # the page's own queries, without the data version's (conftest.py)
    counts = []
    for release in ("v5.10", "v7.2"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/releases/{release}/tools/drgn.py").status_code == 200
        counts.append(len(queries))
    assert counts == [7, 7]


def test_the_release_links_its_rules(client, kernel_data):
    body = client.get("/api/v1/releases/v6.12/").json()
    assert body["rules_url"] == "http://testserver/api/v1/releases/v6.12/rules/"
    page = client.get("/releases/v6.12/").content.decode()
    assert 'href="/api/v1/releases/v6.12/tools/drgn.py"' in page
    assert 'href="/api/v1/releases/v7.2/tools/drgn.py?arch=arm"' in client.get("/releases/v7.2/").content.decode()
