"""Clients of the API: anonymous, signed in without permissions, and an editor who holds the
kernel models' add/change/delete permissions (as the admin's editors do)."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
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


@pytest.fixture
def editor_token(editor_user):
    """The editor's API token, for requests sent through the real WSGI application."""
    return Token.objects.create(user=editor_user).key


@pytest.fixture
def keep_the_test_connection():
    """Requests sent through the real WSGI handler, whose request signals close the database
    connection; that would end the test's transaction (on PostgreSQL), so, like Django's own
    test client, leave the connection open for the test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
