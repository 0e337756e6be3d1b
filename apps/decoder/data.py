"""The rules of data/rules/: read and validate them with the rest of the kernel data, load them,
export them back. apps.kernel.data calls these from read(), load() and export().

data/rules/<area>.yaml lists, per memory type of that area, its identification rules;
data/rules/enum_spans.yaml lists the enum spans (which build's enum numbering holds for which
releases). See data/README.md.
"""

from django.core.exceptions import ValidationError

from apps.decoder.models import EnumSpan, Rule
from apps.kernel.models import Basis, Build, Identification, MemoryType, release_sort_key

RULE_GROUP_KEYS = {"type": str, "rules": list}
RULE_KEYS = {
    "since": (str, type(None)), "until": (str, type(None)), "arch": str, "page": str, "field": str, "word": int,
    "operation": str, "name": str, "mask": str, "value": str, "shift": int, "effect": str, "priority": int,
    "config": str, "identification": str, "note": str, "source": str, "basis": str,
}  # fmt: skip
RULE_REQUIRED = {"operation", "source"}
RULE_SCALARS = ("since", "until", "arch", "page", "field", "word", "operation", "name", "mask", "value", "shift",
                "effect", "priority", "config", "note", "basis")  # fmt: skip
SPAN_KEYS = {"enum": str, "arch": str, "since": str, "until": str, "lender": str, "note": str, "source": str,
             "basis": str}  # fmt: skip
SPAN_REQUIRED = {"enum", "arch", "since", "until", "lender", "source"}
SPANS_FILE = "enum_spans.yaml"
FIRST = "start"  # identification: start = the type's entry without a since


def rule_key(slug, values):
    """What tells two rules of a type apart (the loader matches stored rules by it)."""
    return (slug, values["since"], values["arch"], values["page"], values["field"], values["word"],
            values["operation"], values["name"], values["effect"])  # fmt: skip


def read_rules(bundle, data_error, check_entry, list_file):
    """Validate data/rules/*.yaml into bundle.rules [(slug, values, identification since or None, source)]
    and bundle.enum_spans; raises data_error naming the file and the entry."""
    folder = bundle.data_dir / "rules"
    if not folder.is_dir():
        return
    idents = {(slug, since) for slug, since, *_ in bundle.identifications}
    page_fields = {
        (build["release"], build["arch"]): {f.name for s in build["structs"] if s.name == "page" for f in s.fields}
        for build in bundle.builds
    }
    known_fields = set().union(*page_fields.values()) if page_fields else set()
    seen = {}
    areas = set(MemoryType.Area.values)
    for path in sorted(folder.glob("*.yaml")):
        rel = path.relative_to(bundle.data_dir)
        if path.name == SPANS_FILE:
            _read_spans(bundle, path, data_error, check_entry, list_file)
            continue
        if path.stem not in areas:
            raise data_error(f"{rel}: {path.stem!r} is not an area ({', '.join(sorted(areas))})")
        for i, group in enumerate(list_file(path, bundle.data_dir), start=1):
            slug = group.get("type", f"entry {i}") if isinstance(group, dict) else f"entry {i}"
            check_entry(group, RULE_GROUP_KEYS, {"type", "rules"}, f"{rel}: {slug}")
            if slug not in bundle.types:
                raise data_error(f"{rel}: {slug}: unknown type")
            if bundle.types[slug]["area"] != path.stem:
                raise data_error(f"{rel}: {slug}: the type's area is {bundle.types[slug]['area']}")
            for j, entry in enumerate(group["rules"], start=1):
                where = f"{rel}: {slug}: rule {j}"
                check_entry(entry, RULE_KEYS, RULE_REQUIRED, where)
                values = {attr: entry.get(attr) for attr in RULE_SCALARS}
                for attr in ("since", "until", "arch", "field", "name", "mask", "value", "config", "note"):
                    values[attr] = (values[attr] or "").strip()
                values["page"] = values["page"] or Rule.Page.THIS
                values["effect"] = values["effect"] or Rule.Effect.IDENTIFIES
                values["shift"] = values["shift"] or 0
                values["priority"] = 50 if values["priority"] is None else values["priority"]
                values["basis"] = values["basis"] or Basis.TAG
                for attr in ("since", "until"):
                    if values[attr]:
                        try:
                            release_sort_key(values[attr])
                        except ValueError as exc:
                            raise data_error(f"{where}: {attr}: {exc}") from exc
                try:
                    exclude = ["memory_type", "identification", "source"]
                    Rule(**values).full_clean(exclude=exclude, validate_unique=False)
                except ValidationError as exc:
                    raise data_error(f"{where}: {_messages(exc)}") from exc
                if values["field"] and values["field"] not in known_fields:
                    raise data_error(f"{where}: no loaded struct page has a field {values['field']!r}")
                ident = entry.get("identification")
                since = None
                if ident:
                    since = "" if ident == FIRST else ident
                    if (slug, since) not in idents:
                        raise data_error(
                            f"{where}: {slug} has no identification since {ident} (use a since, or {FIRST!r})"
                        )
                source = entry["source"]
                if source not in bundle.sources:
                    raise data_error(f"{where}: unknown source {source!r}")
                key = rule_key(slug, values)
                if key in seen:
                    raise data_error(f"{where}: the same rule is listed twice (also {seen[key]})")
                seen[key] = where
                bundle.rules.append((slug, values, since, source))


