"""The table rows of a type page, written in Python: a row has a dozen cells, and a template loop
over the words of struct page and a type's usages costs more than the rest of the page."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from apps.kernel import sources
from apps.web.templatetags.memtypes_web import cite

register = template.Library()

PADDING = mark_safe('<span class="muted">padding</span>')
USED = '<span class="badge used-label">used</span> <code>{}</code>: {}'
NOT_USED = mark_safe('<span class="muted">not used</span>')


def _codes(names):
    return format_html_join(", ", "<code>{}</code>", ((name,) for name in names))


@register.simple_tag
def type_word_rows(words):
    """<tr> of each word of struct page (a layouts.TypeWord): its index, bytes, the struct page
    fields in it, and what the type keeps there ("used", highlighted) or "not used"."""
    rows = []
    for w in words:
        word = w.word
        fields = (
            _codes(fld.name for fld in word.fields) if word.fields else mark_safe('<span class="muted">padding</span>')
        )
        if w.uses:
            uses = format_html_join(
                "<br>",
                '<span class="badge used-label">used</span> <code>{}</code>: {}',
                ((on, keeps) for on, keeps in w.uses),
            )
        else:
            uses = mark_safe('<span class="muted">not used</span>')
        rows.append(
            format_html(
                '<tr{}><th scope="row" class="num">{}</th><td class="num">{}–{}</td><td>{}</td><td>{}</td></tr>\n',
                mark_safe(' class="used"') if w.uses else "",
                word.index,
                word.offset,
                word.last_byte,
                fields,
                uses,
            )
        )
    return mark_safe("".join(rows))


def _words_cell(row):
    if row.first_word is None:
        return mark_safe('<span class="muted">no struct page layout in this release</span>')
    if row.first_word == row.last_word:
        words = format_html('<span class="word">word {}</span>', row.first_word)
    else:
        words = format_html('<span class="word">words {}–{}</span>', row.first_word, row.last_word)
    if row.field.layout.struct != "page" and row.page_fields:
        over = _codes(pf.name for pf in row.page_fields)
        return format_html('{}<br><span class="muted small">over {}</span>', words, over)
    return words


def _badges(row, release_name):
    badges = []
    if row.usage.carried:
        badges.append(
            format_html(
                ' <span class="badge" title="Carried forward from an earlier release; a curator has not yet '
                're-verified it at {}">carried, not re-verified</span>',
                release_name,
            )
        )
    if row.field.backport_id:
        badges.append(
            format_html(
                ' <span class="badge" title="This field is in the stable build read, not in the {} tag">'
                "stable backport</span>",
                release_name,
            )
        )
    return mark_safe("".join(badges))


@register.simple_tag
def usage_rows(rows, release_name):
    """<tr> of each usage (a layouts.UsageRow) of one release: the struct (a link to its layout
    page), the field (a link to its definition), offset, size, page of a compound, the words of
    struct page it covers and the struct page fields it lies over, what it keeps there with its
    basis and badges, and its source."""
    layout_urls = {}
    html = []
    for row in rows:
        fld, usage = row.field, row.usage
        struct = fld.layout.struct
        if struct not in layout_urls:
            layout_urls[struct] = reverse("web:layout-detail", kwargs={"name": release_name, "struct": struct})
        html.append(
            format_html(
                '<tr><td><a href="{}"><code>{}</code></a></td>'
                '<td><a class="source-link" href="{}"><code>{}</code></a><br><span class="muted small">{}</span></td>'
                '<td class="num">{}</td><td class="num">{}</td><td class="num">page[{}]</td><td>{}</td>'
                '<td>{} <span class="basis basis-{}">({})</span>{}</td><td>{}</td></tr>\n',
                layout_urls[struct],
                struct,
                sources.field_url(fld),
                fld.name,
                fld.c_type,
                fld.offset,
                fld.size,
                row.page_index,
                _words_cell(row),
                usage.keeps,
                usage.basis,
                row.basis,
                _badges(row, release_name),
                cite(usage.source),
            )
        )
    return mark_safe("".join(html))
