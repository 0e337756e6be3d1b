"""A rule's parts must go together (database constraints and clean() messages), and the admin
edits rules with history."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from reversion.models import Version

from apps.decoder.models import Rule
from apps.kernel.models import MemoryType, Source
from apps.kernel.tests.factory import make_memtype, make_source

pytestmark = pytest.mark.django_db


def rule(**kw):
    values = {"field": "page_type", "operation": "pagetype", "name": "PGTY_slab", "priority": 100}
    values |= kw
    slab = MemoryType.objects.filter(slug="slab").first() or make_memtype("slab")
    source = Source.objects.filter(key="page-flags-h-v6-12").first() or make_source(key="page-flags-h-v6-12")
    return Rule(memory_type=slab, source=source, **values)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "PG_slab"}, "name", "names an enumerator of enum pagetype (PGTY_...)"),
        ({"mask": "0xff"}, "value", "types no number"),
        ({"operation": "mask_eq", "name": ""}, "mask", "needs its mask"),
        ({"field": "", "word": None}, "field", "Name the struct page member read"),
        ({"since": "v6.12", "until": "v6.1"}, "until", "must be a later release"),
        ({"operation": "read", "name": "", "mask": "0xff"}, "effect", "An order is read with operation read"),
        ({"operation": "zone", "name": ""}, "value", "needs the zone number"),
        ({"operation": "mask_eq", "name": "", "mask": "0xFF", "value": "0x1"}, "mask", "lowercase hex"),
    ],
)
def test_clean_explains_what_does_not_go_together(changes, field, message):
    with pytest.raises(ValidationError) as excinfo:
        rule(**changes).full_clean()
    assert message in " ".join(excinfo.value.message_dict[field])


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"operation": "mask_eq", "name": "", "mask": "0x1"},
        {"field": "", "word": None},
        {"since": "v6.12", "until": "v6.1"},
        {"operation": "read", "name": ""},
    ],
)
def test_the_database_refuses_what_does_not_go_together(changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        rule(**changes).save()


def test_a_valid_rule_says_its_test_and_range():
    r = rule(since="v6.12")
    r.full_clean()
    r.save()
    assert r.test == "page_type >> 24 == PGTY_slab"
    assert r.holds_at("v6.12", "x86_64") and r.holds_at("v7.3-rc7", "arm")
    assert not r.holds_at("v6.11", "x86_64")
    tail = rule(operation="mask_eq", name="", field="compound_head", mask="0x1", value="0x1", effect="tail")
    assert tail.test == "compound_head & 0x1 == 0x1"
    assert rule(page="page1", field="compound_dtor", operation="mask_eq", name="", mask="0xff", value="0x2").reads == (
        "page[1].compound_dtor"
    )


def test_the_admin_edits_a_rule_with_history(client):
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a long test password"))
    r = rule(since="v6.12")
    r.save()
    url = f"/admin/decoder/rule/{r.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "memory_type": r.memory_type.pk,
        "identification": "",
        "since": "v6.12",
        "until": "",
        "arch": "",
        "effect": "identifies",
        "priority": "90",
        "page": "this",
        "field": "page_type",
        "word": "",
        "operation": "pagetype",
        "name": "PGTY_slab",
        "mask": "",
        "value": "",
        "shift": "0",
        "config": "",
        "note": "PageSlab()",
        "source": r.source.pk,
        "basis": "stable",
    }
    assert client.post(url, data).status_code == 302
    r.refresh_from_db()
    assert r.priority == 90
    assert Version.objects.get_for_object(r).count() == 1
    refused = client.post(url, {**data, "name": "PG_slab"})
    assert refused.status_code == 200
    assert "names an enumerator of enum pagetype" in refused.content.decode()
    listing = client.get("/admin/decoder/rule/")
    assert "page_type &gt;&gt; 24 == PGTY_slab" in listing.content.decode()


def test_the_same_test_twice_from_the_same_release_is_refused():
    rule(since="v6.12").save()
    with pytest.raises(IntegrityError), transaction.atomic():
        rule(since="v6.12", priority=90).save()
    rule(since="v6.13").save()
    assert Rule.objects.count() == 2


def test_the_admin_lists_enum_spans(client, kernel_data):
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a long test password"))
    page = client.get("/admin/decoder/enumspan/")
    assert page.status_code == 200
    assert "v6.15" in page.content.decode() and "pagetype" in page.content.decode()
