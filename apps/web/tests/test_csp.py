"""Every page keeps to the Content-Security-Policy that DJANGO_DEBUG=0 enforces: the site's pages,
the browsable API, the API docs (Swagger UI) and the admin, signed in.

Headless Chromium (Debian's, driven by Playwright) loads each page under the enforced policy and
listens for the securitypolicyviolation events and console errors the browser raises when the
policy blocks a script, a style, an image or a connection. Skipped only where Chromium is not
installed; CI installs it (Debian package chromium).
"""

import shutil
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from playwright.sync_api import sync_playwright

from apps.decoder.examples import EXAMPLES
from apps.kernel import data
from apps.kernel.models import MemoryType

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
]
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Runs in every page before its own scripts (outside the policy) and keeps what the browser reports.
LISTEN = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
                            `at ${event.sourceFile || ""}:${event.lineNumber}`);
});
"""
PASSWORD = "a-long-test-password-9f2c"


@pytest.fixture
def site(transactional_db, live_server, kernel_bundle, settings):
    # As with DJANGO_DEBUG=0: the policy is enforced, not only reported.
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": django_settings.CSP_DIRECTIVES}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = None
    data.load(kernel_bundle)
    get_user_model().objects.create_superuser("editor", "editor@example.org", PASSWORD)
    # The database is read before the browser starts: Django refuses queries while Playwright's
    # event loop runs in this thread.
    live_server.slab_pk = MemoryType.objects.get(slug="slab").pk
    return live_server


class Browser:
    """One Chromium page that records CSP violations, the console's CSP messages and script errors
    while it visits."""

    def __init__(self, page, site):
        self.page = page
        self.site = site
        self.base = site.url
        self.errors = []
        page.on(
            "console", lambda message: "Content Security Policy" in message.text and self.errors.append(message.text)
        )
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.add_init_script(LISTEN)

    def visit(self, path, ready="body"):
        """Loads path, waits for the element ready and the network to settle; returns the
        violations and errors the page raised."""
        response = self.page.goto(self.base + path, wait_until="networkidle")
        assert response.status == 200, f"{path}: {response.status}"
        assert "script-src 'self'" in response.headers["content-security-policy"]
        self.page.wait_for_selector(ready)
        violations = self.page.evaluate("window.cspViolations")
        errors, self.errors = self.errors, []
        return violations + errors


@pytest.fixture
def browser(site):
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield Browser(chromium.new_page(), site)
        finally:
            chromium.close()


def test_the_site_pages_keep_to_the_policy(browser):
    for path, ready in [
        ("/", "svg a"),
        ("/types/", "main"),
        ("/types/slab/", "svg a"),
        ("/lifecycle/", "svg a"),
        ("/releases/", "main"),
        ("/releases/v6.12/", "main"),
        ("/releases/v6.12/structs/page/", "main"),
        ("/diff/?from=v6.12&to=v6.18", "main"),
        ("/releases/v6.12/matrix/", "main"),
        ("/diff/?from=v6.1&to=v6.12", "main"),
        ("/search/?q=lru", "main"),
        ("/decode/", "main"),
        ("/decode/?" + urlencode({"text": EXAMPLES[0].text, "release": EXAMPLES[0].release}), "#result"),
    ]:
        assert browser.visit(path, ready) == [], path
    # The stylesheet applied: memtypes.css moves the skip link off the screen until it is focused.
    assert browser.page.locator(".skip-link").bounding_box()["x"] < 0


def test_the_browsable_api_keeps_to_the_policy(browser):
    assert browser.visit("/api/v1/", "pre") == []
    assert browser.visit("/api/v1/types/?search=slab", "pre") == []


def test_the_api_docs_render_under_the_policy(browser):
    # Swagger UI draws the operations from the schema only if its scripts ran.
    assert browser.visit("/api/v1/docs/", ".swagger-ui .opblock") == []


def test_the_admin_keeps_to_the_policy_signed_in(browser):
    assert browser.visit("/admin/login/", "#id_username") == []
    browser.page.fill("#id_username", "editor")
    browser.page.fill("#id_password", PASSWORD)
    browser.page.click("input[type=submit]")
    browser.page.wait_for_url(f"{browser.base}/admin/")
    slab = browser.site.slab_pk
    for path in [
        "/admin/",
        "/admin/kernel/memorytype/",
        f"/admin/kernel/memorytype/{slab}/change/",
        f"/admin/kernel/memorytype/{slab}/history/",
        "/admin/kernel/fieldusage/add/",
    ]:
        assert browser.visit(path, "#content") == [], path
