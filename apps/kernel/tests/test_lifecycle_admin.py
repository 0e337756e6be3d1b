"""Transitions in the admin: listed with their era, edited with history, an era that ends before
it starts refused on the form."""

import pytest
from django.contrib.auth.models import User
from reversion.models import Version

from apps.kernel.models import Transition
from apps.kernel.tests.factory import make_memtype, make_source, make_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a long test password"))
    return client


@pytest.fixture
def era():
    buddy, slab = make_memtype("buddy"), make_memtype("slab")
    return make_transition(buddy, slab, event="allocated by the slab allocator", function="allocate_slab()",
                           until="v5.17", source=make_source(key="slub-c-v5-10", release="v5.10"))  # fmt: skip


def form(era, **changes):
    values = {
        "from_type": era.from_type_id,
        "to_type": era.to_type_id,
        "event": era.event,
        "function": era.function,
        "since": era.since,
        "until": era.until,
        "basis": era.basis,
        "source": era.source_id,
        "dated_by": "",
        "note": era.note,
    }
    return values | changes


def test_the_changelist_shows_each_era(editor, era):
    html = editor.get("/admin/kernel/transition/").content.decode()
    assert "allocate_slab()" in html and "v5.17" in html


def test_an_edit_is_kept_in_the_history(editor, era):
    response = editor.post(f"/admin/kernel/transition/{era.pk}/change/", form(era, note="Sets PG_slab itself."))
    assert response.status_code == 302
    era.refresh_from_db()
    assert era.note == "Sets PG_slab itself."
    assert Version.objects.get_for_object(era).count() == 1


def test_an_era_ending_before_it_starts_is_a_form_error(editor, era):
    response = editor.post(f"/admin/kernel/transition/{era.pk}/change/", form(era, since="v6.1"))
    assert response.status_code == 200
    assert "until (v5.17) must come after since (v6.1)." in response.content.decode()
    assert Transition.objects.get(pk=era.pk).since == ""
