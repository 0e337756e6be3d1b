"""JSON shapes of the API. Related objects appear briefly ({slug, name, url} for a type,
{key, title, url} for a source); every resource carries its own url. Writes validate exactly as
the admin does: each serializer builds the model instance and calls its full_clean()."""

import copy

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from apps.kernel import layouts
from apps.kernel.models import (
    REFERENCE_ARCH,
    Backport,
    Build,
    DatedView,
    EnumValue,
    Field,
    FieldUsage,
    MemoryType,
    Release,
    Source,
    StructLayout,
    TypeRelation,
)


def absolute(request, view_name, **kwargs):
    """The absolute URL of an API view (relative when there is no request)."""
    url = reverse(f"api:{view_name}", kwargs=kwargs)
    return request.build_absolute_uri(url) if request is not None else url


class ModelCleanMixin:
    """Run the model's full_clean() (field validators, constraints, clean(): e.g. a relation
    that would close a cycle) on the instance the write would save, and report its errors
    under the API's field names."""

    # model field name -> serializer field name, where they differ
    error_fields = {}

    def build_instance(self, attrs):
        """The unsaved instance attrs describe (many-to-many values are left out)."""
        # A copy: the object being updated stays as it was read until the write is accepted.
        instance = copy.copy(self.instance) if self.instance is not None else self.Meta.model()
        for name, value in attrs.items():
            if name in self.many_to_many:
                continue
            setattr(instance, name, value)
        return instance

    many_to_many = ()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.build_instance(attrs)
        try:
            instance.full_clean()
        except DjangoValidationError as exc:
            errors = {}
            for name, messages in exc.message_dict.items():
                key = api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name
                errors[self.error_fields.get(key, key)] = messages
            raise serializers.ValidationError(errors) from exc
        return attrs


class BriefTypeSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:type-detail", lookup_field="slug")

    class Meta:
        model = MemoryType
        fields = ["slug", "name", "url"]


class GraphTypeSerializer(serializers.ModelSerializer):
    """A type as a node of the hierarchy."""

    url = serializers.HyperlinkedIdentityField(view_name="api:type-detail", lookup_field="slug")

    class Meta:
        model = MemoryType
        fields = ["slug", "name", "url", "summary", "descriptor", "status", "area"]


class BriefSourceSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:source-detail", lookup_field="key")

    class Meta:
        model = Source
        fields = ["key", "title", "url"]


class SourceSerializer(ModelCleanMixin, serializers.ModelSerializer):
    """A citation. `web_url` is the address of the cited page; `url` is this resource."""

    url = serializers.HyperlinkedIdentityField(view_name="api:source-detail", lookup_field="key")
    # Plain strings in the schema, since they may be blank (a file or a list post has no web page);
    # full_clean() checks the URL and the commit's hex digits.
    web_url = serializers.CharField(source="url", max_length=500, required=False, allow_blank=True)
    commit = serializers.CharField(max_length=40, required=False, allow_blank=True)
    citation = serializers.CharField(read_only=True)
    error_fields = {"url": "web_url"}

    class Meta:
        model = Source
        fields = [
            "url",
            "key",
            "kind",
            "title",
            "web_url",
            "path",
            "release",
            "commit",
            "repository",
            "message_id",
            "note",
            "citation",
        ]


class RelationSerializer(ModelCleanMixin, serializers.ModelSerializer):
    """'child is a kind of parent', e.g. {"parent": "folio", "child": "anon_mem"}."""

    url = serializers.HyperlinkedIdentityField(view_name="api:relation-detail")
    parent = serializers.SlugRelatedField(slug_field="slug", queryset=MemoryType.objects.all())
    child = serializers.SlugRelatedField(slug_field="slug", queryset=MemoryType.objects.all())
    source = serializers.SlugRelatedField(slug_field="key", queryset=Source.objects.all())

    class Meta:
        model = TypeRelation
        fields = ["url", "id", "parent", "child", "note", "source"]
        # The pair's uniqueness is checked by full_clean() with the model's own message.
        validators = []


class DiagramLinksSerializer(serializers.Serializer):
    svg = serializers.URLField()
    png = serializers.URLField()
    pdf = serializers.URLField()
    dot = serializers.URLField()


class StructBriefSerializer(serializers.Serializer):
    struct = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, layout) -> str:
        return struct_url(self.context.get("request"), layout)


def struct_url(request, layout):
    """The API URL of a layout: ?arch= names the build's architecture unless it is x86_64."""
    url = absolute(request, "release-struct", name=layout.build.release.name, struct=layout.struct)
    return url if layout.build.is_reference else f"{url}?arch={layout.build.arch}"


class EnumValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = EnumValue
        fields = ["enum", "name", "value"]


