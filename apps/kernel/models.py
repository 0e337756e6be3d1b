"""The kernel's memory types, how they nest, and which words of struct page they use.

Release-aware from the start: struct page changes between releases (slab_cache sits at offset
24 in v6.1's struct page union and at 8 in v6.12's struct slab; index became __folio_index), so
layouts and field usages belong to one kernel release each.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models, router, transaction
from django.db.models import Prefetch, Q
from django.urls import get_script_prefix, get_urlconf, reverse

RELEASE_NAME = re.compile(r"^v(\d{1,2})\.(\d{1,2})(?:\.(\d{1,3})|-rc(\d{1,2}))?$")
RELEASE_NAME_HELP = "A release is named like v6.12, v6.1.55 or v7.3-rc7 (major and minor up to 99, patch up to 999)."
release_name_validator = RegexValidator(RELEASE_NAME, RELEASE_NAME_HELP)
c_identifier_validator = RegexValidator(r"^[A-Za-z_][A-Za-z0-9_]*$", "A C identifier, e.g. page or folio.")
commit_validator = RegexValidator(r"^[0-9a-f]{7,40}$", "A git commit: 7 to 40 lowercase hex digits.")

# The architecture a release is shown in unless another is asked for; usages are recorded on
# its build's fields and carried to the other architectures' builds by field name.
REFERENCE_ARCH = "x86_64"


class Basis(models.TextChoices):
    """How a fact was established: read in the kernel source at the release tag, read in a
    stable build's tree (which may carry backports the tag lacks), or inferred by memtypes."""

    TAG = "tag", "read at the release tag"
    STABLE = "stable", "read in a stable build"
    INFERRED = "inferred", "memtypes' inference"


def release_sort_key(name):
    """(major, minor, patch, rc) of a release name such as 'v6.12' or 'v7.3-rc7', where a
    release candidate sorts before the release (rc 99 stands for "not an rc");
    ValueError when malformed or out of range."""
    match = RELEASE_NAME.match(name or "")
    if not match:
        raise ValueError(f"{name!r} is not a release name like v6.12 or v7.3-rc7")
    major, minor, patch, rc = match.groups()
    if rc is not None and not 1 <= int(rc) <= 98:
        raise ValueError(f"{name!r}: a release candidate is numbered 1 to 98")
    return int(major), int(minor), int(patch or 0), int(rc) if rc else 99


def release_sort_number(name):
    """release_sort_key() as one integer that orders releases (fits a 32-bit column)."""
    major, minor, patch, rc = release_sort_key(name)
    return ((major * 100 + minor) * 1000 + patch) * 100 + rc


