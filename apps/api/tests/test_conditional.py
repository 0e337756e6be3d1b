"""ETags on reads, 304 on If-None-Match, 412 on a stale If-Match."""

from apps.kernel.models import MemoryType, TypeRelation
from apps.kernel.tests.factory import make_memtype, make_relation


def test_reads_carry_an_etag_and_a_matching_if_none_match_gets_304(client, db):
    make_memtype("folio")
    first = client.get("/api/v1/types/folio/")
    etag = first["ETag"]
    assert etag.startswith('"')
    again = client.get("/api/v1/types/folio/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""


def test_the_etag_changes_when_the_resource_changes(client, db):
    folio = make_memtype("folio")
    etag = client.get("/api/v1/types/").get("ETag")
    folio.summary = "changed"
    folio.save()
    response = client.get("/api/v1/types/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_computed_resources_and_csv_have_etags_too(client, db):
    make_memtype("folio")
    for url in ["/api/v1/hierarchy/", "/api/v1/usages/?format=csv", "/api/v1/search/?q=folio"]:
        etag = client.get(url)["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304, url
    assert client.get("/api/v1/usages/")["ETag"] != client.get("/api/v1/usages/?format=csv")["ETag"]


def test_a_write_with_the_current_etag_is_accepted_and_returns_the_new_one(editor, db):
    make_memtype("folio", summary="old")
    etag = editor.get("/api/v1/types/folio/")["ETag"]
    response = editor.patch("/api/v1/types/folio/", {"summary": "new"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert editor.get("/api/v1/types/folio/")["ETag"] == response["ETag"]


def test_a_write_based_on_a_stale_read_is_refused_with_412(editor, db):
    folio = make_memtype("folio", summary="old")
    etag = editor.get("/api/v1/types/folio/")["ETag"]
    folio.summary = "changed by someone else"
    folio.save()
    response = editor.patch("/api/v1/types/folio/", {"summary": "mine"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert "ETag" in response.json()["detail"]
    folio.refresh_from_db()
    assert folio.summary == "changed by someone else"


def test_a_delete_based_on_a_stale_read_is_refused_with_412(editor, db):
    relation = make_relation(make_memtype("folio"), make_memtype("anon_mem"))
    url = f"/api/v1/relations/{relation.pk}/"
    etag = editor.get(url)["ETag"]
    relation.note = "edited meanwhile"
    relation.save()
    assert editor.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert TypeRelation.objects.filter(pk=relation.pk).exists()
    assert editor.delete(url, HTTP_IF_MATCH=editor.get(url)["ETag"]).status_code == 204


def test_if_match_star_accepts_any_current_state(editor, db):
    make_memtype("folio")
    assert editor.delete("/api/v1/types/folio/", HTTP_IF_MATCH="*").status_code == 204
    assert not MemoryType.objects.exists()
