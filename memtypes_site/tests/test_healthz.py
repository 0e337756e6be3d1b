"""/healthz tells a load balancer whether the site can reach its database."""

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_it_answers_ok_after_a_database_round_trip(client, django_assert_num_queries):
    # 1. SELECT 1
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_it_answers_503_with_the_reason_when_the_database_does_not_answer(client, monkeypatch):
    def unreachable():
        raise OperationalError('connection to server at "db" (10.0.0.5), port 5432 failed\nIs the server running?')

    monkeypatch.setattr(connection, "cursor", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "reason": 'database unreachable: connection to server at "db" (10.0.0.5), port 5432 failed',
    }


def test_a_probe_over_plain_http_by_address_gets_the_answer_not_a_redirect(client, settings):
    # As with DJANGO_DEBUG=0: HTTPS redirect on and only the public name allowed. An orchestrator
    # probes the container by its address over plain HTTP.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["memtypes.example.org"]
    probe = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert probe.status_code == 200
    assert probe.json() == {"status": "ok"}
    assert client.get("/types/", HTTP_HOST="memtypes.example.org").status_code == 301
    assert client.get("/types/", HTTP_HOST="10.0.0.7:8000").status_code == 400


def test_a_probe_over_plain_http_gets_503_when_the_database_does_not_answer(client, settings, monkeypatch):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["memtypes.example.org"]

    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 503
