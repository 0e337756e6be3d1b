"""Rendering DOT text with Graphviz's `dot` program, cached by the hash of the DOT text.

The DOT text is a pure function of the hierarchy, so its hash names the picture: an edit in the
admin changes the text and so the key (the new picture shows at once), and an unchanged hierarchy
is never drawn twice, whichever process asks, when the cache is the shared Redis. A cache that
fails (Redis down) only means the picture is drawn again (apps.kernel.safe_cache).
"""

import hashlib
import re
import subprocess
from dataclasses import dataclass

from django.conf import settings
from django.utils.safestring import mark_safe
from graphviz.backend import dot_command, execute

from apps.diagrams import dot
from apps.kernel.safe_cache import safe_cache

FORMATS = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "dot": "text/vnd.graphviz; charset=utf-8",
}
# Rendered pictures never go stale (the key is their DOT text); the timeout only lets the cache
# drop pictures of hierarchies nobody asks for any more.
CACHE_SECONDS = 60 * 60 * 24 * 30

_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


class RenderError(Exception):
    """`dot` could not draw the picture; str() is a sentence saying why."""


def digest(dot_text):
    """sha256 of the DOT text: the name of every picture drawn from it."""
    return hashlib.sha256(dot_text.encode()).hexdigest()


def run_dot(dot_text, fmt):
    """The picture in fmt (svg, png, pdf) as bytes, drawn by `dot` (a subprocess, no query).

    Raises RenderError when `dot` is missing, fails or runs longer than
    settings.GRAPHVIZ_TIMEOUT_SECONDS."""
    timeout = settings.GRAPHVIZ_TIMEOUT_SECONDS
    # graphviz.pipe() takes no timeout, so the same command goes through run_check, which hands
    # the timeout to subprocess.run (that kills `dot` when it expires).
    cmd = dot_command.command("dot", fmt)
    try:
        proc = execute.run_check(cmd, input=dot_text.encode(), capture_output=True, quiet=True, timeout=timeout)
    except execute.ExecutableNotFound as exc:
        raise RenderError("Graphviz's dot program is not installed on the server.") from exc
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"Graphviz's dot program took longer than {timeout} seconds and was stopped.") from exc
    except execute.CalledProcessError as exc:
        stderr = (exc.stderr or b"").decode(errors="replace").strip().splitlines()
        detail = f": {stderr[0][:200]}" if stderr else ""
        raise RenderError(f"Graphviz's dot program failed (exit status {exc.returncode}){detail}.") from exc
    except OSError as exc:
        raise RenderError(f"Graphviz's dot program could not be started ({exc.strerror or exc}).") from exc
    return proc.stdout


def render(dot_text, fmt):
    """The picture of dot_text in fmt as bytes, from the cache or drawn once and stored there
    (the DOT text itself for fmt "dot"). Raises RenderError (not cached, so the next request
    tries again) when `dot` cannot draw it."""
    if fmt not in FORMATS:
        raise ValueError(f"{fmt!r} is not one of {', '.join(FORMATS)}")
    if fmt == "dot":
        return dot_text.encode()
    key = f"memtypes:diagram:{fmt}:{digest(dot_text)}"
    picture = safe_cache.get(key)
    if picture is None:
        picture = run_dot(dot_text, fmt)
        safe_cache.set(key, picture, CACHE_SECONDS)
    return picture


@dataclass
class Picture:
    """A diagram to put inline in a page: svg is markup safe to output as it is (no XML prolog),
    or None; then error says why the picture is missing."""

    svg: str | None = None
    error: str | None = None


def svg_markup(svg_bytes):
    """The <svg> element of a Graphviz SVG file, without the XML prolog, DOCTYPE and comments,
    ready to sit inside an HTML page."""
    text = svg_bytes.decode()
    return _COMMENT.sub("", _PROLOG.sub("", text, count=1)).strip()


def inline_svg(dag):
    """Picture of dag for a page: every type a link to its page with its summary as tooltip.

    Text from the database reaches the SVG only escaped (see apps.diagrams.dot), so the markup is
    safe to output unescaped. Never raises for a drawing problem: the Picture's error says it."""
    return inline_dot(dot.build(dag))


def inline_dot(dot_text):
    """Picture of DOT text built by this app (apps.diagrams.dot, apps.diagrams.lifecycle, which
    escape every piece of text from the database) for a page; never raises for a drawing
    problem: the Picture's error says it."""
    try:
        svg = render(dot_text, "svg")
    except RenderError as exc:
        return Picture(error=f"The diagram cannot be drawn: {exc}")
    return Picture(svg=mark_safe(svg_markup(svg)))
