import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.kernel import layouts, pahole
from apps.kernel.models import RELEASE_NAME


class Command(BaseCommand):
    help = (
        "Import the struct layouts that `pahole -C page,folio,slab,ptdesc,zpdesc,netmem_desc` printed "
        "for one kernel build (FILE, or - for standard input). All or nothing; importing the same "
        "file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="pahole output, or - to read standard input")
        parser.add_argument("--release", required=True, help="release tag, e.g. v6.12")
        parser.add_argument("--source", required=True, help="provenance: the exact build and how it was read")
        parser.add_argument("--kernel-version", default="", help="exact version string of the build")

    def handle(self, *args, file, release, source, kernel_version, **options):
        if not RELEASE_NAME.match(release):
            raise CommandError(f"--release {release!r}: a release is named like v6.12")
        if not source.strip():
            raise CommandError("--source must say where the layout was read from")
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        name = "<stdin>" if file == "-" else file
        try:
            structs = pahole.parse(text)
            counts = layouts.store(release, structs, source.strip(), kernel_version=kernel_version)
        except pahole.PaholeError as exc:
            raise CommandError(f"{name}: {exc}") from exc
        except layouts.LayoutError as exc:
            raise CommandError(f"{name}: {exc}") from exc
        structs_read = ", ".join(f"{s.name} ({s.size} bytes)" for s in structs)
        self.stdout.write(f"{release}: {structs_read}: {counts}")
