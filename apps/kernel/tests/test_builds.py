"""Builds per architecture: usages recorded on the x86_64 build appear on another
architecture's fields of the same name; 32-bit builds have 4-byte words; the drift between two
builds shows renames as renames; carry_usages marks what it carries as not re-verified."""

import io

import pytest
from django.core.management import CommandError, call_command

from apps.kernel import drift, layouts
from apps.kernel.models import Build, FieldUsage
from apps.kernel.tests.factory import (
    make_build,
    make_field,
    make_identification,
    make_memtype,
    make_page_build,
    make_release,
    make_usage,
)

pytestmark = pytest.mark.django_db


def test_a_usage_shows_on_the_32_bit_build_at_that_builds_offset():
    release = make_release("v7.2")
    x86, x86_fields = make_page_build(release)
    arm, arm_fields = make_page_build(release, arch="arm")
    anon = make_memtype("anon_mem")
    make_usage(anon, x86_fields["mapping"], keeps="anon_vma | PAGE_MAPPING_ANON")
    [(usage, fld)] = layouts.usages_of_build(arm)
    assert (usage.memory_type.slug, fld.layout.build.arch, fld.offset) == ("anon_mem", "arm", 12)
    [(_, x86_fld)] = layouts.usages_of_build(x86)
    assert x86_fld.offset == 24


def test_a_field_a_build_lacks_shows_no_usage_there():
    release = make_release("v7.2")
    x86, x86_fields = make_page_build(release)
    arm, _ = make_page_build(release, arch="arm")
    only64 = make_field(x86.layouts.get(struct="page"), "_private_1", offset=40, size=8, position=9)
    make_usage(make_memtype("hugetlb"), only64)
    assert layouts.usages_of_build(arm) == []


def test_the_pages_read_the_same_usages_as_plain_values():
    release = make_release("v7.2")
    x86, x86_fields = make_page_build(release)
    arm, _ = make_page_build(release, arch="arm")
    only64 = make_field(x86.layouts.get(struct="page"), "_private_1", offset=40, size=8, position=9)
    make_usage(make_memtype("hugetlb"), only64)
    make_usage(make_memtype("anon_mem"), x86_fields["mapping"], keeps="anon_vma | PAGE_MAPPING_ANON")
    make_usage(make_memtype("file_mem"), x86_fields["mapping"], keeps="address_space")

    for build in (x86, arm):
        pairs = [
            (usage.memory_type.slug, usage.keeps, fld.id, fld.layout.struct, fld.offset)
            for usage, fld in layouts.usages_of_build(build)
        ]
        uses = [
            (use.memory_type.slug, use.keeps, use.field.id, use.field.struct, use.field.offset)
            for use in layouts.uses_of_build(build)
        ]
        assert uses == pairs
    assert [(use.memory_type.slug, use.field.offset) for use in layouts.uses_of_build(arm)] == [
        ("anon_mem", 12),
        ("file_mem", 12),
    ]


def test_words_of_a_32_bit_build_are_4_bytes():
    release = make_release("v7.2")
    arm, fields = make_page_build(release, arch="arm")
    words = layouts.words(list(fields.values()), 36, arm.word_size)
    assert len(words) == 9
    assert [w.offset for w in words[:4]] == [0, 4, 8, 12]
    assert [f.name for f in words[3].fields] == ["mapping"]
    assert words[3].last_byte == 15


def test_the_drift_shows_a_rename_as_a_rename_and_the_usage_and_identification_that_name_it():
    old_build, old_fields = make_page_build(make_release("v6.18"))
    new_build, _ = make_page_build(make_release("v7.2"), head="compound_info")
    tail = make_memtype("tail_page")
    make_usage(tail, old_fields["compound_head"], keeps="head pointer | 1")
    make_identification(tail, test="PageTail(): page->compound_head & 1")
    report = drift.drift(old_build, new_build)
    [change] = report.structs_changed
    assert [(o.name, n.name) for o, n in change["renamed"]] == [("compound_head", "compound_info")]
    assert change["added"] == [] and change["removed"] == []
    [stranded] = report.stranded
    assert (stranded["status"], stranded["to"].name) == ("renamed", "compound_info")
    [stale] = report.identifications
    assert stale["names"] == ["compound_head"]


def test_drift_command_prints_the_rename_and_refuses_an_unknown_build():
    make_page_build(make_release("v6.18"))
    make_page_build(make_release("v7.2"), head="compound_info")
    out = io.StringIO()
    call_command("drift", "v6.18", "v7.2", stdout=out)
    assert "renamed struct page.compound_head -> compound_info @8" in out.getvalue()
    with pytest.raises(CommandError, match="no build of v6.18 for arm is loaded"):
        call_command("drift", "v6.18", "v7.2", arch="arm")