class BuildSerializer(serializers.ModelSerializer):
    """One build a release's layouts were read from: its architecture, exact kernel version
    and provenance (package, version, sha256, debug information, tool), with its structs."""

    word_size = serializers.IntegerField(read_only=True)
    structs = StructBriefSerializer(source="layouts", many=True, read_only=True)
    matrix_url = serializers.SerializerMethodField()

    class Meta:
        model = Build
        fields = ["arch", *Build.PROVENANCE_FIELDS, "vendor_build", "notes", "word_size", "structs", "matrix_url"]

    def get_matrix_url(self, build) -> str:
        url = absolute(self.context.get("request"), "release-matrix", name=build.release.name)
        return url if build.is_reference else f"{url}?arch={build.arch}"


class BuildProvenanceSerializer(BuildSerializer):
    """A build without its list of structs: what a layout names as where it came from."""

    class Meta(BuildSerializer.Meta):
        fields = [f for f in BuildSerializer.Meta.fields if f not in ("structs", "matrix_url")]


class BackportSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="key", read_only=True)
    fields = serializers.SerializerMethodField(method_name="field_names")

    class Meta:
        model = Backport
        fields = ["commit", "upstream", "subject", "note", "source", "fields"]

    def field_names(self, backport) -> list[str]:
        return sorted({f"{f.layout.struct}.{f.name}" for f in backport.fields.all()})


class ReleaseSerializer(ModelCleanMixin, serializers.ModelSerializer):
    """A kernel release (v6.12, v7.3-rc7) with the builds its layouts were read from, one per
    architecture, and the stable backports those builds carry."""

    url = serializers.HyperlinkedIdentityField(view_name="api:release-detail", lookup_field="name")
    builds = BuildSerializer(many=True, read_only=True)
    backports = BackportSerializer(many=True, read_only=True)
    matrix_url = serializers.SerializerMethodField()
    rules_url = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = ["url", "name", "notes", "builds", "backports", "matrix_url", "rules_url"]

    def get_matrix_url(self, release) -> str:
        return absolute(self.context.get("request"), "release-matrix", name=release.name)

    def get_rules_url(self, release) -> str:
        return absolute(self.context.get("request"), "release-rules", name=release.name)


class LayoutFieldSerializer(serializers.ModelSerializer):
    backport = serializers.SerializerMethodField()

    class Meta:
        model = Field
        fields = [
            "name",
            "path",
            "c_type",
            "offset",
            "size",
            "bit_offset",
            "bit_size",
            "page_index",
            "config",
            "backport",
        ]

    def get_backport(self, field) -> str | None:
        """The upstream commit this field came with where the build is a stable build that
        carries it as a backport (the release tag does not have it); null otherwise."""
        return field.backport.commit if field.backport_id else None


class WordSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    offset = serializers.IntegerField()
    size = serializers.IntegerField()
    fields = serializers.ListField(child=serializers.CharField(), help_text="Names of the fields sharing the word.")


class StructLayoutSerializer(serializers.ModelSerializer):
    """One struct as one build laid it out: the build it was read from, its fields by offset
    and its words (8 bytes on 64-bit builds, 4 on 32-bit ones)."""

    url = serializers.SerializerMethodField()
    release = serializers.CharField(source="build.release.name")
    arch = serializers.CharField(source="build.arch")
    build = BuildProvenanceSerializer(read_only=True)
    fields = LayoutFieldSerializer(many=True, read_only=True)
    words = serializers.SerializerMethodField()

    class Meta:
        model = StructLayout
        fields = ["url", "release", "arch", "struct", "size", "build", "fields", "words"]

    def get_url(self, layout) -> str:
        return struct_url(self.context.get("request"), layout)

    @extend_schema_field(WordSerializer(many=True))
    def get_words(self, layout):
        return [
            {"index": word.index, "offset": word.offset, "size": word.size, "fields": [f.name for f in word.fields]}
            for word in layouts.words(layout.fields.all(), layout.size, layout.build.word_size)
        ]


