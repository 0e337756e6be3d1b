"""check_data's findings on the rules (apps.kernel.checks.check calls rule_findings()):

- a rule's field exists in struct page of every loaded release in its range (of its architecture,
  or of the reference build when it holds on every architecture);
- the PG_/PGTY_ name it uses exists in every loaded build of its range that has that enum (a rule
  that names a config option may be missing from a build without it);
- since comes before until; an enum span's lender has the enum.
"""

from collections import defaultdict

from apps.decoder.models import EnumSpan, Rule
from apps.kernel.models import REFERENCE_ARCH, Build, EnumValue, Field


def rule_findings():
    builds = list(Build.objects.select_related("release").order_by("release__sort_key", "arch"))
    page_fields = defaultdict(set)
    for build_id, name in Field.objects.filter(layout__struct="page").values_list("layout__build_id", "name"):
        page_fields[build_id].add(name)
    enums = defaultdict(dict)
    for build_id, enum, name in EnumValue.objects.values_list("build_id", "enum", "name"):
        enums[(build_id, enum)][name] = True
    findings = []
    for rule in Rule.objects.for_list():
        where = f"rules: {rule.memory_type.slug}: {rule.test} ({rule.since or 'start'}..{rule.until or 'now'})"
        if rule.sort_until is not None and rule.sort_until <= rule.sort_since:
            findings.append(f"{where}: until is not after since")
        for build in builds:
            if not rule.holds_at(build.release.name, build.arch):
                continue
            if not rule.arch and build.arch != REFERENCE_ARCH and rule.field not in page_fields[build.id]:
                continue  # checked on the reference build; other arches may name it otherwise
            label = f"{build.release.name} {build.arch}"
            if rule.field and rule.field not in page_fields[build.id]:
                findings.append(f"{where}: struct page of {label} has no field {rule.field}")
            have = enums.get((build.id, rule.enum)) if rule.enum else None
            if have is not None and rule.name not in have and not rule.config:
                findings.append(f"{where}: enum {rule.enum} of {label} has no {rule.name}")
    for span in EnumSpan.objects.select_related("lender__release"):
        if (span.lender_id, span.enum) not in enums:
            findings.append(f"rules: enum span {span}: the lending build has no enum {span.enum}")
    return findings
