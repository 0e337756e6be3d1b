"""What changed between two builds of one architecture: the drift report.

Layouts: structs added and removed; per struct, fields added, removed, moved, resized, retyped
and renamed (the same offset, size and C type under a new name, e.g. compound_head became
compound_info). Usages: per type, added, removed or keeping something else, and the usages of
the older build whose field vanished or moved in the newer one (the newer build's field is the one
layouts.FieldFinder finds: the same path and name, or else the only field of that name; where none
is, or several share the name, the field vanished). Identification: the tests in
effect at the newer release that name a field the older build has and the newer one lacks,
and per type the identification that changed between the two releases.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch

from apps.kernel.layouts import FieldFinder, usages_of_build
from apps.kernel.models import Field, Identification, StructLayout, release_sort_key

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RENAME_ATTRS = ("offset", "page_index", "c_type", "size", "bit_offset", "bit_size")


@dataclass
class Drift:
    """The drift report between two builds (see the module's docstring)."""

    from_build: object
    to_build: object
    structs_added: list = field(default_factory=list)
    structs_removed: list = field(default_factory=list)
    structs_changed: list = field(default_factory=list)  # dicts, one per struct
    usages: list = field(default_factory=list)  # per type: {"type", "added", "removed", "changed"}
    stranded: list = field(default_factory=list)  # {"usage", "field", "status": vanished|moved|renamed, "to"}
    identifications: list = field(default_factory=list)  # {"identification", "names": [...]}
    # per type whose identification differs between the two releases: {"type", "before", "after"}
    identification_changes: list = field(default_factory=list)

    @property
    def renames(self):
        return [(struct["struct"], old, new) for struct in self.structs_changed for old, new in struct["renamed"]]


def _field_keys(fields):
    """{key: field} where the key is the field's name, or path/name where the name repeats in
    the struct (pahole prints several anonymous-union members with the same name)."""
    names = defaultdict(int)
    for fld in fields:
        names[fld.name] += 1
    return {(fld.name if names[fld.name] == 1 else f"{fld.path}/{fld.name}"): fld for fld in fields}


def _pair_renames(removed, added):
    """Pairs (old, new) of a removed and an added field at the same offset with the same C type
    and size: the kernel renamed it. One-to-one, in order."""
    pairs, left = [], list(added)
    for old in removed:
        for new in left:
            if all(getattr(old, a) == getattr(new, a) for a in RENAME_ATTRS):
                pairs.append((old, new))
                left.remove(new)
                break
    return pairs


def _struct_changes(struct, old_fields, new_fields, from_size, to_size):
    old, new = _field_keys(old_fields), _field_keys(new_fields)
    removed = [old[k] for k in old if k not in new]
    added = [new[k] for k in new if k not in old]
    renamed = _pair_renames(removed, added)
    removed = [f for f in removed if all(f is not o for o, _ in renamed)]
    added = [f for f in added if all(f is not n for _, n in renamed)]
    both = [(old[k], new[k]) for k in old if k in new]
    return {
        "struct": struct,
        "from_size": from_size,
        "to_size": to_size,
        "added": added,
        "removed": removed,
        "renamed": renamed,
        "moved": [(o, n) for o, n in both if (o.offset, o.bit_offset) != (n.offset, n.bit_offset)],
        "resized": [(o, n) for o, n in both if (o.size, o.bit_size) != (n.size, n.bit_size)],
        "retyped": [(o, n) for o, n in both if o.c_type != n.c_type],
    }


def drift(from_build, to_build):
    """The Drift between two builds (5 queries; 7 for builds other than x86_64)."""
    report = Drift(from_build=from_build, to_build=to_build)
    by_layout, sizes = {}, {}
    stored = StructLayout.objects.filter(build__in=[from_build, to_build]).prefetch_related(
        Prefetch("fields", queryset=Field.objects.order_by("offset", "position"))
    )
    for layout in stored:
        by_layout[(layout.build_id, layout.struct)] = list(layout.fields.all())
        sizes[(layout.build_id, layout.struct)] = layout.size
    before = {struct for bid, struct in by_layout if bid == from_build.id}
    after = {struct for bid, struct in by_layout if bid == to_build.id}
    report.structs_added, report.structs_removed = sorted(after - before), sorted(before - after)
    renamed_to = {}
    for struct in sorted(before & after):
        entry = _struct_changes(
            struct,
            by_layout[(from_build.id, struct)],
            by_layout[(to_build.id, struct)],
            sizes[(from_build.id, struct)],
            sizes[(to_build.id, struct)],
        )
        renamed_to.update({old.id: new for old, new in entry["renamed"]})
        if entry["from_size"] != entry["to_size"] or any(
            entry[k] for k in ("added", "removed", "renamed", "moved", "resized", "retyped")
        ):
            report.structs_changed.append(entry)
    new_fields = FieldFinder(
        (fld for (bid, _), fields in by_layout.items() if bid == to_build.id for fld in fields),
        struct=lambda fld: fld.layout.struct,
    )
    old_usages = usages_of_build(from_build)
    new_usages = usages_of_build(to_build)
    report.usages = _usage_diff(old_usages, new_usages)
    for usage, fld in old_usages:
        struct = fld.layout.struct
        now = new_fields.find(struct, fld)
        if now is None and fld.id in renamed_to:
            report.stranded.append({"usage": usage, "field": fld, "status": "renamed", "to": renamed_to[fld.id]})
        elif now is None and struct in after:
            report.stranded.append({"usage": usage, "field": fld, "status": "vanished", "to": None})
        elif now is not None and (now.offset, now.bit_offset) != (fld.offset, fld.bit_offset):
            report.stranded.append({"usage": usage, "field": fld, "status": "moved", "to": now})
    identifications = list(Identification.objects.select_related("memory_type", "source").order_by("memory_type__slug"))
    report.identifications = _stale_identifications(by_layout, from_build, to_build, identifications)
    report.identification_changes = _identification_changes(identifications, from_build, to_build)
    return report


def _usage_diff(old_usages, new_usages):
    """Per type: usages added, removed, or keeping something else, matched by struct and field
    name."""
    kept = defaultdict(dict)  # (slug, 0 old | 1 new) -> {(struct, field name): usage}
    for side, pairs in ((0, old_usages), (1, new_usages)):
        for usage, fld in pairs:
            kept[(usage.memory_type.slug, side)][(fld.layout.struct, fld.name)] = (usage, fld)
    result = []
    for slug in sorted({slug for slug, _ in kept}):
        old, new = kept.get((slug, 0), {}), kept.get((slug, 1), {})
        entry = {
            "type": slug,
            "added": [new[k] for k in new if k not in old],
            "removed": [old[k] for k in old if k not in new],
            "changed": [(old[k], new[k]) for k in old if k in new and old[k][0].keeps != new[k][0].keeps],
        }
        if entry["added"] or entry["removed"] or entry["changed"]:
            result.append(entry)
    return result


def _in_effect(identifications, release_name):
    """{type id: the identification in effect at a release}: the latest whose since is at or
    before it (an entry without since holds from the start)."""
    target = release_sort_key(release_name)
    current = {}
    for ident in identifications:
        key = ident.sort_key
        if key <= target and (ident.memory_type_id not in current or current[ident.memory_type_id].sort_key < key):
            current[ident.memory_type_id] = ident
    return current


def _stale_identifications(by_layout, from_build, to_build, identifications):
    """Identifications in effect at the newer release whose test names a field of the older
    build that the newer build no longer has."""
    old_names = {f.name for (bid, _), fields in by_layout.items() if bid == from_build.id for f in fields}
    new_names = {f.name for (bid, _), fields in by_layout.items() if bid == to_build.id for f in fields}
    gone = {name for name in old_names - new_names if len(name) > 2}
    if not gone:
        return []
    current = _in_effect(identifications, to_build.release.name)
    result = []
    for ident in sorted(current.values(), key=lambda i: i.memory_type.slug):
        names = sorted(set(IDENTIFIER.findall(ident.test)) & gone)
        if names:
            result.append({"identification": ident, "names": names})
    return result


def _identification_changes(identifications, from_build, to_build):
    """Per type, by slug: the identification in effect at the older release ("before", None
    when the type had none) and at the newer one ("after"), where the two differ: the kernel
    recognises the type another way (slab: PG_slab before v6.10, PGTY_slab after)."""
    before = _in_effect(identifications, from_build.release.name)
    after = _in_effect(identifications, to_build.release.name)
    changes = []
    for type_id in before.keys() | after.keys():
        old, new = before.get(type_id), after.get(type_id)
        if old is not new:
            memory_type = (new or old).memory_type
            changes.append({"type": memory_type, "before": old, "after": new})
    return sorted(changes, key=lambda c: c["type"].slug)
