"""Pictures at stable URLs: /diagram.svg for the whole hierarchy, /types/<slug>/diagram.svg?depth=N
for one type with its ancestors and descendants, /lifecycle.svg for the life of a page (the
transitions between types) and /types/<slug>/lifecycle.svg for one type's; also .png, .pdf and
.dot (the Graphviz source).

A picture already drawn at the request's data version is found without a hierarchy query and
without its DOT text (apps.diagrams.pictures): the data version (one query, read once per
request, memtypes_site.cache) and two cache reads. The ETag is the hash of the DOT text, so a
write that leaves a picture as it was keeps its ETag, and a browser revalidating an unchanged
picture gets 304 without anything being drawn."""

import re

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.http import require_safe

from apps.diagrams import pictures, render
from memtypes_site.cache import request_version

_DEPTH = re.compile(r"[0-9]+")

# An SVG opened on its own is a document: let it draw its styles, never run a script.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def _text_response(message, status):
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def _etag(fmt, digest):
    return quote_etag(f"{fmt}-{digest[:32]}")


def _picture(request, diagram, fmt):
    """The response for one picture: 304 when the client has it, the picture with its ETag, or
    503 with the reason when `dot` cannot draw it."""
    drawing = pictures.Drawing(request_version(request), diagram)
    if _etag(fmt, drawing.digest) in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified(headers={"ETag": _etag(fmt, drawing.digest)})
    else:
        try:
            picture = drawing.picture(fmt)
        except render.RenderError as exc:
            return _text_response(f"The diagram cannot be drawn: {exc}", 503)
        response = HttpResponse(picture, content_type=render.FORMATS[fmt], headers={"ETag": _etag(fmt, drawing.digest)})
        response["Content-Disposition"] = f'inline; filename="{drawing.filename}.{fmt}"'
        response["X-Content-Type-Options"] = "nosniff"
        if fmt == "svg":
            response["Content-Security-Policy"] = SVG_POLICY
    # Revalidate every time: an edit in the admin must show at once, and an unchanged picture
    # costs the data version and a 304.
    patch_cache_control(response, public=True, no_cache=True)
    return response


# The queries each view counts: the request's data version (read once per request, by
# memtypes_site.cache when the answer cache is on), then, only the first time the picture is
# drawn in a format at that version, those of its source.


@require_safe
def whole_diagram(request, fmt):
    """The whole hierarchy, struct page at the top (1 query; 3 the first time at a data
    version: the types, the relations)."""
    return _picture(request, pictures.hierarchy(), fmt)


@require_safe
def type_diagram(request, slug, fmt):
    """One type, highlighted, with its ancestors and descendants, up to ?depth=N levels each way
    (1 query; 4 the first time at a data version: the type, the relations, the types drawn)."""
    depth = request.GET.get("depth")
    if depth is not None:
        if not _DEPTH.fullmatch(depth) or int(depth) < 1:
            return _text_response(f"depth must be a positive whole number, e.g. ?depth=2 (got {depth[:40]!r}).", 400)
        depth = int(depth)
    return _picture(request, pictures.neighbourhood(slug, depth), fmt)


@require_safe
def whole_lifecycle(request, fmt):
    """Life of a page: every transition between types (1 query; 2 the first time at a data
    version: the transitions)."""
    return _picture(request, pictures.whole_lifecycle(), fmt)


@require_safe
def type_lifecycle(request, slug, fmt):
    """How a page becomes this type and what it becomes next: its transitions in and out and
    the types at their other ends (1 query; 3 the first time at a data version: the type, its
    transitions)."""
    return _picture(request, pictures.type_lifecycle(slug), fmt)


@require_safe
def view_diagram(request, slug, fmt):
    """A dated view of the hierarchy as its author drew it (1 query; 3 the first time at a data
    version: the view, its edges)."""
    return _picture(request, pictures.dated_view(slug), fmt)
