from django.core.management.base import BaseCommand, CommandError

from apps.kernel import checks


class Command(BaseCommand):
    help = (
        "Check the loaded kernel data against the loaded layouts: every struct field an "
        "identification or usage names exists in the releases it applies to (else it needs or has "
        "a wrong since), every mail source has a Message-ID and every file source a path and release. "
        "One line per finding; exits non-zero when there is any."
    )

    def handle(self, *args, **options):
        findings = checks.check()
        for finding in findings:
            self.stdout.write(finding)
        if findings:
            raise CommandError(f"{len(findings)} finding{'s' if len(findings) != 1 else ''} in the kernel data")
        self.stdout.write("Kernel data: no finding.")
