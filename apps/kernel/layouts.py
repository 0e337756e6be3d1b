"""Struct layouts of a release: storing what pahole printed, and reading struct page's words
and the descriptors that overlay them."""

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction

from apps.kernel.models import WORD_SIZE, Field, FieldUsage, Release, StructLayout

FIELD_ATTRS = ("c_type", "offset", "size", "bit_offset", "bit_size", "page_index", "position")


class LayoutError(ValueError):
    """A layout that cannot be stored as it is; nothing was written."""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def add(self, other):
        for name in ("created", "updated", "deleted", "unchanged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self):
        return f"{self.created} created, {self.updated} updated, {self.deleted} deleted, {self.unchanged} unchanged"


def _page_size(release, structs):
    for struct in structs:
        if struct.name == "page":
            return struct.size
    if release is not None:
        layout = StructLayout.objects.filter(release=release, struct="page").first()
        if layout:
            return layout.size
    raise LayoutError("struct page is neither in the input nor already stored for this release")


def store(release_name, structs, provenance, kernel_version="", configs=None):
    """Store parsed structs (pahole.StructDef) as the layouts of a release, all or nothing.

    Creates the release when it is new. Fields are matched by (path, name): changed ones are
    updated, missing ones created, and ones no longer in the input deleted, unless a field usage
    points at them (then nothing is written). Storing the same input again changes nothing.
    configs: {struct: {field: CONFIG_X}} applied to the fields' config column.
    Returns Counts of layouts and fields together."""
    configs = configs or {}
    release = Release.objects.filter(name=release_name).first()
    page_size = _page_size(release, structs)
    counts = Counts()
    layouts = {}
    existing = defaultdict(dict)
    if release is not None:
        layouts = {lay.struct: lay for lay in release.layouts.all()}
        for fld in Field.objects.filter(layout__release=release).select_related("layout"):
            existing[fld.layout.struct][(fld.path, fld.name)] = fld
    # Validate before writing anything: removed fields must not carry usages.
    for struct in structs:
        wanted = {(f.path, f.name) for f in struct.fields}
        gone = [fld for key, fld in existing[struct.name].items() if key not in wanted]
        used = FieldUsage.objects.filter(field__in=gone).select_related("memory_type", "field__layout").first()
        if used:
            raise LayoutError(
                f"struct {struct.name}.{used.field.name} of {release_name} is gone from the input "
                f"but {used.memory_type.slug} records a usage of it; remove that usage first"
            )
    with transaction.atomic():
        if release is None:
            release = Release.objects.create(name=release_name, kernel_version=kernel_version)
            counts.created += 1
        elif kernel_version and release.kernel_version != kernel_version:
            release.kernel_version = kernel_version
            release.save(update_fields=["kernel_version"])
            counts.updated += 1
        for struct in structs:
            layout = layouts.get(struct.name)
            if layout is None:
                layout = StructLayout.objects.create(
                    release=release, struct=struct.name, size=struct.size, provenance=provenance
                )
                counts.created += 1
            elif (layout.size, layout.provenance) != (struct.size, provenance):
                layout.size, layout.provenance = struct.size, provenance
                layout.save(update_fields=["size", "provenance"])
                counts.updated += 1
            else:
                counts.unchanged += 1
            counts.add(_store_fields(layout, struct, existing[struct.name], page_size, configs.get(struct.name, {})))
    return counts


def _store_fields(layout, struct, existing, page_size, configs):
    counts = Counts()
    new, changed = [], []
    wanted = set()
    for f in struct.fields:
        values = {
            "c_type": f.c_type,
            "offset": f.offset,
            "size": f.size,
            "bit_offset": f.bit_offset,
            "bit_size": f.bit_size,
            "page_index": f.offset // page_size,
            "position": f.position,
            "config": configs.get(f.name, ""),
        }
        wanted.add((f.path, f.name))
        fld = existing.get((f.path, f.name))
        if fld is None:
            new.append(Field(layout=layout, path=f.path, name=f.name, **values))
        elif any(getattr(fld, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(fld, k, v)
            changed.append(fld)
        else:
            counts.unchanged += 1
    gone = [fld.pk for key, fld in existing.items() if key not in wanted]
    Field.objects.bulk_create(new)
    Field.objects.bulk_update(changed, [*FIELD_ATTRS, "config"])
    Field.objects.filter(pk__in=gone).delete()
    counts.created, counts.updated, counts.deleted = len(new), len(changed), len(gone)
    return counts


@dataclass
class Word:
    """One 8-byte word of struct page and every field that shares it."""

    index: int
    offset: int
    fields: list


def words(fields, struct_size):
    """Group a layout's fields into its 8-byte words, in offset order; a field wider than a
    word (a list_head) is listed in each word it covers."""
    by_word = [
        Word(index=i, offset=i * WORD_SIZE, fields=[]) for i in range((struct_size + WORD_SIZE - 1) // WORD_SIZE)
    ]
    for fld in sorted(fields, key=lambda f: (f.offset, f.position)):
        first = fld.offset // WORD_SIZE
        last = (fld.offset + max(fld.size, 1) - 1) // WORD_SIZE
        for index in range(first, min(last, len(by_word) - 1) + 1):
            by_word[index].fields.append(fld)
    return by_word


def page_fields_under(field, page_fields, page_size):
    """The struct page fields that a descriptor's field lies over, derived from the offsets
    (what the kernel's FOLIO_MATCH / SLAB_MATCH / TABLE_MATCH asserts state). A folio field on
    page[1] is compared with struct page at offset - 1 * sizeof(struct page)."""
    start = field.offset - field.page_index * page_size
    end = start + max(field.size, 1)
    return [pf for pf in page_fields if pf.offset < end and start < pf.offset + max(pf.size, 1)]
