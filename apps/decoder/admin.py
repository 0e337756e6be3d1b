"""Rules are edited in the admin with history (django-reversion): who changed a rule, when, and
any version can be reverted."""

from django.contrib import admin
from reversion.admin import VersionAdmin

from apps.decoder.models import EnumSpan, Rule


@admin.register(Rule)
class RuleAdmin(VersionAdmin):
    list_display = ["memory_type", "test", "since", "until", "arch", "effect", "priority", "source", "basis"]
    list_select_related = ["memory_type", "source"]
    list_filter = ["operation", "effect", "arch", "basis", "memory_type"]
    search_fields = ["memory_type__slug", "name", "field", "note", "since", "until"]
    autocomplete_fields = ["memory_type", "identification", "source"]
    fieldsets = [
        (None, {"fields": ["memory_type", "identification", "since", "until", "arch", "effect", "priority"]}),
        ("Test", {"fields": ["page", "field", "word", "operation", "name", "mask", "value", "shift", "config"]}),
        ("Why", {"fields": ["note", "source", "basis"]}),
    ]

    @admin.display(description="test")
    def test(self, obj):
        return obj.test


@admin.register(EnumSpan)
class EnumSpanAdmin(VersionAdmin):
    list_display = ["enum", "arch", "since", "until", "lender", "source", "basis"]
    list_select_related = ["lender__release", "source"]
    list_filter = ["enum", "arch"]
    search_fields = ["enum", "since", "until", "note"]
    autocomplete_fields = ["source"]