class Source(models.Model):
    """A citation for a kernel fact: a web page, a file of a kernel release or commit, or a
    mailing-list post (by Message-ID)."""

    class Kind(models.TextChoices):
        URL = "url", "Web page"
        FILE = "file", "Kernel source file"
        MAIL = "mail", "Mailing-list post"
        BUILD = "build", "Kernel build (BTF/DWARF)"

    key = models.SlugField(max_length=100, unique=True, help_text="Short stable name used by the data files.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=500, blank=True)
    path = models.CharField(
        max_length=300, blank=True, help_text="File in the kernel tree, e.g. include/linux/mm_types.h"
    )
    release = models.CharField(max_length=40, blank=True, help_text="Release tag the file was read at, e.g. v6.12")
    commit = models.CharField(max_length=40, blank=True, validators=[commit_validator])
    repository = models.CharField(max_length=200, blank=True, help_text="e.g. torvalds/linux")
    message_id = models.CharField(max_length=300, blank=True, help_text="Message-ID of a list post, without <>")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                name="source_has_its_locator",
                condition=(
                    (Q(kind="url") & ~Q(url=""))
                    | (Q(kind="file") & ~Q(path="") & (~Q(release="") | ~Q(commit="")))
                    | (Q(kind="mail") & ~Q(message_id=""))
                    | (Q(kind="build") & ~Q(title=""))
                ),
                violation_error_message=(
                    "A web page needs a URL; a file needs a path and a release or commit; "
                    "a list post needs its Message-ID."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.kind == self.Kind.URL and not self.url:
            errors["url"] = "A web page source needs its URL."
        if self.kind == self.Kind.FILE:
            if not self.path:
                errors["path"] = "A file source needs the file's path in the kernel tree."
            if not (self.release or self.commit):
                errors["release"] = "A file source needs the release or the commit it was read at."
        if self.kind == self.Kind.MAIL and not self.message_id:
            errors["message_id"] = "A list post needs its Message-ID."
        if errors:
            raise ValidationError(errors)

    @property
    def citation(self):
        """One line naming where the fact was read."""
        if self.kind == self.Kind.FILE:
            at = self.release or self.commit
            where = f"{self.repository} " if self.repository else ""
            return f"{self.path} @ {where}{at}"
        if self.kind == self.Kind.MAIL:
            return f"<{self.message_id}>"
        return self.url or self.title

    @property
    def link(self):
        """A URL a browser can open, where there is one."""
        if self.url:
            return self.url
        if self.kind == self.Kind.MAIL:
            return f"https://lore.kernel.org/r/{self.message_id}"
        return ""


_type_urls = {}
# What the slug path converter of the type pages' URL accepts.
_URL_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def type_url(slug):
    """The path of a type's page. Type pages' paths differ only by the slug, which reverse()
    leaves as it is, so a page that links dozens of types reverses once per URL configuration
    and script prefix; a slug the URL cannot hold raises NoReverseMatch, as reverse() does."""
    if not _URL_SLUG.fullmatch(slug):
        return reverse("web:type-detail", kwargs={"slug": slug})
    key = (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())
    if key not in _type_urls:
        _type_urls[key] = reverse("web:type-detail", kwargs={"slug": "SLUG"}).rpartition("SLUG")
    before, _, after = _type_urls[key]
    return f"{before}{slug}{after}"


# The columns of a type that the API's list shows (with its id).
LIST_COLUMNS = ("id", "slug", "name", "summary", "status", "area", "descriptor", "on_lru", "user_mappable")


class MemoryTypeQuerySet(models.QuerySet):
    def for_detail(self):
        """One type with everything its page shows: parents and children with the relation
        notes, identification per release, memdesc numbers, sources, and every field usage with
        its field, layout and release (7 queries whatever the data size)."""
        return self.prefetch_related(
            Prefetch(
                "parent_relations",
                queryset=TypeRelation.objects.select_related("parent", "source").order_by("parent__slug"),
            ),
            Prefetch(
                "child_relations",
                queryset=TypeRelation.objects.select_related("child", "source").order_by("child__slug"),
            ),
            Prefetch("identifications", queryset=Identification.objects.select_related("source")),
            Prefetch("memdesc_numbers", queryset=MemdescNumber.objects.select_related("table__source")),
            "sources",
            Prefetch(
                "usages",
                queryset=FieldUsage.objects.select_related("field__layout__build__release", "source").order_by(
                    "-field__layout__build__release__sort_key",
                    "field__layout__struct",
                    "field__offset",
                    "field__position",
                ),
            ),
        )

    def for_graph(self):
        """Only what a diagram node shows (1 query)."""
        return self.only("id", "slug", "name", "summary", "descriptor", "status", "area").order_by("slug")

    def list_values(self):
        """The types by slug as dicts of the columns a list shows, with their id and no model
        instances (1 query); the catalogue (apps.kernel.catalogue) has their parents and sources."""
        return self.order_by("slug").values(*LIST_COLUMNS)

    def detail_values(self):
        """The types as dicts of the columns their detail shows, with their id, and no model
        instances (1 query); detail_related() adds the rest."""
        return self.order_by("slug").values(*LIST_COLUMNS, "description", "alloc_api", "free_api")

    def detail_related(self, type_id):
        """What the detail of type type_id shows beside its own columns, as dicts of values, in
        the orders of for_detail(): parents and children with the relation notes, identification
        per release, memdesc numbers, the keys of its sources, and its field usages newest
        release first (6 queries whatever the data size)."""
        relation = ("note", "source__key")
        return {
            "parents": list(
                TypeRelation.objects.filter(child=type_id)
                .order_by("parent__slug")
                .values("parent__slug", "parent__name", *relation)
            ),
            "children": list(
                TypeRelation.objects.filter(parent=type_id)
                .order_by("child__slug")
                .values("child__slug", "child__name", *relation)
            ),
            "identifications": list(
                Identification.objects.filter(memory_type=type_id)
                .order_by("since")
                .values("since", "test", "source__key", "basis")
            ),
            "memdesc_numbers": list(
                MemdescNumber.objects.filter(memory_type=type_id)
                .order_by("table__position")
                .values(
                    "table__name",
                    "table__position",
                    "number",
                    "subtype",
                    "meaning",
                    "table__source__key",
                    "table__source__title",
                )
            ),
            "source_keys": list(
                Source.objects.filter(memory_types=type_id).order_by("key").values_list("key", flat=True)
            ),
            "usages": list(
                FieldUsage.objects.filter(memory_type=type_id)
                .order_by(
                    "-field__layout__build__release__sort_key",
                    "field__layout__struct",
                    "field__offset",
                    "field__position",
                )
                .values(
                    "id",
                    "field__layout__build__release__name",
                    "field__layout__struct",
                    "field__name",
                    "field__path",
                    "field__offset",
                    "field__size",
                    "field__page_index",
                    "keeps",
                    "source__key",
                    "basis",
                )
            ),
        }


class MemoryType(models.Model):
    """A use of a page of physical memory, e.g. an anonymous folio, a slab, a page table or a
    free (buddy) page: what the kernel stores in the words of struct page depends on it."""

    class Status(models.TextChoices):
        MAINLINE = "mainline", "In mainline"
        PROPOSED = "proposed", "Proposed (patches posted)"
        PLANNED = "planned", "Planned (memdesc plan)"
        REMOVED = "removed", "Removed from mainline"

    class Area(models.TextChoices):
        """The branch a type belongs to: the diagram groups by it, the data files are split by it."""

        PAGE = "page", "struct page itself"
        FOLIO = "folio", "Folio-backed memory"
        ZONE_DEVICE = "zone_device", "ZONE_DEVICE memory"
        SLAB = "slab", "Slab and kmalloc"
        PGTABLE = "pgtable", "Page tables"
        FREE = "free", "Free memory"
        OTHER = "other", "Other uses of a page"

    slug = models.SlugField(max_length=64, unique=True, help_text="Identifier as in the 2021 tree, e.g. anon_mem.")
    name = models.CharField(max_length=100)
    summary = models.CharField(max_length=300, help_text="One line.")
    description = models.TextField(blank=True, help_text="Markdown; rendered sanitised.")
    # The description rendered when the type is saved (apps.kernel.markdown): pages never
    # render stored text.
    description_html = models.TextField(blank=True, editable=False)
    # Bumped by every save: the admin's form carries the version it was opened at and refuses
    # to overwrite a newer one (a concurrent edit).
    version = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.MAINLINE)
    area = models.CharField(max_length=12, choices=Area.choices, default=Area.OTHER)
    descriptor = models.CharField(
        max_length=64, blank=True, help_text="The struct that describes it, e.g. struct slab; blank for none."
    )
    alloc_api = models.TextField("allocation API", blank=True)
    free_api = models.TextField("free API", blank=True)
    on_lru = models.BooleanField("on the LRU", default=False)
    user_mappable = models.BooleanField("mappable to user space", default=False)
    sources = models.ManyToManyField(Source, related_name="memory_types")
    parents = models.ManyToManyField(
        "self", through="TypeRelation", through_fields=("child", "parent"), symmetrical=False, related_name="children"
    )

    objects = MemoryTypeQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.slug

    def save(self, *args, **kwargs):
        from apps.kernel import markdown

        self.description_html = markdown.render_or_plain(self.description)
        self.version = (self.version or 0) + 1
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version"} | (
                {"description_html"} if "description" in update_fields else set()
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return type_url(self.slug)

    def clean(self):
        """Refuse a description that cannot be rendered within the bounds of apps.kernel.markdown."""
        from apps.kernel import markdown

        try:
            markdown.render(self.description)
        except markdown.DescriptionError as exc:
            raise ValidationError({"description": str(exc)}) from exc


class TypeRelation(models.Model):
    """'child is a kind of parent' in the memory-type hierarchy (a DAG: a type may have several
    parents), e.g. folio > lru_mem > anon_mem."""

    parent = models.ForeignKey(MemoryType, on_delete=models.CASCADE, related_name="child_relations")
    child = models.ForeignKey(MemoryType, on_delete=models.CASCADE, related_name="parent_relations")
    note = models.TextField(blank=True, help_text="Why it sits here, e.g. where the placement is disputed.")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="relations")

    class Meta:
        ordering = ["parent__slug", "child__slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "child"],
                name="relation_once_per_pair",
                violation_error_message="This type already has that parent.",
            ),
            models.CheckConstraint(
                name="relation_not_self",
                condition=~Q(parent=models.F("child")),
                violation_error_message="A type cannot be its own parent.",
            ),
        ]

    def __str__(self):
        return f"{self.parent_id and self.parent.slug} > {self.child_id and self.child.slug}"

    def save(self, *args, **kwargs):
        """Relation writes run one at a time, each checking for a cycle under the lock: two
        concurrent inserts a > b and b > a cannot both pass the check made before the lock."""
        from apps.kernel import graph

        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(TypeRelation)):
            graph.lock_relations()
            if self.parent_id is not None and self.child_id is not None and self.parent_id != self.child_id:
                cycle = graph.cycle_through(self.parent_id, self.child_id, ignore_relation=self.pk)
                if cycle:
                    raise ValidationError({"parent": f"This would close a cycle: {' > '.join(cycle)}."})
            super().save(*args, **kwargs)

    def clean(self):
        """Refuse a self-parent and any edge that would close a cycle (1 query)."""
        from apps.kernel import graph

        if self.parent_id is None or self.child_id is None:
            return
        if self.parent_id == self.child_id:
            raise ValidationError({"parent": "A type cannot be its own parent."})
        cycle = graph.cycle_through(self.parent_id, self.child_id, ignore_relation=self.pk)
        if cycle:
            raise ValidationError({"parent": f"This would close a cycle: {' > '.join(cycle)}."})


