"""Where the pictures are: for the API and the pages to link to."""

from django.urls import reverse

from apps.diagrams.render import FORMATS


def diagram_urls(memory_type=None, request=None):
    """{format: URL} of the pictures of the whole hierarchy, or of memory_type's neighbourhood;
    absolute URLs when request is given (no query)."""
    urls = {}
    for fmt in FORMATS:
        if memory_type is None:
            url = reverse("diagrams:whole", kwargs={"fmt": fmt})
        else:
            url = reverse("diagrams:type", kwargs={"slug": memory_type.slug, "fmt": fmt})
        urls[fmt] = request.build_absolute_uri(url) if request is not None else url
    return urls
