"""Clients of the API: anonymous, signed in without permissions, and an editor who holds the
kernel models' add/change/delete permissions (as the admin's editors do)."""

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def reader(db):
    user = User.objects.create_user("reader", password="pw-reader-1")
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def editor_user(db):
    user = User.objects.create_user("editor", password="pw-editor-1")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="kernel"))
    return user


@pytest.fixture
def editor(editor_user):
    api = APIClient()
    api.force_authenticate(editor_user)
    return api
