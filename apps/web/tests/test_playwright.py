"""The site in a browser: Debian's Chromium, driven by Playwright, clicks, types and tabs through
the pages served with the real kernel data; axe-core checks each main page for accessibility, and
each is checked and photographed at a phone's width (375 px) as well as on a desktop.

The fixtures (live_site, page, axe, screenshot) are in browser_fixtures.py. Screenshots go to
test-artifacts/screenshots/.
"""

import csv
import io
import re

import pytest

from apps.web.tests.browser_fixtures import serious

# Every main page: a name for its screenshots, its address and its status.
MAIN_PAGES = [
    ("home", "/", 200),
    ("types", "/types/", 200),
    ("type-slab", "/types/slab/", 200),
    ("type-slab-releases", "/types/slab/releases/", 200),
    ("releases", "/releases/", 200),
    ("release", "/releases/v6.12/", 200),
    ("layout", "/releases/v6.12/structs/page/", 200),
    ("matrix", "/releases/v6.12/matrix/", 200),
    ("diff", "/diff/?from=v6.12&to=v6.18", 200),
    ("lifecycle", "/lifecycle/", 200),
    ("views", "/views/", 200),
    ("search", "/search/?q=slab_cache", 200),
    ("decode", "/decode/", 200),
    ("not-found", "/types/no-such-type/", 404),
]
PAGE_IDS = [name for name, _, _ in MAIN_PAGES]
PHONE = {"width": 375, "height": 800}

# What a page must offer whatever its content: landmarks, one h1, no skipped heading level,
# a caption on every table and a scope on every header cell, a name on every control and on
# every box that scrolls (which also takes the keyboard focus, so it can be scrolled by keys),
# every diagram in a figure named by its caption, no control left out of the tab order.
STRUCTURE = """() => {
  const problems = [];
  const name = (el) => (el.getAttribute("aria-label") || "").trim() ||
    (el.getAttribute("aria-labelledby") || "").split(" ").map((id) => document.getElementById(id))
      .filter(Boolean).map((l) => l.textContent.trim()).join(" ");
  for (const role of ["header", "nav", "main", "footer"]) {
    if (!document.querySelector(role)) problems.push(`no <${role}>`);
  }
  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")];
  if (headings.filter((h) => h.tagName === "H1").length !== 1) problems.push("not exactly one h1");
  let level = 0;
  for (const h of headings) {
    const next = Number(h.tagName[1]);
    if (next > level + 1) problems.push(`${h.tagName} "${h.textContent.trim()}" after h${level}`);
    level = next;
  }
  for (const table of document.querySelectorAll("table")) {
    if (!table.caption && !name(table)) problems.push(`a table without a caption: ${table.className}`);
    for (const th of table.querySelectorAll("th")) {
      if (!th.getAttribute("scope")) problems.push(`a th without scope: ${th.textContent.trim()}`);
    }
  }
  for (const control of document.querySelectorAll("input, select, textarea")) {
    if (control.type === "hidden") continue;
    if (!control.labels.length && !name(control)) problems.push(`a control without a label: ${control.name}`);
  }
  for (const el of document.querySelectorAll("main *")) {
    const style = getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 && ["auto", "scroll"].includes(style.overflowX)) {
      if (el.tabIndex < 0) problems.push(`a scrolling box out of the tab order: ${el.className}`);
      if (!name(el)) problems.push(`a scrolling box without a name: ${el.className}`);
    }
  }
  for (const svg of document.querySelectorAll("main svg")) {
    const figure = svg.closest("figure");
    if (!figure || !name(figure) || !figure.querySelector("figcaption")) problems.push("a diagram without a caption");
  }
  for (const el of document.querySelectorAll("a[href], button, input, select, textarea, summary")) {
    if (el.tabIndex < 0) problems.push(`a control out of the tab order: ${el.outerHTML.slice(0, 80)}`);
  }
  return problems;
}"""


def visit(page, path, status=200):
    response = page.goto(path)
    assert response.status == status, f"{path}: {response.status}"
    return response


