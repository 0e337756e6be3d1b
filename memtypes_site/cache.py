"""Whole answers (pages, API answers, pictures, CSV) cached under the data version.

Every GET or HEAD gets an ETag made of the data version (apps/kernel/version.py, which every
write to the kernel data changes in its own transaction) and of what else the answer depends on:
the scheme and host (the API's links are absolute), the path, the query string and the Accept
header (the API's format). The answer is the same for
every anonymous reader (no session cookie, no Authorization header), so it is kept in the cache
under that ETag: the next anonymous GET costs one query (the version) and one cache read, and
no view code runs; with a matching If-None-Match it is a 304. A write changes the version, so
every stored answer becomes unreachable at once and nothing stale is served.

The key and the ETag also name the code being served (code_version()): after a deployment the
same data is rendered anew rather than read from a Redis that outlived the last one.

An answer is stored (and gets this ETag) only when it is the same for everyone who sends the
same request: status 200, not streamed, no cookie set, no CSRF token used (a form's token
belongs to one visitor), no CSP nonce used (each response needs a new one), varying on nothing
outside the key (Vary: Accept, Accept-Encoding, Cookie; a compressed answer is stored apart from
a plain one and its ETag is weak, as Django's GZipMiddleware marks it), not private or no-store.

A signed-in editor or a token client is never served a stored answer: its request is rendered
every time; it gets an ETag with its session or token mixed in and a 304 when it matches, which
is what the API's If-Match needs (apps/api/conditional.py). The admin is left alone.

The cache is read and written through safe_cache: with Redis down every request renders.
MEMTYPES_CACHE=0 (settings.MEMTYPES_CACHE) turns all of it off, for measuring the rendering."""

import functools
import hashlib

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import cc_delim_re
from django.utils.crypto import salted_hmac
from django.utils.http import parse_etags

from apps.kernel import version
from apps.kernel.safe_cache import safe_cache

# What code_version() reads.
CODE_FOLDERS = ("apps", "memtypes_site", "templates", "static")
CODE_SUFFIXES = {".py", ".html", ".txt", ".css", ".js", ".svg", ".yaml"}
# How long a stored answer is kept; answers of older versions are never read again and expire.
KEPT_SECONDS = 60 * 60
# Vary headers an answer may name and still be stored: the key holds Accept and whether the
# client takes gzip, and only requests without a session cookie read stored answers.
STORABLE_VARY = {"accept", "accept-encoding", "cookie"}
# Headers a 304 repeats from the answer it stands for (RFC 9110, 15.4.5).
NOT_MODIFIED_HEADERS = ("Cache-Control", "Content-Location", "ETag", "Expires", "Vary")


def is_private(request):
    """True for a request that may see an answer of its own: a session or credentials."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES or "Authorization" in request.headers


def request_version(request):
    """The data version as this request sees it, read once per request (one query)."""
    if not hasattr(request, "_data_version"):
        request._data_version = version.current()
    return request._data_version


@functools.cache
def code_version():
    """A digest of the code, templates, static files and pinned requirements this process serves
    (read once per process): a new deployment renders differently with the same data, so its
    ETags and keys differ from the last one's, and workers of one deployment share answers."""
    digest = hashlib.sha256()
    for folder in CODE_FOLDERS:
        for path in sorted((settings.BASE_DIR / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and path.is_file():
                digest.update(f"{path.relative_to(settings.BASE_DIR)}\0".encode())
                digest.update(path.read_bytes())
    digest.update((settings.BASE_DIR / "requirements.txt").read_bytes())
    return digest.hexdigest()[:16]


def _variant(request, path=None):
    """A digest of what the answer depends on besides the data: the code, the scheme and host
    (the API's links are absolute), the path, the query string, Accept, and the session or
    token of a private request."""
    parts = [
        code_version(),
        request.scheme,
        request.get_host(),
        path or request.path,
        request.META.get("QUERY_STRING", ""),
        request.headers.get("Accept", ""),
    ]
    if is_private(request):
        parts += [request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""), request.headers.get("Authorization", "")]
    return salted_hmac("memtypes.cache.etag", "\n".join(parts), algorithm="sha256").hexdigest()[:32]


def etag_for(request, data_version, path=None):
    """The strong ETag of the answer to a GET of path (the request's by default) at data_version."""
    return f'"{data_version}.{_variant(request, path)}"'


def version_of_etag(etag):
    """The data version an ETag of etag_for() names ("" for any other tag)."""
    tag = etag.removeprefix("W/").strip('"')
    return tag.partition(".")[0] if "." in tag else ""


def matches(header, etag):
    """Whether an If-None-Match header names etag (weak comparison, as RFC 9110 asks for GET)."""
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in tags}


def storable(request, response):
    """Whether response is the same answer for everyone who sends this request (see above)."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or isinstance(getattr(request, "_csp_nonce", None), str):
        return False
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()}
    cache_control = {v.strip().split("=")[0].lower() for v in cc_delim_re.split(response.get("Cache-Control", ""))}
    return vary <= STORABLE_VARY and not cache_control & {"private", "no-store"}


def _not_modified(response):
    not_modified = HttpResponseNotModified()
    for header in NOT_MODIFIED_HEADERS:
        if header in response:
            not_modified[header] = response[header]
    return not_modified


class AnswerCacheMiddleware:
    """Serves and stores whole answers under the data version (see the module's docstring).
    Sits after the middleware that adds per-request headers (CSP, CORS, security) and before
    GZipMiddleware, sessions and CSRF, so that it sees the cookies an answer sets and stores
    the compressed body."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_PATH

    def __call__(self, request):
        if (
            not settings.MEMTYPES_CACHE
            or request.method not in ("GET", "HEAD")
            or request.path.startswith(self.admin_prefix)
        ):
            return self.get_response(request)
        data_version, variant = request_version(request), _variant(request)
        etag = f'"{data_version}.{variant}"'
        key = None
        if not is_private(request):
            gzip = "gzip" if re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")) else "plain"
            key = f"memtypes:answer:{data_version}:{variant}:{gzip}"
            stored = safe_cache.get(key)
            if stored is not None:
                status, headers, content = stored
                response = HttpResponse(content, status=status, headers=headers)
                return _not_modified(response) if matches(request.headers.get("If-None-Match"), etag) else response
        response = self.get_response(request)
        if not storable(request, response):
            return response
        response["ETag"] = f"W/{etag}" if response.get("Content-Encoding") else etag
        if key is not None and request.method == "GET":
            safe_cache.set(key, (response.status_code, dict(response.headers), response.content), KEPT_SECONDS)
        if matches(request.headers.get("If-None-Match"), etag):
            return _not_modified(response)
        return response