class UsageSerializer(ModelCleanMixin, serializers.ModelSerializer):
    """What a type keeps in a field of a release's struct, e.g. anon_mem keeps the anon_vma
    pointer in folio.mapping of v6.12. Written by names: the field is looked up in that
    release's struct (give `path` too where the struct has several fields of that name)."""

    url = serializers.HyperlinkedIdentityField(view_name="api:usage-detail")
    type = serializers.SlugRelatedField(source="memory_type", slug_field="slug", queryset=MemoryType.objects.all())
    release = serializers.CharField(source="field.layout.build.release.name", max_length=20)
    struct = serializers.CharField(source="field.layout.struct", max_length=64)
    field = serializers.CharField(source="field.name", max_length=100)
    path = serializers.CharField(source="field.path", max_length=300, required=False, allow_blank=True)
    offset = serializers.IntegerField(source="field.offset", read_only=True)
    size = serializers.IntegerField(source="field.size", read_only=True)
    page_index = serializers.IntegerField(source="field.page_index", read_only=True)
    source = serializers.SlugRelatedField(slug_field="key", queryset=Source.objects.all())
    error_fields = {"memory_type": "type"}

    class Meta:
        model = FieldUsage
        fields = [
            "url",
            "id",
            "type",
            "release",
            "struct",
            "field",
            "path",
            "offset",
            "size",
            "page_index",
            "keeps",
            "source",
            "carried",
            "basis",
        ]
        validators = []

    def validate(self, attrs):
        attrs = {**attrs, "field": self.resolve_field(attrs.pop("field", None))}
        return super().validate(attrs)

    def resolve_field(self, named):
        """The Field that {release, struct, field, path} names; field-level errors saying which
        part names nothing (1 query, 2 to 3 to explain a miss)."""
        if named is None:  # a PATCH that leaves the field alone
            if self.instance is None:
                raise serializers.ValidationError({"field": "This field is required."})
            return self.instance.field
        # A PATCH may name only some parts; the others are those of the current field.
        current = self.instance.field if self.instance is not None else None
        layout = named.get("layout", {})
        release = layout.get("build", {}).get("release", {}).get("name") or (
            current and current.layout.build.release.name
        )
        struct = layout.get("struct") or (current and current.layout.struct)
        name = named.get("name") or (current and current.name)
        parts = (("release", release), ("struct", struct), ("field", name))
        missing = {key: "This field is required." for key, value in parts if not value}
        if missing:
            raise serializers.ValidationError(missing)
        candidates = Field.objects.filter(
            layout__build__release__name=release, layout__build__arch=REFERENCE_ARCH, layout__struct=struct, name=name
        )
        if "path" in named:
            candidates = candidates.filter(path=named["path"])
        found = list(candidates.select_related("layout__build__release")[:10])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            paths = ", ".join(repr(f.path) for f in found)
            message = f"struct {struct} of {release} has several fields named {name}; give one of the paths {paths}."
            raise serializers.ValidationError({"path": message})
        if not Release.objects.filter(name=release).exists():
            raise serializers.ValidationError({"release": f"No release named {release}."})
        if not StructLayout.objects.filter(
            build__release__name=release, build__arch=REFERENCE_ARCH, struct=struct
        ).exists():
            raise serializers.ValidationError({"struct": f"Release {release} has no layout of struct {struct}."})
        where = f" at path {named['path']!r}" if "path" in named else ""
        raise serializers.ValidationError({"field": f"struct {struct} of {release} has no field named {name}{where}."})


class MatrixCellSerializer(serializers.Serializer):
    keeps = serializers.CharField()
    recorded_on = serializers.CharField(help_text="The struct.field the usage was recorded on, e.g. folio.mapping.")


class MatrixRowSerializer(serializers.Serializer):
    page_index = serializers.IntegerField(help_text="0: the head page; 1..: tail pages of a compound.")
    offset = serializers.IntegerField(source="field.offset")
    size = serializers.IntegerField(source="field.size")
    field = serializers.CharField(source="field.name")
    path = serializers.CharField(source="field.path")
    c_type = serializers.CharField(source="field.c_type")
    cells = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField(child=MatrixCellSerializer(many=True)))
    def get_cells(self, row):
        return {
            slug: [{"keeps": keeps, "recorded_on": where} for keeps, where in entries]
            for slug, entries in row.cells.items()
        }


class MatrixSerializer(serializers.Serializer):
    """struct page's fields (rows, by page then offset) x the types with a usage in the release
    (columns) in one build: each cell says what the type keeps there."""

    release = serializers.CharField(source="build.release.name")
    arch = serializers.CharField(source="build.arch")
    build = serializers.CharField(source="build.label")
    page_size = serializers.IntegerField()
    types = BriefTypeSerializer(many=True)
    rows = MatrixRowSerializer(many=True)


class EdgeSerializer(serializers.Serializer):
    parent = serializers.CharField()
    child = serializers.CharField()
    note = serializers.CharField(allow_blank=True)


class TreeNodeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField()


TreeNodeSerializer._declared_fields["children"] = TreeNodeSerializer(many=True)


class HierarchySerializer(serializers.Serializer):
    nodes = GraphTypeSerializer(many=True)
    edges = EdgeSerializer(many=True)
    roots = serializers.ListField(child=serializers.CharField())
    tree = TreeNodeSerializer(many=True)
    diagrams = DiagramLinksSerializer(help_text="The hierarchy as a picture in each format.")


class DatedViewSerializer(serializers.ModelSerializer):
    """A dated drawing of the hierarchy: who drew it when (its source), kept whole beside the
    current hierarchy."""

    url = serializers.HyperlinkedIdentityField(view_name="api:dated-view-detail", lookup_field="slug")
    source = BriefSourceSerializer(read_only=True)
    edge_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = DatedView
        fields = ["slug", "name", "url", "date", "source", "note", "edge_count"]


class DatedViewDetailSerializer(HierarchySerializer):
    view = DatedViewSerializer()


class NodesSerializer(serializers.Serializer):
    """A walk of the hierarchy from one type: the type and the types found."""

    type = BriefTypeSerializer()
    results = GraphTypeSerializer(many=True)
