"""The layout of one struct in one build of a release: where it was read from, its fields by
offset, and its words (8 bytes on 64-bit builds, 4 on 32-bit ones) with their users."""

import pytest

from apps.kernel import catalogue
from apps.kernel.models import Backport
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


@pytest.fixture
def v6_12():
    """A small struct page of v6.12 with a folio over it: a union at 8, mapping at 24, and the
    folio's _large_mapcount on the first tail page."""
    release = make_release("v6.12")
    build = make_build(
        release,
        "x86_64",
        kernel_version="6.12.117",
        uname="6.12.117+deb12-cloud-amd64",
        package="linux-image-6.12.117+deb12-cloud-amd64-unsigned",
        package_version="6.12.117-1~deb12u1",
        sha256="ab" * 32,
        debuginfo="btf",
        tool="pahole 1.24",
        layout_file="layouts/v6.12.pahole",
    )
    page = make_layout(build=build, struct="page", size=64)
    fields = {
        "flags": make_field(page, "flags", offset=0, size=8),
        "lru": make_field(page, "lru", offset=8, size=16, c_type="struct list_head", path="union#1@8/struct#1@8"),
        "compound_head": make_field(page, "compound_head", offset=8, size=8, path="union#1@8/struct#3@8"),
        "mapping": make_field(page, "mapping", offset=24, size=8, path="union#1@8/struct#1@8"),
        "_mapcount": make_field(page, "_mapcount", offset=48, size=4, c_type="atomic_t"),
    }
    folio = make_layout(build=build, struct="folio", size=256)
    folio_mapping = make_field(folio, "mapping", offset=24, size=8)
    large = make_field(folio, "_large_mapcount", offset=112, size=4, page_index=1)
    return release, page, fields, folio_mapping, large


def test_it_lists_the_fields_by_offset_indented_under_their_unions(client, v6_12):
    html = client.get("/releases/v6.12/structs/page/").content.decode()

    names = ["flags", "lru", "compound_head", "mapping", "_mapcount"]
    table = html[html.index('<table class="fields">') :]
    positions = [table.index(f"<code>{name}</code>") for name in names]
    assert positions == sorted(positions)
    header = "https://elixir.bootlin.com/linux/v6.12/source/include/linux/mm_types.h"
    link = f'<a class="source-link" href="{header}">'
    assert f'<th scope="row" class="depth-2">{link}<code>lru</code></a></th>' in table
    assert f'<th scope="row" class="depth-0">{link}<code>flags</code></a></th>' in table
    assert "union 1 at 8 › struct 3 at 8" in table


def test_it_shows_the_build_the_layout_was_read_from(client, v6_12):
    html = client.get("/releases/v6.12/structs/page/").content.decode()

    assert "<h1>struct page of v6.12 on x86_64" in html
    provenance = html[html.index('<section class="provenance"') : html.index('<h2 id="words">')]
    assert '<code>6.12.117</code> <span class="muted">(6.12.117+deb12-cloud-amd64)</span>' in provenance
    assert "<code>linux-image-6.12.117+deb12-cloud-amd64-unsigned</code> 6.12.117-1~deb12u1" in provenance
    assert f"sha256 <code>{'ab' * 32}</code>" in provenance
    assert "<dd>BTF, read with pahole 1.24</dd>" in provenance
    assert "<code>data/layouts/v6.12.pahole</code>" in provenance
    assert "Vendor build:" not in provenance
    # The only build: no architecture to pick.
    assert 'aria-label="Architecture"' not in html


@pytest.fixture
def i386(v6_12):
    """A 32-bit build of v6.12: struct page of 40 bytes in 4-byte words."""
    release = v6_12[0]
    build = make_build(release, "i386", kernel_version="6.12.117", debuginfo="dwarf", tool="pahole 1.30")
    page = make_layout(build=build, struct="page", size=40)
    make_field(page, "flags", offset=0, size=4)
    make_field(page, "lru", offset=4, size=8, c_type="struct list_head", path="union#1@4/struct#1@4")
    make_field(page, "compound_head", offset=4, size=4, path="union#1@4/struct#3@4")
    make_field(page, "mapping", offset=12, size=4, path="union#1@4/struct#1@4")
    make_field(page, "_mapcount", offset=24, size=4, c_type="atomic_t")
    return build


