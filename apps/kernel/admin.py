"""The admin is the editor of memtypes. Every edit is kept by django-reversion: the History
button of each object shows who changed what and when, and any version can be reverted
(a type's version includes its parents, identification and usages)."""

import reversion
from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Count, Q
from reversion.admin import VersionAdmin

from apps.kernel.models import (
    Backport,
    Build,
    DatedView,
    DatedViewEdge,
    EnumValue,
    Field,
    FieldUsage,
    Identification,
    MemdescNumber,
    MemdescTable,
    MemoryType,
    Release,
    Source,
    StructLayout,
    Transition,
    TypeRelation,
)


class ParentInline(admin.TabularInline):
    model = TypeRelation
    fk_name = "child"
    extra = 1
    autocomplete_fields = ["parent", "source"]
    verbose_name = "parent"
    verbose_name_plural = "parents (this type is a kind of ...)"


class IdentificationInline(admin.TabularInline):
    model = Identification
    extra = 0
    autocomplete_fields = ["source"]


class UsageInline(admin.TabularInline):
    model = FieldUsage
    extra = 0
    autocomplete_fields = ["field", "source"]
    verbose_name_plural = "field usage (what this type keeps in which field of which release)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("field__layout__build__release", "source")


class MemdescNumberInline(admin.TabularInline):
    model = MemdescNumber
    extra = 0
    verbose_name_plural = "memdesc type numbers (one per revision of the plan's table)"


