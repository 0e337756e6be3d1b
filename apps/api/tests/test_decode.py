"""POST /api/v1/decode/: a dump_page() text or raw words in, the decoded page out; every bad
input a 400 naming its field, never a 500."""

import json
from pathlib import Path

import pytest

from apps.decoder.decode import MAX_INPUT_BYTES

DUMPS = Path(__file__).resolve().parents[2] / "decoder" / "tests" / "dumps"
BUDDY_6_9 = next(DUMPS.glob("06-*.txt")).read_text()
KEYS = {"type", "tail", "head_type", "compound", "order", "release", "arch", "rules", "words", "flags", "warnings",
        "candidates"}  # fmt: skip
# The raw: rows of the 6.15 slab page (dumps/01-...).
SLAB_WORDS = ["04fff00000000000", "ffff88801a041280", "ffffea0000d6e3c0", "dead000000000008",
              "0000000000000000", "0000000080200020", "00000000f5000000", "0000000000000000"]  # fmt: skip


@pytest.fixture
def kernel_data(kernel_data_once, db):
    return kernel_data_once


def post(client, body, **extra):
    return client.post("/api/v1/decode/", json.dumps(body), content_type="application/json", **extra)


def test_it_decodes_a_pasted_dump_with_exactly_the_documented_keys(client, kernel_data):
    response = post(client, {"text": BUDDY_6_9})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == KEYS
    assert body["release"]["name"] == "v6.12" and body["release"]["rules_at"] == "v6.9"
    assert body["release"]["exact"] is False and body["arch"] == "x86_64"
    assert body["type"]["url"].endswith(f"/api/v1/types/{body['type']['slug']}/")
    assert [w["value"] for w in body["words"] if w["row"] == "raw"][6] == "00000000ffffff7f"
    assert body["flags"] == {"value": "0x6fffe0000000000", "names": [], "node": 1, "zone": 2}
    assert "Release v6.9 is not loaded for x86_64; rules at v6.9 and the v6.12 layout are used." in body["warnings"]


def test_it_decodes_raw_words_at_the_release_and_arch_given(client, kernel_data):
    response = post(client, {"words": SLAB_WORDS, "release": "v6.12", "arch": "x86_64"})
    assert response.status_code == 200
    body = response.json()
    assert (body["release"]["name"], body["release"]["exact"], body["release"]["kernel_version"]) == (
        "v6.12",
        True,
        "6.12.117",
    )
    word6 = next(w for w in body["words"] if w["index"] == 6)
    assert word6["offset"] == 48 and "page_type" in word6["fields"]
    assert body["warnings"] == []


def test_anyone_may_post_without_a_csrf_token(kernel_data):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    assert post(client, {"words": SLAB_WORDS, "release": "v6.12", "arch": "x86_64"}).status_code == 200


def test_it_answers_only_post(client, kernel_data):
    assert client.get("/api/v1/decode/").status_code == 405


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"text": "hello, this is no dump"}, "text", ""),
        ({}, "text", "Send the text of a dump_page(), or words."),
        ({"text": BUDDY_6_9, "words": SLAB_WORDS}, "text", "Send either text or words, not both."),
        ({"words": ["0x1", "xyz"], "release": "v6.12", "arch": "x86_64"}, "words", "Word 1 ('xyz') is not a hex"),
        ({"words": SLAB_WORDS, "arch": "x86_64"}, "release", "Raw words need their release and architecture."),
        ({"words": SLAB_WORDS, "release": "v6.12"}, "arch", "Raw words need their release and architecture."),
        ({"words": SLAB_WORDS, "release": "sixty", "arch": "x86_64"}, "release", "is not a release name"),
        ({"words": SLAB_WORDS, "release": "v99.1", "arch": "x86_64"}, "release", "memtypes knows releases up to"),
        ({"words": SLAB_WORDS, "release": "v6.12", "arch": "sparc"}, "arch", '"sparc" is not a valid choice.'),
        ({"text": BUDDY_6_9, "arch": "i386"}, "arch", "The words are 64-bit; i386 has 32-bit words."),
        ({"text": "page: " + "x" * MAX_INPUT_BYTES}, "text", "no more than 65536 characters"),
        ({"text": "page: " + "é" * (MAX_INPUT_BYTES // 2)}, "text", "longer than 64 KiB"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, kernel_data, body, field, message):
    response = post(client, body)
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert message in errors[field][0]


def test_a_body_too_long_to_hold_a_text_within_the_cap_is_refused_before_it_is_parsed(client, kernel_data):
    body = '{"text": "' + "a" * (3 * MAX_INPUT_BYTES) + "}"  # not even valid JSON: never parsed
    response = client.post("/api/v1/decode/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"text": ["The input is longer than 64 KiB."]}


def test_it_runs_a_fixed_number_of_queries(client, kernel_data, django_assert_num_queries):
    # 1 the builds, 2-6 the rule set (build, rules, enum spans, enum values, the page type),
    # 7 the struct page and folio fields, 8 the build's usages.
    for body in ({"text": BUDDY_6_9, "release": "v6.12"}, {"words": SLAB_WORDS, "release": "v7.2", "arch": "x86_64"}):
        with django_assert_num_queries(8):
            assert post(client, body).status_code == 200