def test_a_32_bit_build_is_shown_in_4_byte_words(client, i386):
    response = client.get("/releases/v6.12/structs/page/?arch=i386")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1>struct page of v6.12 on i386 <span class="muted">(40 bytes)</span></h1>' in html
    assert "Each 4-byte word of struct page" in html
    head = dict(response.context["pages"])[0]
    assert [(r.word.index, r.word.offset, r.word.size) for r in head] == [(i, 4 * i, 4) for i in range(10)]
    assert [fld.name for fld, _ in head[1].fields] == ["lru", "compound_head"]
    assert [fld.name for fld, _ in head[2].fields] == ["lru"]  # an 8-byte list_head covers two words
    assert [fld.name for fld, _ in head[3].fields] == ["mapping"]
    assert '<th scope="row" class="num">3</th>\n        <td class="num">12–15</td>' in html
    assert "<dd>DWARF, read with pahole 1.30</dd>" in html
    # The x86_64 page of the same release keeps its 8-byte words.
    assert "Each 8-byte word of struct page" in client.get("/releases/v6.12/structs/page/").content.decode()


def test_the_architecture_picker_lists_the_release_builds(client, i386):
    html = client.get("/releases/v6.12/structs/page/?arch=i386").content.decode()

    picker = html[html.index('<form method="get" class="picker" aria-label="Architecture">') :]
    picker = picker[: picker.index("</form>")]
    assert '<option value="x86_64">x86_64 (6.12.117)</option>' in picker
    assert '<option value="i386" selected>i386 (32-bit) (6.12.117)</option>' in picker
    assert picker.index('value="x86_64"') < picker.index('value="i386"')  # the reference build first


def test_usages_recorded_on_x86_64_show_on_the_32_bit_field_of_the_same_name(client, v6_12, i386):
    _, _, fields, folio_mapping, _ = v6_12
    make_usage(make_memtype("file_mem"), fields["mapping"], keeps="address_space")

    response = client.get("/releases/v6.12/structs/page/?arch=i386")

    word3 = dict(response.context["pages"])[0][3]
    assert [(fld.name, fld.offset) for fld, _ in word3.fields] == [("mapping", 12)]
    assert [(t.slug, on) for t, _, on in word3.users] == [("file_mem", "page.mapping")]


def test_a_field_from_a_stable_backport_is_marked(client, v6_12):
    release, page, _, _, _ = v6_12
    backport = Backport.objects.create(
        release=release,
        commit="4eeec8c89a0c1234",
        upstream="v6.15",
        subject="mm: hugetlb: independent PMD page table shared count",
        source=make_source(),
    )
    make_field(page, "pt_share_count", offset=40, size=4, c_type="atomic_t", backport=backport)

    html = client.get("/releases/v6.12/structs/page/").content.decode()

    assert (
        '<code>pt_share_count</code></a> <span class="muted small">atomic_t @40+4</span> '
        '<span class="badge" title="mm: hugetlb: independent PMD page table shared count">'
        "backport 4eeec8c89a0c (v6.15)</span>"
    ) in html
    # the v6.12 tag lacks it: its definition is linked at the stable build's tag
    assert (
        '<a class="source-link" href="https://elixir.bootlin.com/linux/v6.12.117/source/include/linux/mm_types.h">'
        "<code>pt_share_count</code></a>"
    ) in html


def test_the_word_view_shows_who_uses_a_word_through_a_descriptor(client, v6_12):
    _, _, fields, folio_mapping, large = v6_12
    make_usage(make_memtype("anon_mem"), folio_mapping, keeps="anon_vma pointer")
    make_usage(make_memtype("file_mem"), fields["mapping"], keeps="address_space")
    make_usage(make_memtype("thp"), large, keeps="mapcount of the whole folio")

    response = client.get("/releases/v6.12/structs/page/")

    pages = dict(response.context["pages"])
    assert sorted(pages) == [0, 1]
    word3 = pages[0][3]
    assert [fld.name for fld, _ in word3.fields] == ["mapping"]
    assert [(t.slug, keeps, on) for t, keeps, on in word3.fields[0][1]] == [
        ("anon_mem", "anon_vma pointer", "folio.mapping"),
        ("file_mem", "address_space", "page.mapping"),
    ]
    tail_word6 = pages[1][6]
    assert [(t.slug, on) for _, users in tail_word6.fields for t, _, on in users] == [("thp", "folio._large_mapcount")]
    html = response.content.decode()
    assert "Tail page 1 of a compound (page[1])" in html
    assert "(recorded on <code>folio.mapping</code>)" in html


def test_a_list_head_is_shown_in_both_words_it_covers(client, v6_12):
    response = client.get("/releases/v6.12/structs/page/")

    head = dict(response.context["pages"])[0]
    assert "lru" in [fld.name for fld, _ in head[1].fields]
    assert "lru" in [fld.name for fld, _ in head[2].fields]


def test_a_descriptor_layout_shows_the_usages_recorded_on_it(client, v6_12):
    _, _, _, folio_mapping, _ = v6_12
    make_usage(make_memtype("anon_mem"), folio_mapping, keeps="anon_vma pointer")

    response = client.get("/releases/v6.12/structs/folio/")

    html = response.content.decode()
    assert "struct folio of v6.12" in html
    assert '<a href="/types/anon_mem/"><code>anon_mem</code></a>: anon_vma pointer' in html


