"""A type's description is Markdown, rendered and sanitised before it reaches the page."""

import pytest

from apps.kernel.tests.factory import make_memtype
from apps.web.templatetags.memtypes_web import markdown

pytestmark = pytest.mark.django_db


def test_it_renders_markdown_emphasis_code_and_links():
    html = markdown("Kept in `page->mapping`, *not* in [private](https://docs.kernel.org/mm/).")

    assert "<code>page-&gt;mapping</code>" in html
    assert "<em>not</em>" in html
    assert '<a href="https://docs.kernel.org/mm/" rel="noopener noreferrer">private</a>' in html


def test_it_removes_scripts_event_handlers_and_javascript_links():
    html = markdown(
        'Text<script>alert("x")</script> <img src="x" onerror="alert(1)"> '
        '<a href="javascript:alert(1)">click</a> <b onmouseover="alert(1)">bold</b>'
    )

    assert "<script" not in html
    assert "alert" not in html
    assert "onerror" not in html
    assert "onmouseover" not in html
    assert "javascript:" not in html
    assert "click" in html


def test_it_keeps_a_description_heading_from_breaking_the_page_outline():
    html = markdown("# Slab\n\nText.")

    assert "<h1>" not in html
    assert "Slab" in html


def test_the_type_page_shows_the_sanitised_description(client):
    make_memtype("slab", description='Uses **freelist**.<script>document.cookie</script><img src=x onerror="steal()">')

    html = client.get("/types/slab/").content.decode()

    assert "<strong>freelist</strong>" in html
    assert "document.cookie" not in html
    assert "steal()" not in html
