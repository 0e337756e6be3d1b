"""Template filters of the HTML pages: Markdown descriptions and source citations."""

import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from apps.kernel.markdown import render_or_plain

register = template.Library()


@register.filter
def markdown(text):
    """A description written in Markdown as safe HTML: scripts, event handlers, styles and
    javascript: links are removed, links to other sites get rel="noopener noreferrer". Bounded
    (apps.kernel.markdown): text past the bounds shows escaped, unrendered. Pages show the
    rendering stored with the type (MemoryType.description_html) instead of calling this."""
    return mark_safe(render_or_plain(text))


@register.filter
def cite(source):
    """A source as a link where a browser can open it, otherwise its one-line citation."""
    if source is None:
        return ""
    if source.link:
        return format_html('<a class="source" href="{}" title="{}">{}</a>', source.link, source.citation, source.title)
    return format_html('<span class="source" title="{}">{}</span>', source.title, source.citation)


@register.filter
def path_depth(field):
    """How many anonymous unions and structs hold a field (0 at the top level of its struct)."""
    return len(field.path.split("/")) if field.path else 0


# A path segment as the importer writes it: union#1@8 is the struct's first anonymous union, at offset 8.
SEGMENT = re.compile(r"^(?P<kind>union|struct)#(?P<ordinal>\d+)@(?P<offset>\d+)$")


@register.filter
def path_label(field):
    """The unions and structs that hold a field, outermost first, e.g. 'union 1 at 8 › struct 2 at 8'."""
    labels = []
    for segment in field.path.split("/") if field.path else []:
        match = SEGMENT.match(segment)
        labels.append(f"{match['kind']} {match['ordinal']} at {match['offset']}" if match else segment)
    return " › ".join(labels)


@register.filter
def get_item(mapping, key):
    """mapping[key], or None where it has no such key."""
    return mapping.get(key)
