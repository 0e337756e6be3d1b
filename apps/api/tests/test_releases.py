"""Releases, the structs each has, and one struct's layout with its 8-byte words."""

import pytest

from apps.kernel.models import Release
from apps.kernel.tests.factory import make_field, make_layout, make_release


@pytest.fixture
def v612(db):
    release = make_release("v6.12", kernel_version="6.12.57")
    page = make_layout(release, "page", size=64, provenance="pahole 1.24 on vmlinux")
    make_field(page, "flags", offset=0, size=8)
    make_field(page, "lru", offset=8, size=16, c_type="struct list_head", path="union@8")
    make_field(page, "compound_head", offset=8, size=8, path="union@8/struct#3@8")
    make_field(page, "mapping", offset=24, size=8, c_type="struct address_space *")
    make_field(page, "page_type", offset=48, size=4, c_type="unsigned int")
    make_layout(release, "slab", size=64)
    return release


def test_releases_list_their_structs(client, v612):
    body = client.get("/api/v1/releases/").json()
    assert body["count"] == 1
    release = body["results"][0]
    assert release["url"] == "http://testserver/api/v1/releases/v6.12/"
    assert [(s["struct"], s["size"]) for s in release["structs"]] == [("page", 64), ("slab", 64)]
    assert release["structs"][0]["url"] == "http://testserver/api/v1/releases/v6.12/structs/page/"


def test_a_release_is_found_by_its_dotted_name(client, v612):
    body = client.get("/api/v1/releases/v6.12/").json()
    assert body["kernel_version"] == "6.12.57"
    assert body["matrix_url"] == "http://testserver/api/v1/releases/v6.12/matrix/"


def test_a_struct_lists_its_fields_by_offset_and_its_words(client, v612):
    body = client.get("/api/v1/releases/v6.12/structs/page/").json()
    assert (body["struct"], body["size"], body["provenance"]) == ("page", 64, "pahole 1.24 on vmlinux")
    assert [f["name"] for f in body["fields"]] == ["flags", "lru", "compound_head", "mapping", "page_type"]
    assert body["fields"][1] == {
        "name": "lru",
        "path": "union@8",
        "c_type": "struct list_head",
        "offset": 8,
        "size": 16,
        "bit_offset": None,
        "bit_size": None,
        "page_index": 0,
        "config": "",
    }
    words = {w["index"]: w["fields"] for w in body["words"]}
    assert len(words) == 8
    assert words[1] == ["lru", "compound_head"]
    assert words[2] == ["lru"]  # a list_head covers two words
    assert words[6] == ["page_type"]


def test_an_unknown_release_or_struct_is_a_404(client, v612):
    assert client.get("/api/v1/releases/v9.9/").json() == {"detail": "No release v9.9."}
    response = client.get("/api/v1/releases/v6.12/structs/zpdesc/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Release v6.12 has no layout of struct zpdesc."}


def test_an_editor_adds_a_release_and_a_bad_name_is_refused(editor, db):
    response = editor.post("/api/v1/releases/", {"name": "6.13"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["A release is named like v6.12 or v6.1.55."]}
    response = editor.post("/api/v1/releases/", {"name": "v6.13", "notes": "not built yet"}, format="json")
    assert response.status_code == 201
    assert response.json()["structs"] == []
    assert Release.objects.get(name="v6.13").sort_key == 6_013_000


@pytest.mark.parametrize("n", [1, 4])
def test_the_list_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries, n):
    for i in range(n):
        release = make_release(f"v6.{i}")
        make_layout(release, "page")
        make_layout(release, "folio")
    # count, the page of releases, their layouts
    with django_assert_num_queries(3):
        body = client.get("/api/v1/releases/").json()
    assert len(body["results"]) == n


@pytest.mark.parametrize("n", [2, 8])
def test_a_struct_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries, n):
    layout = make_layout(make_release("v6.12"), "page")
    for i in range(n):
        make_field(layout, offset=8 * i)
    # the layout with its release, its fields
    with django_assert_num_queries(2):
        body = client.get("/api/v1/releases/v6.12/structs/page/").json()
    assert len(body["fields"]) == n