class Identification(models.Model):
    """How the kernel recognises a page of a type, from a release on, e.g. slab: the PG_slab
    page flag before v6.10, the page type PGTY_slab after."""

    memory_type = models.ForeignKey(MemoryType, on_delete=models.CASCADE, related_name="identifications")
    since = models.CharField(
        max_length=20,
        blank=True,
        validators=[release_name_validator],
        help_text="First release where this test holds, e.g. v6.10; blank: before any later entry.",
    )
    test = models.TextField(help_text="e.g. PageSlab() / folio_test_slab(): page_type PGTY_slab")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="identifications")
    basis = models.CharField(
        max_length=8,
        choices=Basis.choices,
        default=Basis.TAG,
        help_text="Read at the release tag, in a stable build, or inferred by memtypes.",
    )

    class Meta:
        ordering = ["memory_type__slug", "since"]
        constraints = [
            models.UniqueConstraint(
                fields=["memory_type", "since"],
                name="identification_once_per_release",
                violation_error_message="This type already has an identification from that release.",
            ),
        ]

    def __str__(self):
        return f"{self.memory_type.slug} since {self.since or 'the start'}"

    @property
    def sort_key(self):
        return release_sort_key(self.since) if self.since else (0, 0, 0, 0)


class MemdescTable(models.Model):
    """One revision of the type table of the memdesc plan (kernelnewbies MatthewWilcox/Memdescs):
    the number in the low 4 bits of a future struct page's memdesc word for each kind of memory.
    The wiki page was rewritten and its copies show no revision number or date, so each table is
    kept with the copy it was read from and its place in the sequence."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200, help_text='e.g. The revision headed "For 2025"')
    position = models.PositiveSmallIntegerField(
        unique=True, help_text="1 for the earliest revision memtypes has read, 2 for the next, ..."
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="memdesc_tables")
    note = models.TextField(blank=True, help_text="How the revision was told apart and placed in the sequence.")

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.name


class MemdescNumber(models.Model):
    """The memdesc type number one revision of the plan gives a memory type, e.g. anon_mem: 3
    ("Anon, pointer to struct anon_folio") in the revision headed "For 2025"."""

    table = models.ForeignKey(MemdescTable, on_delete=models.CASCADE, related_name="numbers")
    memory_type = models.ForeignKey("MemoryType", on_delete=models.CASCADE, related_name="memdesc_numbers")
    number = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(15)], help_text="The type: low 4 bits of the memdesc."
    )
    subtype = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(127)],
        help_text="For type 0 (Misc) in the tables that have them: the subtype in bits 4-10.",
    )
    meaning = models.CharField(max_length=200, help_text="The table's words, e.g. Anon: pointer to struct anon_folio")

    class Meta:
        ordering = ["table__position", "memory_type__slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "memory_type"],
                name="memdesc_number_once_per_table",
                violation_error_message="This type already has a number in that table.",
            ),
        ]

    def __str__(self):
        sub = f".{self.subtype}" if self.subtype is not None else ""
        return (
            f"{self.memory_type_id and self.memory_type.slug}: {self.number}{sub} ({self.table_id and self.table.slug})"
        )


class DatedViewQuerySet(models.QuerySet):
    def for_list(self):
        """Views oldest first with their sources and their numbers of edges as `edge_count` (1
        query). The order is explicit: Django leaves Meta.ordering out of a query that groups,
        and PostgreSQL then returns the groups in any order."""
        return self.select_related("source").annotate(edge_count=models.Count("edges")).order_by("date", "slug")


class DatedView(models.Model):
    """A drawing of the hierarchy as someone gave it on a date, kept whole beside the current
    relations and never merged into them, e.g. Wilcox's revised tree of 2021-10-23 with its
    `mappable` layer."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    date = models.DateField(help_text="When the author gave this tree.")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="dated_views")
    note = models.TextField(blank=True)

    objects = DatedViewQuerySet.as_manager()

    class Meta:
        ordering = ["date", "slug"]

    def __str__(self):
        return f"{self.name} ({self.date.isoformat()})"

    def get_absolute_url(self):
        return reverse("web:view-detail", args=[self.slug])


