"""The curated kernel data under data/: read and validate it, load it, export it back.

`read(data_dir)` checks everything without touching the database and raises DataError naming
the file and the entry; `load(bundle)` then writes it in one transaction; `export(data_dir)`
writes the database back to the same files. See data/README.md for the formats.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import reversion
import yaml
from django.db.models import Count, Prefetch

from apps.kernel import layouts, pahole, version
from apps.kernel.layouts import Counts
from apps.kernel.models import (
    REFERENCE_ARCH,
    Backport,
    Basis,
    Build,
    DatedView,
    DatedViewEdge,
    EnumValue,
    FieldUsage,
    Identification,
    MemdescNumber,
    MemdescTable,
    MemoryType,
    Release,
    Source,
    Transition,
    TypeRelation,
    release_sort_key,
)
from apps.kernel.models import Field as LayoutField

SOURCE_KEYS = {"key": str, "kind": str, "title": str, "url": str, "path": str, "release": str,
               "commit": str, "repository": str, "message_id": str, "note": str}  # fmt: skip
SOURCE_REQUIRED = {"key", "kind", "title"}
RELEASE_KEYS = {"name": str, "notes": str, "builds": dict}
RELEASE_BUILD_KEYS = {"vendor_build": bool, "notes": str}
RELEASE_REQUIRED = {"name"}
BUILD_KEYS = {
    "release": str, "arch": str, "kernel_version": str, "uname": str, "banner": str, "package": str,
    "package_version": str, "sha256": str, "debuginfo": str, "tool": str, "command": str, "structs": list,
    "absent": list, "absent_enums": list, "enums": dict,
}  # fmt: skip
BUILD_REQUIRED = {"release", "arch", "kernel_version", "debuginfo"}
BUILD_TEXT = ("kernel_version", "uname", "banner", "package", "package_version", "sha256", "debuginfo", "tool",
              "command")  # fmt: skip
BACKPORT_KEYS = {"release": str, "arch": str, "commit": str, "upstream": str, "subject": str, "source": str,
                 "fields": list, "note": str}  # fmt: skip
BACKPORT_REQUIRED = {"release", "commit", "upstream", "subject", "source", "fields"}
TYPE_KEYS = {
    "slug": str, "name": str, "summary": str, "description": str, "status": str, "descriptor": str,
    "alloc_api": str, "free_api": str,
    "on_lru": bool, "user_mappable": bool, "sources": list, "parents": list, "identification": list,
}  # fmt: skip
TYPE_REQUIRED = {"slug", "name", "summary", "status", "sources"}
PARENT_KEYS = {"parent": str, "note": str, "source": str}
IDENT_KEYS = {"since": (str, type(None)), "test": str, "source": str, "basis": str}
USAGE_GROUP_KEYS = {"type": str, "usages": list}
USAGE_KEYS = {"struct": str, "field": str, "path": str, "releases": list, "carried": list, "keeps": str,
              "source": str, "basis": str}  # fmt: skip
# releases is required: a release added later must never inherit a usage nobody checked in it.
USAGE_REQUIRED = {"struct", "field", "releases", "keeps", "source"}
TYPE_SCALARS = ("name", "summary", "description", "status", "descriptor", "alloc_api", "free_api", "on_lru",
                "user_mappable", "area")  # fmt: skip
MEMDESC_TABLE_KEYS = {"slug": str, "name": str, "position": int, "source": str, "note": str, "numbers": list}
MEMDESC_TABLE_REQUIRED = {"slug", "name", "position", "source", "numbers"}
MEMDESC_NUMBER_KEYS = {"type": str, "number": int, "subtype": (int, type(None)), "meaning": str}
VIEW_KEYS = {"slug": str, "name": str, "date": str, "source": str, "note": str, "edges": list}
VIEW_REQUIRED = {"slug", "name", "date", "source", "edges"}
VIEW_EDGE_KEYS = {"parent": str, "child": str, "note": str}
LIFECYCLE_KEYS = {"from": str, "to": str, "event": str, "functions": list}
LIFECYCLE_FUNCTION_KEYS = {"function": str, "since": (str, type(None)), "until": (str, type(None)), "source": str,
                           "dated_by": str, "basis": str, "note": str}  # fmt: skip
TRANSITION_SCALARS = ("function", "since", "until", "source", "dated_by", "basis", "note")
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
    releases: dict = field(default_factory=dict)  # name -> {"notes": ...}, oldest first
    builds: list = field(default_factory=list)  # {"release", "arch", "values", "structs", "enums"}
    backports: list = field(default_factory=list)  # {"release", "arch", "commit", ..., "fields"}
    configs: dict = field(default_factory=dict)  # struct -> {field: (CONFIG, source key)}
    configs_source: str = ""
    types: dict = field(default_factory=dict)  # slug -> {attr: value, "sources": [keys]}
    relations: list = field(default_factory=list)  # (parent, child, note, source)
    identifications: list = field(default_factory=list)  # (slug, since, test, source, basis)
    usages: list = field(default_factory=list)  # (slug, release, struct, path, name, keeps, source, basis, carried)
    memdesc_tables: list = field(default_factory=list)  # {"slug", "name", "position", "source", "note", "numbers"}
    views: list = field(default_factory=list)  # {"slug", "name", "date", "source", "note", "edges": [(p, c, note)]}
    transitions: list = field(default_factory=list)  # {"from", "to", "event", "function", "since", "until", ...}
    rules: list = field(default_factory=list)  # (slug, {attr: value}, identification since or None, source)
    enum_spans: list = field(default_factory=list)  # {"enum", "arch", "since", "until", "lender", ...}

    def reference_structs(self, release):
        """{struct name: StructDef} of the release's reference (x86_64) build."""
        for build in self.builds:
            if build["release"] == release and build["arch"] == REFERENCE_ARCH:
                return {s.name: s for s in build["structs"]}
        return {}


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
    _read_backports(bundle)
    _read_configs(bundle)
    _read_types(bundle)
    _read_usages(bundle)
    _read_lifecycle(bundle)
    _read_rules(bundle)
    _check_cycles(bundle, stored=[])
    _read_views(bundle)
    _read_memdescs(bundle)
    return bundle


