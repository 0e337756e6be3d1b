"""Conditional requests: an ETag on every read, 304 on a matching If-None-Match, and 412 on a
write whose If-Match names a representation that is no longer current.

The ETag is a hash of the serialized representation, so it changes exactly when what a client
reads changes, and a write compares the client's If-Match with the ETag of the current
representation computed the same way."""

import hashlib
import json

from django.utils.http import parse_etags, quote_etag
from rest_framework import status
from rest_framework.response import Response

from apps.api.errors import PreconditionFailed


def etag_of(data, fmt="json"):
    """A strong ETag of serialized data (a JSON-able structure) in a format."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(f"{fmt}:{text}".encode()).hexdigest()[:32]
    return quote_etag(digest)


def _matches(header, etag):
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or etag.strip('"') in {tag.strip('"').removeprefix("W/").strip('"') for tag in tags}


class ConditionalMixin:
    """For views and viewsets: ETag on successful reads and writes, 304 for If-None-Match,
    412 for a stale If-Match (call check_if_match(instance) before changing an object)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code != status.HTTP_200_OK or response.data is None:
            return response
        fmt = getattr(request, "accepted_renderer", None)
        fmt = fmt.format if fmt is not None and fmt.format == "csv" else "json"
        etag = etag_of(response.data, fmt)
        response["ETag"] = etag
        if request.method in ("GET", "HEAD") and _matches(request.headers.get("If-None-Match"), etag):
            not_modified = Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
            not_modified.accepted_renderer = response.accepted_renderer
            not_modified.accepted_media_type = response.accepted_media_type
            not_modified.renderer_context = response.renderer_context
            if "Vary" in response:
                not_modified["Vary"] = response["Vary"]
            return not_modified
        return response

    def check_if_match(self, instance):
        """Refuse (412) a write when If-Match is sent and names another representation than
        the current one of instance (the queries of one serialization)."""
        header = self.request.headers.get("If-Match")
        if header is None:
            return
        current = etag_of(self.get_serializer(instance).data)
        if not _matches(header, current):
            raise PreconditionFailed()