class DatedViewEdge(models.Model):
    """One edge of a dated view: child drawn under parent."""

    view = models.ForeignKey(DatedView, on_delete=models.CASCADE, related_name="edges")
    parent = models.ForeignKey(MemoryType, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(MemoryType, on_delete=models.CASCADE, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["view", "parent__slug", "child__slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["view", "parent", "child"],
                name="view_edge_once",
                violation_error_message="This view already draws that edge.",
            ),
            models.CheckConstraint(
                name="view_edge_not_self",
                condition=~Q(parent=models.F("child")),
                violation_error_message="A type cannot be drawn under itself.",
            ),
        ]

    def __str__(self):
        return f"{self.parent_id and self.parent.slug} > {self.child_id and self.child.slug}"

    def clean(self):
        """Refuse an edge that would close a cycle within its view."""
        from apps.kernel import graph

        if self.view_id is None or self.parent_id is None or self.child_id is None:
            return
        cycle = graph.cycle_through(self.parent_id, self.child_id, ignore_relation=self.pk, view=self.view_id)
        if cycle:
            raise ValidationError({"parent": f"This would close a cycle in the view: {' > '.join(cycle)}."})


class ReleaseQuerySet(models.QuerySet):
    def for_list(self):
        """Releases, oldest first, each with its builds (reference architecture first) and each
        build's struct layouts by name with their field counts as `field_count` (3 queries)."""
        return self.prefetch_related(
            Prefetch("builds", queryset=Build.objects.reference_first()),
            Prefetch(
                "builds__layouts",
                queryset=StructLayout.objects.annotate(field_count=models.Count("fields")).order_by("struct"),
            ),
        ).order_by("sort_key")


class Release(models.Model):
    """A kernel release series (v6.12, v7.3-rc7): the builds its layouts were read from, one per
    architecture, and what memtypes knows of the release as a whole."""

    name = models.CharField(max_length=20, unique=True, validators=[release_name_validator])
    notes = models.TextField(blank=True)
    sort_key = models.PositiveIntegerField(editable=False, db_index=True, help_text="Derived from the name.")

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["sort_key"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.sort_key = release_sort_number(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("web:release-detail", kwargs={"name": self.name})

    @property
    def is_rc(self):
        return "-rc" in self.name

    @property
    def tag(self):
        """The git tag of the release in the kernel's tree (v6.12, v7.3-rc7)."""
        return self.name


@dataclass(frozen=True)
class ReleaseChoice:
    """A release as a picker offers it: its name and where it sorts."""

    name: str
    sort_key: int


@dataclass(frozen=True)
class BuildChoice:
    """A build as a picker offers it (its release and architecture) without the rest of it
    (apps.kernel.catalogue lists them)."""

    release: ReleaseChoice
    arch: str
    kernel_version: str


class BuildQuerySet(models.QuerySet):
    def reference_first(self):
        """The reference architecture's build first, then the others by name."""
        first = models.Case(models.When(arch=REFERENCE_ARCH, then=0), default=1)
        return self.order_by(first, "arch")

    def of(self, release_name, arch=REFERENCE_ARCH):
        """The build of a release for an architecture, with its release (1 query), or None."""
        return self.select_related("release").filter(release__name=release_name, arch=arch).first()

    def find(self, release_name, arch=None):
        """The build of a release for an architecture (x86_64 when arch is empty), with its
        release (1 query; 2 when there is none, to tell an unknown release from a release
        without that build). Raises BuildNotFound, whose message says what is missing."""
        arch = arch or REFERENCE_ARCH
        if arch not in Build.Arch.values:
            raise BuildNotFound(f"No architecture named {arch!r}; memtypes knows {', '.join(Build.Arch.values)}.")
        build = self.of(release_name, arch)
        if build is not None:
            return build
        if not Release.objects.filter(name=release_name).exists():
            raise BuildNotFound(f"No release named {release_name}.")
        raise BuildNotFound(f"Release {release_name} has no build for {arch}.")


class BuildNotFound(LookupError):
    """No build of that release for that architecture; the message names what is missing (an
    unknown architecture, an unknown release, or a release not built for the architecture)."""


class Build(models.Model):
    """One kernel build whose debug information the layouts of a release were read from, for one
    architecture, e.g. v6.12 on x86_64 from Debian's 6.12.117 cloud kernel (BTF, pahole 1.30).
    A stable build is not its release tag: fields it gained from stable backports say so."""

    class Arch(models.TextChoices):
        X86_64 = "x86_64", "x86_64"
        ARM64 = "arm64", "arm64"
        ARM = "arm", "arm (32-bit)"
        I386 = "i386", "i386 (32-bit)"

    class DebugInfo(models.TextChoices):
        BTF = "btf", "BTF"
        DWARF = "dwarf", "DWARF"
        SOURCE = "source", "derived from source (no build)"

    WORD_SIZES = {Arch.X86_64: 8, Arch.ARM64: 8, Arch.ARM: 4, Arch.I386: 4}
    # What ingest_release reads from the build itself (never edited by hand); notes and
    # vendor_build are curated.
    PROVENANCE_FIELDS = ("kernel_version", "uname", "banner", "package", "package_version", "sha256", "debuginfo",
                         "tool", "command", "layout_file")  # fmt: skip

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="builds")
    arch = models.CharField(max_length=8, choices=Arch.choices, default=REFERENCE_ARCH)
    kernel_version = models.CharField(max_length=40, help_text="Exact upstream version built, e.g. 6.12.117.")
    uname = models.CharField(
        max_length=100, blank=True, help_text="The build's release string, e.g. 6.12.117+deb12-cloud-amd64."
    )
    banner = models.TextField(blank=True, help_text="The 'Linux version ...' line of the image.")
    package = models.CharField(
        max_length=200, blank=True, help_text="The Debian package read, e.g. linux-image-...-dbg."
    )
    package_version = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the package (or file) read.")
    debuginfo = models.CharField(max_length=8, choices=DebugInfo.choices)
    tool = models.CharField(max_length=100, blank=True, help_text="What read it, e.g. pahole 1.30.")
    command = models.TextField(blank=True, help_text="How to read it again.")
    layout_file = models.CharField(max_length=200, help_text="The pahole file under data/ its layouts come from.")
    vendor_build = models.BooleanField(default=False, help_text="A vendor build that may carry non-mainline fields.")
    notes = models.TextField(blank=True)

    objects = BuildQuerySet.as_manager()

    class Meta:
        ordering = ["release__sort_key", "arch"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "arch"],
                name="build_once_per_release_arch",
                violation_error_message="This release already has a build for that architecture.",
            ),
        ]

    def __str__(self):
        return f"{self.release_id and self.release.name} {self.arch} ({self.kernel_version})"

    @property
    def word_size(self):
        return self.WORD_SIZES.get(self.arch, 8)

    @property
    def is_reference(self):
        return self.arch == REFERENCE_ARCH

    @property
    def label(self):
        """One line naming the build, e.g. 'Debian 6.12.117-1~deb12u1 (linux-image-...), BTF, pahole 1.30'."""
        if self.debuginfo == self.DebugInfo.SOURCE:
            return f"{self.kernel_version}, derived by hand from source (no build)"
        what = f"{self.package} {self.package_version}".strip() or self.uname or self.kernel_version
        vendor = ", vendor build" if self.vendor_build else ""
        return f"{self.kernel_version} ({what}){vendor}, {self.get_debuginfo_display()}, {self.tool}".rstrip(", ")


