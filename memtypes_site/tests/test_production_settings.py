"""With DJANGO_DEBUG=0 the site refuses to start without what production needs."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

REAL_KEY = "q8Zr2mV0xK7pT4wN1bL6yH3sD9fJ5cG0aE2uR7iO4nM8vB1kX6"


def start_django(**env):
    """Run django.setup() in a fresh interpreter with only these settings in the environment."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update({"DJANGO_SETTINGS_MODULE": "memtypes_site.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(None, id="unset"),
        pytest.param("memtypes-development-only-secret-key-not-for-production", id="the-development-key"),
        pytest.param("short", id="too-short"),
        pytest.param("a" * 60, id="too-few-distinct-characters"),
    ],
)
def test_it_refuses_to_start_without_a_real_secret_key(key):
    env = {"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "memtypes.example.org"}
    if key is not None:
        env["DJANGO_SECRET_KEY"] = key
    result = start_django(**env)
    assert result.returncode != 0
    assert "DJANGO_DEBUG=0 needs DJANGO_SECRET_KEY: 50 or more random characters." in result.stderr


def test_it_refuses_to_start_without_allowed_hosts():
    result = start_django(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=REAL_KEY)
    assert result.returncode != 0
    assert "DJANGO_DEBUG=0 needs DJANGO_ALLOWED_HOSTS (comma-separated host names)." in result.stderr


def test_it_starts_with_a_real_key_and_allowed_hosts():
    result = start_django(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=REAL_KEY, DJANGO_ALLOWED_HOSTS="memtypes.example.org")
    assert result.returncode == 0, result.stderr


def test_a_debug_value_it_cannot_read_stops_the_start():
    result = start_django(DJANGO_DEBUG="yes")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='yes' is not a boolean" in result.stderr


def test_a_fresh_clone_starts_with_no_configuration():
    result = start_django()
    assert result.returncode == 0, result.stderr
