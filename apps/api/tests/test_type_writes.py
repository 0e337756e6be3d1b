"""Creating, changing and deleting memory types, validated as in the admin and kept in its History."""

from reversion.models import Version

from apps.kernel.models import MemoryType
from apps.kernel.tests.factory import make_memtype, make_source


def test_an_editor_creates_a_type_and_the_history_names_them(editor, editor_user, db):
    source = make_source()
    response = editor.post(
        "/api/v1/types/",
        {"slug": "zsmalloc", "name": "zsmalloc", "summary": "Compressed pages.", "sources": [source.key]},
        format="json",
    )
    assert response.status_code == 201
    assert response["Location"] == "http://testserver/api/v1/types/zsmalloc/"
    assert response.json()["children"] == []
    versions = Version.objects.get_for_object(MemoryType.objects.get(slug="zsmalloc"))
    assert versions.count() == 1
    assert versions[0].revision.user == editor_user
    assert versions[0].revision.comment == "API: created type zsmalloc"


def test_it_refuses_a_duplicate_slug_and_an_unknown_source_on_their_fields(editor, db):
    make_memtype("folio")
    response = editor.post(
        "/api/v1/types/", {"slug": "folio", "name": "Folio", "summary": "x", "sources": ["nope"]}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"slug", "sources"}
    assert "nope" in errors["sources"][0]


def test_an_editor_changes_a_type_and_reads_the_new_state(editor, db):
    folio = make_memtype("folio", summary="old")
    response = editor.patch("/api/v1/types/folio/", {"summary": "A power-of-two set of pages."}, format="json")
    assert response.status_code == 200
    assert response.json()["summary"] == "A power-of-two set of pages."
    folio.refresh_from_db()
    assert folio.summary == "A power-of-two set of pages."
    assert Version.objects.get_for_object(folio)[0].revision.comment == "API: changed type folio"


def test_an_editor_deletes_a_type_and_the_admin_can_recover_it(editor, db):
    folio = make_memtype("folio")
    pk = folio.pk
    response = editor.delete("/api/v1/types/folio/")
    assert response.status_code == 204
    assert not MemoryType.objects.filter(slug="folio").exists()
    deleted = Version.objects.get_deleted(MemoryType)
    assert [v.object_id for v in deleted] == [str(pk)]
    assert deleted[0].revision.comment == "API: deleted type folio"
