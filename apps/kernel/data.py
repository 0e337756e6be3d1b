"""The curated kernel data under data/: read and validate it, load it, export it back.

`read(data_dir)` checks everything without touching the database and raises DataError naming
the file and the entry; `load(bundle)` then writes it in one transaction; `export(data_dir)`
writes the database back to the same files. See data/README.md for the formats.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import reversion
import yaml
from django.db import transaction
from django.db.models import Count

from apps.kernel import layouts, pahole
from apps.kernel.layouts import Counts
from apps.kernel.models import (
    RELEASE_NAME,
    FieldUsage,
    Identification,
    MemoryType,
    Release,
    Source,
    StructLayout,
    TypeRelation,
)
from apps.kernel.models import Field as LayoutField

SOURCE_KEYS = {"key": str, "kind": str, "title": str, "url": str, "path": str, "release": str,
               "commit": str, "repository": str, "message_id": str, "note": str}  # fmt: skip
SOURCE_REQUIRED = {"key", "kind", "title"}
RELEASE_KEYS = {"name": str, "kernel_version": str, "file": str, "provenance": str, "vendor_build": bool, "notes": str}
RELEASE_REQUIRED = {"name", "file", "provenance"}
TYPE_KEYS = {
    "slug": str, "name": str, "summary": str, "description": str, "status": str, "descriptor": str,
    "memdesc_type": (int, type(None)), "memdesc_revision": str, "alloc_api": str, "free_api": str,
    "on_lru": bool, "user_mappable": bool, "sources": list, "parents": list, "identification": list,
}  # fmt: skip
TYPE_REQUIRED = {"slug", "name", "summary", "status", "sources"}
PARENT_KEYS = {"parent": str, "note": str, "source": str}
IDENT_KEYS = {"since": (str, type(None)), "test": str, "source": str}
USAGE_GROUP_KEYS = {"type": str, "usages": list}
USAGE_KEYS = {"struct": str, "field": str, "path": str, "releases": list, "keeps": str, "source": str}
USAGE_REQUIRED = {"struct", "field", "keeps", "source"}
TYPE_SCALARS = ("name", "summary", "description", "status", "descriptor", "memdesc_type", "memdesc_revision",
                "alloc_api", "free_api", "on_lru", "user_mappable", "area")  # fmt: skip
SOURCE_SCALARS = ("kind", "title", "url", "path", "release", "commit", "repository", "message_id", "note")


class DataError(ValueError):
    """A problem in the data files: the message names the file and the entry. One line, at
    most MAX_MESSAGE_CHARS characters, whatever the data quoted in it."""

    def __init__(self, message):
        text = " ".join(str(message).split())
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[: MAX_MESSAGE_CHARS - 1] + "…"
        super().__init__(text)


# Bounds on what the loader reads: a data file larger than this is refused before parsing, a
# YAML alias (*name, whose expansion can take gigabytes: the "billion laughs") is refused,
# and error messages are cut.
MAX_YAML_BYTES = 2 * 1024 * 1024
MAX_LAYOUT_BYTES = 16 * 1024 * 1024
MAX_MESSAGE_CHARS = 500


class _NoAliasLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses aliases: the curated files never need them."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"aliases (*{event.anchor}) are not allowed in the data files", event.start_mark
            )
        return super().compose_node(parent, index)


def _read_text(path, limit, shown):
    """The UTF-8 text of a file of at most limit bytes; DataError (one line) otherwise."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise DataError(f"{shown}: {size:,} bytes is more than the {limit:,} a data file may have")
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{shown}: {exc.strerror}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"{shown}: line {line}: not UTF-8 (byte 0x{raw[exc.start]:02x})") from exc


@dataclass
class Bundle:
    """Everything in the data files, validated and ready to load."""

    data_dir: Path
    sources: dict = field(default_factory=dict)  # key -> {attr: value}
    releases: list = field(default_factory=list)  # {name, kernel_version, ..., structs}
    configs: dict = field(default_factory=dict)  # struct -> {field: (CONFIG, source key)}
    configs_source: str = ""
    types: dict = field(default_factory=dict)  # slug -> {attr: value, "sources": [keys]}
    relations: list = field(default_factory=list)  # (parent, child, note, source)
    identifications: list = field(default_factory=list)  # (slug, since, test, source)
    usages: list = field(default_factory=list)  # (slug, release, struct, path, name, keeps, source)


