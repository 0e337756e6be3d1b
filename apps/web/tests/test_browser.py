"""The pages as a browser sees them: headless Chromium against a live server with the real data.

Skipped only where Chromium is not installed; CI installs it (Debian package chromium).
"""

import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from apps.kernel import data

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium(tmp_path, *args):
    profile = tmp_path / "profile"
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


class Links(HTMLParser):
    """Collects the href of every <a> inside the page's inline SVG diagram."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.svg_links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg":
            self.depth += 1
        elif tag == "a" and self.depth:
            href = attrs.get("href") or attrs.get("xlink:href")
            if href:  # edges are <a> with a tooltip (the relation note) and no link
                self.svg_links.append(href)

    def handle_endtag(self, tag):
        if tag == "svg":
            self.depth -= 1


@pytest.fixture
def site(transactional_db, live_server, kernel_bundle):
    data.load(kernel_bundle)
    return live_server


def test_the_home_page_diagram_links_every_type_to_its_page(site, tmp_path, kernel_bundle):
    dom = chromium(tmp_path, "--dump-dom", f"{site.url}/")
    parser = Links()
    parser.feed(dom)
    assert sorted(set(parser.svg_links)) == sorted(f"/types/{slug}/" for slug in kernel_bundle.types)


def test_a_type_page_renders_with_its_diagram_and_fields_in_chromium(site, tmp_path):
    shot = tmp_path / "slab.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", f"{site.url}/types/slab/")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dom = chromium(tmp_path, "--dump-dom", f"{site.url}/types/slab/")
    assert "slab_cache" in dom
    parser = Links()
    parser.feed(dom)
    assert "/types/page/" in parser.svg_links


def test_the_svg_image_url_is_a_valid_svg_for_the_browser(site, tmp_path):
    dom = chromium(tmp_path, "--dump-dom", f"{site.url}/diagram.svg")
    # Chromium shows an SVG document as its XML; it must parse and link the root type.
    root = ET.fromstring(dom[dom.index("<svg") :] if "<svg" in dom else dom)
    hrefs = {
        el.get("{http://www.w3.org/1999/xlink}href") or el.get("href") for el in root.iter() if el.tag.endswith("a")
    }
    assert "/types/page/" in hrefs


def test_the_drift_page_shows_the_real_renames_in_chromium(site, tmp_path, kernel_bundle):
    if not {"v6.12", "v6.18"} <= set(kernel_bundle.releases):
        pytest.skip("the data has no v6.12 and v6.18 builds")
    dom = chromium(tmp_path, "--dump-dom", f"{site.url}/releases/v6.18/drift/?against=v6.12")
    # v6.18 renamed struct page's index to __folio_index (same offset, C type and size).
    assert "Renamed: <code>index</code> → <code>__folio_index</code>" in dom
    assert '<option value="v6.12" selected="">v6.12</option>' in dom