class MemoryTypeForm(forms.ModelForm):
    """The type form with the version it was opened at (hidden): saving over a version another
    editor saved in between is refused with a message, instead of losing their change."""

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = MemoryType
        # The admin passes the fields of MemoryTypeAdmin.fieldsets.
        fields = ["name", "slug", "summary", "description", "status", "area"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opened_version"].initial = self.instance.version if self.instance.pk else 0

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        # The row stays locked until the admin's transaction ends, so the version read here is
        # the one this save replaces.
        current = (
            MemoryType.objects.select_for_update().filter(pk=self.instance.pk).values_list("version", flat=True).first()
        )
        if current is not None and cleaned.get("opened_version") != current:
            raise forms.ValidationError(
                "Someone else saved this type after you opened it. Open it again to see their change, then make yours.",
                code="conflict",
            )
        return cleaned


@admin.register(MemoryType)
class MemoryTypeAdmin(VersionAdmin):
    form = MemoryTypeForm
    list_display = [
        "slug",
        "name",
        "area",
        "status",
        "descriptor",
        "on_lru",
        "user_mappable",
        "usage_count",
    ]
    list_filter = ["area", "status", "on_lru", "user_mappable"]
    search_fields = ["slug", "name", "summary", "description", "descriptor"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["sources"]
    inlines = [ParentInline, IdentificationInline, MemdescNumberInline, UsageInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "summary", "description", "status", "area", "opened_version"]}),
        (
            "Kernel",
            {
                "fields": [
                    "descriptor",
                    "alloc_api",
                    "free_api",
                    "on_lru",
                    "user_mappable",
                ]
            },
        ),
        ("Sources", {"fields": ["sources"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(usage_count=Count("usages"))

    @admin.display(ordering="usage_count", description="usages")
    def usage_count(self, obj):
        return obj.usage_count


@admin.register(TypeRelation)
class TypeRelationAdmin(VersionAdmin):
    list_display = ["parent", "child", "note", "source"]
    list_select_related = ["parent", "child", "source"]
    list_filter = ["parent"]
    search_fields = ["parent__slug", "child__slug", "note"]
    autocomplete_fields = ["parent", "child", "source"]


@admin.register(Identification)
class IdentificationAdmin(VersionAdmin):
    list_display = ["memory_type", "since", "test", "source"]
    list_select_related = ["memory_type", "source"]
    search_fields = ["memory_type__slug", "test"]
    autocomplete_fields = ["memory_type", "source"]


@admin.register(Source)
class SourceAdmin(VersionAdmin):
    list_display = ["key", "kind", "title", "release", "commit"]
    list_filter = ["kind", "release"]
    search_fields = ["key", "title", "url", "path", "message_id", "note"]


class BuildInline(admin.TabularInline):
    model = Build
    extra = 0
    fields = ["arch", "kernel_version", "package", "package_version", "debuginfo", "tool", "vendor_build"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False


@admin.register(Release)
class ReleaseAdmin(VersionAdmin):
    list_display = ["name", "builds_read"]
    search_fields = ["name", "notes", "builds__kernel_version"]
    inlines = [BuildInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("builds")

    @admin.display(description="builds")
    def builds_read(self, obj):
        return ", ".join(f"{b.arch} {b.kernel_version}" for b in obj.builds.all())


@admin.register(Build)
class BuildAdmin(VersionAdmin):
    """A build's provenance is written by ingest_release; its notes and vendor flag are curated."""

    list_display = ["release", "arch", "kernel_version", "package", "package_version", "debuginfo", "tool"]
    list_select_related = ["release"]
    list_filter = ["arch", "debuginfo", "vendor_build", "release"]
    search_fields = ["release__name", "kernel_version", "package", "uname"]
    readonly_fields = ["release", "arch", *Build.PROVENANCE_FIELDS]


@admin.register(EnumValue)
class EnumValueAdmin(admin.ModelAdmin):
    list_display = ["name", "enum", "value", "build"]
    list_select_related = ["build__release"]
    list_filter = ["enum", "build__release", "build__arch"]
    search_fields = ["name", "enum"]


@admin.register(Backport)
class BackportAdmin(VersionAdmin):
    list_display = ["commit", "upstream", "subject", "release"]
    list_select_related = ["release"]
    list_filter = ["release"]
    search_fields = ["commit", "subject", "note"]
    autocomplete_fields = ["source"]


class FieldInline(admin.TabularInline):
    model = Field
    extra = 0
    fields = ["name", "c_type", "offset", "size", "bit_offset", "bit_size", "page_index", "path", "config"]
    readonly_fields = ["page_index"]
    show_change_link = True


@admin.register(StructLayout)
class StructLayoutAdmin(VersionAdmin):
    list_display = ["struct", "build", "size", "field_count"]
    list_select_related = ["build__release"]
    list_filter = ["build__release", "build__arch", "struct"]
    search_fields = ["struct", "build__release__name", "build__kernel_version"]
    inlines = [FieldInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(field_count=Count("fields"))

    @admin.display(ordering="field_count", description="fields")
    def field_count(self, obj):
        return obj.field_count


@admin.register(Field)
class FieldAdmin(VersionAdmin):
    list_display = ["name", "layout", "offset", "size", "c_type", "page_index", "config"]
    list_select_related = ["layout__build__release"]
    list_filter = ["layout__build__release", "layout__struct"]
    search_fields = ["name", "c_type", "layout__struct", "layout__build__release__name"]
    readonly_fields = ["page_index"]

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete of usages: "v6.12 page mapping" narrows by release, struct and name.
        words = search_term.split()
        if len(words) > 1:
            for word in words:
                queryset = queryset.filter(
                    Q(name__icontains=word)
                    | Q(layout__struct__iexact=word)
                    | Q(layout__build__release__name__iexact=word)
                    | Q(layout__build__arch__iexact=word)
                )
            return queryset, False
        return super().get_search_results(request, queryset, search_term)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("layout__build__release")


@admin.register(FieldUsage)
class FieldUsageAdmin(VersionAdmin):
    list_display = ["memory_type", "field", "release", "keeps", "source", "carried"]
    list_select_related = ["memory_type", "field__layout__build__release", "source"]
    list_filter = ["carried", "field__layout__build__release", "field__layout__struct", "memory_type"]
    actions = ["confirm_verified"]

    @admin.action(description="Confirm: re-verified at their release (no longer carried)")
    def confirm_verified(self, request, queryset):
        """A curator re-read each selected usage at its release: it is no longer marked carried.
        Each change is kept in the history with who confirmed it."""
        confirmed = 0
        with transaction.atomic(), reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment("Confirmed at its release (no longer carried)")
            for usage in queryset.select_for_update().filter(carried=True):
                usage.carried = False
                usage.save(update_fields=["carried"])
                reversion.add_to_revision(usage)
                confirmed += 1
        self.message_user(request, f"{confirmed} usage(s) confirmed as re-verified.")

    search_fields = ["memory_type__slug", "field__name", "keeps"]
    autocomplete_fields = ["memory_type", "field", "source"]

    @admin.display(ordering="field__layout__build__release__sort_key")
    def release(self, obj):
        return obj.field.layout.build.release.name


class DatedViewEdgeInline(admin.TabularInline):
    model = DatedViewEdge
    extra = 0
    autocomplete_fields = ["parent", "child"]
    verbose_name_plural = "edges (child drawn under parent)"


@admin.register(DatedView)
class DatedViewAdmin(VersionAdmin):
    """A dated drawing of the hierarchy with its edges; a version holds the whole drawing."""

    list_display = ["name", "date", "slug", "source"]
    search_fields = ["slug", "name", "note"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["source"]
    inlines = [DatedViewEdgeInline]


class MemdescTableNumberInline(admin.TabularInline):
    model = MemdescNumber
    extra = 0
    autocomplete_fields = ["memory_type"]


@admin.register(MemdescTable)
class MemdescTableAdmin(VersionAdmin):
    """A revision of the memdesc plan's type table with its numbers."""

    list_display = ["position", "name", "slug", "source"]
    search_fields = ["slug", "name", "note"]
    autocomplete_fields = ["source"]
    inlines = [MemdescTableNumberInline]


@admin.register(Transition)
class TransitionAdmin(VersionAdmin):
    """One era of a transition between two types: the function that performs it from `since`
    to `until`. The eras of one transition share its types and event."""

    list_display = ["from_type", "to_type", "event", "function", "since", "until", "basis", "source"]
    list_select_related = ["from_type", "to_type", "source"]
    list_filter = ["basis", "from_type", "to_type"]
    search_fields = ["from_type__slug", "to_type__slug", "event", "function", "note"]
    autocomplete_fields = ["from_type", "to_type", "source", "dated_by"]
    fields = ["from_type", "to_type", "event", "function", "since", "until", "basis", "source", "dated_by", "note"]