def _read_rules(bundle):
    """The identification rules of data/rules/ (apps.decoder.data knows their format)."""

    from apps.decoder import data as rules_data

    rules_data.read_rules(bundle, DataError, _check_entry, _list_file)


def _basis(entry, where):
    """The entry's basis (tag | stable | inferred), tag when it says none."""
    basis = entry.get("basis") or Basis.TAG
    if basis not in Basis.values:
        raise DataError(f"{where}: basis {basis!r} is not one of {', '.join(Basis.values)}")
    return basis


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


def _release_name(name, where):
    try:
        release_sort_key(name)
    except ValueError as exc:
        raise DataError(f"{where}: {exc}") from exc
    return name


def build_stem(release, arch):
    """The file name (without suffix) of a build's files under data/layouts/: v7.2, v7.2-arm."""
    return release if arch == REFERENCE_ARCH else f"{release}-{arch}"


def _read_releases(bundle):
    """The builds described by data/layouts/*.yaml, each with the structs of the .pahole file
    beside it, and the releases they belong to, with releases.yaml's notes."""
    arches = set(Build.Arch.values)
    kinds = set(Build.DebugInfo.values)
    found = {}
    for path in sorted((bundle.data_dir / "layouts").glob("*.yaml")):
        rel = path.relative_to(bundle.data_dir)
        entry = _load_yaml(path, bundle.data_dir)
        where = str(rel)
        _check_entry(entry, BUILD_KEYS, BUILD_REQUIRED, where)
        release = _release_name(entry["release"], f"{where}: release")
        arch = entry["arch"]
        if arch not in arches:
            raise DataError(f"{where}: arch {arch!r} is not one of {', '.join(sorted(arches))}")
        if entry["debuginfo"] not in kinds:
            raise DataError(f"{where}: debuginfo must be one of {', '.join(sorted(kinds))}")
        stem = build_stem(release, arch)
        if path.stem != stem:
            raise DataError(f"{where}: the build of {release} on {arch} belongs in layouts/{stem}.yaml")
        layout_file = f"layouts/{stem}.pahole"
        text = _read_text(bundle.data_dir / layout_file, MAX_LAYOUT_BYTES, layout_file)
        try:
            structs = pahole.parse(text)
        except pahole.PaholeError as exc:
            raise DataError(f"{layout_file}: {exc}") from exc
        if "page" not in {s.name for s in structs}:
            raise DataError(f"{layout_file}: has no struct page")
        enums = {}
        for enum, values in (entry.get("enums") or {}).items():
            if not isinstance(values, dict) or not all(
                isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in values.items()
            ):
                raise DataError(f"{where}: enums: {enum}: expected NAME: integer entries")
            enums[enum] = dict(values)
        values = {k: (entry.get(k) or "").strip() for k in BUILD_TEXT}
        values |= {"vendor_build": False, "notes": "", "layout_file": layout_file}
        found[(release, arch)] = {
            "release": release,
            "arch": arch,
            "values": values,
            "structs": structs,
            "enums": enums,
        }
    for key in sorted(found, key=lambda k: (release_sort_key(k[0]), k[1] != REFERENCE_ARCH, k[1])):
        bundle.builds.append(found[key])
    with_builds = {b["release"] for b in bundle.builds}
    notes = {}
    for i, entry in enumerate(_list_file(bundle.data_dir / "releases.yaml", bundle.data_dir), start=1):
        where = f"releases.yaml: {entry.get('name', f'entry {i}') if isinstance(entry, dict) else f'entry {i}'}"
        _check_entry(entry, RELEASE_KEYS, RELEASE_REQUIRED, where)
        name = _release_name(entry["name"], where)
        if name in notes:
            raise DataError(f"{where}: release listed twice")
        if name not in with_builds:
            raise DataError(f"{where}: no build of this release in layouts/ (a release is known by its builds)")
        notes[name] = (entry.get("notes") or "").strip()
        for arch, curated in (entry.get("builds") or {}).items():
            build = found.get((name, arch))
            if build is None:
                raise DataError(f"{where}: builds: no {arch} build of {name} in layouts/")
            _check_entry(curated, RELEASE_BUILD_KEYS, set(), f"{where}: builds: {arch}")
            build["values"]["vendor_build"] = bool(curated.get("vendor_build", False))
            build["values"]["notes"] = (curated.get("notes") or "").strip()
    for name in sorted(with_builds, key=release_sort_key):
        bundle.releases[name] = {"notes": notes.get(name, "")}


