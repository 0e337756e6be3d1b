"""The memory-type hierarchy as Graphviz DOT text: a pure function of an apps.kernel.graph.Dag.

Top-down from the roots (struct page), one box per type labelled with its slug and the struct
that describes it, parent -> child edges, the types grouped in one cluster per area (folio-backed
memory, slab, page tables, ...) and a legend. A type with several parents is one node with
several incoming edges.

Every piece of text from the database (slugs, names, summaries, descriptors, relation notes) goes
through _text(), which leaves neither a double quote nor a backslash in the DOT and turns markup
characters into entities, so no data can end a quoted string, add an attribute or put markup into
the SVG that Graphviz writes.
"""

import re
import unicodedata

from django.urls import NoReverseMatch

from apps.kernel.models import MemoryType

# Fill colours are the area palette of static/css/memtypes.css (--folio, --slab, ...), so the
# pages and the pictures agree; the borders are the Okabe-Ito colours the fills were lightened
# from, dark enough to tell areas apart in greyscale print and with any colour-vision deficiency.
# Each area is also a labelled cluster, so colour is never the only cue.
AREA_STYLE = {
    MemoryType.Area.PAGE: ("#fbe9ef", "#1d2228"),
    MemoryType.Area.FOLIO: ("#cfe3f7", "#0072b2"),
    MemoryType.Area.ZONE_DEVICE: ("#e4d5f0", "#7b4f9e"),
    MemoryType.Area.SLAB: ("#f9dcb5", "#b86e00"),
    MemoryType.Area.PGTABLE: ("#d5ecd4", "#007a5a"),
    MemoryType.Area.FREE: ("#e8e8e8", "#5b6470"),
    MemoryType.Area.OTHER: ("#fbe9ef", "#a8437a"),
}
# Types not (or no longer) in mainline: dashed grey boxes and dashed edges.
UNSETTLED_FILL, UNSETTLED_BORDER, UNSETTLED_INK = "#f4f6f8", "#8a929c", "#5b6470"
INK, EDGE, HIGHLIGHT = "#1d2228", "#5b6470", "#d55e00"
FONT = "Helvetica,Arial,sans-serif"

LABEL_CHARS = 40
TOOLTIP_CHARS = 300

_PLAIN_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_SPACE = re.compile(r"\s+")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_ENTITY_TABLE = {ord(ch): entity for ch, entity in _ENTITIES.items()}


def _text(value, limit, backslash="&#92;" * 2):
    """value as one line of at most limit characters, safe inside an HTML-like label and inside
    a DOT quoted string: control characters dropped, whitespace runs folded to one space, and
    & < > " ' written as XML entities (Graphviz keeps entities as they are in its SVG, so they
    show as the original characters); a backslash becomes the backslash argument. Graphviz reads
    backslash escapes (\\N: the node name) in a label after decoding its entities, so a literal
    backslash there takes two entity backslashes."""
    text = str(value or "")
    # Each distinct character is judged once (str.translate then does the whole string): a
    # whole-hierarchy picture has hundreds of tooltips of a few hundred characters each.
    dropped_or_space = {}
    for ch in set(text):
        if ch.isspace():
            dropped_or_space[ord(ch)] = " "
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            dropped_or_space[ord(ch)] = None
    value = _SPACE.sub(" ", text.translate(dropped_or_space)).strip()
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value.translate({**_ENTITY_TABLE, ord("\\"): backslash})


def _quoted(value, limit=TOOLTIP_CHARS):
    """A DOT quoted string showing value, with no double quote or backslash left to end it early.
    Graphviz (2.43) decodes entities in a tooltip and then reads backslash escapes (\\N, \\n, ...)
    twice over, so a literal backslash takes four entity backslashes."""
    return f'"{_text(value, limit, backslash="&#92;" * 4)}"'


def plain_name(memory_type):
    """The slug when it is a plain identifier, otherwise type_<primary key>: for file names."""
    slug = memory_type.slug or ""
    return slug if _PLAIN_ID.match(slug) else f"type_{memory_type.pk}"


def node_id(memory_type):
    """The DOT node name of a type, always quoted: its slug when that is a plain identifier (as
    every curated slug is), otherwise "#<primary key>" (no plain slug starts with #), so a name
    never needs escaping and a slug that is a DOT keyword (edge, node, graph, subgraph, digraph,
    strict) stays a node name."""
    slug = memory_type.slug or ""
    return f'"{slug}"' if _PLAIN_ID.match(slug) else f'"#{memory_type.pk}"'


def type_href(memory_type):
    """The absolute path of the type's page, or None when its slug cannot be put in a URL."""
    try:
        href = memory_type.get_absolute_url()
    except NoReverseMatch:
        return None
    return href if href.startswith("/") else None


def _unsettled(memory_type):
    return memory_type.status != MemoryType.Status.MAINLINE


def _label(memory_type):
    """HTML-like label: the slug in bold, the descriptor struct below it in a smaller font."""
    rows = [f"<b>{_text(memory_type.slug, LABEL_CHARS)}</b>"]
    if memory_type.descriptor:
        rows.append(f'<font point-size="10">{_text(memory_type.descriptor, LABEL_CHARS)}</font>')
    if _unsettled(memory_type):
        rows.append(f'<font point-size="9"><i>{_text(memory_type.get_status_display(), LABEL_CHARS)}</i></font>')
    return "<" + "<br/>".join(rows) + ">"


