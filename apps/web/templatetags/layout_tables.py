"""The large tables of the struct layout page and the matrix page, as HTML made in Python
(apps.web.markup): a type's link and a field's link are made once per page. The markup is the
one the templates had.
"""

from django import template
from django.utils.safestring import mark_safe

from apps.kernel.models import type_url
from apps.web.markup import NOTHING, join, markup, text
from apps.web.templatetags.memtypes_web import path_depth, path_label, source_url

register = template.Library()


class _Cells:
    """The HTML of the types and fields one page has shown, each made on first use."""

    def __init__(self):
        # Type pages' paths differ only by the slug: found once per page.
        self.type_path = type_url("SLUG").rpartition("SLUG")
        self.links = {}
        self.field_links = {}
        self.field_items = {}

    def type_link(self, slug):
        """<a href="/types/slug/"><code>slug</code></a>."""
        if slug not in self.links:
            before, _, after = self.type_path
            self.links[slug] = markup(
                '<a href="{}{}{}"><code>{}</code></a>', text(before), text(slug), text(after), text(slug)
            )
        return self.links[slug]

    def field_link(self, fld):
        """A field's name linked to the definition of its struct (apps.kernel.sources)."""
        if fld.id not in self.field_links:
            self.field_links[fld.id] = markup(
                '<a class="source-link" href="{}"><code>{}</code></a>', text(source_url(fld)), text(fld.name)
            )
        return self.field_links[fld.id]

    def field_item(self, fld):
        """A field in the words table: its link, bits, C type, offset and size, and the stable
        backport it came with."""
        if fld.id not in self.field_items:
            bits = markup('<span class="muted">:{}</span>', fld.bit_size) if fld.bit_size is not None else NOTHING
            backport = NOTHING
            if fld.backport:
                backport = markup(
                    ' <span class="badge" title="{}">backport {} ({})</span>',
                    text(fld.backport.subject),
                    text(fld.backport.commit[:12]),
                    text(fld.backport.upstream),
                )
            self.field_items[fld.id] = markup(
                '<li>{}{} <span class="muted small">{} @{}+{}</span>{}</li>',
                self.field_link(fld),
                bits,
                text(fld.c_type),
                fld.offset,
                fld.size,
                backport,
            )
        return self.field_items[fld.id]


def _cells(context):
    """The page's _Cells, kept in Django's render_context: one per rendering of a template, shared
    by every tag of that rendering."""
    cells = context.render_context.get("layout_tables")
    if cells is None:
        cells = context.render_context["layout_tables"] = _Cells()
    return cells


@register.simple_tag(takes_context=True)
def type_link(context, slug):
    """{% type_link slug %}: <a href="/types/slug/"><code>slug</code></a>."""
    return _cells(context).type_link(slug)


WORD_ROW = (
    "\n      <tr>"
    '\n        <th scope="row" class="num">{}</th>'
    '\n        <td class="num">{}–{}</td>'
    "\n        <td>"
    '\n          <ul class="plain">'
    "\n          {}"
    "\n          </ul>"
    "\n        </td>"
    "\n        <td>"
    '\n          <ul class="plain">'
    "\n          {}"
    "\n          </ul>"
    "\n        </td>"
    "\n      </tr>"
    "\n      "
)
USER_ITEM = '<li>{}: {} <span class="muted small">(recorded on <code>{}</code>)</span></li>'
PADDING = mark_safe('<li class="muted">padding</li>')
UNUSED = mark_safe('<li class="muted">no usage recorded</li>')


@register.simple_tag(takes_context=True)
def word_rows(context, rows):
    """{% word_rows rows %}: a <tr> per WordRow (apps.web.views) with the word's index and bytes,
    its fields ("padding" where none) and the types that use it ("no usage recorded")."""
    cells = _cells(context)
    parts = []
    for row in rows:
        fields = join(cells.field_item(fld) for fld, _ in row.fields) or PADDING
        users = (
            join(
                markup(USER_ITEM, cells.type_link(memory_type.slug), text(keeps), text(on))
                for memory_type, keeps, on in row.users
            )
            or UNUSED
        )
        parts.append(markup(WORD_ROW, row.word.index, row.word.offset, row.word.last_byte, fields, users))
    return join(parts)


FIELD_ROW = (
    "\n    <tr>"
    '\n      <td class="num">{}</td>'
    '\n      <td class="num">{}</td>'
    '\n      <td class="num">{}</td>'
    '\n      <th scope="row" class="depth-{}">{}</th>'
    '\n      <td class="small">{}</td>'
    "\n      <td><code>{}</code></td>"
    '\n      <td class="num">{}</td>'
    "\n      <td>{}</td>"
    "\n      <td>{}</td>"
    "\n    </tr>"
    "\n    "
)
NO_FIELD = mark_safe('\n    <tr><td colspan="9" class="muted">No field is stored for this layout.</td></tr>\n    ')


@register.simple_tag(takes_context=True)
def field_rows(context, fields):
    """{% field_rows fields %}: a <tr> per (field, [usage]) with its offset, size, bits, name
    (indented by the unions that hold it), path, C type, page, config and the types using it."""
    cells = _cells(context)
    parts = []
    for fld, usages in fields:
        parts.append(
            markup(
                FIELD_ROW,
                fld.offset,
                fld.size,
                markup("{}+{}", fld.bit_offset, fld.bit_size) if fld.bit_size is not None else NOTHING,
                path_depth(fld),
                cells.field_link(fld),
                text(path_label(fld)),
                text(fld.c_type),
                fld.page_index,
                markup("<code>{}</code>", text(fld.config)) if fld.config else NOTHING,
                join((cells.type_link(usage.memory_type.slug) for usage in usages), ", "),
            )
        )
    return join(parts) or NO_FIELD


MATRIX_ROW = (
    "\n    <tr>"
    '\n      <td class="num">page[{}]</td>'
    '\n      <td class="num">{}</td>'
    '\n      <th scope="row"><a class="source-link" href="{}"><code>{}</code></a>{}</th>'
    "\n      {}"
    "\n    </tr>"
    "\n    "
)
MATRIX_CELL = "\n      <td>{}</td>\n      "
EMPTY_CELL = mark_safe(MATRIX_CELL.format(""))
KEPT = '<details class="kept"><summary><code>{}</code></summary>{}</details>'


@register.simple_tag
def matrix_rows(matrix, page_source):
    """{% matrix_rows matrix page_source %}: a <tr> per row of a layouts.Matrix: page, offset,
    the struct page field (linked to page_source) and a cell per type with what it keeps there
    (most cells are empty)."""
    slugs = [t.slug for t in matrix.types]
    source = text(page_source)
    parts = []
    for row in matrix.rows:
        fld = row.field
        bits = markup('<span class="muted">:{}</span>', fld.bit_size) if fld.bit_size is not None else NOTHING
        tds = join(
            markup(MATRIX_CELL, join(markup(KEPT, text(on), text(keeps)) for keeps, on in row.cells[slug]))
            if slug in row.cells
            else EMPTY_CELL
            for slug in slugs
        )
        parts.append(markup(MATRIX_ROW, row.page_index, fld.offset, source, text(fld.name), bits, tds))
    return join(parts)