def _build_fields(bundle, release, arch=None):
    """{(struct, name): [paths]} of the release's builds (of one architecture, if given)."""
    fields = defaultdict(list)
    for build in bundle.builds:
        if build["release"] == release and arch in (None, build["arch"]):
            for struct in build["structs"]:
                for f in struct.fields:
                    fields[(struct.name, f.name)].append(f.path)
    return fields


def _read_backports(bundle):
    path = bundle.data_dir / "backports.yaml"
    if not path.exists():
        return
    seen = set()
    for i, entry in enumerate(_list_file(path, bundle.data_dir), start=1):
        label = f"{entry.get('release')} {entry.get('commit')}" if isinstance(entry, dict) else f"entry {i}"
        where = f"backports.yaml: {label}"
        _check_entry(entry, BACKPORT_KEYS, BACKPORT_REQUIRED, where)
        release = entry["release"]
        if release not in bundle.releases:
            raise DataError(f"{where}: no build of release {release!r} in layouts/")
        _release_name(entry["upstream"], f"{where}: upstream")
        if (release, entry["commit"]) in seen:
            raise DataError(f"{where}: listed twice")
        seen.add((release, entry["commit"]))
        values = {k: (entry.get(k) or "").strip() for k in ("commit", "upstream", "subject", "note")}
        try:
            Backport(release=Release(name=release), **values).clean_fields(exclude=["release", "source"])
        except Exception as exc:
            raise DataError(f"{where}: {_messages(exc)}") from exc
        arch = entry.get("arch")
        having = _build_fields(bundle, release, arch)
        fields = []
        for item in entry["fields"]:
            _check_entry(item, {"struct": str, "name": str}, {"struct", "name"}, f"{where}: fields")
            if (item["struct"], item["name"]) not in having:
                raise DataError(f"{where}: no build of {release} has {item['struct']}.{item['name']}")
            fields.append((item["struct"], item["name"]))
        source = _source_ref(bundle, entry["source"], where)
        bundle.backports.append({"release": release, "arch": arch, "source": source, "fields": fields, **values})


def _read_configs(bundle):
    path = bundle.data_dir / "configs.yaml"
    if not path.exists():
        return
    content = _load_yaml(path, bundle.data_dir) or {}
    if not isinstance(content, dict) or set(content) - {"source", "structs"}:
        raise DataError("configs.yaml: expected the keys 'source' and 'structs'")
    bundle.configs_source = _source_ref(bundle, content.get("source") or "", "configs.yaml: source")
    known = defaultdict(set)
    for build in bundle.builds:
        for struct in build["structs"]:
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
            for text_attr in ("description", "descriptor", "alloc_api", "free_api"):
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
            if since:
                _release_name(since, f"{where}: identification since")
            if since in sinces:
                raise DataError(f"{where}: two identifications since {since or 'the start'}")
            sinces.add(since)
            source = _source_ref(bundle, ident["source"], f"{where}: identification")
            basis = _basis(ident, f"{where}: identification since {since or 'the start'}")
            bundle.identifications.append((slug, since, ident["test"].strip(), source, basis))


