"""check_data: the curated data is consistent with the loaded layouts, and each kind of
inconsistency is reported, one line per finding."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from apps.kernel import checks
from apps.kernel.models import Source
from apps.kernel.tests.factory import (
    make_field,
    make_identification,
    make_layout,
    make_memtype,
    make_release,
    make_source,
    make_usage,
)

pytestmark = pytest.mark.django_db


def test_the_real_data_has_no_finding(kernel_data, capsys):
    call_command("check_data")
    assert capsys.readouterr().out.strip() == "Kernel data: no finding."


def two_releases():
    """v6.1 whose struct page has pgmap, v6.18 whose struct page has none (the folio has it)."""
    old, new = make_release("v6.1"), make_release("v6.18")
    make_field(make_layout(old, "page"), "pgmap", offset=8)
    make_field(make_layout(new, "page"), "zone_device_data", offset=16)
    make_field(make_layout(new, "folio"), "pgmap", offset=8)
    return old, new


def test_a_field_absent_from_a_later_release_without_a_since_is_a_finding():
    two_releases()
    make_identification(make_memtype("zonedev"), since="", test="the kind is page->pgmap->type")
    assert checks.check() == [
        "types: zonedev: identification since (none) names page.pgmap, absent from v6.18's layout: "
        "say since which release it holds"
    ]


def test_a_later_identification_with_a_since_clears_it():
    two_releases()
    zonedev = make_memtype("zonedev")
    make_identification(zonedev, since="", test="page->pgmap->type")
    make_identification(zonedev, since="v6.15", test="page_pgmap(page)->type, i.e. folio->pgmap")
    assert checks.check() == []


def test_a_since_naming_a_release_whose_layout_lacks_the_field_is_a_finding():
    two_releases()
    make_identification(make_memtype("zonedev"), since="v6.18", test="page->pgmap->type")
    assert checks.check() == [
        "types: zonedev: identification since v6.18 names page.pgmap, but v6.18's layout has no such field"
    ]


def test_a_field_absent_from_an_older_release_needs_a_since():
    two_releases()
    make_identification(make_memtype("zonedev"), since="", test="folio->pgmap->type")
    # A release without the struct at all (v6.1 here has no struct folio) is not held against it.
    assert checks.check() == []
    make_field(make_layout(make_release("v5.15"), "folio"), "mapping", offset=24)
    assert checks.check() == [
        "types: zonedev: identification since (none) names folio.pgmap, absent from v5.15's layout: "
        "say since which release it holds"
    ]


def test_a_usage_whose_keeps_names_an_absent_field_is_a_finding():
    _, new = two_releases()
    fld = make_field(make_layout(new, "slab"), "__page_refcount", offset=52)
    make_usage(make_memtype("slab"), fld, keeps="Mirrors page->_refcount.")
    assert checks.check() == [
        "usages: slab: slab.__page_refcount of v6.18 says page._refcount, which v6.18's layout lacks"
    ]


def test_file_names_and_slab_h_are_not_read_as_fields():
    two_releases()
    make_identification(make_memtype("slab"), since="", test="folio_test_slab() in mm/slab.h and mm/page.c")
    assert checks.check() == []


def test_a_file_source_without_its_release_is_a_finding():
    make_source(key="slab-c-somewhere", release="", commit="0123456789ab")
    assert checks.check() == ["sources: slab-c-somewhere: a file source needs the release it was read at"]


def test_a_mail_source_cannot_even_be_stored_without_its_message_id():
    # The database refuses it (source_has_its_locator), so check_data never sees one; the check is
    # there for data that reaches the tables another way.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(key="a-mail", kind="mail", title="Re: something")


def test_backports_must_name_real_fields_commits_and_sources(tmp_path):
    release = make_release("v6.12")
    make_field(make_layout(release, "folio", size=256), "_head_3", offset=200)
    make_source(key="push")
    path = tmp_path / "backports.yaml"
    path.write_text(
        "- release: v6.12\n  commit: 4eeec8c89a0c\n  upstream: v6.15\n  subject: s\n  source: push\n"
        "  fields: [{struct: folio, name: _head_3}]\n  note: n\n"
        "- release: v6.12\n  commit: 4eeec8c\n  upstream: 6.15\n  subject: s\n  source: nowhere\n"
        "  fields: [{struct: folio, name: _head_4}]\n  note: n\n"
        "- release: v6.9\n  commit: 4eeec8c89a0c\n  upstream: v6.15\n  subject: s\n  source: push\n"
        "  fields: []\n  note: n\n"
    )
    assert checks.check(backports=path) == [
        "backports.yaml: v6.12 4eeec8c: commit must be 12 lowercase hex digits",
        "backports.yaml: v6.12 4eeec8c: upstream must name the release that first has the commit, like v6.15",
        "backports.yaml: v6.12 4eeec8c: unknown source 'nowhere'",
        "backports.yaml: v6.12 4eeec8c: v6.12's layout has no folio._head_4",
        "backports.yaml: v6.9 4eeec8c89a0c: no loaded release 'v6.9'",
    ]


def test_the_command_exits_non_zero_with_one_line_per_finding(capsys):
    two_releases()
    make_identification(make_memtype("zonedev"), since="", test="page->pgmap->type")
    with pytest.raises(CommandError, match="1 finding in the kernel data"):
        call_command("check_data", data_dir=settings.BASE_DIR / "no-such-dir")
    assert capsys.readouterr().out.splitlines() == [
        "types: zonedev: identification since (none) names page.pgmap, absent from v6.18's layout: "
        "say since which release it holds"
    ]
