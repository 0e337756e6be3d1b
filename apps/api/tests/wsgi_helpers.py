"""Calling the real WSGI application through wsgiref's validator, as `make run` (runserver) does:
the validator refuses a response whose status or headers are not plain str with an error."""

import io
import json
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

from memtypes_site.wsgi import application


def call(method, path, body=None, headers=None):
    """(status line, {header: value}, body bytes) of a request sent through the validator."""
    payload = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "HTTP_HOST": "testserver",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(payload)),
        "wsgi.input": io.BytesIO(payload),
        "wsgi.errors": io.StringIO(),
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(response_headers)
        return lambda data: None

    result = validator(application)(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        result.close()
    return seen["status"], seen["headers"], content