def _read_usages(bundle):
    """Usages are recorded on the fields of each release's reference (x86_64) build; the other
    architectures' builds show them on their fields of the same name."""
    fields = {}  # (release, struct) -> {name: [paths]}
    for release in bundle.releases:
        for struct in bundle.reference_structs(release).values():
            by_name = defaultdict(list)
            for f in struct.fields:
                by_name[f.name].append(f.path)
            fields[(release, struct.name)] = by_name
    release_names = list(bundle.releases)
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
                if not any((r, struct) in fields for r in release_names):
                    raise DataError(f"{where}: no release has struct {struct}")
                releases = entry["releases"]
                carried = entry.get("carried") or []
                for release in carried:
                    if release not in releases:
                        raise DataError(f"{where}: carried to {release!r}, which is not one of its releases")
                for release in releases:
                    if release not in release_names:
                        raise DataError(f"{where}: unknown release {release!r}")
                    if not bundle.reference_structs(release):
                        raise DataError(f"{where}: release {release} has no {REFERENCE_ARCH} build to record it on")
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
                    basis = _basis(entry, where)
                    bundle.usages.append(
                        (
                            slug,
                            release,
                            struct,
                            field_path,
                            name,
                            entry["keeps"].strip(),
                            source,
                            basis,
                            release in carried,
                        )  # fmt: skip
                    )


def _read_memdescs(bundle):
    """data/memdescs.yaml: the memdesc plan's type table, one entry per revision read."""
    path = bundle.data_dir / "memdescs.yaml"
    if not path.exists():
        return
    slugs, positions = set(), set()
    for i, entry in enumerate(_list_file(path, bundle.data_dir), start=1):
        where = f"memdescs.yaml: {entry.get('slug', f'entry {i}') if isinstance(entry, dict) else f'entry {i}'}"
        _check_entry(entry, MEMDESC_TABLE_KEYS, MEMDESC_TABLE_REQUIRED, where)
        if entry["slug"] in slugs:
            raise DataError(f"{where}: table defined twice")
        if entry["position"] in positions:
            raise DataError(f"{where}: another table has position {entry['position']}")
        slugs.add(entry["slug"])
        positions.add(entry["position"])
        _source_ref(bundle, entry["source"], where)
        numbers = []
        for number in entry["numbers"]:
            _check_entry(number, MEMDESC_NUMBER_KEYS, {"type", "number", "meaning"}, f"{where}: numbers")
            slug = number["type"]
            if slug not in bundle.types:
                raise DataError(f"{where}: unknown type {slug!r}")
            if slug in {n["type"] for n in numbers}:
                raise DataError(f"{where}: {slug} has two numbers")
            values = {"number": number["number"], "subtype": number.get("subtype"), "meaning": number["meaning"]}
            try:
                MemdescNumber(**values).clean_fields(exclude=["table", "memory_type"])
            except Exception as exc:
                raise DataError(f"{where}: {slug}: {_messages(exc)}") from exc
            numbers.append({"type": slug, **values})
        note = (entry.get("note") or "").strip()
        table = {"slug": entry["slug"], "name": entry["name"], "position": entry["position"], "note": note}
        bundle.memdesc_tables.append({**table, "source": entry["source"], "numbers": numbers})


def _read_views(bundle):
    """data/views.yaml: dated drawings of the hierarchy, each checked like the relations (known
    types, no edge twice, no cycle) but on its own."""
    path = bundle.data_dir / "views.yaml"
    if not path.exists():
        return
    slugs = set()
    for i, entry in enumerate(_list_file(path, bundle.data_dir), start=1):
        where = f"views.yaml: {entry.get('slug', f'entry {i}') if isinstance(entry, dict) else f'entry {i}'}"
        # YAML reads an unquoted 2021-10-23 as a date: the file quotes it, and a date is accepted.
        if isinstance(entry, dict) and isinstance(entry.get("date"), datetime.date):
            entry = {**entry, "date": entry["date"].isoformat()}
        _check_entry(entry, VIEW_KEYS, VIEW_REQUIRED, where)
        if entry["slug"] in slugs:
            raise DataError(f"{where}: view defined twice")
        slugs.add(entry["slug"])
        try:
            date = datetime.date.fromisoformat(entry["date"])
        except ValueError as exc:
            raise DataError(f"{where}: date {entry['date']!r} is not an ISO date (YYYY-MM-DD)") from exc
        _source_ref(bundle, entry["source"], where)
        edges, children = [], defaultdict(set)
        for edge in entry["edges"]:
            _check_entry(edge, VIEW_EDGE_KEYS, {"parent", "child"}, f"{where}: edges")
            parent, child = edge["parent"], edge["child"]
            for slug in (parent, child):
                if slug not in bundle.types:
                    raise DataError(f"{where}: unknown type {slug!r}")
            if parent == child:
                raise DataError(f"{where}: {parent} is drawn under itself")
            if child in children[parent]:
                raise DataError(f"{where}: the edge {parent} > {child} is listed twice")
            children[parent].add(child)
            edges.append((parent, child, (edge.get("note") or "").strip()))
        cycle = stored_cycle([(parent, child) for parent, child, _ in edges])
        if cycle:
            raise DataError(f"{where}: the edges close a cycle: {' > '.join(cycle)}")
        note = (entry.get("note") or "").strip()
        values = {"name": entry["name"], "date": date, "source": entry["source"], "note": note}
        bundle.views.append({"slug": entry["slug"], **values, "edges": edges})


