"""Field usage: listing and filtering, CSV, and writing usages by names."""

import csv
import io

import pytest
from reversion.models import Version

from apps.kernel.models import FieldUsage, Release
from apps.kernel.tests.factory import (
    make_build,
    make_field,
    make_layout,
    make_memtype,
    make_release,
    make_source,
    make_usage,
)


@pytest.fixture
def world(db):
    old, new = make_release("v6.1"), make_release("v6.12")
    anon, slab = make_memtype("anon_mem"), make_memtype("slab")
    old_page, new_folio = make_layout(old, "page"), make_layout(new, "folio", size=256)
    make_usage(anon, make_field(old_page, "mapping", offset=24), keeps="anon_vma, v6.1")
    make_usage(anon, make_field(new_folio, "mapping", offset=24), keeps="anon_vma, v6.12", carried=True)
    make_usage(slab, make_field(old_page, "slab_cache", offset=24, path="union@8/struct#2@8"), keeps="kmem_cache")
    make_field(new_folio, "_deferred_list", offset=144, size=16, page_index=2)
    return {"anon": anon, "slab": slab, "source": make_source(key="mm-types-h-v6-12")}


def slugs_and_fields(body):
    return [(u["type"], u["release"], u["struct"], u["field"]) for u in body["results"]]


def test_usages_filter_by_type_release_struct_and_field(client, world):
    assert slugs_and_fields(client.get("/api/v1/usages/?type=anon_mem&release=v6.12").json()) == [
        ("anon_mem", "v6.12", "folio", "mapping")
    ]
    assert slugs_and_fields(client.get("/api/v1/usages/?struct=page&field=slab_cache").json()) == [
        ("slab", "v6.1", "page", "slab_cache")
    ]


def test_a_usage_says_whether_it_was_carried_forward_without_re_verification(client, world):
    body = client.get("/api/v1/usages/?type=anon_mem").json()
    assert [(u["release"], u["carried"]) for u in body["results"]] == [("v6.1", False), ("v6.12", True)]


def test_an_unknown_release_filter_is_a_400(client, world):
    response = client.get("/api/v1/usages/?release=v2.6")
    assert response.status_code == 400
    assert response.json() == {"release": ["No release of that name."]}


def test_usages_come_as_one_csv_table(client, world):
    response = client.get("/api/v1/usages/?format=csv&page_size=1")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3  # the whole table, not one page
    assert "url" not in rows[0]
    assert rows[0]["keeps"] == "anon_vma, v6.1"


def test_an_editor_records_a_usage_by_names(editor, world):
    payload = {
        "type": "anon_mem",
        "release": "v6.12",
        "struct": "folio",
        "field": "_deferred_list",
        "keeps": "on the deferred split queue",
        "source": "mm-types-h-v6-12",
    }
    response = editor.post("/api/v1/usages/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["offset"], response.json()["page_index"]) == (144, 2)
    usage = FieldUsage.objects.get(field__name="_deferred_list")
    comment = Version.objects.get_for_object(usage)[0].revision.comment
    assert comment == "API: created usage anon_mem: v6.12 folio._deferred_list"


def test_a_usage_is_recorded_on_the_x86_64_build_when_other_arches_have_the_field_too(editor, world):
    arm = make_build(Release.objects.get(name="v6.12"), "arm")
    make_field(make_layout(build=arm, struct="folio", size=128), "_deferred_list", offset=72, size=8, page_index=2)
    payload = {"type": "anon_mem", "release": "v6.12", "struct": "folio", "field": "_deferred_list", "keeps": "x"}
    response = editor.post("/api/v1/usages/", payload | {"source": "mm-types-h-v6-12"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["offset"] == 144
    assert FieldUsage.objects.get(field__name="_deferred_list").field.layout.build.arch == "x86_64"


def test_a_field_of_another_release_is_refused_on_field(editor, world):
    payload = {"type": "slab", "release": "v6.12", "struct": "folio", "field": "slab_cache", "keeps": "x"}
    response = editor.post("/api/v1/usages/", payload | {"source": "mm-types-h-v6-12"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"field": ["struct folio of v6.12 has no field named slab_cache."]}


def test_an_unknown_release_or_struct_is_refused_on_its_own_field(editor, world):
    payload = {"type": "slab", "field": "mapping", "keeps": "x", "source": "mm-types-h-v6-12"}
    response = editor.post("/api/v1/usages/", payload | {"release": "v9.9", "struct": "folio"}, format="json")
    assert response.json() == {"release": ["No release named v9.9."]}
    response = editor.post("/api/v1/usages/", payload | {"release": "v6.12", "struct": "zpdesc"}, format="json")
    assert response.json() == {"struct": ["Release v6.12 has no layout of struct zpdesc."]}


def test_a_second_usage_of_the_same_field_is_refused(editor, world):
    payload = {"type": "anon_mem", "release": "v6.12", "struct": "folio", "field": "mapping", "keeps": "again"}
    response = editor.post("/api/v1/usages/", payload | {"source": "mm-types-h-v6-12"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["This type already records a usage of that field."]}


def test_an_editor_moves_a_usage_to_another_field_of_its_release(editor, world):
    usage = FieldUsage.objects.get(field__name="mapping", field__layout__build__release__name="v6.12")
    response = editor.patch(f"/api/v1/usages/{usage.pk}/", {"field": "_deferred_list"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["field"] == "_deferred_list"
    usage.refresh_from_db()
    assert usage.field.name == "_deferred_list"


@pytest.mark.parametrize("n", [1, 4])
def test_the_list_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries, n):
    page = make_layout(make_release("v6.12"), "page")
    for i in range(n):
        make_usage(make_memtype(f"type_{i}"), make_field(page, offset=8 * i))
    # count, the page of usages with type, field, layout, release and source
    with django_assert_num_queries(2):
        body = client.get("/api/v1/usages/").json()
    assert len(body["results"]) == n


def test_an_empty_csv_still_has_its_header_row_and_content_type(client, db):
    make_usage()
    response = client.get("/api/v1/usages/?format=csv&search=nothing-matches-this")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header = "id,type,release,struct,field,path,offset,size,page_index,keeps,source,carried,basis\n"
    assert response.content.decode() == header
