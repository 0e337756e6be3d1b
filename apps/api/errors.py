"""Every API error is JSON with a message a client can show: never an HTML debug page."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

logger = logging.getLogger(__name__)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object is still referred to."
    default_code = "conflict"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The data changed since you read it: read the resource again and send its new ETag in If-Match."
    default_code = "precondition_failed"


def handle_exception(exc, context):
    """REST framework's handler, plus: a model's ValidationError (from full_clean) becomes a 400
    with field-level messages, a protected delete a 409 naming what still refers to the object,
    and anything unexpected a JSON 500 (logged with its traceback)."""
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(get_error_detail(exc))
    elif isinstance(exc, ProtectedError):
        referrers = sorted({str(obj) for obj in exc.protected_objects})[:5]
        exc = Conflict(f"It cannot be deleted while these refer to it: {', '.join(referrers)}.")
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("API error", exc_info=exc)
        return Response({"detail": "Server error."}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    return response


class NotFoundView(APIView):
    """Any path under /api/v1/ that names no resource."""

    permission_classes = []
    schema = None

    def dispatch(self, request, *args, **kwargs):
        self.args, self.kwargs, self.request = args, kwargs, self.initialize_request(request, *args, **kwargs)
        self.headers = self.default_response_headers
        response = self.handle_exception(NotFound(f"No API resource at {request.path}."))
        return self.finalize_response(self.request, response, *args, **kwargs)