@pytest.mark.parametrize(("name", "path", "status"), MAIN_PAGES, ids=PAGE_IDS)
def test_each_main_page_is_accessible_on_a_desktop(page, axe, screenshot, name, path, status):
    visit(page, path, status)
    assert serious(axe(page)) == []
    assert page.evaluate(STRUCTURE) == []
    screenshot(page, name)


@pytest.mark.parametrize(("name", "path", "status"), MAIN_PAGES, ids=PAGE_IDS)
def test_each_main_page_fits_a_phone_and_scrolls_wide_content_in_its_box(page, screenshot, name, path, status):
    page.set_viewport_size(PHONE)
    visit(page, path, status)
    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{path} scrolls sideways at 375 px: {width[0]} px wide"
    assert page.evaluate(STRUCTURE) == []
    screenshot(page, f"{name}-375px")


def accessible_links(page):
    """The names of the links in Chromium's accessibility tree: what a screen reader offers."""
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    return {
        node["name"]["value"] for node in tree if node.get("role", {}).get("value") == "link" and not node["ignored"]
    }


def test_a_node_of_the_home_page_diagram_leads_to_its_type_page(page):
    visit(page, "/")
    # Each box is a link for a screen reader too, named by its type's name and summary.
    assert any(name.startswith("Slab: ") for name in accessible_links(page))
    page.locator("figure.diagram svg a[*|href='/types/slab/']").click()
    page.wait_for_url("**/types/slab/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Slab")


def test_searching_for_slab_cache_finds_struct_slab_and_follows_it(page):
    visit(page, "/")
    page.get_by_role("searchbox", name="Search types and fields").fill("slab_cache")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=slab_cache")
    hit = page.locator("#fields + ul li", has_text="struct slab").get_by_role("link", name="v6.12", exact=True)
    hit.click()
    page.wait_for_url("**/releases/v6.12/structs/slab/")
    fields = page.get_by_role("table", name=re.compile("Fields of struct slab"))
    assert fields.get_by_role("rowheader", name="slab_cache").count() == 1


def test_the_matrix_downloads_as_csv_with_a_column_per_type(page):
    visit(page, "/releases/v6.12/matrix/")
    shown = page.locator("table.matrix thead th a code").all_inner_texts()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("CSV")).click()
    assert download.value.suggested_filename == "memtypes-v6.12-x86_64-matrix.csv"
    with open(download.value.path(), encoding="utf-8") as f:
        rows = list(csv.reader(io.StringIO(f.read())))
    assert rows[0] == ["page_index", "offset", "size", "field", "path", *shown]
    assert len(rows) - 1 == page.locator("table.matrix tbody tr").count()


