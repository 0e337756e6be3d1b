"""The release pages: the builds read (one per architecture), the structs each holds, the
stable backports and enum values of the builds, and the usages carried forward."""

import pytest

from apps.kernel.models import Backport, EnumValue
from apps.kernel.tests.factory import (
    make_build,
    make_field,
    make_layout,
    make_memtype,
    make_release,
    make_source,
    make_usage,
)

pytestmark = pytest.mark.django_db


def debian_612(release, **kw):
    values = {
        "kernel_version": "6.12.117",
        "uname": "6.12.117+deb12-cloud-amd64",
        "package": "linux-image-6.12.117+deb12-cloud-amd64-unsigned",
        "package_version": "6.12.117-1~deb12u1",
        "sha256": "cd" * 32,
        "debuginfo": "btf",
        "tool": "pahole 1.24",
        "layout_file": "layouts/v6.12.pahole",
    }
    return make_build(release, "x86_64", **(values | kw))


def test_the_list_shows_each_release_with_its_builds_structs_sizes_and_field_counts(client):
    release = make_release("v6.12")
    page = make_layout(build=debian_612(release), struct="page", size=64)
    for name in ("flags", "mapping"):
        make_field(page, name)
    make_layout(release, "folio", size=256)
    arm = make_build(release, "arm", kernel_version="6.12.117", debuginfo="dwarf", tool="pahole 1.30")
    make_field(make_layout(build=arm, struct="page", size=32), "flags", size=4)

    html = client.get("/releases/").content.decode()

    assert (
        "x86_64: 6.12.117 (linux-image-6.12.117+deb12-cloud-amd64-unsigned 6.12.117-1~deb12u1), BTF, pahole 1.24"
        in html
    )
    assert "arm (32-bit): 6.12.117 (6.12.117), DWARF, pahole 1.30" in html
    page_row = html[html.index('href="/releases/v6.12/structs/page/"') :]
    assert '<td class="num">64</td>\n      <td class="num">2</td>' in page_row
    folio_row = html[html.index('href="/releases/v6.12/structs/folio/"') :]
    assert '<td class="num">256</td>\n      <td class="num">0</td>' in folio_row
    arm_row = html[html.index('href="/releases/v6.12/structs/page/?arch=arm"') :]
    assert arm_row.startswith('href="/releases/v6.12/structs/page/?arch=arm">struct page of v6.12 (arm)</a>')
    assert '<td class="num">32</td>\n      <td class="num">1</td>' in arm_row
    # x86_64, the reference build, before the others.
    assert html.index("x86_64: 6.12.117") < html.index("arm (32-bit): 6.12.117")


def test_the_list_orders_releases_by_version_not_by_name(client):
    for name in ("v6.12", "v5.15", "v7.3", "v7.3-rc7", "v6.1"):
        make_release(name)

    response = client.get("/releases/")

    assert [r.name for r in response.context["releases"]] == ["v5.15", "v6.1", "v6.12", "v7.3-rc7", "v7.3"]


def test_a_vendor_build_carries_a_warning(client):
    make_layout(build=make_build(make_release("v6.18", notes="VENDOR BUILD: check."), vendor_build=True))
    make_layout(build=debian_612(make_release("v6.12")))

    assert "Vendor build:" in client.get("/releases/v6.18/").content.decode()
    assert "Vendor build:" not in client.get("/releases/v6.12/").content.decode()


def test_the_release_page_shows_its_notes_builds_and_links_to_each_build_matrix(client):
    release = make_release("v6.12", notes="Present: page 64, folio 256, slab 64, ptdesc 64.")
    make_layout(build=debian_612(release), struct="page")
    make_layout(build=make_build(release, "i386", debuginfo="dwarf"), struct="page", size=40)

    html = client.get("/releases/v6.12/").content.decode()

    assert "Present: page 64, folio 256, slab 64, ptdesc 64." in html
    x86 = html[html.index('<h3 id="build-x86_64">') : html.index('<h3 id="build-i386">')]
    assert "<dt>Package</dt><dd><code>linux-image-6.12.117+deb12-cloud-amd64-unsigned</code> 6.12.117-1~deb12u1" in x86
    assert f"sha256 <code>{'cd' * 32}</code>" in x86
    assert '<code>6.12.117</code> <span class="muted">(6.12.117+deb12-cloud-amd64)</span>' in x86
    assert "<dd>BTF, read with pahole 1.24</dd>" in x86
    assert 'href="/releases/v6.12/matrix/"' in x86
    i386 = html[html.index('<h3 id="build-i386">') :]
    assert '<h3 id="build-i386">i386 (32-bit)</h3>' in html
    assert "<dt>Package</dt>" not in i386[: i386.index("</dl>")]  # this build names no package
    assert 'href="/releases/v6.12/matrix/?arch=i386"' in i386
    assert 'href="/releases/v6.12/structs/page/?arch=i386"' in i386


