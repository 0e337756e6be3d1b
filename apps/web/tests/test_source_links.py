"""Kernel identifiers on the pages link to their definition in the source browser, at the release
the fact belongs to."""

import pytest

from apps.kernel.models import MemoryType
from apps.kernel.tests.factory import make_renamed_releases

pytestmark = pytest.mark.django_db

ELIXIR = "https://elixir.bootlin.com/linux"


@pytest.fixture
def renamed():
    builds = make_renamed_releases("v6.18", "v7.2")
    MemoryType.objects.filter(slug="folio").update(
        alloc_api="folio_alloc(gfp, order), vma_alloc_folio()", free_api="folio_put() <b>"
    )
    return builds


def test_the_alloc_and_free_functions_link_to_the_identifier_search_at_the_release_shown(client, renamed):
    html = client.get("/types/folio/").content.decode()
    assert (
        f'<a class="ident" href="{ELIXIR}/v7.2/A/ident/folio_alloc">folio_alloc</a>(gfp, order), '
        f'<a class="ident" href="{ELIXIR}/v7.2/A/ident/vma_alloc_folio">vma_alloc_folio</a>()'
    ) in html
    assert f'<a class="ident" href="{ELIXIR}/v7.2/A/ident/folio_put">folio_put</a>() &lt;b&gt;' in html

    html = client.get("/types/folio/?release=v6.18&arch=arm").content.decode()
    assert f'href="{ELIXIR}/v6.18/A/ident/folio_alloc"' in html


def test_a_used_field_links_to_its_structs_header_at_its_release(client, renamed):
    html = client.get("/types/tail_page/releases/").content.decode()
    usage = html[html.index('<h1 id="usage">') :]
    for release in ("v6.18", "v7.2"):
        link = f'<a class="source-link" href="{ELIXIR}/{release}/source/include/linux/mm_types.h">'
        assert f"{link}<code>compound_head</code></a>" in usage


def test_the_identification_links_its_identifiers_at_the_release_it_was_read_at(client, renamed):
    html = client.get("/types/tail_page/").content.decode()
    # the factory's sources are read at v6.12
    assert f'<a class="ident" href="{ELIXIR}/v6.12/A/ident/PageTail">PageTail</a>()' in html


def test_the_layout_page_links_its_struct_at_its_release(client, renamed):
    html = client.get("/releases/v6.18/structs/page/?arch=arm").content.decode()
    assert (
        f'<a class="source-link" href="{ELIXIR}/v6.18/source/include/linux/mm_types.h">'
        "The definition of struct page at v6.18</a>"
    ) in html


def test_the_source_browser_is_a_setting(client, renamed, settings):
    settings.MEMTYPES_SOURCE_BROWSER = "https://src.example.org/linux"
    html = client.get("/types/folio/").content.decode()
    assert 'href="https://src.example.org/linux/v7.2/A/ident/folio_alloc"' in html


def test_a_release_whose_headers_memtypes_has_not_checked_links_to_the_identifier_search(client):
    make_renamed_releases("v6.18", "v7.0")
    html = client.get("/releases/v7.0/structs/page/").content.decode()
    assert f'<a class="source-link" href="{ELIXIR}/v7.0/A/ident/page">The definition of struct page at v7.0</a>' in html


def test_a_stable_build_links_its_own_source_tree(client):
    from apps.kernel.tests.factory import make_build, make_layout, make_release

    make_layout(build=make_build(make_release("v6.12"), kernel_version="6.12.117"))
    html = client.get("/releases/v6.12/structs/page/").content.decode()
    assert f'<a class="source-link small" href="{ELIXIR}/v6.12.117/source">its source tree</a>' in html


def test_the_matrix_and_the_word_grid_link_struct_page_fields_to_their_header(client, renamed):
    header = f"{ELIXIR}/v6.18/source/include/linux/mm_types.h"
    link = f'<a class="source-link" href="{header}"><code>compound_head</code></a>'
    assert link in client.get("/releases/v6.18/matrix/").content.decode()
    words = client.get("/releases/v6.18/structs/page/").content.decode()
    assert link in words[words.index('<h2 id="words">') : words.index('<h2 id="fields">')]
