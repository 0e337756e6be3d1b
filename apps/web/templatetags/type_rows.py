"""The table rows of a type's pages, as HTML made in Python (apps.web.markup): the words of
struct page it uses and its usages, a dozen cells a row."""

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from apps.kernel import sources
from apps.web.markup import NOTHING, join, markup, text
from apps.web.templatetags.memtypes_web import cite

register = template.Library()

PADDING = mark_safe('<span class="muted">padding</span>')
NOT_USED = mark_safe('<span class="muted">not used</span>')
NO_PAGE = mark_safe('<span class="muted">no struct page layout in this release</span>')
WORD_ROW = '<tr{}><th scope="row" class="num">{}</th><td class="num">{}–{}</td><td>{}</td><td>{}</td></tr>\n'
USED = '<span class="badge used-label">used</span> <code>{}</code>: {}'
USAGE_ROW = (
    '<tr><td><a href="{}"><code>{}</code></a></td>'
    '<td><a class="source-link" href="{}"><code>{}</code></a><br><span class="muted small">{}</span></td>'
    '<td class="num">{}</td><td class="num">{}</td><td class="num">page[{}]</td><td>{}</td>'
    '<td>{} <span class="basis basis-{}">({})</span>{}</td><td>{}</td></tr>\n'
)
CARRIED = (
    ' <span class="badge" title="Carried forward from an earlier release; a curator has not yet re-verified it at '
    '{}">carried, not re-verified</span>'
)
BACKPORT = (
    ' <span class="badge" title="This field is in the stable build read, not in the {} tag">stable backport</span>'
)


def _codes(names):
    return join((markup("<code>{}</code>", text(name)) for name in names), ", ")


@register.simple_tag
def type_word_rows(words):
    """<tr> of each word of struct page (a layouts.TypeWord): its index, bytes, the struct page
    fields in it, and what the type keeps there ("used", highlighted) or "not used"."""
    rows = []
    for w in words:
        word = w.word
        fields = _codes(fld.name for fld in word.fields) if word.fields else PADDING
        uses = join((markup(USED, text(on), text(keeps)) for on, keeps in w.uses), "<br>") if w.uses else NOT_USED
        used = mark_safe(' class="used"') if w.uses else NOTHING
        rows.append(markup(WORD_ROW, used, word.index, word.offset, word.last_byte, fields, uses))
    return join(rows)


def _words_cell(row):
    if row.first_word is None:
        return NO_PAGE
    if row.first_word == row.last_word:
        words = markup('<span class="word">word {}</span>', row.first_word)
    else:
        words = markup('<span class="word">words {}–{}</span>', row.first_word, row.last_word)
    if row.field.struct != "page" and row.page_fields:
        over = _codes(pf.name for pf in row.page_fields)
        return markup('{}<br><span class="muted small">over {}</span>', words, over)
    return words


def _badges(row, release):
    carried = markup(CARRIED, release) if row.usage.carried else NOTHING
    backport = markup(BACKPORT, release) if row.field.backport_id else NOTHING
    return join((carried, backport))


@register.simple_tag
def usage_rows(rows, build):
    """<tr> of each usage (a layouts.UsageRow) on the fields of one build: the struct (a link to
    its layout page), the field (a link to its definition), offset, size, page of a compound,
    the words of struct page it covers and the struct page fields it lies over, what it keeps
    there with its basis and badges, and its source."""
    release_name = build.release.name
    release = text(release_name)
    layout_urls = {}
    html = []
    for row in rows:
        fld, usage = row.field, row.usage
        struct = fld.struct
        if struct not in layout_urls:
            layout_urls[struct] = text(reverse("web:layout-detail", kwargs={"name": release_name, "struct": struct}))
        html.append(
            markup(
                USAGE_ROW,
                layout_urls[struct],
                text(struct),
                text(sources.struct_in_build_url(struct, build, backported=bool(fld.backport_id))),
                text(fld.name),
                text(fld.c_type),
                fld.offset,
                fld.size,
                row.page_index,
                _words_cell(row),
                text(usage.keeps),
                text(usage.basis),
                text(row.basis),
                _badges(row, release),
                cite(usage.source),
            )
        )
    return join(html)