def test_tab_reaches_the_search_box_and_the_skip_link_moves_to_the_content(page):
    visit(page, "/types/slab/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0, "the focused skip link is off the screen"
    page.keyboard.press("Enter")
    assert page.url.endswith("#content")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")

    visit(page, "/types/slab/")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "site-search":
            break
    else:
        pytest.fail("12 presses of Tab did not reach the search box")
    page.keyboard.type("folio_test_anon")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=folio_test_anon")


def test_a_focused_control_shows_a_visible_outline(page):
    visit(page, "/types/slab/")
    outlines = []
    for _ in range(10):
        page.keyboard.press("Tab")
        outlines.append(
            page.evaluate(
                "(() => { const s = getComputedStyle(document.activeElement);"
                " return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
            )
        )
    assert all(style != "none" and width >= 2 for _, style, width in outlines), outlines


def test_the_home_page_diagram_links_every_type_to_its_page(page, kernel_bundle):
    visit(page, "/")
    # Edges are <a> elements too, with the relation note as tooltip and no link.
    links = page.locator("figure.diagram svg a[*|href]").evaluate_all(
        "(links) => links.map((a) => a.getAttribute('href') || a.getAttribute('xlink:href'))"
    )
    assert sorted(set(links)) == sorted(f"/types/{slug}/" for slug in kernel_bundle.types)


def test_a_type_page_shows_its_neighbourhood_and_the_fields_it_uses(page):
    visit(page, "/types/slab/?release=v6.12")
    assert page.locator("figure.diagram svg a[*|href='/types/page/']").count() == 1
    fields = page.get_by_role("table", name="Fields slab uses in v6.12")
    assert fields.get_by_role("cell", name="slab_cache", exact=False).count() >= 1
    page.get_by_role("link", name="The fields slab uses in every release, newest first").click()
    page.wait_for_url("**/types/slab/releases/")
    fields = page.get_by_role("table", name="Fields slab uses in v6.12")
    assert fields.get_by_role("cell", name="slab_cache", exact=False).count() >= 1


def test_the_svg_image_url_opens_as_an_svg_document_that_links_the_types(page):
    visit(page, "/diagram.svg")
    assert page.evaluate("document.documentElement.namespaceURI") == "http://www.w3.org/2000/svg"
    assert page.locator("a[*|href='/types/page/']").count() == 1


def test_the_diff_page_shows_the_rename_of_index_in_v6_18(page):
    # The former drift address leads to the diff page.
    visit(page, "/releases/v6.18/drift/?against=v6.12")
    assert page.url.endswith("/diff/?to=v6.18&from=v6.12")
    # v6.18 renamed struct page's index to __folio_index (same offset, C type and size).
    page_changes = page.get_by_role("region", name=re.compile(r"^struct page "))
    assert (
        page_changes.locator("li.renamed", has_text="__folio_index")
        .inner_text()
        .startswith("Renamed: index → __folio_index")
    )
    assert page.get_by_role("combobox", name="From").input_value() == "v6.12"
    assert page.get_by_role("combobox", name="To").input_value() == "v6.18"


def test_at_375_px_the_word_grid_scrolls_inside_its_box_by_keyboard(page):
    page.set_viewport_size(PHONE)
    visit(page, "/releases/v6.12/structs/page/")
    grid = page.get_by_role("region", name="Words of struct page, page[0]")
    width, visible = grid.evaluate("(box) => [box.scrollWidth, box.clientWidth]")
    assert width > visible, "the word grid fits a phone: nothing to scroll"
    # Tab stops on the box (before the links in it), and then the arrow keys scroll it, not the page.
    page.get_by_role("link", name="The same as a fields × types table").focus()
    page.keyboard.press("Tab")
    assert grid.evaluate("(box) => box === document.activeElement")
    page.keyboard.press("ArrowRight")
    # Chromium may scroll smoothly: wait for the box to move.
    page.wait_for_function("(box) => box.scrollLeft > 0", arg=grid.element_handle(), timeout=5000)
    assert page.evaluate("window.scrollX") == 0


def used_words(page):
    """The indexes of the words the type page's grid marks as used, page[0] first."""
    return [int(text) for text in page.locator("table.type-words tr.used th").all_inner_texts()]


def test_switching_release_and_architecture_on_a_type_page_redraws_its_words(page):
    visit(page, "/types/slab/")
    newest = used_words(page)
    assert newest, "the newest x86_64 build shows no word slab uses"
    page.get_by_role("combobox", name="Release").select_option("v6.1")
    page.get_by_role("combobox", name="Architecture").select_option("i386")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"release=v6\.1&arch=i386"))
    assert page.locator("table.type-words caption").first.inner_text().endswith("slab in v6.1 on i386")
    # 4-byte words: the same fields sit at other word numbers than on the 64-bit build.
    older = used_words(page)
    assert older and older != newest


def test_the_diff_pickers_show_compound_head_renamed_compound_info(page):
    visit(page, "/diff/")
    page.get_by_role("combobox", name="From").select_option("v6.18")
    page.get_by_role("combobox", name="To").select_option("v7.2")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"from=v6\.18"))
    page_changes = page.get_by_role("region", name=re.compile(r"^struct page "))
    renamed = page_changes.locator("li.renamed").all_inner_texts()
    assert any(text.startswith("Renamed: compound_head → compound_info") for text in renamed), renamed
