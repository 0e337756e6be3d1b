"""Source links: a struct's definition at the release a fact belongs to, a stable build's own tag
for what only that build has, the identifier search for functions and flags; where each struct
is defined is checked against the sources that were read at each release."""

import pytest

from apps.kernel import sources
from apps.kernel.models import Source, StructLayout
from apps.kernel.tests.factory import make_build, make_field, make_layout, make_release

ELIXIR = "https://elixir.bootlin.com/linux"


def test_a_struct_links_to_its_header_at_the_release():
    assert sources.struct_url("page", "v6.12") == f"{ELIXIR}/v6.12/source/include/linux/mm_types.h"
    assert sources.struct_url("slab", "v6.1") == f"{ELIXIR}/v6.1/source/mm/slab.h"
    assert sources.struct_url("zpdesc", "v7.3-rc7") == f"{ELIXIR}/v7.3-rc7/source/mm/zpdesc.h"
    assert sources.struct_url("net_iov", "v6.12") == f"{ELIXIR}/v6.12/source/include/net/netmem.h"


def test_a_struct_not_checked_at_a_release_links_to_the_identifier_search_not_a_guessed_file():
    # v5.15 has no struct slab (it came in v5.17): there is no entry to link to
    assert sources.struct_url("slab", "v5.15") == f"{ELIXIR}/v5.15/A/ident/slab"
    assert sources.struct_url("unknown_desc", "v7.2") == f"{ELIXIR}/v7.2/A/ident/unknown_desc"


def test_the_identifier_search_takes_only_identifiers_and_release_tags():
    assert sources.ident_url("folio_alloc", "v6.12") == f"{ELIXIR}/v6.12/A/ident/folio_alloc"
    assert sources.ident_url("PGTY_slab", "v6.12.117") == f"{ELIXIR}/v6.12.117/A/ident/PGTY_slab"
    assert sources.ident_url("../etc", "v6.12") == ""
    assert sources.ident_url("folio_alloc", "master/../x") == ""


@pytest.mark.django_db
def test_a_stable_builds_tag_is_its_version_and_other_builds_use_the_release_tag():
    assert sources.build_tag(make_build(make_release("v6.12"), kernel_version="6.12.117")) == "v6.12.117"
    assert sources.build_tag(make_build(make_release("v7.3-rc7"), kernel_version="7.3-rc7")) == "v7.3-rc7"
    assert sources.build_tag(make_build(make_release("v5.15"), kernel_version="5.15")) == "v5.15"


@pytest.mark.django_db
def test_a_field_links_at_its_release_and_a_backported_field_at_the_stable_builds_tag():
    from apps.kernel.models import Backport

    release = make_release("v6.12")
    layout = make_layout(build=make_build(release, kernel_version="6.12.117"), struct="folio", size=256)
    flags = make_field(layout, "flags")
    head_3 = make_field(layout, "_head_3", offset=192)
    source = Source.objects.create(key="s", kind="url", title="commit", url="https://example.org/")
    head_3.backport = Backport.objects.create(
        release=release, commit="4eeec8c89a0c", upstream="v6.15", subject="page[3]", source=source
    )
    head_3.save()
    assert sources.field_url(flags) == f"{ELIXIR}/v6.12/source/include/linux/mm_types.h"
    assert sources.field_url(head_3) == f"{ELIXIR}/v6.12.117/source/include/linux/mm_types.h"


def test_the_source_browser_comes_from_the_settings(settings):
    settings.MEMTYPES_SOURCE_BROWSER = "https://src.example.org/linux/"
    assert sources.struct_url("page", "v7.2") == "https://src.example.org/linux/v7.2/source/include/linux/mm_types.h"


@pytest.mark.django_db
def test_every_header_is_cited_by_a_source_read_at_that_release_in_that_file(kernel_data):
    cited = {s.key: s for s in Source.objects.filter(kind=Source.Kind.FILE)}
    for struct, (path, releases) in sources.STRUCT_HEADERS.items():
        for release, key in releases.items():
            assert key in cited, (struct, release, key)
            assert (cited[key].path, cited[key].release) == (path, release), (struct, release, key)


@pytest.mark.django_db
def test_every_struct_of_every_loaded_build_has_its_header_at_that_release(kernel_data):
    missing = [
        (layout.build.release.name, layout.struct)
        for layout in StructLayout.objects.select_related("build__release")
        if not sources.header_of(layout.struct, layout.build.release.name)
    ]
    assert missing == []
