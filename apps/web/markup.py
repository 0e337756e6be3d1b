"""HTML made in Python for the large tables of the pages (apps/web/templatetags/layout_tables.py,
type_rows.py).

Nested template loops cost a variable lookup and an escape per cell, and these tables have
hundreds or thousands of cells. Their rows are filled by markup() from parts that are numbers or
markup already: text escaped by text(), or what markup() and join() made. markup() and join()
refuse a plain string, so nothing reaches a page unescaped.
"""

import html

from django.utils.safestring import SafeData, SafeString, mark_safe

NOTHING = mark_safe("")


def text(value):
    """value as HTML text, escaped exactly as Django's escape() does (& < > " '), without the
    check for lazy translations that escape() makes on each call and that tables with hundreds
    of cells would pay for nothing."""
    return SafeString(html.escape(str(value)))


def markup(row, *parts):
    """row.format(*parts) as markup; each part must be a number or markup (from text(), markup()
    or join()): a plain string is refused, as it could carry markup."""
    for part in parts:
        if not isinstance(part, (int, SafeData)):
            raise TypeError(f"{part!r} is neither a number nor markup: escape it with text()")
    # SafeString() rather than mark_safe(), whose check for lazy strings costs as much as the row.
    return SafeString(row.format(*parts))


def join(parts, separator=""):
    """Markup parts (from text(), markup() or join()) as one piece of markup; a plain string is
    refused."""
    parts = list(parts)
    for part in parts:
        if not isinstance(part, SafeData):
            raise TypeError(f"{part!r} is not markup: escape it with text()")
    return SafeString(separator.join(parts))
