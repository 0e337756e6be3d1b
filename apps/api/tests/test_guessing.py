"""Guessing is limited: an address that failed 5 admin logins is locked out (django-axes), and
one that sent 10 wrong API tokens gets 429 even with the right token until the window ends."""

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_five_wrong_admin_passwords_lock_the_address_out_even_for_the_right_one(client):
    User.objects.create_superuser("admin", "admin@example.org", "the right long password")
    for n in range(4):
        response = client.post("/admin/login/", {"username": "admin", "password": f"guess {n}"})
        assert response.status_code == 200  # the form again, with its error
    assert client.post("/admin/login/", {"username": "admin", "password": "guess 5"}).status_code == 429
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "the right long password"})
    assert response.status_code == 429
    assert not client.get("/admin/").wsgi_request.user.is_authenticated


def test_the_right_admin_password_still_works_after_a_few_mistakes(client):
    User.objects.create_superuser("admin", "admin@example.org", "the right long password")
    for n in range(3):
        client.post("/admin/login/", {"username": "admin", "password": f"guess {n}"})
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "the right long password"})
    assert response.status_code == 302


def test_ten_wrong_tokens_make_the_address_wait_even_with_the_right_token():
    right = Token.objects.create(user=User.objects.create_user("editor")).key
    api = APIClient()
    for n in range(10):
        response = api.get("/api/v1/types/", HTTP_AUTHORIZATION=f"Token guess{n:036d}")
        assert response.status_code in (401, 403)
    response = api.get("/api/v1/types/", HTTP_AUTHORIZATION=f"Token {right}")
    assert response.status_code == 429
    assert "Too many wrong tokens" in response.json()["detail"]
    # Anonymous reads are not affected.
    assert api.get("/api/v1/types/").status_code == 200


def test_a_few_wrong_tokens_do_not_lock_the_right_one_out():
    right = Token.objects.create(user=User.objects.create_user("editor")).key
    api = APIClient()
    for n in range(3):
        api.get("/api/v1/types/", HTTP_AUTHORIZATION=f"Token guess{n:036d}")
    assert api.get("/api/v1/types/", HTTP_AUTHORIZATION=f"Token {right}").status_code == 200
