"""Releases with the builds they were read from (one per architecture), the structs of each
build, one struct's layout with its words (8 bytes on 64-bit builds, 4 on 32-bit ones), the
enum values of a build, and the stable backports a release's builds carry."""

import pytest

from apps.kernel.models import Backport, EnumValue, Release, release_sort_number
from apps.kernel.tests.factory import make_build, make_field, make_layout, make_release, make_source

SHA = "3f" * 32


@pytest.fixture
def v612(db):
    """v6.12 read from Debian's 6.12.117 on x86_64 (with a field from a stable backport) and
    from a 32-bit i386 build."""
    release = make_release("v6.12")
    x86 = make_build(
        release,
        "x86_64",
        kernel_version="6.12.117",
        package="linux-image-6.12.117+deb12-cloud-amd64-unsigned",
        package_version="6.12.117-1~deb12u1",
        sha256=SHA,
        debuginfo="btf",
        tool="pahole 1.24",
        layout_file="layouts/v6.12.pahole",
    )
    backport = Backport.objects.create(
        release=release,
        commit="4eeec8c89a0c",
        upstream="v6.15",
        subject="mm: hugetlb: independent PMD page table shared count",
        note="The v6.12 tag has no pt_share_count.",
        source=make_source(key="stable-6-12-117"),
    )
    page = make_layout(build=x86, struct="page", size=64)
    make_field(page, "flags", offset=0, size=8)
    make_field(page, "lru", offset=8, size=16, c_type="struct list_head", path="union@8")
    make_field(page, "compound_head", offset=8, size=8, path="union@8/struct#3@8")
    make_field(page, "mapping", offset=24, size=8, c_type="struct address_space *")
    make_field(page, "pt_share_count", offset=40, size=4, c_type="atomic_t", backport=backport)
    make_field(page, "page_type", offset=48, size=4, c_type="unsigned int")
    make_layout(build=x86, struct="slab", size=64)
    EnumValue.objects.create(build=x86, enum="pagetype", name="PGTY_slab", value=0xF5)
    EnumValue.objects.create(build=x86, enum="pagetype", name="PGTY_buddy", value=0xF0)
    i386 = make_build(
        release,
        "i386",
        kernel_version="6.12.117",
        debuginfo="dwarf",
        tool="pahole 1.30",
        layout_file="layouts/v6.12-i386.pahole",
    )
    small = make_layout(build=i386, struct="page", size=32)
    make_field(small, "flags", offset=0, size=4)
    make_field(small, "lru", offset=4, size=8, c_type="struct list_head", path="union@4")
    make_field(small, "compound_head", offset=4, size=4, path="union@4/struct#3@4")
    make_field(small, "mapping", offset=12, size=4, c_type="struct address_space *")
    EnumValue.objects.create(build=i386, enum="pagetype", name="PGTY_slab", value=0xF5)
    return release


def test_releases_list_their_builds_and_each_build_its_structs(client, v612):
    body = client.get("/api/v1/releases/").json()
    assert body["count"] == 1
    release = body["results"][0]
    assert release["url"] == "http://testserver/api/v1/releases/v6.12/"
    # x86_64, the reference architecture, first; then the others by name.
    assert [(b["arch"], b["word_size"]) for b in release["builds"]] == [("x86_64", 8), ("i386", 4)]
    x86, i386 = release["builds"]
    assert [(s["struct"], s["size"]) for s in x86["structs"]] == [("page", 64), ("slab", 64)]
    assert x86["structs"][0]["url"] == "http://testserver/api/v1/releases/v6.12/structs/page/"
    assert i386["structs"] == [
        {"struct": "page", "size": 32, "url": "http://testserver/api/v1/releases/v6.12/structs/page/?arch=i386"}
    ]
    assert x86["matrix_url"] == "http://testserver/api/v1/releases/v6.12/matrix/"
    assert i386["matrix_url"] == "http://testserver/api/v1/releases/v6.12/matrix/?arch=i386"


