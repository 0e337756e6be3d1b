"""The hierarchy's edges: listing, creating and deleting relations, refusing cycles."""

import pytest
from reversion.models import Version

from apps.kernel.models import TypeRelation
from apps.kernel.tests.factory import make_memtype, make_relation, make_source


@pytest.fixture
def chain(db):
    """folio > lru_mem > anon_mem"""
    folio, lru, anon = make_memtype("folio"), make_memtype("lru_mem"), make_memtype("anon_mem")
    make_relation(folio, lru)
    make_relation(lru, anon)
    return folio, lru, anon


def test_relations_are_listed_by_slug(client, chain):
    body = client.get("/api/v1/relations/").json()
    assert [(r["parent"], r["child"]) for r in body["results"]] == [("folio", "lru_mem"), ("lru_mem", "anon_mem")]
    assert body["results"][0]["url"].startswith("http://testserver/api/v1/relations/")


def test_relations_filter_by_child(client, chain):
    body = client.get("/api/v1/relations/?child=anon_mem").json()
    assert [r["parent"] for r in body["results"]] == ["lru_mem"]


def test_an_editor_adds_a_parent_and_both_histories_show_it(editor, editor_user, chain):
    page = make_memtype("page")
    response = editor.post(
        "/api/v1/relations/",
        {"parent": "page", "child": "folio", "note": "A folio is made of pages.", "source": make_source().key},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["parent"] == "page"
    relation = TypeRelation.objects.get(parent=page, child__slug="folio")
    assert Version.objects.get_for_object(relation)[0].revision.comment == "API: created relation page > folio"
    folio_history = Version.objects.get_for_object(relation.child)
    assert folio_history[0].revision.user == editor_user


def test_it_refuses_a_cycle_and_names_it(editor, chain):
    response = editor.post(
        "/api/v1/relations/", {"parent": "anon_mem", "child": "folio", "source": make_source().key}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"parent": ["This would close a cycle: anon_mem > folio > lru_mem > anon_mem."]}
    assert TypeRelation.objects.count() == 2


def test_it_refuses_a_type_as_its_own_parent(editor, chain):
    response = editor.post(
        "/api/v1/relations/", {"parent": "folio", "child": "folio", "source": make_source().key}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"parent": ["A type cannot be its own parent."]}


def test_it_refuses_an_unknown_slug_on_its_field(editor, chain):
    response = editor.post(
        "/api/v1/relations/", {"parent": "folio", "child": "nothing", "source": make_source().key}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["child"]


def test_it_refuses_the_same_parent_twice(editor, chain):
    response = editor.post(
        "/api/v1/relations/", {"parent": "folio", "child": "lru_mem", "source": make_source().key}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["This type already has that parent."]}


def test_moving_a_relation_is_checked_for_cycles_too(editor, chain):
    relation = TypeRelation.objects.get(parent__slug="folio")
    response = editor.patch(f"/api/v1/relations/{relation.pk}/", {"parent": "anon_mem"}, format="json")
    assert response.status_code == 400
    assert "cycle" in response.json()["parent"][0]
    relation.refresh_from_db()
    assert relation.parent.slug == "folio"


def test_an_editor_deletes_a_relation(editor, chain):
    relation = TypeRelation.objects.get(parent__slug="folio")
    assert editor.delete(f"/api/v1/relations/{relation.pk}/").status_code == 204
    assert not TypeRelation.objects.filter(pk=relation.pk).exists()
    assert Version.objects.get_deleted(TypeRelation)[0].revision.comment == "API: deleted relation folio > lru_mem"


@pytest.mark.parametrize("n", [1, 4])
def test_the_list_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries, n):
    for i in range(n):
        make_relation(make_memtype(f"parent_{i}"), make_memtype(f"child_{i}"))
    # count, the page of relations with parent, child and source
    with django_assert_num_queries(2):
        body = client.get("/api/v1/relations/").json()
    assert len(body["results"]) == n


def test_a_write_to_a_relation_id_that_is_not_a_number_is_404(editor, db):
    response = editor.put("/api/v1/relations/null/", {"note": "x"}, format="json")
    assert response.status_code == 404
    assert editor.delete("/api/v1/relations/null/").status_code == 404
