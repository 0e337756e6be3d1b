"""Template filters of the HTML pages: Markdown descriptions, source citations, and links from
kernel identifiers to their definition in a source browser."""

import re

from django import template
from django.utils.safestring import mark_safe

from apps.kernel import sources
from apps.kernel.markdown import render_or_plain
from apps.kernel.models import Field
from apps.web.markup import join, markup, text

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
        return markup(
            '<a class="source" href="{}" title="{}">{}</a>',
            text(source.link),
            text(source.citation),
            text(source.title),
        )
    return markup('<span class="source" title="{}">{}</span>', text(source.title), text(source.citation))


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


@register.filter
def tree_url(build):
    """The kernel tree a build was made from in the source browser, at the build's own tag."""
    return sources.tree_url(build)


@register.filter
def source_url(fact):
    """Where a struct layout's struct or a field's struct is defined, at the release the fact
    belongs to, in the source browser (apps.kernel.sources)."""
    if isinstance(fact, Field):
        return sources.field_url(fact)
    return sources.layout_url(fact)


# A function called in a kernel API line (folio_alloc(), kmem_cache_free()), or a flag, page type
# or enumerator: PG_slab, PGTY_table, PAGE_MAPPING_ANON, __GFP_COMP.
KERNEL_IDENTIFIER = re.compile(r"\b(?:[A-Za-z_][A-Za-z0-9_]*(?=\()|(?:PG|PGTY|PAGE|__GFP|GFP|MIGRATE)_[A-Za-z0-9_]+)")


@register.filter
def ident_links(value, tag):
    """Text naming kernel functions and flags, escaped, each function and flag linked to the
    source browser's identifier search at `tag` (a release name such as v6.12)."""
    line = str(value or "")
    parts, last = [], 0
    for match in KERNEL_IDENTIFIER.finditer(line):
        url = sources.ident_url(match.group(0), tag)
        if not url:
            continue
        parts.append(text(line[last : match.start()]))
        parts.append(markup('<a class="ident" href="{}">{}</a>', text(url), text(match.group(0))))
        last = match.end()
    parts.append(text(line[last:]))
    return join(parts)


@register.filter
def ident_url(name, tag):
    """The source browser's identifier search for one name at `tag`."""
    return sources.ident_url(name, tag)


@register.simple_tag
def struct_url(struct, release):
    """{% struct_url "page" "v6.12" %}: where the struct is defined at that release."""
    return sources.struct_url(struct, str(release))