def test_carry_usages_marks_what_it_carries_and_follows_renames():
    old_build, old_fields = make_page_build(make_release("v6.18"))
    new_build, new_fields = make_page_build(make_release("v7.2"), head="compound_info")
    anon, tail = make_memtype("anon_mem"), make_memtype("tail_page")
    make_usage(anon, old_fields["mapping"], keeps="anon_vma")
    make_usage(tail, old_fields["compound_head"], keeps="head | 1")
    make_usage(anon, new_fields["_refcount"], keeps="verified at v7.2")
    old_refcount = make_usage(tail, old_fields["_refcount"], keeps="refs")
    out = io.StringIO()
    call_command("carry_usages", "v6.18", "v7.2", stdout=out)
    assert "3 usages carried (not re-verified), 0 already recorded, 0 not carried" in out.getvalue()
    carried = FieldUsage.objects.filter(field__layout__build=new_build, carried=True)
    assert sorted((u.memory_type.slug, u.field.name) for u in carried) == [
        ("anon_mem", "mapping"),
        ("tail_page", "_refcount"),
        ("tail_page", "compound_info"),
    ]
    assert FieldUsage.objects.get(field=new_fields["_refcount"], memory_type=anon).carried is False
    assert old_refcount.carried is False
    assert {u.basis for u in carried} == {"inferred"}
    again = io.StringIO()
    call_command("carry_usages", "v6.18", "v7.2", stdout=again)
    assert "0 usages carried (not re-verified), 3 already recorded" in again.getvalue()


def test_carry_usages_never_guesses_between_two_fields_of_the_same_name():
    old_build, old_fields = make_page_build(make_release("v6.18"))
    new_build, new_fields = make_page_build(make_release("v7.2"))
    old_page = old_fields["flags"].layout
    new_page = new_fields["flags"].layout
    old_next = make_field(old_page, "next", offset=32, path="union#2@32/struct#1@32", position=5)
    make_field(new_page, "next", offset=8, path="union#1@8/struct#2@8", position=5)
    make_field(new_page, "next", offset=16, path="union#1@8/struct#3@8", position=6)
    slab = make_memtype("slab")
    make_usage(slab, old_next, keeps="next slab")
    make_usage(slab, old_fields["mapping"], keeps="unique by name")
    out = io.StringIO()
    call_command("carry_usages", "v6.18", "v7.2", stdout=out)
    assert "1 usages carried (not re-verified), 0 already recorded, 1 not carried" in out.getvalue()
    assert "slab: page.next (at union#2@32/struct#1@32; v7.2 has several, none there)" in out.getvalue()
    carried = FieldUsage.objects.filter(field__layout__build=new_build)
    assert [u.field.name for u in carried] == ["mapping"]


def test_build_label_names_package_debug_info_and_tool():
    build = make_build(
        make_release("v6.12"),
        kernel_version="6.12.117",
        package="linux-image-6.12.117+deb12-cloud-amd64-unsigned",
        package_version="6.12.117-1~deb12u1",
        tool="pahole 1.30",
    )
    assert build.label == (
        "6.12.117 (linux-image-6.12.117+deb12-cloud-amd64-unsigned 6.12.117-1~deb12u1), BTF, pahole 1.30"
    )
    assert Build.objects.of("v6.12").pk == build.pk
    assert Build.objects.of("v6.12", "arm") is None


def test_a_field_whose_path_changed_is_found_by_its_name_unless_two_fields_share_it():
    release = make_release("v7.2")
    x86, x86_fields = make_page_build(release)
    arm, arm_fields = make_page_build(release, arch="arm")
    x86_page, arm_page = x86_fields["flags"].layout, arm_fields["flags"].layout
    lru = make_field(x86_page, "lru", offset=8, size=16, path="union#1@8/struct#1@8", position=5)
    make_field(arm_page, "lru", offset=4, size=8, path="union#1@4/struct#2@4", position=5)
    slab_list = make_field(x86_page, "slab_list", offset=8, size=16, path="union#1@8/struct#4@8", position=6)
    make_field(arm_page, "slab_list", offset=4, size=8, path="union#1@4/struct#5@4", position=6)
    make_field(arm_page, "slab_list", offset=12, size=8, path="union#1@4/struct#6@4", position=7)
    make_usage(make_memtype("file_mem"), lru, keeps="LRU list")
    make_usage(make_memtype("slab"), slab_list, keeps="partial list")

    pairs = [(usage.memory_type.slug, fld.offset) for usage, fld in layouts.usages_of_build(arm)]
    uses = [(use.memory_type.slug, use.field.offset) for use in layouts.uses_of_build(arm)]
    assert pairs == uses == [("file_mem", 4)]


def test_the_drift_follows_a_field_whose_path_changed_but_never_guesses_between_two_of_its_name():
    old_build, old_fields = make_page_build(make_release("v6.18"))
    new_build, new_fields = make_page_build(make_release("v7.2"))
    old_page, new_page = old_fields["flags"].layout, new_fields["flags"].layout
    lru = make_field(old_page, "lru", offset=8, size=16, path="union#1@8/struct#1@8", position=5)
    make_field(new_page, "lru", offset=16, size=16, path="union#1@16/struct#1@16", position=5)
    slab_list = make_field(old_page, "slab_list", offset=8, size=16, path="union#1@8/struct#4@8", position=6)
    make_field(new_page, "slab_list", offset=16, size=16, path="union#1@16/struct#5@16", position=6)
    make_field(new_page, "slab_list", offset=32, size=16, path="union#1@16/struct#6@16", position=7)
    make_usage(make_memtype("file_mem"), lru, keeps="LRU list")
    make_usage(make_memtype("slab"), slab_list, keeps="partial list")
    stranded = drift.drift(old_build, new_build).stranded
    assert [(s["usage"].memory_type.slug, s["status"], s["to"] and s["to"].offset) for s in stranded] == [
        ("file_mem", "moved", 16),
        ("slab", "vanished", None),
    ]
