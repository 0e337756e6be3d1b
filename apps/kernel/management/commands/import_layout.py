import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.kernel import layouts, pahole
from apps.kernel.models import REFERENCE_ARCH, Build, release_sort_key


class Command(BaseCommand):
    help = (
        "Import the struct layouts that `pahole -C page,folio,slab,ptdesc,zpdesc,netmem_desc` printed "
        "for one kernel build (FILE, or - for standard input). All or nothing; importing the same "
        "file again changes nothing, and keeps the curated data (config dependencies, usages, backports) "
        "of the fields that are still there. Fields the file no longer has are named and kept unless "
        "--allow-drop."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="pahole output, or - to read standard input")
        parser.add_argument("--release", required=True, help="release, e.g. v6.12 or v7.3-rc7")
        parser.add_argument(
            "--arch", default=REFERENCE_ARCH, choices=Build.Arch.values, help="the build's architecture"
        )
        parser.add_argument("--kernel-version", required=True, help="exact version of the build, e.g. 6.12.117")
        parser.add_argument("--source", required=True, help="provenance: the exact build and how it was read")
        parser.add_argument("--debuginfo", default="btf", choices=Build.DebugInfo.values)
        parser.add_argument(
            "--allow-drop", action="store_true", help="delete stored fields that the file no longer has"
        )

    def handle(self, *args, file, release, arch, kernel_version, source, debuginfo, allow_drop, **options):
        try:
            release_sort_key(release)
        except ValueError as exc:
            raise CommandError(f"--release: {exc}") from exc
        if not source.strip():
            raise CommandError("--source must say where the layout was read from")
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        name = "<stdin>" if file == "-" else file
        try:
            structs = pahole.parse(text)
            values = {"kernel_version": kernel_version, "debuginfo": debuginfo, "notes": source.strip()}
            counts = layouts.store(release, arch, structs, values, allow_drop=allow_drop)
        except pahole.PaholeError as exc:
            raise CommandError(f"{name}: {exc}") from exc
        except layouts.LayoutError as exc:
            raise CommandError(f"{name}: {exc}") from exc
        structs_read = ", ".join(f"{s.name} ({s.size} bytes)" for s in structs)
        self.stdout.write(f"{release}: {structs_read}: {counts}")
