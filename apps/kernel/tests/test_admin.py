"""The admin is the editor: a type is created with its parents and field usage, every edit shows
in its History, a version can be reverted, and a relation that closes a cycle is refused."""

import pytest
from django.contrib.auth.models import Permission, User
from reversion.models import Version

from apps.kernel.models import FieldUsage, MemoryType, TypeRelation
from apps.kernel.tests.factory import make_field, make_layout, make_memtype, make_relation, make_release, make_source

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/kernel/memorytype/add/"


@pytest.fixture
def editor(client):
    user = User.objects.create_superuser("editor", "editor@example.org", "a long test password")
    client.force_login(user)
    return client


@pytest.fixture
def kernel():
    """folio and lru_mem to hang a type under, and v6.12's struct page mapping to record."""
    source = make_source(key="mm-types-h-v6-12")
    page = make_layout(make_release("v6.12"), "page")
    return {
        "source": source,
        "folio": make_memtype("folio"),
        "lru_mem": make_memtype("lru_mem"),
        "mapping": make_field(page, "mapping", offset=24, c_type="struct address_space *"),
    }


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def form_data(response):
    """The POST data of the change form as the page renders it (main form and every inline)."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        forms.extend(formset.forms)
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = str(value)
    return data


def add_anon_mem(client, kernel):
    return client.post(
        ADD_URL,
        {
            "name": "Anonymous memory",
            "slug": "anon_mem",
            "summary": "Memory with no file behind it.",
            "status": "mainline",
            "area": "folio",
            "descriptor": "struct folio",
            "sources": [kernel["source"].pk],
            **management("parent_relations", 2),
            "parent_relations-0-parent": kernel["folio"].pk,
            "parent_relations-0-source": kernel["source"].pk,
            "parent_relations-1-parent": kernel["lru_mem"].pk,
            "parent_relations-1-note": "Via lru_mem in the 2021 tree.",
            "parent_relations-1-source": kernel["source"].pk,
            **management("identifications", 0),
            **management("memdesc_numbers", 0),
            **management("usages", 1),
            "usages-0-field": kernel["mapping"].pk,
            "usages-0-keeps": "anon_vma pointer, low bits PAGE_MAPPING_ANON",
            "usages-0-source": kernel["source"].pk,
            "usages-0-basis": "tag",  # the form's select starts on the default
        },
    )


def test_the_add_form_creates_a_type_with_two_parents_and_a_usage(editor, kernel):
    response = add_anon_mem(editor, kernel)
    assert response.status_code == 302
    anon = MemoryType.objects.get(slug="anon_mem")
    assert sorted(anon.parents.values_list("slug", flat=True)) == ["folio", "lru_mem"]
    usage = FieldUsage.objects.get(memory_type=anon)
    assert (usage.field.name, usage.field.layout.build.release.name) == ("mapping", "v6.12")
    assert usage.keeps == "anon_vma pointer, low bits PAGE_MAPPING_ANON"


def test_history_lists_the_edits_and_a_version_can_be_reverted(editor, kernel):
    add_anon_mem(editor, kernel)
    anon = MemoryType.objects.get(slug="anon_mem")
    change_url = f"/admin/kernel/memorytype/{anon.pk}/change/"
    edit = form_data(editor.get(change_url))
    edit["summary"] = "Process memory: heap, stack, private copies."
    lru_form = next(k for k, v in edit.items() if k.endswith("-parent") and v == str(kernel["lru_mem"].pk))
    edit[lru_form.replace("-parent", "-DELETE")] = "on"
    usage_keeps = next(k for k in edit if k.startswith("usages-") and k.endswith("-keeps"))
    edit[usage_keeps] = "anon_vma pointer"
    assert editor.post(change_url, edit).status_code == 302
    assert list(anon.parents.values_list("slug", flat=True)) == ["folio"]

    history = editor.get(f"/admin/kernel/memorytype/{anon.pk}/history/")
    assert history.status_code == 200
    page = history.content.decode()
    assert "Added. Added type relation “folio &gt; anon_mem”. Added type relation “lru_mem &gt; anon_mem”." in page
    assert "Changed Summary. Deleted type relation “lru_mem &gt; anon_mem”. Changed Keeps for field usage" in page

    first = Version.objects.get_for_object(anon).order_by("pk").first()
    revision_url = f"/admin/kernel/memorytype/{anon.pk}/history/{first.pk}/"
    shown = editor.get(revision_url)
    assert shown.status_code == 200
    # Viewing a version changes nothing.
    anon.refresh_from_db()
    assert anon.summary == "Process memory: heap, stack, private copies."
    assert editor.post(revision_url, form_data(shown)).status_code == 302
    anon.refresh_from_db()
    assert anon.summary == "Memory with no file behind it."
    assert sorted(anon.parents.values_list("slug", flat=True)) == ["folio", "lru_mem"]
    assert FieldUsage.objects.get(memory_type=anon).keeps == "anon_vma pointer, low bits PAGE_MAPPING_ANON"
    assert "Reverted to previous version" in editor.get(f"/admin/kernel/memorytype/{anon.pk}/history/").content.decode()


def test_a_parent_that_closes_a_cycle_is_a_form_error_and_saves_nothing(editor, kernel):
    make_relation(kernel["folio"], kernel["lru_mem"])
    folio = kernel["folio"]
    change_url = f"/admin/kernel/memorytype/{folio.pk}/change/"
    edit = form_data(editor.get(change_url))
    edit["summary"] = "Changed along with the bad parent."
    extra = edit["parent_relations-TOTAL_FORMS"]
    edit[f"parent_relations-{int(extra) - 1}-parent"] = str(kernel["lru_mem"].pk)
    edit[f"parent_relations-{int(extra) - 1}-source"] = str(kernel["source"].pk)
    response = editor.post(change_url, edit)
    assert response.status_code == 200
    assert "would close a cycle: lru_mem &gt; folio &gt; lru_mem" in response.content.decode()
    assert TypeRelation.objects.count() == 1
    folio.refresh_from_db()
    assert folio.summary != "Changed along with the bad parent."


def test_the_relation_form_refuses_a_cycle(editor, kernel):
    make_relation(kernel["folio"], kernel["lru_mem"])
    response = editor.post(
        "/admin/kernel/typerelation/add/",
        {"parent": kernel["lru_mem"].pk, "child": kernel["folio"].pk, "source": kernel["source"].pk},
    )
    assert response.status_code == 200
    assert "would close a cycle" in response.content.decode()
    assert TypeRelation.objects.count() == 1


@pytest.mark.parametrize(
    "model",
    [
        "memorytype",
        "typerelation",
        "identification",
        "source",
        "release",
        "build",
        "enumvalue",
        "backport",
        "structlayout",
        "field",
        "fieldusage",
    ],
)
def test_every_changelist_answers(editor, kernel, model):
    make_usage_of_mapping(kernel)
    response = editor.get(f"/admin/kernel/{model}/")
    assert response.status_code == 200


def make_usage_of_mapping(kernel):
    anon = make_memtype("anon_mem")
    make_relation(kernel["folio"], anon)
    return FieldUsage.objects.create(memory_type=anon, field=kernel["mapping"], keeps="x", source=kernel["source"])


def test_the_field_autocomplete_narrows_by_release_struct_and_name(editor, kernel):
    make_field(make_layout(make_release("v6.1"), "page"), "mapping", offset=24)
    make_field(kernel["mapping"].layout, "private", offset=40)
    response = editor.get(
        "/admin/autocomplete/",
        {"app_label": "kernel", "model_name": "fieldusage", "field_name": "field", "term": "v6.12 page mapping"},
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(kernel["mapping"].pk)]


def test_a_staff_member_without_the_add_permission_cannot_add_a_type(client, kernel):
    viewer = User.objects.create_user("viewer", password="a long test password", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_memorytype"))
    client.force_login(viewer)
    assert client.get("/admin/kernel/memorytype/").status_code == 200
    assert add_anon_mem(client, kernel).status_code == 403
    assert not MemoryType.objects.filter(slug="anon_mem").exists()


def test_confirming_carried_usages_clears_the_mark_and_keeps_who_did_it_in_the_history(editor, kernel):
    carried = make_usage_of_mapping(kernel)
    carried.carried = True
    carried.save()
    response = editor.post(
        "/admin/kernel/fieldusage/",
        {"action": "confirm_verified", "_selected_action": [carried.pk]},
        follow=True,
    )
    assert "1 usage(s) confirmed as re-verified." in response.content.decode()
    carried.refresh_from_db()
    assert carried.carried is False
    version = Version.objects.get_for_object(carried).first()
    assert version.revision.user.username == "editor"
    assert version.revision.comment == "Confirmed at its release (no longer carried)"


def test_the_second_editor_of_a_type_sees_a_conflict_instead_of_overwriting_the_first(editor, kernel):
    folio = kernel["folio"]
    change_url = f"/admin/kernel/memorytype/{folio.pk}/change/"
    first, second = form_data(editor.get(change_url)), form_data(editor.get(change_url))
    first["summary"] = "The first editor's summary."
    assert editor.post(change_url, first).status_code == 302
    second["description"] = "The second editor's description."
    response = editor.post(change_url, second)
    assert response.status_code == 200
    assert "Someone else saved this type after you opened it." in response.content.decode()
    folio.refresh_from_db()
    assert (folio.summary, folio.description) == ("The first editor's summary.", "")
    # Opened again, the second editor's change goes through.
    again = form_data(editor.get(change_url))
    again["description"] = "The second editor's description."
    assert editor.post(change_url, again).status_code == 302
    folio.refresh_from_db()
    assert (folio.summary, folio.description) == ("The first editor's summary.", "The second editor's description.")
