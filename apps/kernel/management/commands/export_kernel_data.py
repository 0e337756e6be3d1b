from django.conf import settings
from django.core.management.base import BaseCommand

from apps.kernel import data


class Command(BaseCommand):
    help = (
        "Write the database back to the kernel data files (data/), so that edits made in the "
        "admin can be reviewed with git diff and committed. The pahole layout files are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=settings.KERNEL_DATA_DIR, help="default: data/ of the project")

    def handle(self, *args, data_dir, **options):
        written = data.export(data_dir)
        self.stdout.write(f"Wrote {len(written)} files under {data_dir}: {', '.join(written)}")