def _read_lifecycle(bundle):
    """lifecycle.yaml: transitions between types, each with the function that performs it per
    era. The eras of one (from, to, event) must not overlap."""
    path = bundle.data_dir / "lifecycle.yaml"
    if not path.exists():
        return
    seen = {}
    for i, entry in enumerate(_list_file(path, bundle.data_dir), start=1):
        label = f"{entry.get('from')} -> {entry.get('to')}: {entry.get('event')}" if isinstance(entry, dict) else ""
        where = f"lifecycle.yaml: {label or f'entry {i}'}"
        _check_entry(entry, LIFECYCLE_KEYS, set(LIFECYCLE_KEYS), where)
        for end in ("from", "to"):
            if entry[end] not in bundle.types:
                raise DataError(f"{where}: unknown type {entry[end]!r}")
        key = (entry["from"], entry["to"], entry["event"].strip())
        if key in seen:
            raise DataError(f"{where}: listed twice (entry {seen[key]}); give it one list of functions")
        seen[key] = i
        eras = []
        for era in entry["functions"]:
            _check_entry(era, LIFECYCLE_FUNCTION_KEYS, {"function", "source"}, f"{where}: functions")
            since, until = era.get("since") or "", era.get("until") or ""
            era_where = f"{where}: {era['function']} ({since or 'the start'} to {until or 'now'})"
            dated_by = era.get("dated_by") or ""
            for name in (since, until):
                if name:
                    _release_name(name, era_where)
            values = {
                "function": era["function"].strip(),
                "since": since,
                "until": until,
                "source": _source_ref(bundle, era["source"], era_where),
                "dated_by": _source_ref(bundle, dated_by, f"{era_where}: dated_by") if dated_by else "",
                "basis": _basis(era, era_where),
                "note": (era.get("note") or "").strip(),
            }
            scalars = {k: v for k, v in values.items() if k not in ("source", "dated_by")}
            transition = Transition(event=key[2], **scalars)
            try:
                transition.full_clean(exclude=["from_type", "to_type", "source", "dated_by"], validate_unique=False)
            except Exception as exc:
                raise DataError(f"{era_where}: {_messages(exc)}") from exc
            eras.append((Transition.era_keys(since, until), values))
        eras.sort(key=lambda e: e[0])
        for (before, earlier), (after, later) in zip(eras, eras[1:], strict=False):
            if after[0] < before[1]:
                raise DataError(
                    f"{where}: the eras of {earlier['function']} and {later['function']} overlap "
                    f"(the later one's since must be at or after the earlier one's until)"
                )
        for _, values in eras:
            bundle.transitions.append({"from": key[0], "to": key[1], "event": key[2], **values})


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
    with version.one_change(), reversion.create_revision():
        reversion.set_comment("load_kernel_data")
        sources = _upsert_sources(bundle, counts)
        configs = {
            struct: {name: (config, sources[key]) for name, (config, key) in fields.items()}
            for struct, fields in bundle.configs.items()
        }
        for build in bundle.builds:
            counts.add(layouts.store(build["release"], build["arch"], build["structs"], build["values"], configs))
        _upsert_releases(bundle, counts)
        builds = {(b.release.name, b.arch): b for b in Build.objects.select_related("release")}
        _upsert_enums(bundle, builds, counts)
        _upsert_backports(bundle, builds, sources, counts)
        types = _upsert_types(bundle, sources, counts)
        _upsert_relations(bundle, types, sources, counts)
        _upsert_identifications(bundle, types, sources, counts)
        _upsert_usages(bundle, types, sources, counts)
        _upsert_views(bundle, types, sources, counts)
        _upsert_memdescs(bundle, types, sources, counts)
        _upsert_transitions(bundle, types, sources, counts)
        _upsert_rules(bundle, types, sources, counts)
    return counts