def _load_yaml(path, data_dir):
    rel = path.relative_to(data_dir)
    text = _read_text(path, MAX_YAML_BYTES, rel)
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader without aliases
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise DataError(f"{rel}:{where} is not valid YAML: {getattr(exc, 'problem', exc)}") from exc


def _check_entry(entry, keys, required, where):
    if not isinstance(entry, dict):
        raise DataError(f"{where}: expected a mapping, found {type(entry).__name__}")
    unknown = sorted(set(entry) - set(keys))
    if unknown:
        raise DataError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(keys))})")
    for key in sorted(required):
        if entry.get(key) in (None, "", []):
            raise DataError(f"{where}: {key!r} is required")
    for key, value in entry.items():
        if value is not None and not isinstance(value, keys[key]):
            raise DataError(f"{where}: {key!r} has the wrong kind of value {value!r}")


def _list_file(path, data_dir):
    content = _load_yaml(path, data_dir)
    if content is None:
        return []
    if not isinstance(content, list):
        raise DataError(f"{path.relative_to(data_dir)}: expected a list of entries")
    return content


def read(data_dir):
    """Read and validate every data file, without the database. Raises DataError."""
    data_dir = Path(data_dir)
    bundle = Bundle(data_dir=data_dir)
    _read_sources(bundle)
    _read_releases(bundle)
    _read_configs(bundle)
    _read_types(bundle)
    _read_usages(bundle)
    _check_cycles(bundle, stored=[])
    return bundle


def _source_ref(bundle, key, where):
    if key not in bundle.sources:
        raise DataError(f"{where}: unknown source {key!r}")
    return key


def _read_sources(bundle):
    for path in sorted((bundle.data_dir / "sources").glob("*.yaml")):
        rel = path.relative_to(bundle.data_dir)
        for i, entry in enumerate(_list_file(path, bundle.data_dir), start=1):
            where = f"{rel}: entry {i}" if not isinstance(entry, dict) else f"{rel}: {entry.get('key', f'entry {i}')}"
            _check_entry(entry, SOURCE_KEYS, SOURCE_REQUIRED, where)
            key = entry["key"]
            if key in bundle.sources:
                raise DataError(f"{where}: source key defined twice (also in {bundle.sources[key]['_file']})")
            values = {attr: entry.get(attr) or "" for attr in SOURCE_SCALARS}
            source = Source(key=key, **values)
            try:
                source.full_clean(validate_unique=False)
            except Exception as exc:
                raise DataError(f"{where}: {_messages(exc)}") from exc
            bundle.sources[key] = {**values, "_file": str(rel)}


def _messages(exc):
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(getattr(exc, "messages", [str(exc)]))


def _read_releases(bundle):
    path = bundle.data_dir / "releases.yaml"
    seen = set()
    for i, entry in enumerate(_list_file(path, bundle.data_dir), start=1):
        where = f"releases.yaml: {entry.get('name', f'entry {i}') if isinstance(entry, dict) else f'entry {i}'}"
        _check_entry(entry, RELEASE_KEYS, RELEASE_REQUIRED, where)
        name = entry["name"]
        if not RELEASE_NAME.match(name):
            raise DataError(f"{where}: a release is named like v6.12")
        if name in seen:
            raise DataError(f"{where}: release listed twice")
        seen.add(name)
        layout_path = bundle.data_dir / entry["file"]
        text = _read_text(layout_path, MAX_LAYOUT_BYTES, f"{where}: {entry['file']}")
        try:
            structs = pahole.parse(text)
        except pahole.PaholeError as exc:
            raise DataError(f"{entry['file']}: {exc}") from exc
        if "page" not in {s.name for s in structs}:
            raise DataError(f"{where}: {entry['file']} has no struct page")
        bundle.releases.append(
            {
                "name": name,
                "kernel_version": entry.get("kernel_version") or "",
                "file": entry["file"],
                "provenance": entry["provenance"].strip(),
                "vendor_build": bool(entry.get("vendor_build", False)),
                "notes": (entry.get("notes") or "").strip(),
                "structs": structs,
            }
        )


