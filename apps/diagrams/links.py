"""Where the pictures are: for the API and the pages to link to."""

from django.urls import reverse

from apps.diagrams.render import FORMATS


def diagram_urls(memory_type=None, request=None, view=None):
    """{format: URL} of the pictures of the whole hierarchy, of memory_type's neighbourhood, or
    of a dated view; absolute URLs when request is given (no query)."""
    urls = {}
    for fmt in FORMATS:
        if view is not None:
            url = reverse("diagrams:view", kwargs={"slug": view.slug, "fmt": fmt})
        elif memory_type is None:
            url = reverse("diagrams:whole", kwargs={"fmt": fmt})
        else:
            url = reverse("diagrams:type", kwargs={"slug": memory_type.slug, "fmt": fmt})
        urls[fmt] = request.build_absolute_uri(url) if request is not None else url
    return urls
