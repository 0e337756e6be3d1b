"""Identification rules: the machine-checkable tests the kernel uses to recognise a memory type,
each valid over a range of releases (and an architecture where it matters), with its source.

A rule reads one word of a struct page (the page itself, its head, or page[1] of its folio) and
compares it, e.g. `page_type >> 24 == PGTY_slab` (v6.12+), `PG_slab` in flags (before v6.10),
`mapping & 3 == 1` (anon). Numbers the builds have as enums (pagetype PGTY_*, pageflags PG_*) are
named, never typed: apps.decoder.rules resolves them from the build's EnumValue rows. Numbers that
are #defines (the inverted page-type bits of v5.x..v6.11, PP_SIGNATURE, ZONE_DEVICE's zone
number) are typed with their source.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from apps.kernel.models import (
    Basis,
    Build,
    Identification,
    MemoryType,
    Source,
    c_identifier_validator,
    release_name_validator,
    release_sort_key,
)

HEX = re.compile(r"^0x[0-9a-f]{1,16}$")
hex_validator = RegexValidator(HEX, "A number in lowercase hex, e.g. 0xf0000000 (at most 64 bits).")


class RuleQuerySet(models.QuerySet):
    def for_list(self):
        """Rules with their type, identification and source, most specific first (1 query)."""
        return self.select_related("memory_type", "identification", "source").order_by(
            "-priority", "memory_type__slug", "sort_since", "arch", "pk"
        )


class Rule(models.Model):
    """One test the kernel uses to recognise a memory type, e.g. slab from v6.12 on:
    page_type >> 24 == PGTY_slab on the slab's first page."""

    class Page(models.TextChoices):
        THIS = "this", "this page"
        HEAD = "head", "the head page of its folio"
        PAGE1 = "page1", "page[1] of its folio (the first tail page)"

    class Operation(models.TextChoices):
        FLAG = "flag", "page flag (name from the build's enum pageflags) is set"
        PAGETYPE = "pagetype", "value >> 24 == a PGTY_ name from the build's enum pagetype"
        TYPE_BIT_CLEAR = "type_bit_clear", "(value & (base | bit)) == base: the inverted page-type bit is clear"
        MASK_EQ = "mask_eq", "(value >> shift) & mask == value"
        TAGGED_POINTER = "tagged_pointer", "a non-NULL pointer whose low bits (& mask) equal value"
        ZONE = "zone", "the zone number in flags equals value"
        READ = "read", "(value >> shift) & mask is read (an order)"

    class Effect(models.TextChoices):
        IDENTIFIES = "identifies", "identifies the type"
        TAIL = "tail", "marks a tail page (its head is elsewhere)"
        HEAD = "head", "marks the head page of a compound page"
        ORDER = "order", "is where the order is read"

    # Operations that name an enumerator, and the enum it is looked up in.
    ENUM_OF = {Operation.FLAG: "pageflags", Operation.PAGETYPE: "pagetype"}

    memory_type = models.ForeignKey(MemoryType, on_delete=models.CASCADE, related_name="rules")
    identification = models.ForeignKey(
        Identification,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rules",
        help_text="The prose identification entry this rule formalises.",
    )
    since = models.CharField(
        max_length=20,
        blank=True,
        validators=[release_name_validator],
        help_text="First release where the rule holds, e.g. v6.12; blank: from the start.",
    )
    until = models.CharField(
        max_length=20,
        blank=True,
        validators=[release_name_validator],
        help_text="First release where it no longer holds (exclusive); blank: it still holds.",
    )
    # Derived from since/until so ranges can be filtered in the database.
    sort_since = models.PositiveIntegerField(default=0, editable=False, db_index=True)
    sort_until = models.PositiveIntegerField(null=True, editable=False)
    arch = models.CharField(
        max_length=8, blank=True, choices=Build.Arch.choices, help_text="Blank: every architecture."
    )
    page = models.CharField(max_length=6, choices=Page.choices, default=Page.THIS)
    field = models.CharField(
        max_length=64,
        blank=True,
        validators=[c_identifier_validator],
        help_text="The struct page member read, e.g. flags, page_type, mapping, compound_head, pp_magic.",
    )
    word = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(15)],
        help_text="Word index of struct page, where no named member holds what is read.",
    )
    operation = models.CharField(max_length=16, choices=Operation.choices)
    name = models.CharField(
        max_length=64,
        blank=True,
        validators=[c_identifier_validator],
        help_text="PG_ or PGTY_ name (flag, pagetype), or the kernel's name of the bit (type_bit_clear).",
    )
    mask = models.CharField(max_length=18, blank=True, validators=[hex_validator])
    value = models.CharField(max_length=18, blank=True, validators=[hex_validator])
    shift = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(63)])
    effect = models.CharField(max_length=12, choices=Effect.choices, default=Effect.IDENTIFIES)
    priority = models.PositiveSmallIntegerField(
        default=50, help_text="When several types match, the highest priority (the most specific test) wins."
    )
    config = models.CharField(
        max_length=100, blank=True, help_text="Config option the test depends on (a build without it lacks the name)."
    )
    note = models.TextField(blank=True, help_text="What the kernel does, in words.")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="rules")
    basis = models.CharField(
        max_length=8,
        choices=Basis.choices,
        default=Basis.TAG,
        help_text="Read at the release tag, in a stable build, or inferred by memtypes.",
    )

    objects = RuleQuerySet.as_manager()

    class Meta:
        ordering = ["-priority", "memory_type__slug", "sort_since", "arch", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["memory_type", "since", "arch", "page", "field", "operation", "name", "effect"],
                name="rule_once_per_test_and_range",
                violation_error_message="This type already has that test from that release on that architecture.",
            ),
            models.CheckConstraint(
                name="rule_reads_field_or_word",
                condition=(Q(field="") & Q(word__isnull=False)) | (~Q(field="") & Q(word__isnull=True)),
                violation_error_message="A rule reads either a named field or a word index, not both.",
            ),
            models.CheckConstraint(
                name="rule_enum_operation_has_name",
                condition=~Q(operation__in=["flag", "pagetype"]) | (~Q(name="") & Q(mask="") & Q(value="")),
                violation_error_message="A flag or pagetype rule names its PG_/PGTY_ enumerator and types no number.",
            ),
            models.CheckConstraint(
                name="rule_typed_operation_has_numbers",
                condition=~Q(operation__in=["type_bit_clear", "mask_eq", "tagged_pointer"])
                | (~Q(mask="") & ~Q(value="")),
                violation_error_message="A type_bit_clear, mask_eq or tagged_pointer rule needs its mask and value.",
            ),
            models.CheckConstraint(
                name="rule_zone_has_value",
                condition=~Q(operation="zone") | ~Q(value=""),
                violation_error_message="A zone rule needs the zone number as value.",
            ),
            models.CheckConstraint(
                name="rule_read_is_order",
                condition=(Q(operation="read") & Q(effect="order") & ~Q(mask=""))
                | (~Q(operation="read") & ~Q(effect="order")),
                violation_error_message="An order is read (operation read, with its mask); read rules give an order.",
            ),
            models.CheckConstraint(
                name="rule_until_after_since",
                condition=Q(sort_until__isnull=True) | Q(sort_until__gt=models.F("sort_since")),
                violation_error_message="until must be a later release than since.",
            ),
        ]

    def __str__(self):
        return f"{self.memory_type.slug}: {self.test}"

    def save(self, *args, **kwargs):
        self.sort_since, self.sort_until = self.sort_range(self.since, self.until)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "sort_since", "sort_until"}
        super().save(*args, **kwargs)

    @staticmethod
    def sort_range(since, until):
        """(sort number of since or 0, sort number of until or None)."""
        from apps.kernel.models import release_sort_number

        return (release_sort_number(since) if since else 0, release_sort_number(until) if until else None)

    def clean(self):
        errors = {}
        for attr in ("since", "until"):
            value = getattr(self, attr)
            if value:
                try:
                    release_sort_key(value)
                except ValueError as exc:
                    errors[attr] = str(exc)
        ordered = self.since and self.until and "since" not in errors and "until" not in errors
        if ordered and release_sort_key(self.until) <= release_sort_key(self.since):
            errors["until"] = f"until ({self.until}) must be a later release than since ({self.since})."
        if bool(self.field) == (self.word is not None):
            errors["field"] = "Name the struct page member read, or give a word index (not both)."
        op = self.operation
        if op in self.ENUM_OF:
            prefix = "PG_" if op == self.Operation.FLAG else "PGTY_"
            if not self.name.startswith(prefix):
                errors["name"] = f"A {op} rule names an enumerator of enum {self.ENUM_OF[op]} ({prefix}...)."
            if self.mask or self.value:
                errors["value"] = "Enum numbers come from the build: a flag or pagetype rule types no number."
        if op in (self.Operation.TYPE_BIT_CLEAR, self.Operation.MASK_EQ, self.Operation.TAGGED_POINTER):
            if not self.mask:
                errors["mask"] = f"A {op} rule needs its mask."
            if not self.value:
                errors["value"] = f"A {op} rule needs its value."
        if op == self.Operation.ZONE and not self.value:
            errors["value"] = "A zone rule needs the zone number."
        if (op == self.Operation.READ) != (self.effect == self.Effect.ORDER):
            errors["effect"] = "An order is read with operation read; read rules give an order."
        elif op == self.Operation.READ and not self.mask:
            errors["mask"] = "Reading an order needs the mask of its bits."
        if errors:
            raise ValidationError(errors)

    @property
    def enum(self):
        """The enum the rule's name is looked up in, or ''."""
        return self.ENUM_OF.get(self.operation, "")

    @property
    def reads(self):
        """What is read, e.g. 'page_type', 'page[1].flags', 'head.mapping', 'word 3'."""
        what = self.field or f"word {self.word}"
        return {self.Page.THIS: what, self.Page.HEAD: f"head.{what}", self.Page.PAGE1: f"page[1].{what}"}[self.page]

    @property
    def printed_name(self):
        """The name dump_page() prints for a flag or page type ('slab' for PG_slab/PGTY_slab)."""
        for prefix in ("PGTY_", "PG_"):
            if self.name.startswith(prefix):
                return self.name[len(prefix) :]
        return ""

    @property
    def test(self):
        """The test in C-like words, numbers that come from enums given by name."""
        op, reads = self.operation, self.reads
        shifted = f"({reads} >> {self.shift})" if self.shift else reads
        if op == self.Operation.FLAG:
            return f"{self.name} set in {reads}"
        if op == self.Operation.PAGETYPE:
            return f"{reads} >> 24 == {self.name}"
        if op == self.Operation.TYPE_BIT_CLEAR:
            return f"({reads} & ({self.value} | {self.mask})) == {self.value} ({self.name} clear)"
        if op == self.Operation.MASK_EQ:
            return f"{shifted} & {self.mask} == {self.value}"
        if op == self.Operation.TAGGED_POINTER:
            return f"{reads} != 0 and {reads} & {self.mask} == {self.value}"
        if op == self.Operation.ZONE:
            return f"zone of {reads} == {int(self.value, 16)}"
        return f"order = {shifted} & {self.mask}"

    def holds_at(self, release_name, arch):
        """Whether the rule applies to that release and architecture (no query)."""
        number = self.sort_range(release_name, "")[0]
        since, until = self.sort_range(self.since, self.until)
        return since <= number and (until is None or number < until) and self.arch in ("", arch)