def _read_configs(bundle):
    path = bundle.data_dir / "configs.yaml"
    if not path.exists():
        return
    content = _load_yaml(path, bundle.data_dir) or {}
    if not isinstance(content, dict) or set(content) - {"source", "structs"}:
        raise DataError("configs.yaml: expected the keys 'source' and 'structs'")
    bundle.configs_source = _source_ref(bundle, content.get("source") or "", "configs.yaml: source")
    known = defaultdict(set)
    for release in bundle.releases:
        for struct in release["structs"]:
            known[struct.name].update(f.name for f in struct.fields)
    for struct, mapping in (content.get("structs") or {}).items():
        if not isinstance(mapping, dict):
            raise DataError(f"configs.yaml: {struct}: expected field: CONFIG_X entries")
        bundle.configs[struct] = {}
        for name, value in mapping.items():
            where = f"configs.yaml: {struct}.{name}"
            if name not in known[struct]:
                raise DataError(f"{where}: no release has that field")
            # "field: CONFIG_X" cites the file's source; "field: {config: CONFIG_X, source: key}" its own.
            if isinstance(value, dict):
                _check_entry(value, {"config": str, "source": str}, {"config", "source"}, where)
                config, source = value["config"], _source_ref(bundle, value["source"], where)
            else:
                config, source = value, bundle.configs_source
            if not isinstance(config, str) or not config:
                raise DataError(f"{where}: the config must be a name like CONFIG_MEMCG")
            bundle.configs[struct][name] = (config, source)


def _read_types(bundle):
    areas = set(MemoryType.Area.values)
    statuses = set(MemoryType.Status.values)
    for path in sorted((bundle.data_dir / "types").glob("*.yaml")):
        rel = path.relative_to(bundle.data_dir)
        area = path.stem
        if area not in areas:
            raise DataError(f"{rel}: {area!r} is not an area ({', '.join(sorted(areas))})")
        for i, entry in enumerate(_list_file(path, bundle.data_dir), start=1):
            slug = entry.get("slug", f"entry {i}") if isinstance(entry, dict) else f"entry {i}"
            where = f"{rel}: {slug}"
            _check_entry(entry, TYPE_KEYS, TYPE_REQUIRED, where)
            if slug in bundle.types:
                raise DataError(f"{where}: type defined twice (also in {bundle.types[slug]['_file']})")
            if entry["status"] not in statuses:
                raise DataError(f"{where}: status must be one of {', '.join(sorted(statuses))}")
            values = {attr: entry.get(attr) for attr in TYPE_SCALARS if attr != "area"}
            for text_attr in ("description", "descriptor", "memdesc_revision", "alloc_api", "free_api"):
                values[text_attr] = (values[text_attr] or "").strip()
            values["on_lru"] = bool(values["on_lru"])
            values["user_mappable"] = bool(values["user_mappable"])
            values["area"] = area
            try:
                MemoryType(slug=slug, **values).full_clean(validate_unique=False)
            except Exception as exc:
                raise DataError(f"{where}: {_messages(exc)}") from exc
            keys = entry["sources"]
            if len(set(keys)) != len(keys):
                raise DataError(f"{where}: a source is listed twice")
            for key in keys:
                _source_ref(bundle, key, f"{where}: sources")
            bundle.types[slug] = {**values, "sources": sorted(keys), "_file": str(rel), "_entry": entry}
    for slug, values in bundle.types.items():
        entry, where = values.pop("_entry"), f"{values['_file']}: {slug}"
        parents = set()
        for rel_entry in entry.get("parents") or []:
            _check_entry(rel_entry, PARENT_KEYS, {"parent", "source"}, f"{where}: parents")
            parent = rel_entry["parent"]
            if parent not in bundle.types:
                raise DataError(f"{where}: unknown parent {parent!r}")
            if parent == slug:
                raise DataError(f"{where}: a type cannot be its own parent")
            if parent in parents:
                raise DataError(f"{where}: parent {parent!r} listed twice")
            parents.add(parent)
            source = _source_ref(bundle, rel_entry["source"], f"{where}: parent {parent}")
            bundle.relations.append((parent, slug, (rel_entry.get("note") or "").strip(), source))
        sinces = set()
        for ident in entry.get("identification") or []:
            _check_entry(ident, IDENT_KEYS, {"test", "source"}, f"{where}: identification")
            since = ident.get("since") or ""
            if since and not RELEASE_NAME.match(since):
                raise DataError(f"{where}: identification since {since!r}: a release is named like v6.10")
            if since in sinces:
                raise DataError(f"{where}: two identifications since {since or 'the start'}")
            sinces.add(since)
            source = _source_ref(bundle, ident["source"], f"{where}: identification")
            bundle.identifications.append((slug, since, ident["test"].strip(), source))


