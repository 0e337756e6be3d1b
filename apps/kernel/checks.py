"""Consistency checks of the loaded kernel data against the loaded layouts (`check_data`).

Each finding is one line naming the entry. The checks:

- An identification applies from its `since` (blank: the oldest release) up to the next
  identification of the same type. Every struct field its test names as `page->x`, `folio->x`,
  `page[1].x`, ... must exist in that struct's layout in every loaded release it applies to
  (where that release has the struct at all). A blank `since` whose field is absent from an
  older loaded release needs a `since`; a `since` that names a release whose layout lacks the
  field is wrong.
- The same for the struct fields a usage's `keeps` names, in the usage's own release.
- A mail source names its Message-ID; a file source names its path and the release it was read at.
- A transition's eras (the function of each release range) are ordered (since before until) and
  the eras of one transition do not overlap; a kernel file it cites was read at a release inside
  its era (the function it names is the one of that release); an era with a `since` names what
  dates it (`dated_by`).
- The identification rules (apps.decoder.checks): fields and enum names in every release they hold at.
- data/backports.yaml (when given): every entry names a loaded release, a 12-digit upstream commit,
  the release that first has it, a known source, and fields that exist in that release's layouts.
"""

import re
from collections import defaultdict
from pathlib import Path

import yaml

from apps.kernel.facts import release_order
from apps.kernel.models import REFERENCE_ARCH, Field, FieldUsage, Identification, Release, Source, Transition

STRUCTS = ("page", "folio", "slab", "ptdesc", "zpdesc", "netmem_desc")
# page->mapping, folio->_flags_1, page[1].compound_dtor, slab.slab_cache; not mm/slab.h.
FIELD_REFERENCE = re.compile(
    r"(?<![\w.>/])(" + "|".join(STRUCTS) + r")(?:\[\d+\])?(?:->|\.)([A-Za-z_][A-Za-z0-9_]*)(?![\w(])"
)
FILE_SUFFIXES = {"h", "c", "rs", "S"}


def fields_of_release(release):
    """{struct: {field names}} of every struct layout of a release's reference (x86_64) build,
    where usages are recorded (1 query). The one place that knows how fields hang off a release."""
    found = defaultdict(set)
    fields = Field.objects.filter(layout__build__release=release, layout__build__arch=REFERENCE_ARCH)
    for struct, name in fields.values_list("layout__struct", "name"):
        found[struct].add(name)
    return found


def field_references(text):
    """[(struct, field)] that a prose test names, e.g. [('page', 'pgmap')] for 'page->pgmap->type'."""
    return [(s, f) for s, f in FIELD_REFERENCE.findall(text or "") if f not in FILE_SUFFIXES]


def _loaded_releases():
    releases = [r for r in Release.objects.all() if release_order(r.name) is not None]
    return sorted(releases, key=lambda r: release_order(r.name))


def check_identifications(releases, fields):
    findings = []
    by_type = defaultdict(list)
    for ident in Identification.objects.select_related("memory_type"):
        by_type[ident.memory_type.slug].append(ident)
    for slug in sorted(by_type):
        idents = sorted(by_type[slug], key=lambda i: release_order(i.since) or (0,))
        for i, ident in enumerate(idents):
            start = release_order(ident.since) if ident.since else None
            end = release_order(idents[i + 1].since) if i + 1 < len(idents) else None
            applies = [
                r
                for r in releases
                if (start is None or release_order(r.name) >= start) and (end is None or release_order(r.name) < end)
            ]
            where = f"types: {slug}: identification since {ident.since or '(none)'}"
            for struct, name in field_references(ident.test):
                for release in applies:
                    have = fields[release.name]
                    if struct not in have or name in have[struct]:
                        continue
                    if ident.since and release.name == applies[0].name:
                        findings.append(f"{where} names {struct}.{name}, but {release.name}'s layout has no such field")
                    elif ident.since:
                        findings.append(
                            f"{where} names {struct}.{name}, absent from {release.name}'s layout: "
                            f"a later identification needs a since"
                        )
                    else:
                        findings.append(
                            f"{where} names {struct}.{name}, absent from {release.name}'s layout: "
                            f"say since which release it holds"
                        )
    return findings


