"""A type's description is Markdown, rendered and sanitised before it reaches the page."""

import pytest

from apps.kernel.tests.factory import make_memtype
from apps.web.templatetags.memtypes_web import markdown

pytestmark = pytest.mark.django_db


def test_it_renders_markdown_emphasis_code_and_links():
    html = markdown("Kept in `page->mapping`, *not* in [private](https://docs.kernel.org/mm/).")

    assert "<code>page-&gt;mapping</code>" in html
    assert "<em>not</em>" in html
    assert '<a href="https://docs.kernel.org/mm/" rel="noopener noreferrer">private</a>' in html


def test_it_removes_scripts_event_handlers_and_javascript_links():
    html = markdown(
        'Text<script>alert("x")</script> <img src="x" onerror="alert(1)"> '
        '<a href="javascript:alert(1)">click</a> <b onmouseover="alert(1)">bold</b>'
    )

    assert "<script" not in html
    assert "alert" not in html
    assert "onerror" not in html
    assert "onmouseover" not in html
    assert "javascript:" not in html
    assert "click" in html


def test_it_keeps_a_description_heading_from_breaking_the_page_outline():
    html = markdown("# Slab\n\nText.")

    assert "<h1>" not in html
    assert "Slab" in html


def test_the_type_page_shows_the_sanitised_description(client):
    make_memtype("slab", description='Uses **freelist**.<script>document.cookie</script><img src=x onerror="steal()">')

    html = client.get("/types/slab/").content.decode()

    assert "<strong>freelist</strong>" in html
    assert "document.cookie" not in html
    assert "steal()" not in html


def test_the_type_page_shows_the_rendering_stored_when_the_type_was_saved(client, monkeypatch):
    make_memtype("slab", description="Uses **freelist**.")
    # A page view renders nothing: the Markdown library is not even reachable.
    monkeypatch.setattr("apps.kernel.markdown._render", lambda text: pytest.fail("rendered in a page view"))
    assert "<strong>freelist</strong>" in client.get("/types/slab/").content.decode()


@pytest.mark.parametrize(
    "description",
    [
        "`" * 2500,
        "`" * 5000,
        "\n".join("    " * depth + "- item" for depth in range(500)),
        "> " * 500 + "quote",
        "- " * 500 + "item",
        "x" * 10_001,
        "[a](" * 2000,
    ],
    ids=[
        "2500-backticks",
        "5000-backticks",
        "500-nested-list",
        "500-quotes",
        "500-inline-lists",
        "too-long",
        "brackets",
    ],
)
def test_a_description_past_the_bounds_is_refused_when_saved_with_a_clear_message(description):
    from django.core.exceptions import ValidationError

    from apps.kernel.models import MemoryType

    memory_type = MemoryType(slug="bomb", name="Bomb", summary="Too much markup.", description=description)
    with pytest.raises(ValidationError) as refused:
        memory_type.full_clean()
    message = refused.value.message_dict["description"][0]
    assert message.startswith("The description ")
    assert len(message) < 200


def test_a_description_written_past_validation_shows_escaped_and_the_page_answers(client):
    slab = make_memtype("slab")
    MemoryType_objects = type(slab).objects
    MemoryType_objects.filter(pk=slab.pk).update(description="`" * 5000)
    slab = MemoryType_objects.get(pk=slab.pk)
    slab.save()  # e.g. a later edit of another field
    response = client.get("/types/slab/")
    assert response.status_code == 200
    assert "<pre>" + "`" * 100 in response.content.decode()


def test_the_api_refuses_a_bomb_description_with_400_naming_the_field(db):
    from django.contrib.auth.models import Permission, User
    from rest_framework.test import APIClient

    user = User.objects.create_user("editor")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="kernel"))
    api = APIClient()
    api.force_authenticate(user)
    make_memtype("slab")
    response = api.patch("/api/v1/types/slab/", {"description": "`" * 2500}, format="json")
    assert response.status_code == 400
    assert "backticks" in response.json()["description"][0]