class EnumValue(models.Model):
    """A value of an enum as one build has it, e.g. PGTY_slab = 0xf5 in enum pagetype of v6.12:
    page-type numbers and flag bits come from the build, never typed."""

    build = models.ForeignKey(Build, on_delete=models.CASCADE, related_name="enum_values")
    enum = models.CharField(max_length=64, validators=[c_identifier_validator], help_text="e.g. pagetype, pageflags")
    name = models.CharField(max_length=100, validators=[c_identifier_validator])
    value = models.BigIntegerField()

    class Meta:
        ordering = ["build", "enum", "value", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["build", "enum", "name"],
                name="enum_value_once_per_build",
                violation_error_message="This build already has that enumerator.",
            ),
        ]

    def __str__(self):
        return f"{self.enum}.{self.name} = {self.value}"


class Backport(models.Model):
    """A change that a stable build of a release carries although its release tag does not, e.g.
    4eeec8c89a0c (v6.15) in Debian's 6.12.117: the fields it brought are not v6.12 facts."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="backports")
    commit = models.CharField(max_length=40, validators=[commit_validator])
    upstream = models.CharField(
        max_length=20, validators=[release_name_validator], help_text="The first release tag that has the commit."
    )
    subject = models.CharField(max_length=300)
    note = models.TextField(blank=True, help_text="What the release tag has instead.")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="backports")

    class Meta:
        ordering = ["release__sort_key", "commit"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "commit"],
                name="backport_once_per_release",
                violation_error_message="This release already lists that backport.",
            ),
        ]

    def __str__(self):
        return f"{self.commit[:12]} ({self.upstream}) in {self.release_id and self.release.name}"


class StructLayout(models.Model):
    """One struct as one build laid it out, e.g. struct page of v6.12 on x86_64: 64 bytes."""

    build = models.ForeignKey(Build, on_delete=models.CASCADE, related_name="layouts")
    struct = models.CharField(max_length=64, validators=[c_identifier_validator], help_text="e.g. page, folio, slab")
    size = models.PositiveIntegerField(help_text="sizeof in bytes")

    class Meta:
        ordering = ["build__release__sort_key", "build__arch", "struct"]
        constraints = [
            models.UniqueConstraint(
                fields=["build", "struct"],
                name="layout_once_per_build",
                violation_error_message="This build already has a layout of that struct.",
            ),
        ]

    def __str__(self):
        return f"struct {self.struct} ({self.build_id and self.build})"

    def get_absolute_url(self):
        url = reverse("web:layout-detail", kwargs={"name": self.build.release.name, "struct": self.struct})
        return url if self.build.is_reference else f"{url}?arch={self.build.arch}"

    @property
    def release(self):
        return self.build.release


class FieldQuerySet(models.QuerySet):
    def of_build(self, build):
        """Fields of every struct of a build, ordered by struct then offset (1 query)."""
        return (
            self.filter(layout__build=build).select_related("layout").order_by("layout__struct", "offset", "position")
        )


class Field(models.Model):
    """A member of a struct layout, e.g. struct page's `mapping` at offset 24, with the path of
    anonymous unions and structs that holds it, so overlays stay visible."""

    layout = models.ForeignKey(StructLayout, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(max_length=100)
    path = models.CharField(
        max_length=300,
        blank=True,
        help_text="Anonymous unions/structs holding the field, outermost first, e.g. union@8/struct#1@8.",
    )
    c_type = models.CharField(max_length=200)
    offset = models.PositiveIntegerField(help_text="Byte offset from the start of the struct.")
    size = models.PositiveIntegerField(help_text="Bytes (for a bitfield: its storage unit).")
    bit_offset = models.PositiveSmallIntegerField(null=True, blank=True)
    bit_size = models.PositiveSmallIntegerField(null=True, blank=True)
    page_index = models.PositiveSmallIntegerField(
        default=0, help_text="Which struct page of a compound it lives on (offset // sizeof(struct page))."
    )
    config = models.CharField(max_length=100, blank=True, help_text="Config option it depends on, where known.")
    config_source = models.ForeignKey(
        "Source",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="field_configs",
        help_text="Where the config dependency was read.",
    )
    position = models.PositiveIntegerField(help_text="Order in the layout as pahole printed it.")
    backport = models.ForeignKey(
        Backport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fields",
        help_text="The stable backport this field came with: the release tag does not have it.",
    )

    objects = FieldQuerySet.as_manager()

    class Meta:
        ordering = ["layout", "offset", "position"]
        constraints = [
            models.CheckConstraint(
                name="field_config_has_source",
                condition=Q(config="", config_source__isnull=True) | (~Q(config="") & Q(config_source__isnull=False)),
                violation_error_message="A config dependency needs the source it was read in.",
            ),
            models.UniqueConstraint(
                fields=["layout", "path", "name"],
                name="field_once_per_layout_path",
                violation_error_message="This layout already has a field of that name at that path.",
            ),
            models.CheckConstraint(
                name="field_bitfield_complete",
                condition=Q(bit_offset__isnull=True, bit_size__isnull=True)
                | Q(bit_offset__isnull=False, bit_size__isnull=False),
                violation_error_message="A bitfield needs both its bit offset and its bit size.",
            ),
        ]
        indexes = [models.Index(fields=["layout", "offset"], name="field_layout_offset")]

    def __str__(self):
        return f"{self.layout.build.release.name} {self.layout.struct}.{self.name} @{self.offset}"


class FieldUsageQuerySet(models.QuerySet):
    def for_list(self):
        """Usages with their type, field, layout, release and source (1 query)."""
        return self.select_related("memory_type", "field__layout__build__release", "source").order_by(
            "field__layout__build__release__sort_key", "memory_type__slug", "field__layout__struct", "field__offset"
        )


class FieldUsage(models.Model):
    """What a memory type keeps in a field of a release's layout, e.g. anon_mem keeps the
    anon_vma pointer in folio.mapping, low bits PAGE_MAPPING_ANON."""

    memory_type = models.ForeignKey(MemoryType, on_delete=models.CASCADE, related_name="usages")
    field = models.ForeignKey(Field, on_delete=models.CASCADE, related_name="usages")
    keeps = models.TextField(help_text="What the type keeps there.")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="usages")
    carried = models.BooleanField(
        default=False,
        help_text="Carried forward from an earlier release and not yet re-verified at this one.",
    )
    basis = models.CharField(
        max_length=8,
        choices=Basis.choices,
        default=Basis.TAG,
        help_text="Read at the release tag, in a stable build, or inferred by memtypes.",
    )

    objects = FieldUsageQuerySet.as_manager()

    class Meta:
        ordering = ["memory_type__slug", "field__offset"]
        constraints = [
            models.UniqueConstraint(
                fields=["memory_type", "field"],
                name="usage_once_per_field",
                violation_error_message="This type already records a usage of that field.",
            ),
        ]

    def __str__(self):
        return f"{self.memory_type.slug}: {self.field}"


# A C function as memtypes names it: its identifier and "()", e.g. alloc_slab_page().
function_name_validator = RegexValidator(
    r"^[A-Za-z_][A-Za-z0-9_]*\(\)$", "A kernel function written with its parentheses, e.g. alloc_slab_page()."
)
# The sort numbers that stand for "from the oldest release" and "to this day" (release_sort_number()
# of any release lies strictly between them).
SINCE_THE_START = 0
UNTIL_NOW = 2**31 - 1


class TransitionQuerySet(models.QuerySet):
    def for_list(self):
        """Transitions with both types, the source and what dates the era, grouped by (from, to,
        event) and each group's eras oldest first (1 query)."""
        return self.select_related("from_type", "to_type", "source", "dated_by").order_by(
            "from_type__slug", "to_type__slug", "event", "since_key"
        )

    def touching(self, memory_type):
        """Transitions into or out of memory_type (a self-transition once)."""
        return self.filter(Q(from_type=memory_type) | Q(to_type=memory_type))

    def at_release(self, name):
        """Transitions whose era holds at the release `name` (v6.12, v6.15): since <= name < until.
        ValueError for a name that is not a release."""
        number = release_sort_number(name)
        return self.filter(since_key__lte=number, until_key__gt=number)


