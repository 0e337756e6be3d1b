"""Property-based checks of the served schema against the real kernel data: no request that the
schema allows makes the server fail, and every documented response matches its schema."""

import os

import pytest
import schemathesis
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from memtypes_site.wsgi import application

# Schemathesis's WSGI client does not decode gzip as an HTTP client does: it asks for plain
# answers (compressed ones are tested in memtypes_site/tests/test_answer_cache.py).
PLAIN = {"Accept-Encoding": "identity"}
# Examples per operation and generation mode: bounded so the whole run takes a minute or two.
MAX_EXAMPLES = 10
# With a token every write is carried out: fewer examples keep the run bounded.
WRITE_EXAMPLES = 5
# No server error; every answer documented (status code) and matching its documented schema.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# CI replays the same examples every run so that a landing never hangs on chance; a developer's
# run draws new ones each time and so keeps finding what CI's fixed set would miss.
IN_CI = os.environ.get("CI") == "true"

CONFIG = SchemathesisConfig.from_dict(
    {
        # No NUL characters: HTTP servers refuse them in headers (the session cookie), and the
        # API's own refusal of them in URLs is tested in test_errors.
        "generation": {"max-examples": MAX_EXAMPLES, "allow-x00": False},
        # Fuzzing only: the schema has no examples of its own, and the examples and coverage
        # phases combine every enum value of the list filters (thousands of requests).
        "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}},
    }
)

# Reading the schema needs no database: it is generated from the code (the answer cache, which
# reads the data version from the database, is off for this one read).
with override_settings(MEMTYPES_CACHE=False):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application, config=CONFIG)


@pytest.mark.schemathesis
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=IN_CI, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_schema(case, kernel_data, keep_the_test_connection):
    case.call_and_validate(headers=PLAIN, checks=CHECKS)


@pytest.mark.schemathesis
@schema.parametrize()
@settings(max_examples=WRITE_EXAMPLES, deadline=None, derandomize=IN_CI, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_schema_for_an_editor_with_a_token(case, kernel_data, editor_token, keep_the_test_connection):
    """The same with an editor's token: creates, changes and deletes are carried out."""
    case.call_and_validate(headers={**PLAIN, "Authorization": f"Token {editor_token}"}, checks=CHECKS)