def _read_usages(bundle):
    fields = {}  # (release, struct) -> {name: [paths]}
    for release in bundle.releases:
        for struct in release["structs"]:
            by_name = defaultdict(list)
            for f in struct.fields:
                by_name[f.name].append(f.path)
            fields[(release["name"], struct.name)] = by_name
    release_names = [r["name"] for r in bundle.releases]
    seen = {}
    for path in sorted((bundle.data_dir / "usages").glob("*.yaml")):
        rel = path.relative_to(bundle.data_dir)
        for i, group in enumerate(_list_file(path, bundle.data_dir), start=1):
            slug = group.get("type", f"entry {i}") if isinstance(group, dict) else f"entry {i}"
            _check_entry(group, USAGE_GROUP_KEYS, {"type", "usages"}, f"{rel}: {slug}")
            if slug not in bundle.types:
                raise DataError(f"{rel}: {slug}: unknown type")
            for entry in group["usages"]:
                label = entry.get("field", "?") if isinstance(entry, dict) else "?"
                where = f"{rel}: {slug}: {entry.get('struct', '?') if isinstance(entry, dict) else '?'}.{label}"
                _check_entry(entry, USAGE_KEYS, USAGE_REQUIRED, where)
                struct, name = entry["struct"], entry["field"]
                having = [r for r in release_names if (r, struct) in fields]
                releases = entry.get("releases") or having
                if not having:
                    raise DataError(f"{where}: no release has struct {struct}")
                for release in releases:
                    if release not in release_names:
                        raise DataError(f"{where}: unknown release {release!r}")
                    paths = fields.get((release, struct), {}).get(name)
                    if not paths:
                        raise DataError(f"{where}: struct {struct} of {release} has no field {name!r}")
                    field_path = entry.get("path")
                    if field_path is None:
                        if len(paths) > 1:
                            raise DataError(f"{where}: {name!r} is ambiguous in {release}; add path: one of {paths}")
                        field_path = paths[0]
                    elif field_path not in paths:
                        raise DataError(f"{where}: {release} has no {name!r} at path {field_path!r}")
                    key = (slug, release, struct, field_path, name)
                    if key in seen:
                        raise DataError(f"{where}: usage of {release} recorded twice (also in {seen[key]})")
                    seen[key] = str(rel)
                    source = _source_ref(bundle, entry["source"], where)
                    bundle.usages.append((slug, release, struct, field_path, name, entry["keeps"].strip(), source))


def _check_cycles(bundle, stored):
    """Refuse a cycle among the files' relations together with the stored ones (slug pairs)."""
    children = defaultdict(set)
    for parent, child, _, _ in bundle.relations:
        children[parent].add(child)
    for parent, child in stored:
        children[parent].add(child)
    state = {}  # slug -> 1 visiting, 2 done

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(children.get(node, ())):
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt]
                where = bundle.types.get(nxt, {}).get("_file", "types")
                raise DataError(f"{where}: {nxt}: the parents close a cycle: {' > '.join(cycle)}")
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(children):
        if node not in state:
            visit(node, [node])


