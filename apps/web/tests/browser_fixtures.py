"""Fixtures for the browser tests: Debian's Chromium, driven by Playwright, against a live server
that serves the real kernel data.

Registered for every test by the top-level conftest.py (`pytest_plugins`). A test module uses:

- `live_site`: the live server (its `url`), with the data under data/ loaded once for the module;
- `page`: a Playwright page (1280x800) in a fresh browser context whose relative URLs go to
  `live_site` (`page.goto("/types/slab/")`);
- `axe(page)`: the axe-core violations of the page as loaded, as a list of dicts
  (id, impact, help, nodes); `serious(violations)` keeps the serious and critical ones;
- `screenshot(page, name)`: saves the whole page to test-artifacts/screenshots/NAME.png.

Loading the kernel data takes longer than any browser test, and a flush after each test (as
pytest-django's transactional `live_server` does) would throw it away, so the data is written
and committed once per module and flushed when the module ends. Every test that uses `live_site`
is marked `django_db` and `browser` here: the mark makes pytest-django set up the test database
even when no other selected test needs it (the data must never land in the development
database), and each test's own database work is rolled back as usual. A test must therefore not
write what the live server should see, and must not ask for `transactional_db` or `live_server`,
whose flush would empty the module's data. The pages it visits must not write either: on SQLite
a request that writes (signing in) waits on the test's open transaction and fails with "database
is locked"; test_csp.py, which signs in to the admin, uses pytest-django's `live_server` instead.

The browser is started once per module, after the data is in. Tests are skipped, with the
reason, only where /usr/bin/chromium is absent.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections

from apps.kernel import data

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
SERIOUS = {"serious", "critical"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    # Before pytest-django's own hook, which orders the tests by the database access they ask for.
    for item in items:
        if "live_site" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            if item.get_closest_marker("django_db") is None:
                item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="module")
def live_site(django_db_setup, django_db_blocker, kernel_bundle):
    """A live server over the test database with the real kernel data, committed for this module
    and flushed after it."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        data.load(kernel_bundle)
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            # As TransactionTestCase leaves the database: empty, content types and permissions
            # made again by post_migrate.
            for alias in connections:
                call_command("flush", verbosity=0, interactive=False, database=alias)


@pytest.fixture(scope="module")
def browser(live_site):
    """Debian's headless Chromium, started by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop marked as running in this thread, and Django
    # then refuses every query from it (the atomic block around each test among them). Nothing
    # here shares a connection with that loop: the queries are synchronous, as in any test.
    # Django keeps connections per context, and this one is Playwright's: the connections the
    # tests opened in it are closed before it ends, or PostgreSQL could not drop the test database.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()


@pytest.fixture
def page(browser, live_site):
    """A page in its own browser context (no cookies or storage shared between tests), 1280x800,
    with relative URLs resolved against the live server. Downloads are accepted."""
    context = browser.new_context(base_url=live_site.url, viewport=VIEWPORT, accept_downloads=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def run_axe(page):
    """Runs axe-core on the page as it is now and returns its violations. The script comes from
    the axe-playwright-python package (axe.min.js, MPL-2.0), injected by the test through the
    DevTools protocol: the site never serves it, and its Content-Security-Policy does not apply."""
    from axe_playwright_python.base import AXE_SCRIPT

    page.evaluate(AXE_SCRIPT)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return results["violations"]


def serious(violations):
    """The serious and critical violations, one readable line each (rule, help, first elements)."""
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at " + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in violations
        if v["impact"] in SERIOUS
    ]


@pytest.fixture
def axe():
    """axe(page) -> the page's axe-core violations (see run_axe)."""
    return run_axe


def save_screenshot(page, name):
    """Writes the whole page to test-artifacts/screenshots/NAME.png and returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot():
    """screenshot(page, name) -> path of test-artifacts/screenshots/NAME.png (see save_screenshot)."""
    return save_screenshot
