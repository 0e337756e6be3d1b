from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.kernel import checks


class Command(BaseCommand):
    help = (
        "Check the loaded kernel data against the loaded layouts: every struct field an "
        "identification or usage names exists in the releases it applies to (else it needs or has "
        "a wrong since), every mail source has a Message-ID and every file source a path and release. "
        "One line per finding; exits non-zero when there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=settings.KERNEL_DATA_DIR, help="default: data/ of the project")

    def handle(self, *args, data_dir, **options):
        findings = checks.check(backports=Path(data_dir) / "backports.yaml")
        for finding in findings:
            self.stdout.write(finding)
        if findings:
            raise CommandError(f"{len(findings)} finding{'s' if len(findings) != 1 else ''} in the kernel data")
        self.stdout.write("Kernel data: no finding.")