def _upsert_rules(bundle, types, sources, counts):
    from apps.decoder import data as rules_data

    rules_data.upsert_rules(bundle, types, sources, counts, _save_if_changed)


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


def _upsert_releases(bundle, counts):
    for release in Release.objects.filter(name__in=list(bundle.releases)):
        _save_if_changed(release, bundle.releases[release.name], counts, created=False)


def _upsert_enums(bundle, builds, counts):
    existing = {(e.build_id, e.enum, e.name): e for e in EnumValue.objects.all()}
    new, changed = [], []
    for entry in bundle.builds:
        build = builds[(entry["release"], entry["arch"])]
        for enum, values in entry["enums"].items():
            for name, value in values.items():
                obj = existing.get((build.id, enum, name))
                if obj is None:
                    new.append(EnumValue(build=build, enum=enum, name=name, value=value))
                elif obj.value != value:
                    obj.value = value
                    changed.append(obj)
                else:
                    counts.unchanged += 1
    EnumValue.objects.bulk_create(new)
    EnumValue.objects.bulk_update(changed, ["value"])
    counts.created += len(new)
    counts.updated += len(changed)


def _upsert_backports(bundle, builds, sources, counts):
    """Backports, and the fields of each build of the release that came with them."""
    existing = {(b.release.name, b.commit): b for b in Backport.objects.select_related("release", "source")}
    fields = defaultdict(list)  # (release, arch, struct, name) -> [Field]
    for fld in LayoutField.objects.select_related("layout__build__release").filter(
        layout__build__release__name__in=[b["release"] for b in bundle.backports]
    ):
        build = fld.layout.build
        fields[(build.release.name, build.arch, fld.layout.struct, fld.name)].append(fld)
    marked = []
    for entry in bundle.backports:
        release = Release.objects.get(name=entry["release"])
        values = {k: entry[k] for k in ("upstream", "subject", "note")} | {"source": sources[entry["source"]]}
        obj = existing.get((entry["release"], entry["commit"]))
        if obj is None:
            obj = Backport.objects.create(release=release, commit=entry["commit"], **values)
        _save_if_changed(obj, values, counts, created=(entry["release"], entry["commit"]) not in existing)
        for (rel, arch, struct, name), flds in fields.items():
            if rel == entry["release"] and entry["arch"] in (None, arch) and (struct, name) in entry["fields"]:
                for fld in flds:
                    if fld.backport_id != obj.id:
                        fld.backport = obj
                        marked.append(fld)
    LayoutField.objects.bulk_update(marked, ["backport"])
    counts.updated += len(marked)


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
    for slug, since, test, source, basis in bundle.identifications:
        obj = existing.get((slug, since))
        values = {"test": test, "source": sources[source], "basis": basis}
        if obj is None:
            Identification.objects.create(memory_type=types[slug], since=since, **values)
        _save_if_changed(obj, values, counts, created=obj is None)


def _upsert_usages(bundle, types, sources, counts):
    fields = {
        (f.layout.build.release.name, f.layout.struct, f.path, f.name): f
        for f in LayoutField.objects.filter(layout__build__arch=REFERENCE_ARCH).select_related("layout__build__release")
    }
    existing = {(u.memory_type.slug, u.field_id): u for u in FieldUsage.objects.select_related("memory_type", "source")}
    for slug, release, struct, path, name, keeps, source, basis, carried in bundle.usages:
        fld = fields[(release, struct, path, name)]
        obj = existing.get((slug, fld.pk))
        values = {"keeps": keeps, "source": sources[source], "basis": basis, "carried": carried}
        if obj is None:
            FieldUsage.objects.create(memory_type=types[slug], field=fld, **values)
        _save_if_changed(obj, values, counts, created=obj is None)