def test_a_release_is_found_by_its_dotted_name_with_its_builds_provenance_and_backports(client, v612):
    body = client.get("/api/v1/releases/v6.12/").json()
    assert "kernel_version" not in body  # the build has it: each architecture's build is its own
    x86 = body["builds"][0]
    assert (x86["kernel_version"], x86["package"], x86["package_version"], x86["sha256"]) == (
        "6.12.117",
        "linux-image-6.12.117+deb12-cloud-amd64-unsigned",
        "6.12.117-1~deb12u1",
        SHA,
    )
    assert (x86["debuginfo"], x86["tool"], x86["layout_file"], x86["vendor_build"]) == (
        "btf",
        "pahole 1.24",
        "layouts/v6.12.pahole",
        False,
    )
    assert body["backports"] == [
        {
            "commit": "4eeec8c89a0c",
            "upstream": "v6.15",
            "subject": "mm: hugetlb: independent PMD page table shared count",
            "note": "The v6.12 tag has no pt_share_count.",
            "source": "stable-6-12-117",
            "fields": ["page.pt_share_count"],
        }
    ]
    assert body["matrix_url"] == "http://testserver/api/v1/releases/v6.12/matrix/"


def test_a_struct_lists_its_build_its_fields_by_offset_and_its_8_byte_words(client, v612):
    body = client.get("/api/v1/releases/v6.12/structs/page/").json()
    assert (body["url"], body["release"], body["arch"], body["struct"], body["size"]) == (
        "http://testserver/api/v1/releases/v6.12/structs/page/",
        "v6.12",
        "x86_64",
        "page",
        64,
    )
    assert body["build"]["kernel_version"] == "6.12.117"
    assert body["build"]["package"] == "linux-image-6.12.117+deb12-cloud-amd64-unsigned"
    assert body["build"]["sha256"] == SHA
    assert (body["build"]["debuginfo"], body["build"]["tool"]) == ("btf", "pahole 1.24")
    assert "structs" not in body["build"]
    assert [f["name"] for f in body["fields"]] == [
        "flags",
        "lru",
        "compound_head",
        "mapping",
        "pt_share_count",
        "page_type",
    ]
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
        "backport": None,
    }
    # A field the stable build has from a backport names the upstream commit.
    assert body["fields"][4]["backport"] == "4eeec8c89a0c"
    words = {w["index"]: w for w in body["words"]}
    assert len(words) == 8
    assert {w["size"] for w in body["words"]} == {8}
    assert words[1]["offset"] == 8
    assert words[1]["fields"] == ["lru", "compound_head"]
    assert words[2]["fields"] == ["lru"]  # a list_head covers two words
    assert words[6]["fields"] == ["page_type"]


def test_the_struct_of_a_32_bit_build_is_served_in_4_byte_words(client, v612):
    body = client.get("/api/v1/releases/v6.12/structs/page/?arch=i386").json()
    assert (body["url"], body["arch"], body["size"]) == (
        "http://testserver/api/v1/releases/v6.12/structs/page/?arch=i386",
        "i386",
        32,
    )
    assert (body["build"]["debuginfo"], body["build"]["word_size"]) == ("dwarf", 4)
    assert [(w["index"], w["offset"], w["size"]) for w in body["words"]] == [(i, 4 * i, 4) for i in range(8)]
    words = {w["index"]: w["fields"] for w in body["words"]}
    assert words[0] == ["flags"]
    assert words[1] == ["lru", "compound_head"]
    assert words[2] == ["lru"]  # an 8-byte list_head covers two 4-byte words
    assert words[3] == ["mapping"]
    assert words[4] == []


def test_the_enums_of_a_build_are_its_values(client, v612):
    body = client.get("/api/v1/releases/v6.12/enums/").json()
    assert body == [
        {"enum": "pagetype", "name": "PGTY_buddy", "value": 0xF0},
        {"enum": "pagetype", "name": "PGTY_slab", "value": 0xF5},
    ]
    assert client.get("/api/v1/releases/v6.12/enums/?arch=i386").json() == [
        {"enum": "pagetype", "name": "PGTY_slab", "value": 0xF5}
    ]


