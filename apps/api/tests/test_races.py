"""Writes sent at the same moment: of two PATCHes with the same If-Match exactly one is
accepted and the other gets 412, and of two relations a > b and b > a exactly one is stored.
Real concurrency: two threads, each with its own database connection, 50 pairs each."""

import threading

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from rest_framework.test import APIClient

from apps.kernel.models import MemoryType, TypeRelation
from apps.kernel.tests.factory import make_memtype, make_source

PAIRS = 50

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def editor_user():
    user = User.objects.create_user("racer")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="kernel"))
    return user


def at_once(*requests):
    """Run the request functions in threads released together; their responses, in order."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(index, request):
        try:
            barrier.wait()
            results[index] = request()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def client_of(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_of_two_patches_with_the_same_if_match_exactly_one_is_accepted(editor_user):
    make_memtype("folio", summary="v0")
    first, second = client_of(editor_user), client_of(editor_user)
    outcomes = []
    for n in range(PAIRS):
        etag = first.get("/api/v1/types/folio/")["ETag"]
        statuses = [
            r.status_code
            for r in at_once(
                lambda n=n, etag=etag: first.patch(
                    "/api/v1/types/folio/", {"summary": f"a{n}"}, format="json", HTTP_IF_MATCH=etag
                ),
                lambda n=n, etag=etag: second.patch(
                    "/api/v1/types/folio/", {"summary": f"b{n}"}, format="json", HTTP_IF_MATCH=etag
                ),
            )
        ]
        outcomes.append(sorted(statuses))
    assert outcomes == [[200, 412]] * PAIRS
    assert MemoryType.objects.get(slug="folio").summary in {f"{side}{PAIRS - 1}" for side in "ab"}


def test_of_two_relations_that_would_close_a_cycle_exactly_one_is_stored(editor_user):
    source = make_source()
    first, second = client_of(editor_user), client_of(editor_user)
    outcomes = []
    for n in range(PAIRS):
        a, b = make_memtype(f"a_{n}"), make_memtype(f"b_{n}")
        responses = at_once(
            lambda a=a, b=b: first.post(
                "/api/v1/relations/", {"parent": a.slug, "child": b.slug, "source": source.key}, format="json"
            ),
            lambda a=a, b=b: second.post(
                "/api/v1/relations/", {"parent": b.slug, "child": a.slug, "source": source.key}, format="json"
            ),
        )
        outcomes.append(sorted(r.status_code for r in responses))
        refused = next(r for r in responses if r.status_code == 400)
        assert "cycle" in str(refused.json())
    assert outcomes == [[201, 400]] * PAIRS
    assert TypeRelation.objects.count() == PAIRS
    pairs = TypeRelation.objects.values_list("parent_id", "child_id")
    assert not any((child, parent) in set(pairs) for parent, child in pairs)
