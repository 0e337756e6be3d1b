"""A source must say where its fact can be read: a URL, a file at a release, a Message-ID."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.kernel.models import Source

pytestmark = pytest.mark.django_db

REFUSED = [
    pytest.param({"kind": "file", "path": "include/linux/mm_types.h"}, "release", id="file-without-release-or-commit"),
    pytest.param({"kind": "file", "release": "v6.12"}, "path", id="file-without-path"),
    pytest.param({"kind": "mail"}, "message_id", id="mail-without-message-id"),
    pytest.param({"kind": "url"}, "url", id="web-page-without-url"),
]


@pytest.mark.parametrize(("locator", "field"), REFUSED)
def test_clean_names_the_missing_locator(locator, field):
    with pytest.raises(ValidationError) as exc:
        Source(key="s", title="mm_types.h", **locator).full_clean()
    assert field in exc.value.message_dict


@pytest.mark.parametrize(("locator", "field"), REFUSED)
def test_the_database_refuses_a_source_without_its_locator(locator, field):
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(key="s", title="mm_types.h", **locator)
    assert not Source.objects.exists()


@pytest.mark.parametrize(
    "locator",
    [
        pytest.param({"kind": "file", "path": "include/linux/mm_types.h", "release": "v6.12"}, id="file-at-release"),
        pytest.param({"kind": "file", "path": "mm/slub.c", "commit": "8410996eb6fe"}, id="file-at-commit"),
        pytest.param({"kind": "mail", "message_id": "YXK2ICKi6fjNfr4X@casper.infradead.org"}, id="mail"),
        pytest.param({"kind": "url", "url": "https://kernelnewbies.org/MemoryTypes"}, id="web-page"),
        pytest.param({"kind": "build"}, id="build"),
    ],
)
def test_a_source_with_its_locator_is_stored(locator):
    source = Source(key="s", title="A citation", **locator)
    source.full_clean()
    source.save()
    assert Source.objects.get(key="s").kind == locator["kind"]


def test_a_commit_must_be_lowercase_hex():
    with pytest.raises(ValidationError) as exc:
        Source(key="s", kind="file", title="t", path="mm/slub.c", commit="HEAD").full_clean()
    assert "commit" in exc.value.message_dict


def test_a_file_source_cites_its_path_and_release():
    source = Source(key="s", kind="file", title="t", path="include/linux/mm_types.h", release="v6.12",
                    repository="torvalds/linux")  # fmt: skip
    assert source.citation == "include/linux/mm_types.h @ torvalds/linux v6.12"


def test_a_list_post_links_to_lore():
    source = Source(key="s", kind="mail", title="t", message_id="YXK2ICKi6fjNfr4X@casper.infradead.org")
    assert source.citation == "<YXK2ICKi6fjNfr4X@casper.infradead.org>"
    assert source.link == "https://lore.kernel.org/r/YXK2ICKi6fjNfr4X@casper.infradead.org"