def check_usages(fields):
    findings = []
    usages = FieldUsage.objects.select_related("memory_type", "field__layout__build__release").order_by(
        "memory_type__slug", "field__layout__build__release__sort_key", "field__layout__struct", "field__offset"
    )
    for usage in usages:
        release = usage.field.layout.build.release.name
        have = fields.get(release, {})
        for struct, name in field_references(usage.keeps):
            if struct in have and name not in have[struct]:
                findings.append(
                    f"usages: {usage.memory_type.slug}: {usage.field.layout.struct}.{usage.field.name} of {release} "
                    f"says {struct}.{name}, which {release}'s layout lacks"
                )
    return findings


def check_sources():
    findings = []
    for source in Source.objects.order_by("key"):
        if source.kind == Source.Kind.MAIL and not source.message_id:
            findings.append(f"sources: {source.key}: a mail source needs its Message-ID")
        if source.kind == Source.Kind.FILE:
            if not source.path:
                findings.append(f"sources: {source.key}: a file source needs its path")
            if not source.release:
                findings.append(f"sources: {source.key}: a file source needs the release it was read at")
    return findings


def check_transitions():
    """Findings in the transitions: eras out of order or overlapping, a cited file read outside
    its era (1 query)."""
    findings = []
    previous = None
    for t in Transition.objects.for_list():
        where = f"lifecycle: {t.from_type.slug} -> {t.to_type.slug}: {t.event}: {t.function} ({t.era})"
        if t.since_key >= t.until_key:
            findings.append(f"{where}: since must come before until")
        same = previous is not None and (previous.from_type_id, previous.to_type_id, previous.event) == (
            t.from_type_id,
            t.to_type_id,
            t.event,
        )
        if same and t.since_key < previous.until_key:
            findings.append(f"{where}: overlaps the era of {previous.function} ({previous.era})")
        source = t.source
        if source.kind == Source.Kind.FILE and release_order(source.release) is not None:
            read_at = Transition.era_keys(source.release, "")[0]
            if not t.since_key <= read_at < t.until_key:
                findings.append(f"{where}: cites {source.key}, read at {source.release}, outside its era")
        if t.since and t.dated_by_id is None:
            findings.append(f"{where}: say what dates its since (dated_by: a pull request or list post)")
        previous = t
    return findings


BACKPORT_KEYS = {"release", "commit", "upstream", "subject", "source", "fields", "note"}
COMMIT = re.compile(r"^[0-9a-f]{12}$")


def check_backports(path, fields):
    """Findings in data/backports.yaml against the loaded releases, layouts and sources."""
    path = Path(path)
    if not path.exists():
        return []
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(entries, list):
        return [f"{path.name}: expected a list of entries"]
    sources = set(Source.objects.values_list("key", flat=True))
    findings = []
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            findings.append(f"{path.name}: entry {i}: expected a mapping")
            continue
        where = f"{path.name}: {entry.get('release', '?')} {entry.get('commit', '?')}"
        missing = sorted(BACKPORT_KEYS - set(entry))
        if missing:
            findings.append(f"{where}: missing {', '.join(missing)}")
        if not COMMIT.match(str(entry.get("commit", ""))):
            findings.append(f"{where}: commit must be 12 lowercase hex digits")
        if release_order(str(entry.get("upstream", ""))) is None:
            findings.append(f"{where}: upstream must name the release that first has the commit, like v6.15")
        if entry.get("source") not in sources:
            findings.append(f"{where}: unknown source {entry.get('source')!r}")
        have = fields.get(entry.get("release"))
        if have is None:
            findings.append(f"{where}: no loaded release {entry.get('release')!r}")
            continue
        for item in entry.get("fields") or []:
            struct, name = (item or {}).get("struct"), (item or {}).get("name")
            if name not in have.get(struct, ()):
                findings.append(f"{where}: {entry['release']}'s layout has no {struct}.{name}")
    return findings


def check(backports=None):
    """Every finding in the loaded data, one line each; [] when there is none. `backports`: the
    path of data/backports.yaml to check too."""
    releases = _loaded_releases()
    fields = {release.name: fields_of_release(release) for release in releases}
    findings = check_identifications(releases, fields) + check_usages(fields) + check_sources()
    findings += check_transitions()
    from apps.decoder.checks import rule_findings

    findings += rule_findings()
    if backports is not None:
        findings += check_backports(backports, fields)
    return findings