def stored_cycle(pairs):
    """The first cycle among (parent slug, child slug) pairs as [a, b, ..., a], or []."""
    children = defaultdict(set)
    for parent, child in pairs:
        children[parent].add(child)
    state = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(children.get(node, ())):
            if state.get(nxt) == 1:
                return trail[trail.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt, trail + [nxt])
                if found:
                    return found
        state[node] = 2
        return []

    for node in sorted(children):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return []


def load(bundle):
    """Write a validated bundle to the database in one transaction, creating and updating what
    differs; nothing is deleted. Returns Counts; edits are recorded in the history. Raises
    DataError, writing nothing, when the files' relations close a cycle with stored ones."""
    counts = Counts()
    stored = list(TypeRelation.objects.values_list("parent__slug", "child__slug"))
    # A cycle already in the database (written before relation writes were serialized) is
    # named with the command that removes one of its relations.
    cycle = stored_cycle(stored)
    if cycle:
        # Suggest a relation the files do not have, which loading would not bring back.
        edges = list(zip(cycle, cycle[1:], strict=False))
        in_files = {(parent, child) for parent, child, _, _ in bundle.relations}
        parent, child = next((edge for edge in edges if edge not in in_files), edges[-1])
        raise DataError(
            f"The database holds a cycle of relations: {' > '.join(cycle)}. Remove one of them, e.g. "
            f"python manage.py delete_relation {parent} {child}, then load again."
        )
    # Relations added in the admin and not yet exported could close a cycle with the files'.
    _check_cycles(bundle, stored=stored)
    with transaction.atomic(), reversion.create_revision():
        reversion.set_comment("load_kernel_data")
        sources = _upsert_sources(bundle, counts)
        configs = {
            struct: {name: (config, sources[key]) for name, (config, key) in fields.items()}
            for struct, fields in bundle.configs.items()
        }
        for release in bundle.releases:
            is_new = not Release.objects.filter(name=release["name"]).exists()
            counts.add(
                layouts.store(
                    release["name"], release["structs"], release["provenance"], release["kernel_version"], configs
                )
            )
            obj = Release.objects.get(name=release["name"])
            wanted = {k: release[k] for k in ("vendor_build", "notes")} | {"layout_file": release["file"]}
            if any(getattr(obj, k) != v for k, v in wanted.items()):
                for k, v in wanted.items():
                    setattr(obj, k, v)
                obj.save()
                # A release store() just created is counted once, as created.
                counts.updated += 0 if is_new else 1
        types = _upsert_types(bundle, sources, counts)
        _upsert_relations(bundle, types, sources, counts)
        _upsert_identifications(bundle, types, sources, counts)
        _upsert_usages(bundle, types, sources, counts)
    return counts


