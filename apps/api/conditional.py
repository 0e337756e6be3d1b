"""Conditional writes: a write whose If-Match names an older state of the data is refused with
412, and a successful write answers with the ETag a read of the resource now has.

Reads get their ETag and their 304 from memtypes_site.cache: the ETag names the data version
(apps/kernel/version.py) and the request it answers, so a client that read a resource and
sends its ETag in If-Match is refused exactly when the kernel data changed in between."""

from urllib.parse import urlsplit

from django.utils.http import parse_etags
from rest_framework import status

from apps.api.errors import PreconditionFailed
from apps.kernel import version
from memtypes_site.cache import etag_for, version_of_etag


class ConditionalMixin:
    """For views and viewsets: the current ETag on a successful write (for a created object,
    the ETag of its Location), and 412 for a stale If-Match (call check_if_match() inside the
    write's transaction, after locking the row)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("POST", "PUT", "PATCH") and response.status_code in (
            status.HTTP_200_OK,
            status.HTTP_201_CREATED,
        ):
            path = urlsplit(response["Location"]).path if "Location" in response else None
            response["ETag"] = etag_for(request, version.current(), path)
        return response

    def check_if_match(self):
        """Refuse (412) a write when If-Match is sent and names none of the current state of
        the data (one query; "*" accepts any state of an object that exists)."""
        header = self.request.headers.get("If-Match")
        if header is None:
            return
        tags = parse_etags(header)
        if "*" not in tags and version.current() not in {version_of_etag(tag) for tag in tags}:
            raise PreconditionFailed()
