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
