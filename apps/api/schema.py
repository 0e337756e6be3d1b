"""The OpenAPI schema as the API behaves: anyone may read (security `{}` on reads next to the
token and session schemes), and every operation lists the errors it can answer, with their
JSON body ({"detail": "..."} or {field: [messages]}), or a CSV table on the CSV endpoints."""

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissionsOrAnonReadOnly

ERROR_BODY = {
    "type": "object",
    "description": '{"detail": "message"} or {"field": ["message", ...]}',
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
ERRORS = {
    "400": "The request is malformed or does not validate; the body names the fields.",
    "401": "The token or the credentials are wrong.",
    "403": "Not allowed: writing needs a user with the model's permission (and CSRF for a session).",
    "404": "No such resource (or no such page of a list).",
    "409": "The object is still referred to and cannot be deleted.",
    "412": "The data changed since the resource was read: If-Match names an older ETag.",
    "429": "Too many wrong tokens from this address: wait and try again.",
}


class Schema(AutoSchema):
    def get_auth(self):
        auths = super().get_auth()
        anyone_reads = any(
            isinstance(permission, DjangoModelPermissionsOrAnonReadOnly) for permission in self.view.get_permissions()
        )
        if self.method in SAFE_METHODS and anyone_reads and {} not in auths:
            auths.append({})
        return auths

    def _error_codes(self):
        codes = ["400", "401", "403", "404", "429"]
        if self.method in ("PUT", "PATCH", "DELETE"):
            codes.append("412")
        if self.method == "DELETE":
            codes.append("409")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        csv = any(getattr(renderer, "format", None) == "csv" for renderer in self.view.get_renderers())
        for code in self._error_codes():
            content = {"application/json": {"schema": ERROR_BODY}}
            if csv:
                content["text/csv"] = {"schema": {"type": "string", "description": "A table with a message column."}}
            responses.setdefault(code, {"description": ERRORS[code], "content": content})
        return responses