class Transition(models.Model):
    """How a page of one memory type becomes another, and the kernel function that does it in
    one era, e.g. buddy -> slab "allocated by the slab allocator": allocate_slab() until v5.17,
    alloc_slab_page() since. A type may become itself (file_mem "written back")."""

    from_type = models.ForeignKey(MemoryType, on_delete=models.CASCADE, related_name="transitions_out")
    to_type = models.ForeignKey(MemoryType, on_delete=models.CASCADE, related_name="transitions_in")
    event = models.CharField(
        max_length=200, help_text='What happens, e.g. "freed" or "page fault on anonymous memory".'
    )
    function = models.CharField(
        max_length=100,
        validators=[function_name_validator],
        help_text="The kernel function that performs it in this era, e.g. alloc_slab_page().",
    )
    since = models.CharField(
        max_length=20,
        blank=True,
        validators=[release_name_validator],
        help_text="First release where this function does it, e.g. v5.17; blank: from the oldest release on.",
    )
    until = models.CharField(
        max_length=20,
        blank=True,
        validators=[release_name_validator],
        help_text="First release where it no longer does (the next era's since); blank: to this day.",
    )
    # Derived from since and until by save(): the database filters eras by release with them.
    since_key = models.PositiveBigIntegerField(editable=False, default=SINCE_THE_START)
    until_key = models.PositiveBigIntegerField(editable=False, default=UNTIL_NOW)
    note = models.TextField(blank=True, help_text="How it does it, and in which trees it was read.")
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="transitions",
        help_text="Where the function was read doing it (a kernel file of a release inside the era).",
    )
    dated_by = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dated_transitions",
        help_text="What dates `since`: the pull request or list post that took the change into that release.",
    )
    basis = models.CharField(
        max_length=8,
        choices=Basis.choices,
        default=Basis.TAG,
        help_text="Read at the release tag, in a stable build, or inferred by memtypes (e.g. a dated era boundary).",
    )

    objects = TransitionQuerySet.as_manager()

    class Meta:
        ordering = ["from_type__slug", "to_type__slug", "event", "since_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_type", "to_type", "event", "since"],
                name="transition_once_per_era",
                violation_error_message="This transition already has a function from that release.",
            ),
            models.CheckConstraint(
                name="transition_since_before_until",
                condition=Q(since_key__lt=models.F("until_key")),
                violation_error_message="A transition's since must come before its until.",
            ),
        ]

    def __str__(self):
        return f"{self.from_type_id and self.from_type.slug} -> {self.to_type_id and self.to_type.slug}: {self.event}"

    def save(self, *args, **kwargs):
        self.since_key, self.until_key = self.era_keys(self.since, self.until)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "since_key", "until_key"}
        super().save(*args, **kwargs)

    @staticmethod
    def era_keys(since, until):
        """(since_key, until_key) of an era given by release names (blank: open)."""
        return (
            release_sort_number(since) if since else SINCE_THE_START,
            release_sort_number(until) if until else UNTIL_NOW,
        )

    def clean(self):
        """Refuse an era that ends before it starts (the names themselves are checked by their
        validators)."""
        try:
            since_key, until_key = self.era_keys(self.since, self.until)
        except ValueError:
            return
        if since_key >= until_key:
            raise ValidationError({"until": f"until ({self.until}) must come after since ({self.since})."})

    @property
    def era(self):
        """'since v5.17', 'until v5.17', 'v6.6 to v6.14' or 'every release'."""
        if self.since and self.until:
            return f"{self.since} to {self.until}"
        if self.since:
            return f"since {self.since}"
        if self.until:
            return f"until {self.until}"
        return "every release"


class DataVersion(models.Model):
    """The state of the kernel data as one number: every write to a memory type, relation,
    release, layout, usage or source (the admin, the API, the loaders, a revert from History)
    adds one to it in the same transaction (apps/kernel/version.py). Pages, API answers and
    pictures are cached under it and their ETags are derived from it, so a write makes every
    cached answer unreachable at once. A single row (pk 1)."""

    number = models.PositiveBigIntegerField(default=1)
    # Random at each change: after the database is restored or reloaded and its number counts
    # up again, a cache that outlived it (Redis) still never matches an older state's answers.
    stamp = models.CharField(max_length=16, default="")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="dataversion_single_row")]

    def __str__(self):
        return f"data version {self.number}"
