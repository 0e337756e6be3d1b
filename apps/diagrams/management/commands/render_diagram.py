from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.diagrams import dot, render
from apps.kernel import graph
from apps.kernel.models import MemoryType


class Command(BaseCommand):
    help = (
        "Draw the memory-type hierarchy from the database into a file, the format taken from its "
        "suffix (.svg, .png, .pdf or .dot), e.g. docs/hierarchy.png for the README. With --type, "
        "draw one type with its ancestors and descendants instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Output file: .svg, .png, .pdf or .dot")
        parser.add_argument("--type", dest="slug", help="Slug of the type to centre the picture on.")
        parser.add_argument("--depth", type=int, help="With --type: levels drawn above and below it.")

    def handle(self, path, slug=None, depth=None, **options):
        target = Path(path)
        fmt = target.suffix.lower().lstrip(".")
        if fmt not in render.FORMATS:
            raise CommandError(f"{path}: the suffix must be one of {', '.join('.' + f for f in render.FORMATS)}.")
        if depth is not None and (slug is None or depth < 1):
            raise CommandError("--depth needs --type and a positive number of levels.")
        if slug is None:
            dag = graph.whole()
        else:
            memory_type = MemoryType.objects.for_graph().filter(slug=slug).first()
            if memory_type is None:
                raise CommandError(f"No memory type has the slug {slug!r}.")
            dag = graph.neighbourhood(memory_type, depth)
        try:
            picture = render.render(dot.build(dag), fmt)
        except render.RenderError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if not target.parent.is_dir():
            raise CommandError(f"{path}: the directory {target.parent} does not exist.")
        target.write_bytes(picture)
        self.stdout.write(f"{path}: {len(dag.types)} types, {len(dag.relations)} relations, {len(picture)} bytes")
