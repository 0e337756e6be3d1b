"""Releases are named like tags (v6.12, v6.1.55, v7.3-rc7) and sort as kernel versions, not as
text: a release candidate before its release."""

import pytest
from django.core.exceptions import ValidationError

from apps.kernel.models import Release, release_sort_key
from apps.kernel.tests.factory import make_release

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "key"),
    [("v6.12", (6, 12, 0, 99)), ("v6.1.55", (6, 1, 55, 99)), ("v5.15", (5, 15, 0, 99)), ("v7.3-rc7", (7, 3, 0, 7))],
)
def test_release_sort_key_reads_major_minor_patch_and_rc(name, key):
    assert release_sort_key(name) == key


@pytest.mark.parametrize(
    "name", ["6.12", "v6", "v6.12.", "linux-6.12", "", None, "v2148.0", "v6.100", "v6.1.1000", "v6.1.5-rc1", "v7.3-rc"]
)
def test_release_sort_key_refuses_what_is_not_a_release_name(name):
    with pytest.raises(ValueError, match="is not a release name like v6.12"):
        release_sort_key(name)


@pytest.mark.parametrize("name", ["6.12", "v6.12-rc", "V6.12", "v6.x", "v2148.0"])
def test_the_release_name_validator_refuses_a_malformed_or_out_of_range_name(name):
    with pytest.raises(ValidationError) as exc:
        Release(name=name).full_clean()
    assert exc.value.message_dict["name"] == [
        "A release is named like v6.12, v6.1.55 or v7.3-rc7 (major and minor up to 99, patch up to 999)."
    ]


def test_a_release_candidate_sorts_before_its_release_and_after_the_one_before():
    for name in ["v7.3", "v7.3-rc7", "v7.2.13", "v7.3-rc1", "v7.2"]:
        make_release(name)
    assert list(Release.objects.values_list("name", flat=True)) == ["v7.2", "v7.2.13", "v7.3-rc1", "v7.3-rc7", "v7.3"]


def test_releases_sort_as_versions_not_as_text():
    for name in ["v6.12", "v6.9", "v5.15", "v6.10", "v6.1.55", "v6.1"]:
        make_release(name)
    assert list(Release.objects.values_list("name", flat=True)) == [
        "v5.15",
        "v6.1",
        "v6.1.55",
        "v6.9",
        "v6.10",
        "v6.12",
    ]


def test_renaming_a_release_moves_it_in_the_order():
    make_release("v6.9")
    later = make_release("v6.10")
    later.name = "v6.8"
    later.save()
    assert list(Release.objects.values_list("name", flat=True)) == ["v6.8", "v6.9"]
