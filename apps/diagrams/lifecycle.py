"""Life of a page as a Graphviz state diagram: a pure function of an apps.kernel.lifecycle.Lifecycle.

Left to right, one box per type (drawn and linked as in the hierarchy, apps.diagrams.dot), one
arrow per transition labelled with its event and the kernel function of each era; its tooltip
names the sources, and the arrow links to the transition's row on the lifecycle page. A change
that leaves a page its type (file_mem dirtied, written back) is a loop.

All text from the database goes through dot._text() / dot._quoted(), as in the hierarchy.
"""

from django.urls import NoReverseMatch, reverse

from apps.diagrams import dot
from apps.kernel.models import MemoryType

EDGE_LABEL_CHARS = 70
FUNCTION_CHARS = 120


def step_href(step):
    """The transition's row on the lifecycle page, or None when the page cannot be named."""
    try:
        return f"{reverse('web:lifecycle')}#{step.anchor}"
    except NoReverseMatch:
        return None


def _edge(step, href):
    label = (
        f"<{dot._text(step.event, EDGE_LABEL_CHARS)}"
        f'<br/><font point-size="9">{dot._text(step.functions, FUNCTION_CHARS)}</font>>'
    )
    sources = "; ".join(f"{era.function} ({era.era}): {era.source.citation}" for era in step.eras)
    attrs = {
        "label": label,
        "tooltip": dot._quoted(f"{step.from_type.slug} -> {step.to_type.slug}, {step.event}. {sources}"),
        "fontsize": "10",
        "fontcolor": f'"{dot.INK}"',
    }
    if href:
        attrs.update(URL=f'"{dot._text(href, 2000, backslash="%5C")}"', target='"_top"')
    written = ", ".join(f"{k}={v}" for k, v in attrs.items())
    return f"{dot.node_id(step.from_type)} -> {dot.node_id(step.to_type)} [{written}];"


def build(lifecycle, href=dot.type_href, edge_href=step_href):
    """DOT text of the lifecycle: a node per type (the highlighted one with a thick border), an
    edge per transition. Deterministic for a given lifecycle, so its hash names the picture."""
    highlight_id = lifecycle.highlight.id if lifecycle.highlight is not None else None
    lines = [
        'digraph "life of a page" {',
        f'  graph [rankdir=LR, nodesep=0.35, ranksep=0.9, bgcolor="white", pad=0.2, fontname="{dot.FONT}", '
        f'fontsize=12, labelloc=b, charset="UTF-8"];',
        f'  node [shape=box, fontname="{dot.FONT}", fontsize=12, margin="0.12,0.05"];',
        f'  edge [color="{dot.EDGE}", arrowsize=0.7, fontname="{dot.FONT}"];',
    ]
    lines += [f"  {dot._node(t, t.id == highlight_id, href(t))}" for t in lifecycle.types]
    lines += [f"  {_edge(step, edge_href(step))}" for step in lifecycle.steps]
    areas = {t.area for t in lifecycle.types if t.area in dot.AREA_STYLE} or {MemoryType.Area.OTHER}
    unsettled = any(dot._unsettled(t) for t in lifecycle.types)
    lines.append(f"  label={dot._legend(areas, unsettled, lifecycle.highlight)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
