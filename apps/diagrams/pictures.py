"""The site's pictures by name, found in the cache under the data version.

A picture is named by what it shows and its parameters ("hierarchy", "type folio depth 2",
"view wilcox-2021-10-22", "lifecycle", "type-lifecycle buddy"), never by its data. Under that
name, the data version (apps/kernel/version.py: every write to the kernel data changes it in its
own transaction) and the code version (memtypes_site.cache.code_version(): a deployment that
draws differently draws anew), the cache keeps the digest of the DOT text the picture was drawn
from and the file name of a download. A picture already drawn at the current version is found
with two cache reads (that entry, then the picture by its digest, apps.diagrams.render.cached):
no hierarchy query, no DOT text.

Otherwise the DOT text is built from the data version's catalogue (apps.kernel.catalogue) and
drawn through apps.diagrams.render, which keeps pictures by the digest of their DOT text: a
write that leaves a picture as it was (a release's notes edited) costs its DOT text once more,
never another run of `dot`.

The data version is read before the data, so what is stored under a version shows that
version's data or newer, never older. Nothing is stored for an error: Http404 for an unknown
slug (so an unknown slug is looked up every time) or `dot` failing (RenderError).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.safestring import mark_safe

from apps.diagrams import dot, render
from apps.diagrams import lifecycle as lifecycle_dot
from apps.kernel import catalogue, graph, lifecycle
from apps.kernel.models import DatedView
from apps.kernel.safe_cache import safe_cache
from memtypes_site.cache import code_version, request_version

# An entry of an older data version is never read again: it only waits to expire.
KEPT_SECONDS = 60 * 60 * 24


@dataclass(frozen=True)
class Diagram:
    """A picture the site draws. name says what it shows (see the module's docstring);
    source(catalogue) builds its DOT text and the file name of a download from the data
    version's catalogue (apps.kernel.catalogue), with the queries that the function making the
    Diagram counts, and raises Http404 when what it shows does not exist."""

    name: str
    source: Callable[[object], tuple[str, str]]


def _type(cat, slug, memory_type):
    found = memory_type or cat.by_slug.get(slug)
    if found is None:
        raise Http404(f"No memory type named {slug}.")
    return found


def hierarchy():
    """The whole hierarchy (source: no query)."""
    return Diagram("hierarchy", lambda cat: (dot.build(graph.whole(cat)), "memtypes-hierarchy"))


def neighbourhood(slug, depth=None, memory_type=None):
    """The type `slug`, highlighted, with its ancestors and descendants up to depth levels each
    way (None: all); memory_type is that type when the caller has it (source: no query)."""

    def source(cat):
        centre = _type(cat, slug, memory_type)
        return dot.build(graph.neighbourhood(centre, depth, cat)), f"memtypes-{dot.plain_name(centre)}"

    return Diagram(f"type {slug} depth {'all' if depth is None else depth}", source)


def dated_view(slug, dag=None):
    """The dated view `slug` as its author drew it; dag is its graph.dated() when the caller has
    it (source: no query; 1 without it, the view)."""

    def source(cat):
        drawing = dag if dag is not None else graph.dated(get_object_or_404(DatedView, slug=slug), cat)
        return dot.build(drawing), f"memtypes-{slug}"

    return Diagram(f"view {slug}", source)


def whole_lifecycle(life=None):
    """Life of a page: every transition between types; life is lifecycle.whole() when the
    caller has it (source: no query)."""

    def source(cat):
        return lifecycle_dot.build(life if life is not None else lifecycle.whole(catalogue=cat)), "memtypes-lifecycle"

    return Diagram("lifecycle", source)


def type_lifecycle(slug, memory_type=None, life=None):
    """The transitions into and out of the type `slug`; memory_type and life
    (lifecycle.around()) are what the caller has of them (source: no query)."""

    def source(cat):
        centre = _type(cat, slug, memory_type)
        steps = life if life is not None else lifecycle.around(centre, cat)
        return lifecycle_dot.build(steps), f"memtypes-{dot.plain_name(centre)}-lifecycle"

    return Diagram(f"type-lifecycle {slug}", source)


class Drawing:
    """A diagram at one data version: digest (of its DOT text, for an ETag), filename, and
    picture(fmt)."""

    def __init__(self, data_version, diagram):
        """Reads the diagram's digest and file name at data_version from the cache (one cache
        read, no query); when no request has drawn it at this version, builds its DOT text
        (diagram.source(), which may raise Http404; the catalogue of data_version is loaded when this
        process does not hold it) and stores them."""
        self.diagram = diagram
        self.data_version = data_version
        self.dot_text = None
        name = hashlib.sha256(diagram.name.encode()).hexdigest()[:32]
        key = f"memtypes:picture:{code_version()}:{data_version}:{name}"
        found = safe_cache.get(key)
        if found is None:
            self.dot_text, filename = diagram.source(catalogue.at(data_version))
            found = (render.digest(self.dot_text), filename)
            safe_cache.set(key, found, KEPT_SECONDS)
        self.digest, self.filename = found

    def picture(self, fmt):
        """The picture in fmt as bytes: from the cache by its digest (no query), or drawn from
        the DOT text, which is built again when the digest came from the cache. Raises
        RenderError when `dot` cannot draw it."""
        if self.dot_text is None:
            picture = render.cached(self.digest, fmt)
            if picture is not None:
                return picture
            self.dot_text, _ = self.diagram.source(catalogue.at(self.data_version))
            # Its digest is the recorded one unless a write came after the version was read.
            self.digest = render.digest(self.dot_text)
        return render.render(self.dot_text, fmt)


def inline(request, diagram):
    """The diagram at the request's data version as a render.Picture for a page: the <svg>
    element, or why it cannot be drawn (never raises for a drawing problem). Text from the
    database reaches the SVG only escaped (apps.diagrams.dot and apps.diagrams.lifecycle), so
    the markup is safe to output as it is."""
    try:
        svg = Drawing(request_version(request), diagram).picture("svg")
    except render.RenderError as exc:
        return render.Picture(error=f"The diagram cannot be drawn: {exc}")
    return render.Picture(svg=mark_safe(render.svg_markup(svg)))