class EnumSpan(models.Model):
    """Releases whose enum (pagetype, pageflags) is numbered as in a loaded build, for a build that
    was imported without that enum (v5.15, v6.18) or a release memtypes has no build of: e.g. enum
    pagetype of v6.15 up to v7.3 on x86_64 is that of the v7.2 build. Only written where the enum
    was checked unchanged over the span; anything else leaves rules that name it unresolved."""

    enum = models.CharField(max_length=64, validators=[c_identifier_validator], help_text="pagetype or pageflags")
    arch = models.CharField(max_length=8, choices=Build.Arch.choices)
    since = models.CharField(max_length=20, validators=[release_name_validator])
    until = models.CharField(max_length=20, validators=[release_name_validator], help_text="Exclusive.")
    sort_since = models.PositiveIntegerField(default=0, editable=False, db_index=True)
    sort_until = models.PositiveIntegerField(default=0, editable=False)
    lender = models.ForeignKey(
        Build, on_delete=models.CASCADE, related_name="lent_enums", help_text="The build whose values hold."
    )
    note = models.TextField(blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="enum_spans")
    basis = models.CharField(max_length=8, choices=Basis.choices, default=Basis.INFERRED)

    class Meta:
        ordering = ["enum", "arch", "sort_since"]
        constraints = [
            models.UniqueConstraint(
                fields=["enum", "arch", "since"],
                name="enum_span_once",
                violation_error_message="That enum already has a span from that release on that architecture.",
            ),
            models.CheckConstraint(
                name="enum_span_ordered",
                condition=Q(sort_until__gt=models.F("sort_since")),
                violation_error_message="until must be a later release than since.",
            ),
        ]

    def __str__(self):
        return f"enum {self.enum} {self.since}..{self.until} ({self.arch}) as in {self.lender_id and self.lender}"

    def save(self, *args, **kwargs):
        self.sort_since, until = Rule.sort_range(self.since, self.until)
        self.sort_until = until or 0
        super().save(*args, **kwargs)

    def clean(self):
        try:
            if release_sort_key(self.until) <= release_sort_key(self.since):
                raise ValidationError({"until": "until must be a later release than since."})
        except ValueError as exc:
            raise ValidationError({"since": str(exc)}) from exc