def test_it_404s_for_an_unknown_struct_release_or_build(client, v6_12):
    assert client.get("/releases/v6.12/structs/zpdesc/").status_code == 404
    assert client.get("/releases/v9.9/structs/page/").status_code == 404
    response = client.get("/releases/v6.12/structs/page/?arch=arm64")
    assert response.status_code == 404
    assert response.context["exception"] == "Release v6.12 has no build for arm64."
    assert "Release v6.12 has no build for arm64." in response.content.decode()


def test_an_unknown_arch_is_a_404_naming_the_known_ones(client, v6_12):
    response = client.get("/releases/v6.12/structs/page/?arch=sparc")

    assert response.status_code == 404
    assert response.context["exception"] == "No architecture named 'sparc'; memtypes knows x86_64, arm64, arm, i386."
    assert (
        "No architecture named &#x27;sparc&#x27;; memtypes knows x86_64, arm64, arm, i386." in response.content.decode()
    )


def test_it_runs_a_fixed_number_of_queries(client, v6_12, django_assert_num_queries):
    _, _, fields, folio_mapping, large = v6_12
    for n, fld in enumerate([folio_mapping, large, fields["mapping"], fields["flags"]]):
        make_usage(make_memtype(f"type_{n}"), fld)

    catalogue.current()  # held, as after the process's first request (apps.kernel.catalogue)
    # 1 the data version (its catalogue holds the builds: the one shown and the architecture
    # picker's), 2 the layout, 3 its fields with their backports, 4 the usages of the build with
    # their types and fields (the matrix reuses them and the layout's fields).
    with django_assert_num_queries(4):
        response = client.get("/releases/v6.12/structs/page/")
        assert sum(len(r.users) for _, rows in response.context["pages"] for r in rows) == 4
    # A descriptor has no matrix: the same 4 queries.
    with django_assert_num_queries(4):
        response = client.get("/releases/v6.12/structs/folio/")
        assert [u.memory_type.slug for _, usages in response.context["fields"] for u in usages] == [
            "type_0",
            "type_1",
        ]


def test_a_descriptor_field_over_a_union_is_listed_once_per_word(client, v6_12):
    release, _, _, _, _ = v6_12
    folio_lru = make_field(
        release.builds.get().layouts.get(struct="folio"), "lru", offset=8, size=16, c_type="struct list_head"
    )
    make_usage(make_memtype("lru_mem"), folio_lru, keeps="linkage on an LRU list")

    response = client.get("/releases/v6.12/structs/page/")

    head = dict(response.context["pages"])[0]
    assert [(t.slug, on) for t, _, on in head[1].users] == [("lru_mem", "folio.lru")]
    assert [(t.slug, on) for t, _, on in head[2].users] == [("lru_mem", "folio.lru")]


@pytest.mark.parametrize("n", [1, 4])
def test_a_32_bit_build_runs_a_fixed_number_of_queries(client, v6_12, i386, django_assert_num_queries, n):
    _, page, _, _, _ = v6_12
    small = i386.layouts.get(struct="page")
    for i in range(n):
        make_usage(make_memtype(f"type_{i}"), make_field(page, f"extra_{i}", offset=56))
        make_field(small, f"extra_{i}", offset=28, size=4)

    catalogue.current()  # held, as after the process's first request (apps.kernel.catalogue)
    # As on x86_64, plus the i386 build's fields that the x86_64 usages are carried over to by
    # field name.
    with django_assert_num_queries(5):
        response = client.get("/releases/v6.12/structs/page/?arch=i386")
    assert len(dict(response.context["pages"])[0][7].users) == n


def test_what_a_type_keeps_and_a_field_s_type_show_as_text(client, v6_12):
    _, page, fields, folio_mapping, _ = v6_12
    make_field(page, "private", offset=40, size=8, c_type="struct <anon> *")
    make_usage(make_memtype("anon_mem"), folio_mapping, keeps='<b>anon_vma</b> & "PAGE_MAPPING_ANON"')

    html = client.get("/releases/v6.12/structs/page/").content.decode()

    kept = "&lt;b&gt;anon_vma&lt;/b&gt; &amp; &quot;PAGE_MAPPING_ANON&quot;"
    assert f'<a href="/types/anon_mem/"><code>anon_mem</code></a>: {kept} <span class="muted small">' in html
    assert "<b>anon_vma</b>" not in html
    assert '<span class="muted small">struct &lt;anon&gt; * @40+8</span>' in html
    assert "<td><code>struct &lt;anon&gt; *</code></td>" in html
