from django.core.management.base import BaseCommand, CommandError

from apps.kernel import drift
from apps.kernel.models import REFERENCE_ARCH, Build


class Command(BaseCommand):
    help = (
        "What changed from release A to release B for one architecture: fields added, removed, moved "
        "and renamed, usages whose field vanished or moved, identification naming what is gone."
    )

    def add_arguments(self, parser):
        parser.add_argument("older", help="the older release, e.g. v6.18")
        parser.add_argument("newer", help="the newer release, e.g. v7.2")
        parser.add_argument("--arch", default=REFERENCE_ARCH, choices=Build.Arch.values)

    def handle(self, *args, older, newer, arch, **options):
        builds = []
        for name in (older, newer):
            build = Build.objects.of(name, arch)
            if build is None:
                raise CommandError(f"no build of {name} for {arch} is loaded")
            builds.append(build)
        report = drift.drift(*builds)
        out = self.stdout
        out.write(f"{older} -> {newer} ({arch}): {builds[0].label} -> {builds[1].label}")
        for struct in report.structs_added:
            out.write(f"+ struct {struct}")
        for struct in report.structs_removed:
            out.write(f"- struct {struct}")
        for entry in report.structs_changed:
            head = f"struct {entry['struct']}"
            if entry["from_size"] != entry["to_size"]:
                out.write(f"~ {head}: {entry['from_size']} -> {entry['to_size']} bytes")
            for old, new in entry["renamed"]:
                out.write(f"  renamed {head}.{old.name} -> {new.name} @{new.offset} ({new.c_type})")
            for f in entry["added"]:
                out.write(f"  added   {head}.{f.name} @{f.offset}+{f.size} ({f.c_type})")
            for f in entry["removed"]:
                out.write(f"  removed {head}.{f.name} (was @{f.offset}+{f.size})")
            for old, new in entry["moved"]:
                out.write(f"  moved   {head}.{new.name} @{old.offset} -> @{new.offset}")
            for old, new in entry["resized"]:
                out.write(f"  resized {head}.{new.name} {old.size} -> {new.size} bytes")
            for old, new in entry["retyped"]:
                out.write(f"  retyped {head}.{new.name} {old.c_type} -> {new.c_type}")
        for item in report.stranded:
            to = f" -> {item['to'].name} @{item['to'].offset}" if item["to"] else ""
            fld = item["field"]
            out.write(f"! usage {item['usage'].memory_type.slug}: {fld.layout.struct}.{fld.name} {item['status']}{to}")
        for item in report.identifications:
            ident = item["identification"]
            since = ident.since or "the start"
            out.write(f"! identification {ident.memory_type.slug} (since {since}) names {', '.join(item['names'])}")
        carried = sum(1 for entry in report.usages for usage, _ in entry["added"] if usage.carried)
        out.write(
            f"{len(report.renames)} renamed, {len(report.stranded)} usages to revisit, "
            f"{len(report.identifications)} identifications to revisit, {carried} usages carried, not re-verified"
        )
