"""Struct layouts of a release: storing what pahole printed, and reading struct page's words
and the descriptors that overlay them."""

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch

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
    configs: {struct: {field: (CONFIG_X, Source)}}: the config option each field depends on.
    Returns Counts of layouts and fields together."""
    configs = configs or {}
    release = Release.objects.filter(name=release_name).first()
    page_size = _page_size(release, structs)
    counts = Counts()
    layouts = {}
    existing = defaultdict(dict)
    if release is not None:
        layouts = {lay.struct: lay for lay in release.layouts.all()}
        for fld in Field.objects.of_release(release):
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
            "config": configs.get(f.name, ("", None))[0],
            "config_source_id": getattr(configs.get(f.name, ("", None))[1], "pk", None),
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
    Field.objects.bulk_update(changed, [*FIELD_ATTRS, "config", "config_source"])
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
        first = fld.word
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


@dataclass
class MatrixRow:
    """One struct page field on one page of a compound (page_index 0: the head page), with
    what each type keeps there: {type slug: [(keeps, "struct.field" it was recorded on)]}."""

    page_index: int
    field: object
    cells: dict


@dataclass
class Matrix:
    """struct page fields (rows) x memory types (columns) of one release."""

    release: object
    page_size: int
    types: list
    rows: list


def matrix(release):
    """What each type keeps in each field of the release's struct page (2 queries).

    A usage recorded on a descriptor's field (folio, slab, ptdesc, ...) is shown on every struct
    page field it overlays; one on a tail page (folio fields on page[1..3]) goes to the rows of
    that page. Rows come for the head page and every tail page a usage reaches, each page's
    fields in offset order; columns are the types with a usage in the release, by slug."""
    page_fields = list(
        Field.objects.filter(layout__release=release, layout__struct="page")
        .select_related("layout")
        .order_by("offset", "position")
    )
    usages = list(
        FieldUsage.objects.filter(field__layout__release=release)
        .select_related("memory_type", "field__layout")
        .order_by("memory_type__slug", "field__layout__struct", "field__offset", "field__position")
    )
    page_size = page_fields[0].layout.size if page_fields else 0
    cells = defaultdict(lambda: defaultdict(list))  # (page_index, field id) -> slug -> entries
    types = {}
    for usage in usages:
        fld = usage.field
        types[usage.memory_type.slug] = usage.memory_type
        if fld.layout.struct == "page":
            under = [fld]
        elif page_size:
            under = page_fields_under(fld, page_fields, page_size)
        else:
            under = []
        for page_field in under:
            cells[(fld.page_index, page_field.id)][usage.memory_type.slug].append(
                (usage.keeps, f"{fld.layout.struct}.{fld.name}")
            )
    page_indexes = sorted({0} | {index for index, _ in cells}) if page_fields else []
    rows = [
        MatrixRow(page_index=index, field=pf, cells=dict(cells.get((index, pf.id), {})))
        for index in page_indexes
        for pf in page_fields
    ]
    return Matrix(release=release, page_size=page_size, types=[types[s] for s in sorted(types)], rows=rows)


def _field_keys(fields):
    """{key: field} where the key is the field's name, or path/name where the name repeats in
    the struct (pahole prints several anonymous-union members with the same name)."""
    names = defaultdict(int)
    for fld in fields:
        names[fld.name] += 1
    return {(fld.name if names[fld.name] == 1 else f"{fld.path}/{fld.name}"): fld for fld in fields}


def _pair_renames(removed, added):
    """Pairs (old, new) of a removed and an added field at the same offset with the same C type
    and size: the kernel renamed it (e.g. index became __folio_index). One-to-one, in order."""
    pairs, left = [], list(added)
    for old in removed:
        for new in left:
            same = (old.offset, old.page_index, old.c_type, old.size, old.bit_offset, old.bit_size) == (
                new.offset,
                new.page_index,
                new.c_type,
                new.size,
                new.bit_offset,
                new.bit_size,
            )
            if same:
                pairs.append((old, new))
                left.remove(new)
                break
    return pairs


def diff(from_release, to_release):
    """What changed in the layouts and the usages from one release to another (3 queries).

    Returns plain data: {"structs": {"added": [names], "removed": [names], "changed": [...]},
    "usages": [{"type", "added", "removed", "changed"}]}. A struct in both releases lists its
    fields added, removed, moved (offset changed), resized, retyped (C type changed) and renamed
    (a removed and an added field at the same offset with the same C type and size)."""
    by_layout, sizes = {}, {}
    stored = StructLayout.objects.filter(release__in=[from_release, to_release]).prefetch_related(
        Prefetch("fields", queryset=Field.objects.order_by("offset", "position"))
    )
    for layout in stored:
        by_layout[(layout.release_id, layout.struct)] = list(layout.fields.all())
        sizes[(layout.release_id, layout.struct)] = layout.size
    before = {struct for rid, struct in by_layout if rid == from_release.id}
    after = {struct for rid, struct in by_layout if rid == to_release.id}
    changed = []
    for struct in sorted(before & after):
        old = _field_keys(by_layout[(from_release.id, struct)])
        new = _field_keys(by_layout[(to_release.id, struct)])
        removed = [old[k] for k in old if k not in new]
        added = [new[k] for k in new if k not in old]
        renamed = _pair_renames(removed, added)
        removed = [f for f in removed if all(f is not o for o, _ in renamed)]
        added = [f for f in added if all(f is not n for _, n in renamed)]
        both = [(old[k], new[k]) for k in old if k in new]
        entry = {
            "struct": struct,
            "from_size": sizes[(from_release.id, struct)],
            "to_size": sizes[(to_release.id, struct)],
            "added": added,
            "removed": removed,
            "renamed": renamed,
            "moved": [(o, n) for o, n in both if (o.offset, o.bit_offset) != (n.offset, n.bit_offset)],
            "resized": [(o, n) for o, n in both if (o.size, o.bit_size) != (n.size, n.bit_size)],
            "retyped": [(o, n) for o, n in both if o.c_type != n.c_type],
        }
        if entry["from_size"] != entry["to_size"] or any(
            entry[k] for k in ("added", "removed", "renamed", "moved", "resized", "retyped")
        ):
            changed.append(entry)
    return {
        "structs": {"added": sorted(after - before), "removed": sorted(before - after), "changed": changed},
        "usages": _usage_diff(from_release, to_release),
    }


def _usage_diff(from_release, to_release):
    """Per type: usages added, removed, or keeping something else, matched by struct and field
    name (1 query)."""
    kept = defaultdict(dict)  # (slug, release id) -> {(struct, field name): usage}
    usages = FieldUsage.objects.filter(field__layout__release__in=[from_release, to_release]).select_related(
        "memory_type", "field__layout"
    )
    for usage in usages.order_by("memory_type__slug", "field__layout__struct", "field__offset", "field__position"):
        key = (usage.field.layout.struct, usage.field.name)
        kept[(usage.memory_type.slug, usage.field.layout.release_id)][key] = usage
    result = []
    for slug in sorted({slug for slug, _ in kept}):
        old, new = kept.get((slug, from_release.id), {}), kept.get((slug, to_release.id), {})
        entry = {
            "type": slug,
            "added": [new[k] for k in new if k not in old],
            "removed": [old[k] for k in old if k not in new],
            "changed": [(old[k], new[k]) for k in old if k in new and old[k].keeps != new[k].keeps],
        }
        if entry["added"] or entry["removed"] or entry["changed"]:
            result.append(entry)
    return result
