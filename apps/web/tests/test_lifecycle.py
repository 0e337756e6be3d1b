"""/lifecycle/ and the "Life of a page" section of each type page."""

from html import unescape

import pytest

from apps.kernel import catalogue
from apps.kernel.tests.factory import make_memtype, make_source, make_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def life():
    buddy = make_memtype("buddy", area="free")
    slab = make_memtype("slab", area="slab")
    file_mem = make_memtype("file_mem", area="folio")
    slub = make_source(key="slub-c-v7-3-rc7", title="mm/slub.c at v7.3-rc7", path="mm/slub.c", release="v7.3-rc7")
    make_transition(buddy, slab, event="allocated by the slab allocator", function="allocate_slab()", until="v5.17",
                    source=slub, basis="inferred")  # fmt: skip
    pull = make_source(key="struct-slab-merge-v5-17", kind="url", title="Merge branch 'for-5.17/struct-slab'",
                       url="https://example.org/struct-slab")  # fmt: skip
    make_transition(buddy, slab, event="allocated by the slab allocator", function="alloc_slab_page()", since="v5.17",
                    source=slub, basis="inferred", dated_by=pull)  # fmt: skip
    make_transition(slab, buddy, event="freed", function="__free_slab()", source=slub)
    make_transition(file_mem, file_mem, event="written back", function="folio_end_writeback()")
    return buddy, slab, file_mem


def test_the_page_draws_the_diagram_and_lists_each_transition_with_its_eras(client, life):
    response = client.get("/lifecycle/")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    svg = html.split('<figure class="diagram"')[1].split("</figure>")[0]
    assert 'xlink:href="/types/buddy/"' in svg
    assert 'xlink:href="/lifecycle/#buddy-slab-allocated-by-the-slab-allocator"' in svg
    assert '<tr id="buddy-slab-allocated-by-the-slab-allocator">' in html
    row = html.split('<tr id="buddy-slab-allocated-by-the-slab-allocator">')[1].split("</tr>")[0]
    assert '<code>allocate_slab()</code> <span class="muted">until v5.17</span>' in row
    assert '<code>alloc_slab_page()</code> <span class="muted">since v5.17</span>' in row
    assert "(memtypes' inference)" in row
    assert "mm/slub.c @ v7.3-rc7" in row
    assert 'dated by <a class="source" href="https://example.org/struct-slab"' in row
    assert 'href="/lifecycle.svg"' in html


def test_every_page_links_it_from_the_navigation(client, life):
    assert '<a href="/lifecycle/">Life of a page</a>' in client.get("/types/").content.decode()


def test_a_type_page_says_how_a_page_becomes_it_and_what_it_becomes_next(client, life):
    html = unescape(client.get("/types/slab/").content.decode())
    section = html.split('<h2 id="lifecycle">')[1].split("<h2 ")[0]
    becomes = section.split('<h3 id="lifecycle-in">')[1].split("</section>")[0]
    assert 'from <a href="/types/buddy/"><code>buddy</code></a>: allocated by the slab allocator' in becomes
    assert "alloc_slab_page()" in becomes
    next_ = section.split('<h3 id="lifecycle-out">')[1].split("</section>")[0]
    assert 'to <a href="/types/buddy/"><code>buddy</code></a>: freed' in next_
    assert "__free_slab()" in next_
    assert 'href="/types/slab/lifecycle.svg"' in section
    assert "<svg" in section  # the diagram, inline


def test_a_loop_is_listed_as_a_change_within_the_type(client, life):
    html = unescape(client.get("/types/file_mem/").content.decode())
    section = html.split('<h2 id="lifecycle">')[1].split("<h2 ")[0]
    assert '<h3 id="lifecycle-within">While it stays file_mem</h3>' in section
    assert "written back" in section.split('<h3 id="lifecycle-within">')[1]
    assert "no transition into it is recorded" in section


def test_a_type_without_transitions_says_so(client, life):
    make_memtype("percpu")
    html = client.get("/types/percpu/").content.decode()
    assert "No transition into or out of this type is recorded." in html


def test_the_page_runs_one_query_whatever_the_number_of_transitions(client, life, django_assert_num_queries):
    buddy = life[0]
    for n in range(10):
        make_transition(buddy, make_memtype(f"extra_{n}"), event=f"event {n}")
    catalogue.current()  # held, as after the process's first request (apps.kernel.catalogue)
    # 1. the data version (its catalogue holds the transitions; the picture is cached under it)
    with django_assert_num_queries(1):
        response = client.get("/lifecycle/")
        steps = response.context["lifecycle"].steps
        sources = {(s.from_type.slug, s.to_type.slug): {era.source.key for era in s.eras} for s in steps}
        assert sources[("buddy", "slab")] == {"slub-c-v7-3-rc7"}
    assert len(steps) == 13


def test_the_real_data_shows_the_slab_allocator_on_the_slab_page(client, kernel_data, django_assert_num_queries):
    catalogue.current()  # held, as after the process's first request (apps.kernel.catalogue)
    with django_assert_num_queries(1):
        html = unescape(client.get("/lifecycle/").content.decode())
    assert '<code>alloc_slab_page()</code> <span class="muted">since v5.17</span>' in html
    page = unescape(client.get("/types/anon_mem/").content.decode())
    section = page.split('<h2 id="lifecycle">')[1].split("<h2 ")[0]
    assert "page fault on anonymous memory" in section and "do_anonymous_page()" in section
    assert "merged by KSM" in section.split('<h3 id="lifecycle-out">')[1]
