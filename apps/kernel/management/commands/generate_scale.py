"""Synthetic data for `make bench SCALE=N`: how memtypes behaves when the data grows.

Only for a benchmark database: everything it writes is synthetic and says so (types, the source
and the builds are prefixed `syn-`; the releases are named v90.0, v90.1, ..., a major number
Linux has never had), and it is never exported to data/.
"""

import math
import random
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.kernel import version
from apps.kernel.models import (
    REFERENCE_ARCH,
    Build,
    EnumValue,
    Field,
    FieldUsage,
    Identification,
    MemoryType,
    Release,
    Source,
    StructLayout,
    TypeRelation,
    release_sort_number,
)

ARCHES = [REFERENCE_ARCH, "arm64", "arm", "i386"]
SYNTHETIC_MAJOR = 90
PREFIX = "syn-"
FIELDS_PER_TYPE = 3
FIELD_COPY = (
    "name",
    "path",
    "c_type",
    "offset",
    "size",
    "bit_offset",
    "bit_size",
    "page_index",
    "config",
    "config_source_id",
    "position",
)
BUILD_COPY = ("debuginfo", "tool", "layout_file")


def is_bench_database():
    """True for the SQLite file bench/run.py makes in its own temporary folder."""
    db = settings.DATABASES["default"]
    if "sqlite" not in db["ENGINE"]:
        return False
    path = Path(str(db["NAME"]))
    return (
        path.name == "bench.sqlite3"
        and path.parent.name.startswith("memtypes-bench-")
        and (path.parent.parent == Path(tempfile.gettempdir()))
    )


def synthetic_release_names(count):
    """v90.0 ... v90.99, v91.0, ...: future-looking releases no kernel has had."""
    return [f"v{SYNTHETIC_MAJOR + n // 100}.{n % 100}" for n in range(count)]


def dag_layers(count, depth, rng):
    """count type numbers in depth layers, widening then narrowing (a diamond), each layer at
    least one type wide."""
    weights = [1 + min(level, depth - 1 - level) for level in range(depth)]
    sizes = [max(1, round(count * w / sum(weights))) for w in weights]
    sizes[sizes.index(max(sizes))] += count - sum(sizes)
    layers, n = [], 0
    for size in sizes:
        layers.append(list(range(n, n + size)))
        n += size
    return layers


