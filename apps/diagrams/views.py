"""Pictures at stable URLs: /diagram.svg for the whole hierarchy, /types/<slug>/diagram.svg?depth=N
for one type with its ancestors and descendants, /lifecycle.svg for the life of a page (the
transitions between types) and /types/<slug>/lifecycle.svg for one type's; also .png, .pdf and
.dot (the Graphviz source).

The ETag is the hash of the DOT text, known before anything is drawn, so a browser revalidating
an unchanged picture gets 304 for the queries of one graph walk."""

import re

from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.http import require_safe

from apps.diagrams import dot, render
from apps.diagrams import lifecycle as lifecycle_dot
from apps.kernel import graph, lifecycle
from apps.kernel.models import DatedView, MemoryType

_DEPTH = re.compile(r"[0-9]+")

# An SVG opened on its own is a document: let it draw its styles, never run a script.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def _text_response(message, status):
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def _picture(request, dot_text, fmt, filename):
    """The response for one picture of DOT text: 304 when the client has it, the picture with
    its ETag, or 503 with the reason when `dot` cannot draw it."""
    etag = quote_etag(f"{fmt}-{render.digest(dot_text)[:32]}")
    headers = {"ETag": etag}
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified(headers=headers)
    else:
        try:
            picture = render.render(dot_text, fmt)
        except render.RenderError as exc:
            return _text_response(f"The diagram cannot be drawn: {exc}", 503)
        response = HttpResponse(picture, content_type=render.FORMATS[fmt], headers=headers)
        response["Content-Disposition"] = f'inline; filename="{filename}.{fmt}"'
        response["X-Content-Type-Options"] = "nosniff"
        if fmt == "svg":
            response["Content-Security-Policy"] = SVG_POLICY
    # Revalidate every time: an edit in the admin must show at once, and an unchanged picture
    # costs one graph walk and a 304.
    patch_cache_control(response, public=True, no_cache=True)
    return response


@require_safe
def whole_diagram(request, fmt):
    """The whole hierarchy, struct page at the top (2 queries)."""
    return _picture(request, dot.build(graph.whole()), fmt, "memtypes-hierarchy")


@require_safe
def type_diagram(request, slug, fmt):
    """One type, highlighted, with its ancestors and descendants, up to ?depth=N levels each way
    (3 queries: the type, the relations, the types drawn)."""
    depth = request.GET.get("depth")
    if depth is not None:
        if not _DEPTH.fullmatch(depth) or int(depth) < 1:
            return _text_response(f"depth must be a positive whole number, e.g. ?depth=2 (got {depth[:40]!r}).", 400)
        depth = int(depth)
    memory_type = get_object_or_404(MemoryType.objects.for_graph(), slug=slug)
    dag = graph.neighbourhood(memory_type, depth)
    return _picture(request, dot.build(dag), fmt, f"memtypes-{dot.plain_name(memory_type)}")


@require_safe
def whole_lifecycle(request, fmt):
    """Life of a page: every transition between types (1 query)."""
    return _picture(request, lifecycle_dot.build(lifecycle.whole()), fmt, "memtypes-lifecycle")


@require_safe
def type_lifecycle(request, slug, fmt):
    """How a page becomes this type and what it becomes next: its transitions in and out and
    the types at their other ends (2 queries: the type, its transitions)."""
    memory_type = get_object_or_404(MemoryType.objects.for_graph(), slug=slug)
    picture = lifecycle_dot.build(lifecycle.around(memory_type))
    return _picture(request, picture, fmt, f"memtypes-{dot.plain_name(memory_type)}-lifecycle")


@require_safe
def view_diagram(request, slug, fmt):
    """A dated view of the hierarchy as its author drew it (2 queries)."""
    view = get_object_or_404(DatedView, slug=slug)
    return _picture(request, dot.build(graph.dated(view)), fmt, f"memtypes-{view.slug}")
