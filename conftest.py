"""Fixtures shared by every app's tests."""

import pytest
from django.conf import settings

from apps.kernel import data


@pytest.fixture(scope="session")
def kernel_bundle():
    """The curated kernel data under data/, read and validated once per test session."""
    return data.read(settings.KERNEL_DATA_DIR)


@pytest.fixture
def kernel_data(db, kernel_bundle):
    """The real kernel data loaded into the test database (rolled back after each test)."""
    data.load(kernel_bundle)
    return kernel_bundle
