"""DJANGO_ADMIN_PATH moves the admin; the site's Edit link follows it."""

from memtypes_site.tests.test_production_settings import start_django

ADMIN_URLS = """
from django.test import Client
from django.urls import reverse
answers = [reverse("admin:index"), Client().get("/admin/").status_code, Client().get("/backstage/login/").status_code]
print(*answers)  # the last line: Django logs the 404 on stdout before it
"""


def test_the_admin_answers_at_the_configured_path_only():
    result = start_django(ADMIN_URLS, DJANGO_ADMIN_PATH="backstage")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "/backstage/ 404 200"


def test_the_admin_is_at_admin_by_default():
    result = start_django("from django.urls import reverse\nprint(reverse('admin:index'))")
    assert result.stdout.strip() == "/admin/", result.stderr
