from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.kernel import data


class Command(BaseCommand):
    help = (
        "Load the curated kernel data (data/: releases and their pahole layouts, sources, types, "
        "relations, identification, field usage). Validates everything first and writes nothing "
        "on an error; a second run reports 0 created, 0 updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=settings.KERNEL_DATA_DIR, help="default: data/ of the project")

    def handle(self, *args, data_dir, **options):
        try:
            bundle = data.read(data_dir)
            counts = data.load(bundle)
        except data.DataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Kernel data: {len(bundle.releases)} releases, {len(bundle.types)} types, "
            f"{len(bundle.relations)} relations, {len(bundle.usages)} usages, {len(bundle.rules)} rules, "
            f"{len(bundle.transitions)} transitions, {len(bundle.sources)} sources: "
            f"{counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged."
        )