def _save_if_changed(obj, values, counts, created):
    if created:
        counts.created += 1
        return
    if any(getattr(obj, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(obj, k, v)
        obj.save()
        counts.updated += 1
    else:
        counts.unchanged += 1


def _upsert_sources(bundle, counts):
    existing = {s.key: s for s in Source.objects.all()}
    for key, values in bundle.sources.items():
        values = {k: v for k, v in values.items() if not k.startswith("_")}
        obj = existing.get(key)
        if obj is None:
            existing[key] = Source.objects.create(key=key, **values)
        _save_if_changed(existing[key], values, counts, created=obj is None)
    return existing


def _upsert_types(bundle, sources, counts):
    existing = {t.slug: t for t in MemoryType.objects.prefetch_related("sources")}
    for slug, values in bundle.types.items():
        scalars = {k: values[k] for k in TYPE_SCALARS}
        obj = existing.get(slug)
        if obj is None:
            obj = existing[slug] = MemoryType.objects.create(slug=slug, **scalars)
            obj.sources.set([sources[k] for k in values["sources"]])
            counts.created += 1
            continue
        have = sorted(s.key for s in obj.sources.all())
        if have != values["sources"]:
            obj.sources.set([sources[k] for k in values["sources"]])
        changed = any(getattr(obj, k) != v for k, v in scalars.items())
        if changed or have != values["sources"]:
            for k, v in scalars.items():
                setattr(obj, k, v)
            obj.save()
            counts.updated += 1
        else:
            counts.unchanged += 1
    return existing


def _upsert_relations(bundle, types, sources, counts):
    existing = {
        (r.parent.slug, r.child.slug): r for r in TypeRelation.objects.select_related("parent", "child", "source")
    }
    for parent, child, note, source in bundle.relations:
        obj = existing.get((parent, child))
        values = {"note": note, "source": sources[source]}
        if obj is None:
            TypeRelation.objects.create(parent=types[parent], child=types[child], **values)
        _save_if_changed(obj, values, counts, created=obj is None)


def _upsert_identifications(bundle, types, sources, counts):
    existing = {
        (i.memory_type.slug, i.since): i for i in Identification.objects.select_related("memory_type", "source")
    }
    for slug, since, test, source in bundle.identifications:
        obj = existing.get((slug, since))
        values = {"test": test, "source": sources[source]}
        if obj is None:
            Identification.objects.create(memory_type=types[slug], since=since, **values)
        _save_if_changed(obj, values, counts, created=obj is None)


def _upsert_usages(bundle, types, sources, counts):
    fields = {
        (f.layout.release.name, f.layout.struct, f.path, f.name): f
        for f in LayoutField.objects.select_related("layout__release")
    }
    existing = {(u.memory_type.slug, u.field_id): u for u in FieldUsage.objects.select_related("memory_type", "source")}
    for slug, release, struct, path, name, keeps, source in bundle.usages:
        fld = fields[(release, struct, path, name)]
        obj = existing.get((slug, fld.pk))
        values = {"keeps": keeps, "source": sources[source]}
        if obj is None:
            FieldUsage.objects.create(memory_type=types[slug], field=fld, **values)
        _save_if_changed(obj, values, counts, created=obj is None)


# --- export -------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line text, plain for the rest; lists indented under their key."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _str_representer(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list_representer(dumper, value):
    # Short lists of plain words (sources, releases) read best on one line: [v6.1, v6.12].
    plain = all(isinstance(v, str) and v and " " not in v and ":" not in v for v in value)
    flow = bool(value) and plain and sum(len(v) + 2 for v in value) < 80
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(list, _list_representer)


def _dump(path, content, header):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.dump(content, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    path.write_text(f"# {header}\n{text}", encoding="utf-8")


def _drop_empty(mapping, keep=()):
    # By identity for None and False: 0 == False, and memdesc type 0 is a real number to keep.
    return {k: v for k, v in mapping.items() if k in keep or not (v is None or v is False or v in ("", []))}


def export(data_dir):
    """Write the database to the data files under data_dir (the pahole files excepted).
    Returns the list of files written. Reads the database in a fixed number of queries."""
    data_dir = Path(data_dir)
    written = []

    def write(rel, content, header):
        _dump(data_dir / rel, content, header)
        written.append(rel)

    by_kind = defaultdict(list)
    for s in Source.objects.order_by("key"):
        values = {"key": s.key, **{k: getattr(s, k) for k in SOURCE_SCALARS}}
        by_kind[s.kind].append(_drop_empty(values, keep=("key", "kind", "title")))
    for old in (data_dir / "sources").glob("*.yaml"):
        if old.stem not in by_kind:
            old.unlink()
    for kind, entries in sorted(by_kind.items()):
        write(f"sources/{kind}.yaml", entries, f"Sources of kind '{kind}' (written by export_kernel_data).")

    releases = []
    for r in Release.objects.order_by("sort_key").prefetch_related("layouts"):
        page = next((lay for lay in r.layouts.all() if lay.struct == "page"), None)
        entry = {
            "name": r.name,
            "kernel_version": r.kernel_version,
            "file": r.layout_file,
            "provenance": page.provenance if page else "",
            "vendor_build": r.vendor_build,
            "notes": r.notes,
        }
        releases.append(_drop_empty(entry, keep=("name", "file", "provenance", "vendor_build")))
    write("releases.yaml", releases, "Kernel releases and the pahole files their layouts come from.")

    configs = defaultdict(dict)
    config_rows = LayoutField.objects.exclude(config="").order_by("layout__struct", "name", "layout__release__sort_key")
    for struct, name, config, key in config_rows.values_list("layout__struct", "name", "config", "config_source__key"):
        configs[struct].setdefault(name, (config, key))
    if configs:
        common = Counter(key for fields in configs.values() for _, key in fields.values()).most_common(1)[0][0]
        structs = {
            struct: {
                name: config if key == common else {"config": config, "source": key}
                for name, (config, key) in fields.items()
            }
            for struct, fields in sorted(configs.items())
        }
        write("configs.yaml", {"source": common, "structs": structs}, "Config options struct fields depend on.")

    types = list(
        MemoryType.objects.order_by("slug").prefetch_related(
            "sources",
            "parent_relations__parent",
            "parent_relations__source",
            "identifications__source",
            "usages__field__layout__release",
            "usages__source",
        )
    )
    ambiguous = set(
        LayoutField.objects.values("layout__release__name", "layout__struct", "name")
        .annotate(paths=Count("id"))
        .filter(paths__gt=1)
        .values_list("layout__release__name", "layout__struct", "name")
    )
    release_order = {
        name: i for i, name in enumerate(Release.objects.order_by("sort_key").values_list("name", flat=True))
    }
    having_struct = defaultdict(list)
    for release, struct in StructLayout.objects.order_by("release__sort_key").values_list("release__name", "struct"):
        having_struct[struct].append(release)
    for area in MemoryType.Area.values:
        in_area = [t for t in types if t.area == area]
        for folder in ("types", "usages"):
            stale = data_dir / folder / f"{area}.yaml"
            if not in_area and stale.exists():
                stale.unlink()
        if not in_area:
            continue
        write(f"types/{area}.yaml", [_type_entry(t) for t in in_area], f"Memory types of the area '{area}'.")
        groups = [
            {"type": t.slug, "usages": _usage_entries(t, release_order, having_struct, ambiguous)}
            for t in in_area
            if t.usages.all()
        ]
        write(f"usages/{area}.yaml", groups, f"Field usage of the memory types of the area '{area}'.")
    return written


def _type_entry(t):
    entry = {
        "slug": t.slug,
        "name": t.name,
        "summary": t.summary,
        "description": t.description,
        "status": t.status,
        "descriptor": t.descriptor,
        "memdesc_type": t.memdesc_type,
        "memdesc_revision": t.memdesc_revision,
        "alloc_api": t.alloc_api,
        "free_api": t.free_api,
        "on_lru": t.on_lru,
        "user_mappable": t.user_mappable,
        "sources": sorted(s.key for s in t.sources.all()),
        "parents": [
            _drop_empty({"parent": r.parent.slug, "note": r.note, "source": r.source.key}, keep=("parent", "source"))
            for r in sorted(t.parent_relations.all(), key=lambda r: r.parent.slug)
        ],
        "identification": [
            {"since": i.since or None, "test": i.test, "source": i.source.key}
            for i in sorted(t.identifications.all(), key=lambda i: i.sort_key)
        ],
    }
    return _drop_empty(entry, keep=("slug", "name", "summary", "status", "sources", "on_lru", "user_mappable"))


def _usage_entries(t, release_order, having_struct, ambiguous):
    """Usages grouped back into entries: one per (struct, field, keeps, source), listing its
    releases only when they are not every release that has the struct, and the field's path
    only where its name alone is ambiguous in that release."""
    grouped = defaultdict(list)
    for u in t.usages.all():
        f = u.field
        release = f.layout.release.name
        path = f.path if (release, f.layout.struct, f.name) in ambiguous else None
        grouped[(f.layout.struct, f.name, path, u.keeps, u.source.key)].append(release)
    entries = []
    for (struct, name, path, keeps, source), releases in grouped.items():
        releases.sort(key=release_order.get)
        entry = {"struct": struct, "field": name}
        if path is not None:
            entry["path"] = path
        if releases != having_struct[struct]:
            entry["releases"] = releases
        entry["keeps"] = keeps
        entry["source"] = source
        entries.append((release_order[releases[0]], struct, entry["field"], entry))
    return [e for *_, e in sorted(entries, key=lambda e: e[:3])]
