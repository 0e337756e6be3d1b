"""A type and the hierarchy link to their web page and their pictures, and the links work."""

from apps.kernel.tests.factory import make_memtype, make_relation


def test_a_type_links_its_page_and_its_pictures(client, db):
    page = make_memtype("page")
    make_relation(page, make_memtype("slab"))
    body = client.get("/api/v1/types/slab/").json()
    assert body["page_url"] == "http://testserver/types/slab/"
    assert body["diagrams"] == {
        fmt: f"http://testserver/types/slab/diagram.{fmt}" for fmt in ("svg", "png", "pdf", "dot")
    }
    assert client.get(body["page_url"]).status_code == 200
    dot = client.get(body["diagrams"]["dot"])
    assert dot.status_code == 200
    assert b'URL="/types/page/"' in dot.content and b'URL="/types/slab/"' in dot.content


def test_the_hierarchy_links_the_whole_picture(client, db):
    make_memtype("page")
    body = client.get("/api/v1/hierarchy/").json()
    assert body["diagrams"]["svg"] == "http://testserver/diagram.svg"
    assert client.get(body["diagrams"]["dot"]).status_code == 200