def _upsert_memdescs(bundle, types, sources, counts):
    existing = {t.slug: t for t in MemdescTable.objects.select_related("source")}
    numbers = {(n.table_id, n.memory_type_id): n for n in MemdescNumber.objects.all()}
    for table in bundle.memdesc_tables:
        obj = existing.get(table["slug"])
        values = {"name": table["name"], "position": table["position"], "source": sources[table["source"]]}
        values["note"] = table["note"]
        created = obj is None
        if created:
            obj = MemdescTable.objects.create(slug=table["slug"], **values)
        _save_if_changed(obj, values, counts, created=created)
        for entry in table["numbers"]:
            number = numbers.get((obj.pk, types[entry["type"]].pk))
            values = {"number": entry["number"], "subtype": entry["subtype"], "meaning": entry["meaning"]}
            if number is None:
                MemdescNumber.objects.create(table=obj, memory_type=types[entry["type"]], **values)
            _save_if_changed(number, values, counts, created=number is None)


def _upsert_views(bundle, types, sources, counts):
    existing = {v.slug: v for v in DatedView.objects.select_related("source")}
    edges = {(e.view_id, e.parent_id, e.child_id): e for e in DatedViewEdge.objects.all()}
    for view in bundle.views:
        obj = existing.get(view["slug"])
        values = {"name": view["name"], "date": view["date"], "source": sources[view["source"]], "note": view["note"]}
        created = obj is None
        if created:
            obj = DatedView.objects.create(slug=view["slug"], **values)
        _save_if_changed(obj, values, counts, created=created)
        for parent, child, note in view["edges"]:
            edge = edges.get((obj.pk, types[parent].pk, types[child].pk))
            if edge is None:
                DatedViewEdge.objects.create(view=obj, parent=types[parent], child=types[child], note=note)
            _save_if_changed(edge, {"note": note}, counts, created=edge is None)


def _upsert_transitions(bundle, types, sources, counts):
    existing = {
        (t.from_type.slug, t.to_type.slug, t.event, t.since): t
        for t in Transition.objects.select_related("from_type", "to_type", "source", "dated_by")
    }
    for entry in bundle.transitions:
        obj = existing.get((entry["from"], entry["to"], entry["event"], entry["since"]))
        values = {k: entry[k] for k in TRANSITION_SCALARS if k not in ("since", "source", "dated_by")}
        values["source"] = sources[entry["source"]]
        values["dated_by"] = sources[entry["dated_by"]] if entry["dated_by"] else None
        if obj is None:
            Transition.objects.create(
                from_type=types[entry["from"]], to_type=types[entry["to"]], event=entry["event"],
                since=entry["since"], **values,
            )  # fmt: skip
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
    return {k: v for k, v in mapping.items() if k in keep or not (v is None or v is False or v in ("", [], {}))}


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
    for r in Release.objects.order_by("sort_key").prefetch_related(Prefetch("builds", Build.objects.reference_first())):
        builds = {
            b.arch: _drop_empty({"vendor_build": b.vendor_build, "notes": b.notes})
            for b in r.builds.all()
            if b.vendor_build or b.notes
        }
        releases.append(_drop_empty({"name": r.name, "notes": r.notes, "builds": builds}, keep=("name",)))
    write(
        "releases.yaml", releases, "Kernel releases: notes on each and on its builds (data/layouts/ holds the builds)."
    )

    backports = []
    for b in Backport.objects.select_related("release", "source").prefetch_related("fields__layout__build"):
        arches = {f.layout.build.arch for f in b.fields.all()}
        names = sorted({(f.layout.struct, f.name) for f in b.fields.all()})
        entry = {"release": b.release.name, "arch": arches.pop() if len(arches) == 1 else None}
        entry |= {"commit": b.commit, "upstream": b.upstream, "subject": b.subject, "source": b.source.key}
        entry |= {"fields": [{"struct": struct, "name": name} for struct, name in names], "note": b.note}
        backports.append(_drop_empty(entry, keep=("fields",)))
    if backports:
        write("backports.yaml", backports, "Fields that stable builds carry and their release tags lack.")

    configs = defaultdict(dict)
    config_rows = LayoutField.objects.exclude(config="").order_by(
        "layout__struct", "name", "layout__build__release__sort_key", "layout__build__arch"
    )
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

    tables = []
    for table in MemdescTable.objects.select_related("source").prefetch_related(
        Prefetch("numbers", MemdescNumber.objects.select_related("memory_type").order_by("number", "subtype", "pk"))
    ):
        numbers = [
            _drop_empty({"type": n.memory_type.slug, "number": n.number, "subtype": n.subtype, "meaning": n.meaning})
            for n in table.numbers.all()
        ]
        entry = {"slug": table.slug, "name": table.name, "position": table.position, "source": table.source.key}
        tables.append(_drop_empty({**entry, "note": table.note, "numbers": numbers}))
    if tables:
        write("memdescs.yaml", tables, "The memdesc plan's type tables (kernelnewbies MatthewWilcox/Memdescs).")

    views = []
    for v in DatedView.objects.select_related("source").prefetch_related(
        Prefetch("edges", DatedViewEdge.objects.select_related("parent", "child").order_by("pk"))
    ):
        edges = [_drop_empty({"parent": e.parent.slug, "child": e.child.slug, "note": e.note}) for e in v.edges.all()]
        entry = {"slug": v.slug, "name": v.name, "date": v.date.isoformat(), "source": v.source.key, "note": v.note}
        views.append(_drop_empty({**entry, "edges": edges}))
    if views:
        write("views.yaml", views, "Dated drawings of the hierarchy, kept whole beside the current relations.")

    types = list(
        MemoryType.objects.order_by("slug").prefetch_related(
            "sources",
            "parent_relations__parent",
            "parent_relations__source",
            "identifications__source",
            "usages__field__layout__build__release",
            "usages__source",
        )
    )
    ambiguous = set(
        LayoutField.objects.filter(layout__build__arch=REFERENCE_ARCH)
        .values("layout__build__release__name", "layout__struct", "name")
        .annotate(paths=Count("id"))
        .filter(paths__gt=1)
        .values_list("layout__build__release__name", "layout__struct", "name")
    )
    release_order = {
        name: i for i, name in enumerate(Release.objects.order_by("sort_key").values_list("name", flat=True))
    }
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
            {"type": t.slug, "usages": _usage_entries(t, release_order, ambiguous)} for t in in_area if t.usages.all()
        ]
        write(f"usages/{area}.yaml", groups, f"Field usage of the memory types of the area '{area}'.")
    lifecycle = _lifecycle_entries()
    if lifecycle:
        write("lifecycle.yaml", lifecycle, "Life of a page: transitions between types and the function of each era.")

    from apps.decoder import data as rules_data

    rules_data.export_rules(write, _drop_empty)
    return written


