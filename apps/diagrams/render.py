"""Rendering DOT text with Graphviz's `dot` program, cached by the hash of the DOT text.

The DOT text is a pure function of the hierarchy, so its hash names the picture: an edit in the
admin changes the text and so the key (the new picture shows at once), and an unchanged hierarchy
is never drawn twice, whichever process asks, when the cache is the shared Redis. A cache that
fails (Redis down) only means the picture is drawn again (apps.kernel.safe_cache).

The site finds its pictures through apps.diagrams.pictures, which knows under the data version
which DOT text a picture was drawn from, so that a request need not build the DOT text to find
the picture.
"""

import hashlib
import re
import subprocess
from dataclasses import dataclass

from django.conf import settings
from graphviz.backend import dot_command, execute

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


def _key(fmt, dot_digest):
    return f"memtypes:diagram:{fmt}:{dot_digest}"


def cached(dot_digest, fmt):
    """The picture in fmt of the DOT text whose digest() is dot_digest, or None when the cache
    does not hold it (one cache read, no query)."""
    return safe_cache.get(_key(fmt, dot_digest))


def render(dot_text, fmt):
    """The picture of dot_text in fmt as bytes, from the cache or drawn once and stored there
    (the DOT text itself for fmt "dot", stored too so that cached() finds it). Raises
    RenderError (not cached, so the next request tries again) when `dot` cannot draw it."""
    if fmt not in FORMATS:
        raise ValueError(f"{fmt!r} is not one of {', '.join(FORMATS)}")
    key = _key(fmt, digest(dot_text))
    picture = safe_cache.get(key)
    if picture is None:
        picture = dot_text.encode() if fmt == "dot" else run_dot(dot_text, fmt)
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
