import reversion
from django.core.management.base import BaseCommand, CommandError

from apps.kernel import drift, version
from apps.kernel.models import REFERENCE_ARCH, Basis, Build, Field, FieldUsage


class Command(BaseCommand):
    help = (
        "Carry the usages of release A forward (or back) to release B: each usage whose field B's "
        f"{REFERENCE_ARCH} build still has (by struct and name, or renamed at the same offset, size and type) "
        "is recorded in B, marked 'carried, not re-verified' (basis: inferred) until a curator "
        "confirms it. Usages B already "
        "records are left alone. One transaction; prints what it carried and what it could not."
    )

    def add_arguments(self, parser):
        parser.add_argument("source_release", help="the release whose usages are carried, e.g. v6.18")
        parser.add_argument("target_release", help="the release they are carried to, e.g. v7.2")

    def handle(self, *args, source_release, target_release, **options):
        builds = []
        for name in (source_release, target_release):
            build = Build.objects.of(name, REFERENCE_ARCH)
            if build is None:
                raise CommandError(f"no {REFERENCE_ARCH} build of {name} is loaded")
            builds.append(build)
        report = drift.drift(*builds)
        renamed = {old.id: new for _, old, new in report.renames}
        # A field is found by struct, path and name; failing that by struct and name alone, but
        # only where the name is unique in the struct (next, prev, private recur in its unions).
        targets, by_name = {}, {}
        for fld in Field.objects.of_build(builds[1]):
            targets.setdefault((fld.layout.struct, fld.path, fld.name), fld)
            by_name.setdefault((fld.layout.struct, fld.name), []).append(fld)
        for key, fields in by_name.items():
            if len(fields) == 1:
                targets[(key[0], "", key[1])] = fields[0]
        carried, missing, kept = 0, [], 0
        with version.one_change(), reversion.create_revision():
            reversion.set_comment(f"carry_usages {source_release} {target_release}")
            existing = set(
                FieldUsage.objects.filter(field__layout__build=builds[1]).values_list("memory_type_id", "field_id")
            )
            usages = FieldUsage.objects.filter(field__layout__build=builds[0]).select_related(
                "memory_type", "field__layout", "source"
            )
            for usage in usages.order_by("memory_type__slug", "field__layout__struct", "field__offset"):
                old = usage.field
                new = (
                    targets.get((old.layout.struct, old.path, old.name))
                    or targets.get((old.layout.struct, "", old.name))
                    or renamed.get(old.id)
                )
                if new is None:
                    where = f"{usage.memory_type.slug}: {old.layout.struct}.{old.name}"
                    if len(by_name.get((old.layout.struct, old.name), ())) > 1:
                        where += f" (at {old.path or 'the top level'}; {target_release} has several, none there)"
                    missing.append(where)
                    continue
                if (usage.memory_type_id, new.id) in existing:
                    kept += 1
                    continue
                FieldUsage.objects.create(
                    memory_type=usage.memory_type,
                    field=new,
                    keeps=usage.keeps,
                    source=usage.source,
                    carried=True,
                    basis=Basis.INFERRED,
                )
                existing.add((usage.memory_type_id, new.id))
                carried += 1
        for item in missing:
            self.stdout.write(f"not carried (no such field in {target_release}): {item}")
        self.stdout.write(
            f"{source_release} -> {target_release}: {carried} usages carried (not re-verified), "
            f"{kept} already recorded, {len(missing)} not carried"
        )