def _type_entry(t):
    entry = {
        "slug": t.slug,
        "name": t.name,
        "summary": t.summary,
        "description": t.description,
        "status": t.status,
        "descriptor": t.descriptor,
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
            _with_basis({"since": i.since or None, "test": i.test, "source": i.source.key}, i.basis)
            for i in sorted(t.identifications.all(), key=lambda i: i.sort_key)
        ],
    }
    return _drop_empty(entry, keep=("slug", "name", "summary", "status", "sources", "on_lru", "user_mappable"))


def _with_basis(entry, basis):
    """The entry with `basis:` added where it is not the default (tag), so files stay short."""
    return entry if basis == Basis.TAG else {**entry, "basis": basis}


def _usage_entries(t, release_order, ambiguous):
    """Usages grouped back into entries: one per (struct, field, keeps, source, basis), listing
    its releases, and the field's path only where its name alone is ambiguous in that release."""
    grouped = defaultdict(list)
    carried = defaultdict(list)
    for u in t.usages.all():
        f = u.field
        release = f.layout.build.release.name
        path = f.path if (release, f.layout.struct, f.name) in ambiguous else None
        key = (f.layout.struct, f.name, path, u.keeps, u.source.key, u.basis)
        grouped[key].append(release)
        if u.carried:
            carried[key].append(release)
    entries = []
    for key, releases in grouped.items():
        struct, name, path, keeps, source, basis = key
        releases.sort(key=release_order.get)
        entry = {"struct": struct, "field": name}
        if path is not None:
            entry["path"] = path
        entry["releases"] = releases
        if carried[key]:
            entry["carried"] = sorted(carried[key], key=release_order.get)
        entry["keeps"] = keeps
        entry["source"] = source
        entry = _with_basis(entry, basis)
        entries.append((release_order[releases[0]], struct, entry["field"], entry))
    return [e for *_, e in sorted(entries, key=lambda e: e[:3])]


def _lifecycle_entries():
    """lifecycle.yaml's content: one entry per (from, to, event), its eras oldest first (1 query)."""
    entries = {}
    for t in Transition.objects.for_list():
        entry = entries.setdefault(
            (t.from_type.slug, t.to_type.slug, t.event),
            {"from": t.from_type.slug, "to": t.to_type.slug, "event": t.event, "functions": []},
        )
        era = {"function": t.function, "since": t.since, "until": t.until, "source": t.source.key}
        era["dated_by"] = t.dated_by.key if t.dated_by else ""
        era = _drop_empty(_with_basis(era, t.basis) | {"note": t.note}, keep=("function", "source"))
        entry["functions"].append(era)
    return list(entries.values())
