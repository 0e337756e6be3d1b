"""The /decode/ page in Chromium: paste a dump, press Decode, read the answer; an example link
decodes in one click; the page has no serious accessibility violation."""

from pathlib import Path
from urllib.parse import urlencode

import yaml

from apps.web.tests.browser_fixtures import serious
from apps.web.tests.test_playwright import PHONE, STRUCTURE

DUMPS = Path(__file__).parent / "dumps"
LABELS = {entry["file"]: entry["expected"] for entry in yaml.safe_load((DUMPS / "index.yaml").read_text())["dumps"]}
BUDDY = next(DUMPS.glob("06-*.txt"))


def test_a_pasted_dump_is_decoded_and_the_address_carries_it(page, axe):
    page.goto("/decode/")
    page.fill("textarea[name=text]", BUDDY.read_text())
    page.get_by_role("button", name="Decode").click()
    page.wait_for_selector("#result")
    assert serious(axe(page)) == []
    assert page.evaluate(STRUCTURE) == []
    assert "text=" in page.url
    assert page.locator("table.decoded-words tbody tr").count() == 8
    assert "Release v6.9 is not loaded" in page.locator(".warning").text_content()
    assert page.locator("#result code").text_content() == LABELS[BUDDY.name]["type"]


def test_bad_input_shows_the_message_beside_the_box(page):
    response = page.goto("/decode/?text=nothing+to+decode")
    assert response.status == 400
    box = page.locator("textarea[name=text]")
    assert box.get_attribute("aria-invalid") == "true"
    assert page.locator("#text-errors").is_visible()
    assert "text-errors" in box.get_attribute("aria-describedby")


def test_an_example_link_decodes_in_one_click(page):
    page.goto("/decode/")
    page.get_by_role("link", name="A free buddy page, 6.9 (inverted page_type bits)").click()
    page.wait_for_selector("#result")
    assert page.locator("textarea[name=text]").input_value().startswith("BUG: Bad page state")


def test_the_decoded_page_fits_a_phone_and_scrolls_the_word_grid_in_its_box(page, axe):
    page.set_viewport_size(PHONE)
    page.goto("/decode/?" + urlencode({"text": BUDDY.read_text()}))
    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"/decode/ scrolls sideways at 375 px: {width[0]} px wide"
    assert page.evaluate(STRUCTURE) == []
    assert serious(axe(page)) == []
