"""With DJANGO_DEBUG=0 the site refuses to start without what production needs, and sends the
security headers and cookie flags a deployment needs."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

REAL_KEY = "q8Zr2mV0xK7pT4wN1bL6yH3sD9fJ5cG0aE2uR7iO4nM8vB1kX6"


def start_django(code="", **env):
    """Run django.setup(), then code, in a fresh interpreter with only these settings in the environment."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update({"DJANGO_SETTINGS_MODULE": "memtypes_site.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("short", id="too-short"),
        pytest.param("a" * 60, id="too-few-distinct-characters"),
    ],
)
def test_it_refuses_to_start_with_a_weak_secret_key(key):
    env = {"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "memtypes.example.org", "DJANGO_SECRET_KEY": key}
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


def test_check_deploy_reports_nothing():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": REAL_KEY,
            "DJANGO_ALLOWED_HOSTS": "memtypes.example.org",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


# A page (the 404 page: no database needed) fetched over HTTPS from the allowed host.
PRINT_HEADERS = """
from django.test import Client
response = Client().get("/no-such-page/", HTTP_HOST="memtypes.example.org", secure=True)
response.cookies.clear()
for name, value in response.headers.items():
    print(f"{name}: {value}")
"""


def test_without_debug_pages_carry_the_security_headers():
    result = start_django(
        PRINT_HEADERS, DJANGO_DEBUG="0", DJANGO_SECRET_KEY=REAL_KEY, DJANGO_ALLOWED_HOSTS="memtypes.example.org"
    )
    assert result.returncode == 0, result.stderr
    headers = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy + ";"
    assert "default-src 'self'" in policy
    assert "Content-Security-Policy-Report-Only" not in headers


def test_hsts_is_configurable():
    result = start_django(
        PRINT_HEADERS,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=REAL_KEY,
        DJANGO_ALLOWED_HOSTS="memtypes.example.org",
        DJANGO_HSTS_SECONDS="3600",
        DJANGO_HSTS_INCLUDE_SUBDOMAINS="0",
        DJANGO_HSTS_PRELOAD="0",
    )
    assert result.returncode == 0, result.stderr
    assert "Strict-Transport-Security: max-age=3600\n" in result.stdout


def test_without_debug_plain_http_is_redirected_to_https():
    result = start_django(
        'from django.test import Client\nr = Client().get("/types/", HTTP_HOST="memtypes.example.org")\n'
        'print(r.status_code, r["Location"])',
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=REAL_KEY,
        DJANGO_ALLOWED_HOSTS="memtypes.example.org",
    )
    assert result.stdout.strip() == "301 https://memtypes.example.org/types/", result.stderr


def test_session_and_csrf_cookies_are_secure_and_http_only_without_debug():
    result = start_django(
        "from django.conf import settings as s\n"
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY)",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=REAL_KEY,
        DJANGO_ALLOWED_HOSTS="memtypes.example.org",
    )
    assert result.stdout.split() == ["True"] * 4, result.stderr


def test_a_server_error_is_logged_with_its_traceback_on_stdout():
    result = start_django(
        "from apps.web import views\n"
        "def broken(request):\n"
        "    raise ZeroDivisionError('the page broke')\n"
        "views.home = broken\n"
        "from django.test import Client\n"
        "client = Client(raise_request_exception=False)\n"
        'print("status", client.get("/", HTTP_HOST="memtypes.example.org", secure=True).status_code)',
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=REAL_KEY,
        DJANGO_ALLOWED_HOSTS="memtypes.example.org",
    )
    assert "status 500" in result.stdout, result.stderr
    assert "Internal Server Error: /" in result.stdout
    assert "Traceback (most recent call last)" in result.stdout
    assert "ZeroDivisionError: the page broke" in result.stdout
    assert REAL_KEY not in result.stdout
