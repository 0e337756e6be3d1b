"""The types' list and detail are built from plain rows (apps/api/types_serializers.py): they
answer the same bytes as their serializers do from the models, on small data and on the real
data, with or without ?format=json (whose links keep it)."""

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.api.types_serializers import MemoryTypeDetailSerializer, MemoryTypeSerializer
from apps.kernel.models import MemdescNumber, MemdescTable, MemoryType
from apps.kernel.tests.factory import (
    make_field,
    make_identification,
    make_layout,
    make_memtype,
    make_relation,
    make_release,
    make_source,
    make_usage,
)

QUERIES = ["", "?format=json"]


def serialized(serializer_class, instance, path, **kw):
    """The JSON the serializer gives for instance, in answer to a GET of path."""
    request = Request(APIRequestFactory().get(path))
    return serializer_class(instance, context={"request": request}, **kw).data


def expected_list(query):
    results = serialized(MemoryTypeSerializer, MemoryType.objects.all(), f"/api/v1/types/{query}", many=True)
    return JSONRenderer().render({"count": len(results), "next": None, "previous": None, "results": results})


def expected_detail(slug, query):
    memory_type = MemoryType.objects.for_detail().get(slug=slug)
    return JSONRenderer().render(serialized(MemoryTypeDetailSerializer, memory_type, f"/api/v1/types/{slug}/{query}"))


@pytest.fixture
def family(db):
    """anon_mem with two parents (one listed after it), a child, two identifications, memdesc
    numbers in two revisions, three sources and usages in two releases."""
    folio, lru = make_memtype("folio", name="Folio"), make_memtype("lru_mem", name="LRU memory")
    anon = make_memtype(
        "anon_mem",
        summary="Process memory with no file behind it.",
        sources=[make_source(key=key) for key in ("c-source", "a-source", "b-source")],
    )
    make_memtype("zero_page", sources=[])
    make_relation(lru, anon, note="On the LRU.")
    make_relation(folio, anon)
    make_relation(anon, make_memtype("ksm", name="KSM page"), note="Merged.")
    make_identification(anon, since="v6.10", test="folio_test_anon()")
    make_identification(anon, since="", test="PageAnon()")
    for position, number in ((2, 3), (1, 2)):
        table = MemdescTable.objects.create(slug=f"t{position}", name=f"Table {position}", position=position,
                                            source=make_source(key=f"memdescs-{position}"))  # fmt: skip
        MemdescNumber.objects.create(table=table, memory_type=anon, number=number, subtype=None, meaning="Anon")
    for name in ("v6.1", "v6.12"):
        layout = make_layout(make_release(name), "folio")
        make_usage(anon, make_field(layout, "mapping", offset=24), keeps="anon_vma | 1")
        make_usage(anon, make_field(layout, "index", offset=32), keeps="page offset")
    return anon


@pytest.mark.parametrize("query", QUERIES)
def test_the_list_answers_what_its_serializer_shows(client, family, query):
    response = client.get(f"/api/v1/types/{query}")
    assert response.status_code == 200
    assert response.content == expected_list(query)


@pytest.mark.parametrize("query", QUERIES)
def test_the_detail_answers_what_its_serializer_shows(client, family, query):
    for slug in ("anon_mem", "folio", "zero_page"):
        response = client.get(f"/api/v1/types/{slug}/{query}")
        assert response.status_code == 200
        assert response.content == expected_detail(slug, query)


def test_the_links_keep_the_format_the_request_asked_for(client, family):
    anon = client.get("/api/v1/types/anon_mem/?format=json").json()
    assert anon["url"] == "http://testserver/api/v1/types/anon_mem/?format=json"
    assert anon["parents"][0]["type"]["url"] == "http://testserver/api/v1/types/folio/?format=json"
    assert anon["memdesc"][0]["source"]["url"] == "http://testserver/api/v1/sources/memdescs-1/?format=json"
    # Usages are linked without it, as before.
    assert anon["usages"][0]["usages"][0]["url"].endswith("/")


def test_a_filter_that_leaves_the_type_out_makes_its_detail_a_404(client, family):
    assert client.get("/api/v1/types/anon_mem/?status=mainline").status_code == 200
    assert client.get("/api/v1/types/anon_mem/?status=removed").status_code == 404


def test_the_browsable_api_fills_an_editors_form_with_the_type(editor, family):
    page = editor.get("/api/v1/types/anon_mem/?format=api").content.decode()
    # The raw-data form of PUT and PATCH, after the answer shown above it.
    put_form = page.split('id="put-generic-content-form"')[1]
    assert "Process memory with no file behind it." in put_form


@pytest.fixture
def kernel_data(kernel_data_once, db):
    """Every test here only reads the real data: it is loaded once for the module."""
    return kernel_data_once


@pytest.mark.parametrize("query", QUERIES)
def test_the_real_types_answer_what_their_serializers_show(client, kernel_data, query):
    assert len(kernel_data.types) <= 500
    response = client.get(f"/api/v1/types/?page_size=500{query.replace('?', '&')}")
    assert response.content == expected_list(query)
    for slug in kernel_data.types:
        assert client.get(f"/api/v1/types/{slug}/{query}").content == expected_detail(slug, query), slug
