import reversion
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.kernel.models import TypeRelation


class Command(BaseCommand):
    help = "Delete the relation PARENT > CHILD (e.g. to break a cycle load_kernel_data reports); kept in the History."

    def add_arguments(self, parser):
        parser.add_argument("parent", help="slug of the parent type")
        parser.add_argument("child", help="slug of the child type")

    def handle(self, *args, parent, child, **options):
        relation = TypeRelation.objects.filter(parent__slug=parent, child__slug=child).first()
        if relation is None:
            raise CommandError(f"There is no relation {parent} > {child}.")
        with transaction.atomic():
            with reversion.create_revision():
                reversion.add_to_revision(relation)
                reversion.set_comment(f"delete_relation: deleted relation {parent} > {child}")
            relation.delete()
        self.stdout.write(f"Deleted the relation {parent} > {child}.")
