"""The JSON parser of the API's writes: refuses NUL characters in any string (400), which
PostgreSQL text cannot store, before they reach a lookup or the database."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if _has_nul(data):
            raise ParseError("JSON strings may not contain NUL characters (\\u0000).")
        return data