def _node(memory_type, highlight, href):
    fill, border = AREA_STYLE.get(memory_type.area, AREA_STYLE[MemoryType.Area.OTHER])
    attrs = {
        "label": _label(memory_type),
        "tooltip": _quoted(f"{memory_type.name}: {memory_type.summary}"),
        "fillcolor": f'"{fill}"',
        "color": f'"{border}"',
        "style": '"rounded,filled"',
        "fontcolor": f'"{INK}"',
    }
    if _unsettled(memory_type):
        attrs.update(style='"rounded,filled,dashed"', fillcolor=f'"{UNSETTLED_FILL}"')
        attrs.update(color=f'"{UNSETTLED_BORDER}"', fontcolor=f'"{UNSETTLED_INK}"')
    if highlight:
        attrs.update(penwidth="3", color=f'"{HIGHLIGHT}"')
    if href:
        attrs.update(URL=f'"{_text(href, 2000, backslash="%5C")}"', target='"_top"')
    return f"{node_id(memory_type)} [{', '.join(f'{k}={v}' for k, v in attrs.items())}];"


def _edge(parent, child, note):
    tooltip = f"{child.slug} is a kind of {parent.slug}" + (f": {note}" if note else "")
    attrs = [f"tooltip={_quoted(tooltip)}"]
    if _unsettled(parent) or _unsettled(child):
        attrs.append('style="dashed"')
    return f"{node_id(parent)} -> {node_id(child)} [{', '.join(attrs)}];"


def _legend(areas, unsettled, highlight):
    """The graph's label, drawn below it: the highlighted type's border, one swatch per area in
    the picture, and the dashed box of types not in mainline when there is one."""
    cells = []
    if highlight is not None:
        cells.append(
            f'<td color="{HIGHLIGHT}" border="3" cellpadding="3">thick border: '
            f"{_text(highlight.slug, LABEL_CHARS)}</td>"
        )
    for area in MemoryType.Area:
        if area in areas:
            fill, border = AREA_STYLE[area]
            cells.append(
                f'<td bgcolor="{fill}" color="{border}" border="1" cellpadding="3">'
                f"{_text(area.label, LABEL_CHARS)}</td>"
            )
    if unsettled:
        cells.append(
            f'<td bgcolor="{UNSETTLED_FILL}" color="{UNSETTLED_BORDER}" border="1" style="dashed" cellpadding="3">'
            f'<font color="{UNSETTLED_INK}">dashed: proposed, planned or removed</font></td>'
        )
    return (
        '<<table border="0" cellspacing="6" cellborder="0"><tr>'
        '<td><font point-size="10"><b>Legend</b></font></td>' + "".join(cells) + "</tr></table>>"
    )


def build(dag, href=type_href):
    """DOT text of dag: clusters per area, one node per type (the dag's highlight drawn with a
    thick vermilion border), parent -> child edges, a legend. Deterministic for a given dag, so
    its hash names the picture. href(memory_type) gives each node's link (None: no link)."""
    highlight_id = dag.highlight.id if dag.highlight is not None else None
    by_area = {}
    for memory_type in dag.types:
        area = memory_type.area if memory_type.area in AREA_STYLE else MemoryType.Area.OTHER
        by_area.setdefault(area, []).append(memory_type)
    lines = [
        'digraph "memory types" {',
        f'  graph [rankdir=TB, newrank=true, nodesep=0.25, ranksep=0.45, bgcolor="white", pad=0.2, '
        f'fontname="{FONT}", fontsize=12, labelloc=b, charset="UTF-8"];',
        f'  node [shape=box, fontname="{FONT}", fontsize=12, margin="0.12,0.05"];',
        f'  edge [color="{EDGE}", arrowsize=0.7];',
    ]
    for index, area in enumerate(MemoryType.Area):
        members = by_area.get(area)
        if not members:
            continue
        nodes = [f"    {_node(t, t.id == highlight_id, href(t))}" for t in members]
        if area == MemoryType.Area.PAGE:
            # struct page is the root everything else is a use of: drawn on its own at the top.
            lines += ["  { rank=min;", *nodes, "  }"]
            continue
        fill, border = AREA_STYLE[area]
        lines += [
            f"  subgraph cluster_{index} {{",
            f"    graph [label=<<i>{_text(area.label, LABEL_CHARS)}</i>>, labeljust=l, labelloc=t, fontsize=11, "
            f'style="rounded,dashed", color="{border}", fontcolor="{border}"];',
            *nodes,
            "  }",
        ]
    for rel in dag.relations:
        parent, child = dag.by_id.get(rel.parent_id), dag.by_id.get(rel.child_id)
        if parent is not None and child is not None:
            lines.append(f"  {_edge(parent, child, rel.note)}")
    unsettled = any(_unsettled(t) for t in dag.types)
    lines.append(f"  label={_legend(set(by_area), unsettled, dag.highlight)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