def _read_spans(bundle, path, data_error, check_entry, list_file):
    rel = path.relative_to(bundle.data_dir)
    builds = {(b["release"], b["arch"]): b for b in bundle.builds}
    seen = set()
    for i, entry in enumerate(list_file(path, bundle.data_dir), start=1):
        where = f"{rel}: entry {i}"
        check_entry(entry, SPAN_KEYS, SPAN_REQUIRED, where)
        where = f"{rel}: enum {entry['enum']} {entry['arch']} {entry['since']}..{entry['until']}"
        if entry["arch"] not in Build.Arch.values:
            raise data_error(f"{where}: arch must be one of {', '.join(Build.Arch.values)}")
        try:
            if release_sort_key(entry["until"]) <= release_sort_key(entry["since"]):
                raise data_error(f"{where}: until must be a later release than since")
        except ValueError as exc:
            raise data_error(f"{where}: {exc}") from exc
        lender = builds.get((entry["lender"], entry["arch"]))
        if lender is None:
            raise data_error(f"{where}: no {entry['arch']} build of {entry['lender']} in layouts/")
        if entry["enum"] not in lender["enums"]:
            raise data_error(f"{where}: the {entry['lender']} build has no enum {entry['enum']}")
        if entry["source"] not in bundle.sources:
            raise data_error(f"{where}: unknown source {entry['source']!r}")
        basis = entry.get("basis") or Basis.INFERRED
        if basis not in Basis.values:
            raise data_error(f"{where}: basis {basis!r} is not one of {', '.join(Basis.values)}")
        key = (entry["enum"], entry["arch"], entry["since"])
        if key in seen:
            raise data_error(f"{where}: listed twice")
        seen.add(key)
        bundle.enum_spans.append({**entry, "note": (entry.get("note") or "").strip(), "basis": basis})


def _messages(exc):
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def upsert_rules(bundle, types, sources, counts, save_if_changed):
    """Create and update the bundle's rules and enum spans (nothing is deleted)."""
    idents = {(i.memory_type.slug, i.since): i for i in Identification.objects.select_related("memory_type")}
    existing = {rule_key(r.memory_type.slug, _values(r)): r for r in Rule.objects.select_related("memory_type")}
    for slug, values, since, source in bundle.rules:
        obj = existing.get(rule_key(slug, values))
        wanted = {**values, "source": sources[source], "identification": idents.get((slug, since))}
        if obj is None:
            Rule.objects.create(memory_type=types[slug], **wanted)
        save_if_changed(obj, wanted, counts, created=obj is None)
    builds = {(b.release.name, b.arch): b for b in Build.objects.select_related("release")}
    spans = {(s.enum, s.arch, s.since): s for s in EnumSpan.objects.all()}
    for entry in bundle.enum_spans:
        obj = spans.get((entry["enum"], entry["arch"], entry["since"]))
        wanted = {"until": entry["until"], "lender": builds[(entry["lender"], entry["arch"])], "note": entry["note"]}
        wanted |= {"source": sources[entry["source"]], "basis": entry["basis"]}
        if obj is None:
            EnumSpan.objects.create(enum=entry["enum"], arch=entry["arch"], since=entry["since"], **wanted)
        save_if_changed(obj, wanted, counts, created=obj is None)


def _values(rule):
    return {attr: getattr(rule, attr) for attr in RULE_SCALARS}


def export_rules(write, drop_empty):
    """Write data/rules/<area>.yaml and enum_spans.yaml from the database (2 queries)."""
    by_area = {}
    rules = Rule.objects.select_related("memory_type", "identification", "source").order_by(
        "memory_type__slug", "sort_since", "arch", "effect", "page", "field", "operation", "name"
    )
    for rule in rules:
        groups = by_area.setdefault(rule.memory_type.area, {})
        entry = {"since": rule.since or None, "until": rule.until or None, "arch": rule.arch}
        entry |= {attr: getattr(rule, attr) for attr in ("page", "field", "word", "operation", "name", "mask", "value")}
        entry |= {"shift": rule.shift, "effect": rule.effect, "priority": rule.priority, "config": rule.config}
        if rule.identification is not None:
            entry["identification"] = rule.identification.since or FIRST
        entry |= {"note": rule.note, "source": rule.source.key}
        if rule.basis != Basis.TAG:
            entry["basis"] = rule.basis
        if entry["page"] == Rule.Page.THIS:
            del entry["page"]
        if entry["effect"] == Rule.Effect.IDENTIFIES:
            del entry["effect"]
        if not entry["shift"]:
            del entry["shift"]
        groups.setdefault(rule.memory_type.slug, []).append(drop_empty(entry, keep=("operation", "source", "priority")))
    for area, groups in sorted(by_area.items()):
        content = [{"type": slug, "rules": entries} for slug, entries in sorted(groups.items())]
        write(f"rules/{area}.yaml", content, f"Identification rules of the memory types of the area '{area}'.")
    spans = [
        drop_empty(
            {
                "enum": s.enum,
                "arch": s.arch,
                "since": s.since,
                "until": s.until,
                "lender": s.lender.release.name,
                "note": s.note,
                "source": s.source.key,
                "basis": s.basis,
            }  # fmt: skip
        )
        for s in EnumSpan.objects.select_related("lender__release", "source").order_by("enum", "arch", "sort_since")
    ]
    if spans:
        write(f"rules/{SPANS_FILE}", spans, "Releases whose enum numbering is that of a loaded build.")