class Command(BaseCommand):
    help = (
        "Add synthetic data to a benchmark database: SCALE times as many builds as the real data "
        "(new releases v90.x, each with the four architectures' layouts copied from the newest real "
        "builds), --types memory types in all (syn-NNN, a deep and wide DAG under the real ones) and "
        "their usages in every release. Refuses any database but bench/run.py's unless --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, required=True, help="how many times the real builds (2 or more)")
        parser.add_argument("--types", type=int, default=300, help="memory types in all (default 300)")
        parser.add_argument("--depth", type=int, default=12, help="layers of synthetic types (default 12)")
        parser.add_argument("--yes", action="store_true", help="write to a database that is not the bench's")

    def handle(self, *args, scale, types, depth, yes, **options):
        if not yes and not is_bench_database():
            raise CommandError(
                "generate_scale writes synthetic data: run it on bench/run.py's database, or pass --yes "
                "for a database made only for benchmarking."
            )
        if scale < 2:
            raise CommandError("--scale must be 2 or more.")
        if depth < 1:
            raise CommandError("--depth must be 1 or more.")
        if MemoryType.objects.filter(slug__startswith=PREFIX).exists():
            raise CommandError("This database already has synthetic data (syn- types).")
        real_builds = list(Build.objects.select_related("release").order_by("-release__sort_key"))
        templates = {arch: next((b for b in real_builds if b.arch == arch), None) for arch in ARCHES}
        if templates[REFERENCE_ARCH] is None:
            raise CommandError("Load the kernel data first (manage.py load_kernel_data): there is no build to copy.")
        templates = {arch: build for arch, build in templates.items() if build is not None}
        # bulk_create sends no signals: one data version bump for all of it (apps.kernel.version).
        with version.one_change():
            summary = self.generate(scale, types, depth, real_builds, templates)
        self.stdout.write(summary)

    def generate(self, scale, type_total, depth, real_builds, templates):
        rng = random.Random(scale)
        source = Source.objects.create(
            key=f"{PREFIX}generate-scale",
            kind=Source.Kind.BUILD,
            title=f"{PREFIX}synthetic data of manage.py generate_scale (not a kernel fact)",
        )

        # Releases and builds: the layouts of the newest real build of each architecture.
        release_count = math.ceil((scale - 1) * len(real_builds) / len(templates))
        releases = Release.objects.bulk_create(
            Release(
                name=name, sort_key=release_sort_number(name), notes=f"{PREFIX}synthetic release of generate_scale."
            )
            for name in synthetic_release_names(release_count)
        )
        builds = Build.objects.bulk_create(
            Build(
                release=release,
                arch=arch,
                kernel_version=f"{PREFIX}{release.name[1:]}",
                package=f"{PREFIX}{template.package or 'build'}",
                notes=f"{PREFIX}copy of {template}",
                **{name: getattr(template, name) for name in BUILD_COPY},
            )
            for release in releases
            for arch, template in templates.items()
        )
        template_layouts = {
            arch: list(StructLayout.objects.filter(build=template).prefetch_related("fields"))
            for arch, template in templates.items()
        }
        layouts, layout_fields = [], []
        for build in builds:
            for template in template_layouts[build.arch]:
                layouts.append(StructLayout(build=build, struct=template.struct, size=template.size))
                layout_fields.append(list(template.fields.all()))
        StructLayout.objects.bulk_create(layouts, batch_size=500)
        fields = [
            Field(layout=layout, **{name: getattr(field, name) for name in FIELD_COPY})
            for layout, template_fields in zip(layouts, layout_fields, strict=True)
            for field in template_fields
        ]
        Field.objects.bulk_create(fields, batch_size=1000)
        enum_values = [
            EnumValue(build=build, enum=ev.enum, name=ev.name, value=ev.value)
            for build in builds
            for ev in EnumValue.objects.filter(build=templates[build.arch])
        ]
        EnumValue.objects.bulk_create(enum_values, batch_size=1000)

        # Types: layers of a diamond-shaped DAG under the real types, 1 to 3 parents each.
        real_types = list(MemoryType.objects.order_by("slug"))
        count = max(0, type_total - len(real_types))
        areas = [area for area, _ in MemoryType.Area.choices]
        new_types = MemoryType.objects.bulk_create(
            MemoryType(
                slug=f"{PREFIX}{n:03d}",
                name=f"{PREFIX}{n:03d} (synthetic)",
                summary="A synthetic memory type of the benchmark data (manage.py generate_scale).",
                description=f"Synthetic type **{n}**: not a kernel fact.\n\n- made by `generate_scale`\n",
                description_html=(
                    f"<p>Synthetic type <strong>{n}</strong>: not a kernel fact.</p>\n<ul>\n"
                    "<li>made by <code>generate_scale</code></li>\n</ul>"
                ),
                version=1,
                area=areas[n % len(areas)],
            )
            for n in range(1, count + 1)
        )
        MemoryType.sources.through.objects.bulk_create(
            MemoryType.sources.through(memorytype_id=t.pk, source_id=source.pk) for t in new_types
        )
        relations = []
        layers = dag_layers(len(new_types), depth, rng) if new_types else []
        for level, layer in enumerate(layers):
            for n in layer:
                pool = real_types if level == 0 else [new_types[m] for m in layers[level - 1]]
                extra = [new_types[m] for m in layers[level - 2]] if level >= 2 else []
                parents = rng.sample(pool, min(len(pool), rng.randint(1, 2)))
                if extra and rng.random() < 0.3:
                    parents.append(rng.choice(extra))
                relations += [TypeRelation(parent=p, child=new_types[n], source=source) for p in parents]
        TypeRelation.objects.bulk_create(relations, batch_size=1000)
        Identification.objects.bulk_create(
            Identification(memory_type=t, test=f"{PREFIX}synthetic: no kernel test", source=source, basis="inferred")
            for t in new_types
        )

        # Usages: each new release's reference build repeats the newest real release's usages;
        # every synthetic type uses a few words of struct page in every release.
        reference = templates[REFERENCE_ARCH]
        template_usages = list(
            FieldUsage.objects.filter(field__layout__build=reference).select_related("field__layout")
        )
        usages = []
        by_key = {}
        for field in Field.objects.filter(layout__build__arch=REFERENCE_ARCH).select_related("layout__build"):
            by_key.setdefault(field.layout.build_id, {})[(field.layout.struct, field.path, field.name)] = field
        page_fields = {
            build_id: sorted((f for k, f in fields.items() if k[0] == "page"), key=lambda f: f.position)
            for build_id, fields in by_key.items()
        }
        new_build_ids = {b.pk for b in builds if b.arch == REFERENCE_ARCH}
        for build_id, build_fields in by_key.items():
            if build_id in new_build_ids:
                for u in template_usages:
                    field = build_fields[(u.field.layout.struct, u.field.path, u.field.name)]
                    usages.append(
                        FieldUsage(
                            memory_type_id=u.memory_type_id,
                            field=field,
                            keeps=u.keeps,
                            source_id=u.source_id,
                            carried=u.carried,
                            basis=u.basis,
                        )
                    )
            words = page_fields[build_id]
            for t in new_types:
                for field in rng.sample(words, min(FIELDS_PER_TYPE, len(words))):
                    usages.append(
                        FieldUsage(
                            memory_type=t,
                            field=field,
                            source=source,
                            basis="inferred",
                            keeps=f"{PREFIX}synthetic use of {field.name}",
                        )
                    )
        FieldUsage.objects.bulk_create(usages, batch_size=1000)
        return (
            f"Synthetic data at scale {scale}: {len(releases)} releases, {len(builds)} builds, {len(fields)} fields, "
            f"{len(new_types)} types, {len(relations)} relations, {len(usages)} usages."
        )
