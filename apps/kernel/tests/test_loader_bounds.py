"""The loader refuses hostile files with a one-line message instead of exhausting memory or
printing a traceback: YAML aliases, oversized files, bytes that are not UTF-8, huge values."""

import pytest

from apps.kernel import data
from apps.kernel.tests.tiny_data import FILES, write_tiny_data

pytestmark = pytest.mark.django_db

ALIAS_BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def refusal(tmp_path, **changes):
    with pytest.raises(data.DataError) as refused:
        data.read(write_tiny_data(tmp_path, **changes))
    message = str(refused.value)
    assert "\n" not in message
    assert len(message) <= data.MAX_MESSAGE_CHARS
    return message


def test_a_yaml_alias_is_refused_before_it_expands(tmp_path):
    message = refusal(tmp_path, **{"types/page.yaml": ALIAS_BOMB})
    assert message.startswith("types/page.yaml: line 2 is not valid YAML: aliases (*a) are not allowed")


def test_a_file_larger_than_the_limit_is_refused_unread(tmp_path):
    big = FILES["types/page.yaml"] + "# " + "x" * data.MAX_YAML_BYTES + "\n"
    message = refusal(tmp_path, **{"types/page.yaml": big})
    assert message.startswith("types/page.yaml: ") and "bytes is more than the 2,097,152" in message


def test_a_file_that_is_not_utf8_is_one_line_naming_the_line(tmp_path):
    path = write_tiny_data(tmp_path) / "types/page.yaml"
    path.write_bytes(FILES["types/page.yaml"].encode() + b"# caf\xe9\n")
    with pytest.raises(data.DataError, match=r"^types/page\.yaml: line \d+: not UTF-8 \(byte 0xe9\)$"):
        data.read(tmp_path)


def test_a_huge_value_in_a_message_is_cut(tmp_path):
    huge = FILES["types/page.yaml"].replace("status: mainline", "status: [" + ", ".join(["x" * 50] * 20_000) + "]")
    message = refusal(tmp_path, **{"types/page.yaml": huge})
    assert message.endswith("…")
