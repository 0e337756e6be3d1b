"""The pictures of the curated kernel data (data/), as the site serves them."""

import pytest

from apps.diagrams import dot, render
from apps.diagrams.tests.helpers import SVG, svg_groups, svg_links, svg_tree
from apps.kernel import graph
from apps.kernel.models import MemoryType, TypeRelation


def node_top(group):
    """The y of a node's box (SVG y grows downwards)."""
    outline = group.find(f".//{SVG}path")
    numbers = [float(n) for n in outline.get("d").replace("M", " ").replace("C", " ").replace(",", " ").split()]
    return min(numbers[1::2])


def test_the_whole_picture_draws_every_type_once_and_every_relation(kernel_data):
    root = svg_tree(render.render(dot.build(graph.whole()), "svg"))
    hrefs = sorted(href for href, _ in svg_links(root))
    assert hrefs == sorted(f"/types/{slug}/" for slug in MemoryType.objects.values_list("slug", flat=True))
    assert len(svg_groups(root, "edge")) == TypeRelation.objects.count()


def test_the_roots_are_drawn_above_every_other_type(kernel_data):
    roots = {t.slug for t in graph.roots()}
    root = svg_tree(render.render(dot.build(graph.whole()), "svg"))
    tops = {group.find(f"{SVG}title").text: node_top(group) for group in svg_groups(root, "node")}
    highest_root = max(tops[slug] for slug in roots)
    assert all(top > highest_root for slug, top in tops.items() if slug not in roots)


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_every_type_has_a_picture_of_its_neighbourhood(client, kernel_data, fmt):
    for slug in MemoryType.objects.values_list("slug", flat=True):
        response = client.get(f"/types/{slug}/diagram.{fmt}?depth=2")
        assert response.status_code == 200, slug
