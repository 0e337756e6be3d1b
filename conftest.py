"""Fixtures shared by every app's tests."""

import pytest
from django.conf import settings
from django.db import transaction

from apps.kernel import data

# Playwright and a live server with the real kernel data for the browser tests.
pytest_plugins = ["apps.web.tests.browser_fixtures"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """A test that reads the kernel data uses the database even when it names no `db` fixture
    (the module-wide `kernel_data_once`): mark it, before pytest-django's own hook reads the
    marks, so that pytest-django sets up the test database and never leaves the connection on
    the developer's own. pytest-django sets up only the databases some selected test asks for,
    so a module run alone (pytest apps/decoder/tests/test_rules.py) read db.sqlite3."""
    for item in items:
        if "kernel_bundle" in getattr(item, "fixturenames", ()) and item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="session")
def kernel_bundle(django_db_setup, django_db_blocker):
    """The curated kernel data under data/, read and validated once per test session."""
    # Validating an entry runs the models' check constraints, which Django evaluates with a
    # query (SELECT 1 WHERE ...) on the test database: no table is read.
    with django_db_blocker.unblock():
        return data.read(settings.KERNEL_DATA_DIR)


@pytest.fixture
def kernel_data(db, kernel_bundle):
    """The real kernel data loaded into the test database (rolled back after each test)."""
    data.load(kernel_bundle)
    return kernel_bundle


@pytest.fixture(scope="module")
def kernel_data_once(django_db_setup, django_db_blocker, kernel_bundle):
    """The real kernel data loaded once for a module whose tests only read it: each test runs in
    a savepoint inside this transaction, which is rolled back after the module. A module uses it
    by defining `kernel_data` as `kernel_data_once` (see test_audit_facts.py)."""
    with django_db_blocker.unblock(), transaction.atomic():
        data.load(kernel_bundle)
        yield kernel_bundle
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (no counters of failed tokens left by another) and
    reads the kernel catalogue from the database (apps.kernel.catalogue)."""
    from django.core.cache import cache

    from apps.kernel import catalogue

    cache.clear()
    catalogue.forget()


@pytest.fixture(autouse=True)
def _pinned_queries_are_the_page_s_own(request):
    """A test that pins a page's queries measures the page itself, so the answer cache
    (memtypes_site/cache.py: one query for the data version, pinned in its own tests) is off
    there; every other test runs with it, as production does."""
    if "django_assert_num_queries" in request.fixturenames:
        request.getfixturevalue("settings").MEMTYPES_CACHE = False


@pytest.fixture(autouse=True)
def _health_probe_disconnected():
    """/healthz's probe keeps a connection of its own between probes (memtypes_site/health.py):
    closed after each test, so that the test database can be dropped at the end."""
    yield
    from memtypes_site import health

    health.close()
