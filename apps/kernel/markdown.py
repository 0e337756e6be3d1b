"""Type descriptions: Markdown rendered to sanitised HTML once, when a type is saved.

Python-Markdown's inline patterns take time that grows steeply with long runs of backticks
(2,500 took 29 s), as with many [ brackets, and it recurses once per nesting level (a 500-level list raises
RecursionError), so a page must never render stored text. A description is checked against
bounds (size, backtick runs, nesting) that keep one rendering well under a second, then
rendered, and refused when even that took longer than RENDER_BUDGET_SECONDS. The page shows
MemoryType.description_html, written by MemoryType.save(). Renderings are cached by the hash of
the text, so saving a type whose description did not change renders nothing."""

import hashlib
import html
import re
import time

import markdown as markdown_lib
import nh3

from apps.kernel.safe_cache import safe_cache

MAX_CHARS = 10_000
MAX_BACKTICK_RUN = 16
MAX_BACKTICKS = 500
MAX_BRACKETS = 50
MAX_NESTING = 16
RENDER_BUDGET_SECONDS = 1.0
CACHE_SECONDS = 60 * 60 * 24 * 30

# What a type description may contain once rendered: prose, lists, code and tables. Headings
# are left out so a description cannot break the page's heading order; their text stays.
TAGS = {"a", "abbr", "blockquote", "br", "code", "del", "em", "hr", "li", "ol", "p", "pre", "strong", "sub", "sup"}
TAGS |= {"table", "tbody", "td", "th", "thead", "tr", "ul"}
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
SCHEMES = {"http", "https", "mailto"}

_BACKTICK_RUN = re.compile(r"`+")
# What opens a nesting level at the start of a line: indentation (4 columns a level),
# blockquote markers and list markers ("- - - x" is three nested lists).
_MARKER = r">|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])"
_PREFIX = re.compile(rf"^(?:[ \t]*(?:{_MARKER}))*[ \t]*")


class DescriptionError(ValueError):
    """The description cannot be rendered within the bounds; str() says why, for its author."""


def _nesting(line):
    prefix = _PREFIX.match(line).group()
    return len(prefix.expandtabs(4)) // 4 + len(re.findall(_MARKER, prefix))


def check(text):
    """Raise DescriptionError when text is outside the bounds that keep rendering fast."""
    text = text or ""
    if len(text) > MAX_CHARS:
        raise DescriptionError(f"The description is {len(text):,} characters long; the limit is {MAX_CHARS:,}.")
    runs = [len(run) for run in _BACKTICK_RUN.findall(text)]
    if runs and max(runs) > MAX_BACKTICK_RUN:
        raise DescriptionError(f"The description has a run of {max(runs)} backticks; at most {MAX_BACKTICK_RUN}.")
    if sum(runs) > MAX_BACKTICKS:
        raise DescriptionError(f"The description has {sum(runs):,} backticks; at most {MAX_BACKTICKS:,}.")
    brackets = text.count("[")
    if brackets > MAX_BRACKETS:
        raise DescriptionError(f"The description has {brackets:,} [ brackets; at most {MAX_BRACKETS:,}.")
    deepest = max((_nesting(line) for line in text.splitlines()), default=0)
    if deepest > MAX_NESTING:
        raise DescriptionError(
            f"The description nests lists, quotes or indentation {deepest} levels deep; at most {MAX_NESTING}."
        )


def _render(text):
    html_text = markdown_lib.markdown(text, extensions=["fenced_code", "tables"], output_format="html")
    return nh3.clean(html_text, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES, link_rel="noopener noreferrer")


def render(text):
    """Sanitised HTML of a description within the bounds (cached by the text's hash). Raises
    DescriptionError when the text is outside them or took longer than the budget."""
    text = text or ""
    if not text:
        return ""
    key = "memtypes:markdown:" + hashlib.sha256(text.encode()).hexdigest()
    cached = safe_cache.get(key)
    if cached is not None:
        return cached
    check(text)
    started = time.monotonic()
    try:
        result = _render(text)
    except RecursionError as exc:
        raise DescriptionError("The description nests too deeply to be rendered.") from exc
    if time.monotonic() - started > RENDER_BUDGET_SECONDS:
        raise DescriptionError(
            f"The description took longer than {RENDER_BUDGET_SECONDS:g} s to render: simplify its markup."
        )
    safe_cache.set(key, result, CACHE_SECONDS)
    return result


def render_or_plain(text):
    """render(text), or the text escaped as one preformatted block when it cannot be rendered
    (a description written past validation): never unbounded work."""
    try:
        return render(text)
    except DescriptionError:
        return f"<pre>{html.escape((text or '')[:MAX_CHARS])}</pre>"
