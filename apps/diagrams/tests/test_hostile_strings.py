"""Text from the database never breaks the DOT, adds attributes or puts markup into the SVG."""

import re

import pytest

from apps.diagrams import dot, render
from apps.diagrams.tests.helpers import SVG, dot_nodes, svg_groups, svg_links, svg_tree
from apps.kernel import graph
from apps.kernel.models import MemoryType
from apps.kernel.tests.factory import make_memtype, make_relation

pytestmark = pytest.mark.django_db

HOSTILE = [
    'quote " inside',
    "ends with a backslash \\",
    'escapes \\N \\n \\l \\" and \\\\ doubled',
    '"]; evil [label="injected"]; x [URL="javascript:alert(1)"',
    "</title><script>alert(1)</script><a href='javascript:x'>",
    "ampersands & &amp; &#92; and <b>tags</b> > <",
    "braces { } -> -- ; [ ] subgraph cluster_x { y }",
    "line one\nline two\r\n\tline three",
    "unicode: Speicherverwaltung, 内存类型, emoji 🐧, rtl \u202e reversed, zero\u200bwidth",
    "controls \x07\x1b[31m\x7f end",  # no NUL: PostgreSQL cannot store one in text
]

LONG = "word " * 2000
CASES = pytest.mark.parametrize("text", [*HOSTILE, LONG], ids=[*(f"hostile-{n}" for n in range(len(HOSTILE))), "long"])


def visible(value, limit):
    """What a reader should see of value: whitespace folded, invisible characters dropped,
    clipped to limit characters."""
    value = "".join(ch for ch in value if ch.isspace() or (ch.isprintable() and ch not in "\u202e\u200b"))
    value = re.sub(r"\s+", " ", value).strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def hostile_hierarchy(text):
    """page > odd_type > (a type whose slug is text), page > that type, with text in every field
    a picture shows (cut to the field's length, as the database keeps it)."""
    page = make_memtype("page", area="page", descriptor=text[:64])
    odd = make_memtype(slug="odd_type", name=text[:100], summary=text[:300], descriptor=text[:64], area="slab")
    # A slug that escaped validation (written straight into the table) must not break anything.
    worse = make_memtype(area="folio", summary=text[:300])
    MemoryType.objects.filter(pk=worse.pk).update(slug=text[:64])
    make_relation(page, odd, note=text)
    make_relation(page, worse, note=text)
    make_relation(odd, worse, note=text)
    return page, odd, worse


@CASES
def test_no_text_leaves_a_double_quote_or_backslash_in_the_dot(text):
    hostile_hierarchy(text)
    dot_text = dot.build(graph.whole())
    assert "\\" not in dot_text
    for line in dot_text.splitlines():
        assert line.count('"') % 2 == 0, line
    assert len(dot_nodes(dot_text)) == 3
    assert "injected" not in dot_text or 'label="injected"' not in dot_text


@CASES
def test_the_svg_has_exactly_the_types_and_relations_and_shows_the_text_as_written(text):
    page, odd, worse = hostile_hierarchy(text)
    root = svg_tree(render.render(dot.build(graph.whole()), "svg"))
    assert len(svg_groups(root, "node")) == 3
    assert len(svg_groups(root, "edge")) == 3
    tooltips = {title for _, title in svg_links(root)}
    assert visible(f"{odd.name}: {odd.summary}", dot.TOOLTIP_CHARS) in tooltips
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert visible(text[:64], dot.LABEL_CHARS) in texts  # the descriptor line of page and odd_type


@CASES
def test_the_svg_carries_no_script_handler_or_foreign_link(text):
    hostile_hierarchy(text)
    root = svg_tree(render.render(dot.build(graph.whole()), "svg"))
    for element in root.iter():
        assert element.tag.rsplit("}", 1)[-1] not in ("script", "foreignObject", "iframe", "object", "embed")
        for name, value in element.attrib.items():
            assert not name.rsplit("}", 1)[-1].lower().startswith("on")
            if name.endswith("href"):
                assert value.startswith("/types/"), value


def test_a_slug_that_cannot_be_put_in_a_url_is_drawn_without_a_link():
    _, _, worse = hostile_hierarchy(HOSTILE[3])
    root = svg_tree(render.render(dot.build(graph.whole()), "svg"))
    hrefs = [href for href, _ in svg_links(root)]
    assert sorted(hrefs, key=str) == ["/types/odd_type/", "/types/page/", None]
