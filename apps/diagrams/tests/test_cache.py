"""Pictures are drawn once per DOT text and kept in the cache; an edit draws a new one."""

import pytest

from apps.diagrams import render
from apps.kernel import graph

pytestmark = pytest.mark.django_db


def test_a_second_request_is_served_from_the_cache_without_running_dot(client, pair, dot_runs):
    first = client.get("/diagram.png")
    second = client.get("/diagram.png")
    assert dot_runs == ["png"]
    assert second.content == first.content


def test_a_page_and_the_image_url_share_the_cached_svg(client, pair, dot_runs):
    picture = render.inline_svg(graph.whole())
    response = client.get("/diagram.svg")
    assert dot_runs == ["svg"]
    assert render.svg_markup(response.content) == picture.svg


def test_each_format_is_drawn_once(client, pair, dot_runs):
    for fmt in ("svg", "png", "pdf", "svg", "png", "pdf"):
        client.get(f"/diagram.{fmt}")
    assert dot_runs == ["svg", "png", "pdf"]


def test_an_edit_is_drawn_at_once(client, pair, dot_runs):
    page, folio = pair
    client.get("/diagram.svg")
    folio.summary = "Memory managed as one unit, possibly compound."
    folio.save()
    response = client.get("/diagram.svg")
    assert dot_runs == ["svg", "svg"]
    assert b"Memory managed as one unit, possibly compound." in response.content


def test_the_dot_source_needs_no_drawing(client, pair, dot_runs):
    assert client.get("/diagram.dot").status_code == 200
    assert dot_runs == []


def test_a_failure_is_not_cached_so_installing_dot_brings_the_picture_back(client, pair, no_dot, monkeypatch):
    assert client.get("/diagram.svg").status_code == 503
    monkeypatch.undo()  # PATH back, with Graphviz on it
    assert client.get("/diagram.svg").status_code == 200