def test_an_unknown_release_struct_or_build_is_a_404_saying_which(client, v612):
    assert client.get("/api/v1/releases/v9.9/").json() == {"detail": "No release v9.9."}
    response = client.get("/api/v1/releases/v6.12/structs/zpdesc/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Release v6.12 has no layout of struct zpdesc on x86_64."}
    response = client.get("/api/v1/releases/v9.9/structs/page/")
    assert (response.status_code, response.json()) == (404, {"detail": "No release named v9.9."})
    response = client.get("/api/v1/releases/v6.12/structs/page/?arch=arm64")
    assert (response.status_code, response.json()) == (404, {"detail": "Release v6.12 has no build for arm64."})


@pytest.mark.parametrize("url", ["structs/page/", "matrix/", "enums/"])
def test_an_unknown_arch_is_a_404_naming_the_known_ones(client, v612, url):
    response = client.get(f"/api/v1/releases/v6.12/{url}?arch=sparc")
    assert response.status_code == 404
    assert response.json() == {"detail": "No architecture named 'sparc'; memtypes knows x86_64, arm64, arm, i386."}


def test_an_editor_adds_a_release_and_a_bad_name_is_refused(editor, db):
    help_text = "A release is named like v6.12, v6.1.55 or v7.3-rc7 (major and minor up to 99, patch up to 999)."
    for bad in ("6.13", "v6.1000", "v6.1.1000", "v100.1", "v7.3-rc", "v2148.0"):
        response = editor.post("/api/v1/releases/", {"name": bad}, format="json")
        assert response.status_code == 400, bad
        assert response.json() == {"name": [help_text]}, bad
    response = editor.post("/api/v1/releases/", {"name": "v6.13", "notes": "not built yet"}, format="json")
    assert response.status_code == 201
    assert (response.json()["builds"], response.json()["backports"]) == ([], [])
    response = editor.post("/api/v1/releases/", {"name": "v7.3-rc7"}, format="json")
    assert response.status_code == 201, response.json()
    # A release candidate sorts before its release, after the release before it.
    assert Release.objects.get(name="v6.13").sort_key == release_sort_number("v6.13")
    rc, final = release_sort_number("v7.3-rc7"), release_sort_number("v7.3")
    assert release_sort_number("v7.2.999") < rc < final
    assert Release.objects.get(name="v7.3-rc7").sort_key == rc


@pytest.mark.parametrize("n", [1, 4])
def test_the_list_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries, n):
    for i in range(n):
        release = make_release(f"v6.{i}")
        make_layout(release, "page")
        make_layout(release, "folio")
        make_layout(build=make_build(release, "arm64"), struct="page")
        backport = Backport.objects.create(
            release=release, commit=f"{i:07x}", upstream="v6.15", subject="a backport", source=make_source()
        )
        make_field(release.builds.get(arch="x86_64").layouts.get(struct="page"), backport=backport)
    # count, the page of releases, their builds, the builds' layouts, the backports with their
    # sources, the backports' fields (builds and backports are new with builds per arch: 3 -> 6)
    with django_assert_num_queries(6):
        body = client.get("/api/v1/releases/").json()
    assert len(body["results"]) == n
    assert all(len(r["builds"]) == 2 and len(r["backports"]) == 1 for r in body["results"])


@pytest.mark.parametrize("n", [2, 8])
def test_a_struct_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries, n):
    layout = make_layout(make_release("v6.12"), "page")
    for i in range(n):
        make_field(layout, offset=8 * i)
    # the build of ?arch= with its release, the layout, its fields with their backports
    # (one more than before: the build is looked up first to tell a missing arch from a missing struct)
    with django_assert_num_queries(3):
        body = client.get("/api/v1/releases/v6.12/structs/page/").json()
    assert len(body["fields"]) == n