def test_the_release_page_lists_backported_fields_and_the_commit_they_came_with(client):
    release = make_release("v6.12")
    page = make_layout(build=debian_612(release), struct="page")
    backport = Backport.objects.create(
        release=release,
        commit="4eeec8c89a0c",
        upstream="v6.15",
        subject="mm: hugetlb: independent PMD page table shared count",
        note="The v6.12 tag has no pt_share_count.",
        source=make_source(title="linux-6.12.y stable log"),
    )
    make_field(page, "pt_share_count", offset=40, size=4, backport=backport)
    make_field(page, "flags", offset=0)

    html = client.get("/releases/v6.12/").content.decode()

    table = html[html.index('<h2 id="backports">') :]
    table = table[: table.index("</table>")]
    assert "<td><code>4eeec8c89a0c</code></td><td>v6.15</td>" in table
    assert "<td>mm: hugetlb: independent PMD page table shared count</td>" in table
    assert "<td><code>page.pt_share_count</code></td>" in table
    assert "The v6.12 tag has no pt_share_count." in table
    assert "flags" not in table
    # Without a backport there is no such section.
    make_layout(build=debian_612(make_release("v6.13")))
    assert 'id="backports"' not in client.get("/releases/v6.13/").content.decode()


def test_the_release_page_shows_the_enum_values_per_arch(client):
    release = make_release("v6.12")
    x86, arm = debian_612(release), make_build(release, "arm", debuginfo="dwarf")
    EnumValue.objects.create(build=x86, enum="pagetype", name="PGTY_buddy", value=240)
    EnumValue.objects.create(build=x86, enum="pagetype", name="PGTY_slab", value=245)
    EnumValue.objects.create(build=arm, enum="pagetype", name="PGTY_slab", value=245)

    html = client.get("/releases/v6.12/").content.decode()

    enums = html[html.index("<caption>enum pagetype</caption>") :]
    assert '<th scope="col" class="num">x86_64</th><th scope="col" class="num">arm</th>' in enums
    ident = "https://elixir.bootlin.com/linux/v6.12/A/ident"
    assert (
        f'<td><a class="source-link" href="{ident}/PGTY_buddy"><code>PGTY_buddy</code></a></td>'
        '<td class="num">240</td><td class="num"><span class="muted">–</span>'
    ) in enums
    assert (
        f'<td><a class="source-link" href="{ident}/PGTY_slab"><code>PGTY_slab</code></a></td>'
        '<td class="num">245</td><td class="num">245</td>'
    ) in enums


def test_the_release_page_counts_usages_carried_forward_and_links_to_the_drift(client):
    old, new = make_release("v6.1"), make_release("v6.12")
    make_layout(old, "page")
    page = make_layout(build=debian_612(new), struct="page")
    make_usage(make_memtype("anon_mem"), make_field(page, "mapping", offset=24), carried=True)
    make_usage(make_memtype("file_mem"), make_field(page, "index", offset=32))

    html = client.get("/releases/v6.12/").content.decode()

    assert (
        "2 field usages recorded in v6.12; <strong>1 carried forward from an earlier release, not re-verified</strong>"
        in html
    )
    assert '<a href="/diff/?from=v6.1&amp;to=v6.12">Compared with the previous release (v6.1)</a>' in html
    html = client.get("/releases/v6.1/").content.decode()
    assert "0 field usages recorded in v6.1, all verified at this release." in html
    assert "/diff/" not in html  # nothing earlier to compare with


def test_it_404s_for_an_unknown_release(client):
    assert client.get("/releases/v9.99/").status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_the_pages_run_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    for i in range(n):
        release = make_release(f"v6.{i + 1}")
        for arch in ("x86_64", "arm64"):
            build = make_build(release, arch)
            EnumValue.objects.create(build=build, enum="pagetype", name="PGTY_slab", value=245)
            for struct in ("page", "folio", "slab"):
                make_field(make_layout(build=build, struct=struct), "flags")
        backport = Backport.objects.create(
            release=release, commit=f"{i:07x}", upstream="v6.15", subject="a backport", source=make_source()
        )
        make_field(release.builds.get(arch="x86_64").layouts.get(struct="page"), "backported", backport=backport)

    # 1 releases, 2 their builds, 3 the builds' layouts with field counts (builds per arch: 2 -> 3).
    with django_assert_num_queries(3):
        response = client.get("/releases/")
        assert [
            [[lay.field_count for lay in b.layouts.all()] for b in r.builds.all()] for r in response.context["releases"]
        ] == [[[1, 2, 1], [1, 1, 1]]] * n
    # 1-3 the release, its builds and their layouts, 4 the previous release, 5 the usage counts,
    # 6 the enum values, 7 the backports with their sources, 8-10 the backports' fields with
    # their layouts and builds (builds, enums, backports and carried counts are new: 2 -> 10).
    with django_assert_num_queries(10):
        response = client.get(f"/releases/v6.{n}/")
        assert [lay.struct for lay in response.context["release"].builds.all()[0].layouts.all()] == [
            "folio",
            "page",
            "slab",
        ]
        assert "<code>page.backported</code>" in response.content.decode()
