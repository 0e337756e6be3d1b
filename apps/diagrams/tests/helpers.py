"""Reading the DOT text and the SVG back, as a viewer would see them."""

import re
import xml.etree.ElementTree as ET

from apps.kernel.graph import Dag
from apps.kernel.models import MemoryType, TypeRelation

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"

# Node names are quoted: "slug" (or "#pk" for a slug that is not a plain identifier).
NODE_LINE = re.compile(r'^\s+"([^"]+)" \[(.*)\];$', re.MULTILINE)
EDGE_LINE = re.compile(r'^\s+"([^"]+)" -> "([^"]+)" \[(.*)\];$', re.MULTILINE)


def dag_of(*types, highlight=None):
    """A Dag of these saved types and every relation among them, as graph.whole() gives it."""
    ids = {t.id for t in types}
    relations = [rel for rel in TypeRelation.objects.order_by("pk") if rel.parent_id in ids and rel.child_id in ids]
    fresh = list(MemoryType.objects.for_graph().filter(pk__in=ids))
    return Dag(
        fresh, relations, highlight=next((t for t in fresh if t.id == highlight.id), None) if highlight else None
    )


def dot_nodes(text):
    """{node name: its attribute text}."""
    return dict(NODE_LINE.findall(text))


def dot_edges(text):
    """{(parent, child): attribute text}."""
    return {(a, b): attrs for a, b, attrs in EDGE_LINE.findall(text)}


def svg_tree(svg_bytes):
    """The SVG parsed as XML (raises on anything that is not well-formed)."""
    return ET.fromstring(svg_bytes)


def svg_links(root):
    """[(href, tooltip)] of the links of the nodes, in document order."""
    links = []
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        for anchor in group.iter(f"{SVG}a"):
            links.append((anchor.get(f"{XLINK}href"), anchor.get(f"{XLINK}title")))
    return links


def svg_groups(root, kind):
    """The <g class="node"> or <g class="edge"> elements."""
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == kind]
