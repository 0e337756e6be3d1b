"""The /decode/ page: a paste box with examples; with text in the URL (or POSTed), the decoded
page with its type and release linked, the rules, the word grid, the flags and the warnings;
bad input answered beside the box with a 400."""

from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils.html import escape

from apps.decoder.examples import EXAMPLES

DUMPS = Path(__file__).parent / "dumps"
BUDDY_6_9 = next(DUMPS.glob("06-*.txt")).read_text()


@pytest.fixture
def kernel_data(kernel_data_once, db):
    return kernel_data_once


def test_the_empty_page_offers_the_box_the_selects_and_the_examples(client, kernel_data):
    response = client.get("/decode/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<textarea name="text"' in html
    assert '<option value="v6.12">v6.12</option>' in html and '<option value="i386">' in html
    assert all(example.title in html for example in EXAMPLES)
    assert 'href="/decode/"' in client.get("/").content.decode()  # the nav links to it


def test_an_example_link_fills_the_form_and_decodes_it(client, kernel_data):
    html = client.get("/decode/").content.decode()
    example = EXAMPLES[1]
    link = "?" + urlencode({"text": example.text})
    assert link.replace("&", "&amp;") in html
    response = client.get("/decode/" + link)
    assert response.status_code == 200
    assert response.context["form"]["text"].value() == example.text


def test_a_shared_url_shows_the_decoded_page(client, kernel_data):
    response = client.get("/decode/", {"text": BUDDY_6_9})
    html = response.content.decode()
    decoding = response.context["decoding"]
    assert response.status_code == 200
    assert f'This page is <a href="/types/{decoding.type.slug}/"><code>{decoding.type.slug}</code></a>' in html
    assert 'layout of <a href="/releases/v6.12/">v6.12</a> on x86_64 (6.12.117)' in html
    assert "Release v6.9 is not loaded for x86_64; rules at v6.9 and the v6.12 layout are used." in html
    assert "<code>00000000ffffff7f</code>" in html
    assert "node 1; zone 2" in html
    assert decoding.type.slug == "buddy"
    for result in decoding.matched:
        assert escape(result.rule.test) in html and escape(result.rule.source.citation) in html
    assert f"{len(decoding.excluded)} rules that rule a type out" in html


def test_long_input_may_be_posted_without_a_csrf_token(kernel_data):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/decode/", {"text": BUDDY_6_9, "release": "v6.12", "arch": "x86_64"})
    assert response.status_code == 200
    assert response.context["decoding"].release.name == "v6.12"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"text": "no dump here"}, "text", ""),
        ({"text": ""}, "text", "This field is required."),
        ({"text": "x" * (64 * 1024 + 1)}, "text", "longer than 64 KiB"),
        ({"text": BUDDY_6_9, "release": "v99.1"}, "release", "memtypes knows releases up to"),
        ({"text": BUDDY_6_9, "arch": "sparc"}, "arch", "Select a valid choice."),
    ],
)
def test_bad_input_is_a_400_with_the_message_beside_the_field(client, kernel_data, query, field, message):
    response = client.get("/decode/", query)
    html = response.content.decode()
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field] and message in errors[field][0]
    assert f'aria-describedby="{field}-errors"' in html or f'aria-describedby="text-help {field}-errors"' in html
    assert f'<span id="{field}-errors" class="errors" role="alert">' in html
    assert response.context["decoding"] is None


def test_the_page_runs_a_fixed_number_of_queries(client, kernel_data, django_assert_num_queries):
    # 1 the releases for the select.
    with django_assert_num_queries(1):
        assert client.get("/decode/").status_code == 200
    # 1 the releases, then the decoder: 2 the builds, 3-7 the rule set, 8 the struct page and
    # folio fields, 9 the build's usages.
    with django_assert_num_queries(9):
        response = client.get("/decode/", {"text": BUDDY_6_9, "release": "v6.12"})
        assert response.status_code == 200
