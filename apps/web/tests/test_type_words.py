"""The word grid of a type page: struct page of one build (?release=, the newest by default;
?arch=, x86_64 by default) with the words the type uses highlighted and labelled, chosen with a
GET form that works without JavaScript."""

import pytest

from apps.kernel.models import MemoryType
from apps.kernel.tests.factory import make_field, make_layout, make_renamed_releases, make_usage

pytestmark = pytest.mark.django_db


@pytest.fixture
def renamed():
    return make_renamed_releases("v6.18", "v7.0")


def grid(response):
    html = response.content.decode()
    start = html.index('<h2 id="words">')
    end = html.find('<h3 id="usage">')
    return html[start : end if end > 0 else html.index('<h2 id="sources">')]


def used_rows(response):
    """[(word, bytes)] of the highlighted rows of the head page's grid."""
    return [
        (w.word.index, (w.word.offset, w.word.last_byte)) for w in dict(response.context["in_build"].grid)[0] if w.used
    ]


def test_by_default_it_draws_the_newest_release_on_x86_64_with_the_types_words_marked(client, renamed):
    response = client.get("/types/tail_page/")

    assert response.status_code == 200
    html = grid(response)
    assert "struct page of v7.0 on x86_64 (8-byte words)" in html
    assert '<option value="v7.0" selected>v7.0</option>' in html
    assert '<option value="x86_64" selected>x86_64</option>' in html
    assert used_rows(response) == [(1, (8, 15))]
    assert (
        '<tr class="used"><th scope="row" class="num">1</th><td class="num">8–15</td>'
        "<td><code>compound_head</code></td>"
        '<td><span class="badge used-label">used</span> <code>page.compound_head</code>: '
        "head page | 1 (v7.0)</td></tr>"
    ) in html
    assert html.count('<tr class="used">') == 1


def test_another_release_and_architecture_redraw_the_grid_with_that_builds_words(client, renamed):
    response = client.get("/types/tail_page/?release=v6.18&arch=arm")

    assert response.status_code == 200
    html = grid(response)
    assert "struct page of v6.18 on arm (4-byte words)" in html
    assert '<option value="v6.18" selected>v6.18</option>' in html
    assert '<option value="arm" selected>arm (32-bit)</option>' in html
    assert used_rows(response) == [(1, (4, 7))]
    assert len(dict(response.context["in_build"].grid)[0]) == 9  # 36 bytes in 4-byte words
    assert "head page | 1 (v6.18)" in html


def test_a_build_that_lacks_the_field_marks_no_word(client, renamed):
    # v7.0 on arm renamed compound_head to compound_info: the usage recorded on x86_64's
    # compound_head has no field of that name there.
    response = client.get("/types/tail_page/?release=v7.0&arch=arm")

    assert response.status_code == 200
    assert used_rows(response) == []
    assert '<tr class="used">' not in grid(response)


def test_a_descriptor_field_marks_the_words_it_lies_over_on_its_page_of_the_compound(client, renamed):
    x86_v7, _ = renamed[("v7.0", "x86_64")]
    folio = make_layout(build=x86_v7, struct="folio", size=256)
    large = make_field(folio, "_large_mapcount", offset=64 + 48, size=4, page_index=1)
    make_usage(MemoryType.objects.get(slug="folio"), large, keeps="mapcount of the whole folio")

    response = client.get("/types/folio/")

    pages = dict(response.context["in_build"].grid)
    assert sorted(pages) == [0, 1]
    assert [w.word.index for w in pages[1] if w.used] == [6]
    html = grid(response)
    assert "Tail page 1 of a compound (page[1])" in html
    assert "<code>folio._large_mapcount</code>: mapcount of the whole folio" in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("release=v9.9", "release", "No release named v9.9 is loaded."),
        ("arch=sparc", "arch", "No architecture named sparc; memtypes knows x86_64, arm64, arm, i386."),
        ("release=v7.0&arch=i386", "arch", "Release v7.0 has no build for i386."),
    ],
)
def test_an_unknown_release_or_architecture_is_a_message_beside_the_picker_and_400(
    client, renamed, query, field, message
):
    response = client.get(f"/types/tail_page/?{query}")

    assert response.status_code == 400
    html = grid(response)
    assert f'<ul id="words-errors" class="errors" role="alert"><li><code>{field}</code>: {message}</li></ul>' in html
    assert '<table class="words type-words">' not in html
    assert "<h1>" in response.content.decode()  # the rest of the page is still there


def test_the_picker_is_a_get_form_that_keeps_the_depth(client, renamed):
    html = grid(client.get("/types/tail_page/?depth=2"))
    form = html[html.index("<form") : html.index("</form>")]
    assert 'method="get" action="/types/tail_page/#words"' in form
    assert '<input type="hidden" name="depth" value="2">' in form
    assert 'name="release"' in form and 'name="arch"' in form
    assert '<button type="submit">Show</button>' in form


QUERIES = ["", "?release=v6.18&arch=x86_64", "?release=v6.18&arch=arm", "?release=v7.0&arch=arm"]


@pytest.mark.parametrize("query", QUERIES)
def test_it_runs_the_same_queries_for_every_release_and_architecture(client, django_assert_num_queries, renamed, query):
    # the type page's 3 once this data version's catalogue is held and its pictures drawn (see
    # test_type_detail): the words are the build's fields and the type's usages in its
    # release, whatever the build
    client.get("/types/tail_page/?release=v6.12")
    with django_assert_num_queries(3):
        response = client.get(f"/types/tail_page/{query}")
        assert response.context["in_build"].grid


def test_redrawing_the_hierarchy_keeps_the_release_and_architecture_picked(client, renamed):
    html = client.get("/types/tail_page/?release=v6.18&arch=arm").content.decode()
    form = html[html.index('<form class="depth"') :]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="release" value="v6.18">' in form
    assert '<input type="hidden" name="arch" value="arm">' in form
    assert (
        'name="release"' not in client.get("/types/tail_page/").content.decode().split('<form class="depth"')[1][:300]
    )
