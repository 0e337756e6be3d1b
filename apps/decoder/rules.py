"""The rule engine: which identification rules hold at a release, and what a page's words say.

`RuleSet.at(release, arch)` gathers the rules valid at that release and resolves the enum names
they use (PG_slab, PGTY_buddy) from the build's EnumValue rows, in a fixed number of queries.
`RuleSet.classify(evidence)` then evaluates every rule on what is known of a page and answers the
most specific type the evidence supports (the `page` type when nothing more can be said).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Q

from apps.decoder.models import EnumSpan, Rule
from apps.kernel.models import Build, EnumValue, MemoryType, Release, release_sort_number

MATCH, EXCLUDES, UNKNOWN = "match", "excludes", "unknown"
FALLBACK_TYPE = "page"
PAGE_TYPE_BITS = 0xFFFFFFFF


class RuleSetError(ValueError):
    """The release or architecture cannot give a rule set; str() says why in one sentence."""


@dataclass(frozen=True)
class Evidence:
    """What is known of one page: struct page member values of the page itself, of the head page
    of its folio and of page[1] when known, the flag names and page type name a dump printed, and
    the zone number."""

    fields: Mapping[str, int] = field(default_factory=dict)
    head_fields: Mapping[str, int] = field(default_factory=dict)
    flag_names: frozenset[str] = frozenset()
    head_flag_names: frozenset[str] = frozenset()
    page_type_name: str | None = None
    zone: int | None = None
    page1_fields: Mapping[str, int] = field(default_factory=dict)
    order: int | None = None  # the compound order when printed


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    outcome: str  # match | excludes | unknown
    detail: str


@dataclass(frozen=True)
class Classification:
    type: MemoryType
    tail: bool
    head_type: MemoryType | None
    order: int | None
    matched: tuple[RuleResult, ...]
    excluded: tuple[RuleResult, ...]
    candidates: tuple[tuple[MemoryType, str], ...]
    unknown: tuple[RuleResult, ...] = ()


def _hex(value):
    return f"{value:#x}"


class RuleSet:
    """The rules that hold at one release on one architecture, with the enum numbers they name
    resolved from a build (`numbers[(enum, name)]`); `notes` says where the numbers came from and
    which enums no build gave (the rules naming them evaluate to "unknown" on raw words)."""

    def __init__(self, release, build, arch, rules, numbers, fallback, notes=()):
        self.release = release
        self.build = build
        self.arch = arch
        self.rules = tuple(rules)
        self.numbers = dict(numbers)
        self.fallback = fallback
        self.notes = tuple(notes)

    # --- building -----------------------------------------------------------------------

    @classmethod
    def at(cls, release, arch=Build.Arch.X86_64):
        """The rule set of a loaded release (a Release or its name) on an architecture (5 queries).
        RuleSetError when the release has no build for that architecture."""
        name = release.name if isinstance(release, Release) else release
        build = Build.objects.select_related("release").filter(release__name=name, arch=arch).first()
        if build is None:
            raise RuleSetError(f"memtypes has no {arch} build of {name}")
        return cls._assemble(build.release, name, arch, build)

    @classmethod
    def at_name(cls, name, arch=Build.Arch.X86_64):
        """The rule set of any release name, loaded or not (5 queries): the rules valid at that
        release, enum numbers from its own build where memtypes has one, else from the build an
        EnumSpan names for that release; other names stay unresolved and their rules "unknown".
        `notes` says which build lent the numbers. RuleSetError for a malformed name."""
        try:
            release_sort_number(name)
        except ValueError as exc:
            raise RuleSetError(str(exc)) from exc
        build = Build.objects.select_related("release").filter(release__name=name, arch=arch).first()
        release = build.release if build else None
        return cls._assemble(release, name, arch, build)

    @classmethod
    def _assemble(cls, release, name, arch, build):
        number = release_sort_number(name)
        rules = list(
            Rule.objects.for_list()
            .filter(Q(arch="") | Q(arch=arch), sort_since__lte=number)
            .filter(Q(sort_until__isnull=True) | Q(sort_until__gt=number))
        )
        spans = list(
            EnumSpan.objects.select_related("lender__release").filter(
                arch=arch, sort_since__lte=number, sort_until__gt=number
            )
        )
        rows = EnumValue.objects.filter(build_id__in=[b.lender_id for b in spans] + ([build.pk] if build else []))
        rows = list(rows.values_list("build_id", "enum", "name", "value"))
        own = {enum for build_id, enum, _, _ in rows if build and build_id == build.pk}
        lenders = {span.enum: span for span in spans if span.enum not in own}
        numbers = {}
        for build_id, enum, ename, value in rows:
            lent = lenders.get(enum)
            if (enum in own and build_id == build.pk) or (lent and lent.lender_id == build_id):
                numbers[(enum, ename)] = value
        notes = (
            []
            if build
            else [f"memtypes has no {arch} build of {name}: the rules of {name} hold, enum numbers only where noted"]
        )
        notes += [
            f"enum {span.enum} of {name} is numbered as in the {span.lender.release.name} {span.lender.arch} build "
            f"({span.lender.kernel_version}), unchanged over {span.since}..{span.until}"
            for span in lenders.values()
        ]
        missing = sorted({r.enum for r in rules if r.enum} - own - set(lenders))
        notes += [f"no build gives enum {enum} at {name}: rules naming it are unknown" for enum in missing]
        fallback = MemoryType.objects.filter(slug=FALLBACK_TYPE).first()
        return cls(release, build, arch, rules, numbers, fallback, notes)

    # --- numbers ------------------------------------------------------------------------

    def number(self, rule):
        """The enum number a flag/pagetype rule names in this set's build, or None."""
        return self.numbers.get((rule.enum, rule.name))

    def flag_names(self, flags):
        """The PG_ names set in a flags word (aliases included, e.g. PG_swapcache with PG_owner_priv_1),
        from the build's enum pageflags; () when the build gives no pageflags."""
        names = [
            (value, name)
            for (enum, name), value in self.numbers.items()
            if enum == "pageflags" and name.startswith("PG_") and 0 <= value < 64 and flags >> value & 1
        ]
        return tuple(name for _, name in sorted(names))

    # --- evaluating ---------------------------------------------------------------------

    def evaluate(self, rule, evidence):
        """RuleResult of one rule on the evidence."""
        if rule.page == Rule.Page.HEAD:
            fields, names = evidence.head_fields, evidence.head_flag_names
        elif rule.page == Rule.Page.PAGE1:
            fields, names = evidence.page1_fields, frozenset()
        else:
            fields, names = evidence.fields, evidence.flag_names
        key = rule.field or f"word{rule.word}"
        value = fields.get(key)
        op = rule.operation
        if op == Rule.Operation.FLAG:
            return self._flag(rule, value, names)
        if op == Rule.Operation.PAGETYPE:
            printed = evidence.page_type_name if rule.page == Rule.Page.THIS else None
            return self._pagetype(rule, value, printed)
        if op == Rule.Operation.ZONE:
            zone = evidence.zone
            if zone is None:
                return RuleResult(rule, UNKNOWN, "the zone is not known")
            want = int(rule.value, 16)
            return self._compare(rule, zone == want, f"zone {zone}", want)
        if value is None:
            return RuleResult(rule, UNKNOWN, f"{rule.reads} is not known")
        mask, want = int(rule.mask or "0", 16), int(rule.value or "0", 16)
        if op == Rule.Operation.TYPE_BIT_CLEAR:
            got = value & PAGE_TYPE_BITS & (want | mask)
            ok = got == want
            return RuleResult(
                rule,
                MATCH if ok else EXCLUDES,
                f"{rule.reads} & {_hex(want | mask)} = {_hex(got)} {'==' if ok else '!='} {_hex(want)}"
                + (f" ({rule.name} clear)" if ok else ""),
            )
        if op == Rule.Operation.MASK_EQ:
            got = (value >> rule.shift) & mask
            ok = got == want
            shifted = f"({rule.reads} >> {rule.shift})" if rule.shift else rule.reads
            return self._compare(rule, ok, f"{shifted} & {_hex(mask)} = {_hex(got)}", _hex(want))
        if op == Rule.Operation.TAGGED_POINTER:
            got = value & mask
            ok = value != 0 and got == want
            if value == 0:
                return RuleResult(rule, EXCLUDES, f"{rule.reads} is NULL")
            return self._compare(rule, ok, f"{rule.reads} & {_hex(mask)} = {_hex(got)}", _hex(want))
        got = (value >> rule.shift) & mask
        return RuleResult(rule, MATCH, f"order {got} from {rule.reads}")

    @staticmethod
    def _compare(rule, ok, got, want):
        return RuleResult(rule, MATCH if ok else EXCLUDES, f"{got} {'==' if ok else '!='} {want}")

    def _flag(self, rule, value, names):
        bit = self.number(rule)
        printed = rule.printed_name
        if printed and printed in names:
            return RuleResult(rule, MATCH, f"{printed} printed among the flags")
        if bit is not None and value is not None:
            ok = bool(value >> bit & 1)
            return RuleResult(rule, MATCH if ok else EXCLUDES, f"bit {bit} ({rule.name}) of {rule.reads} is {int(ok)}")
        if names:
            return RuleResult(rule, EXCLUDES, f"{printed} not among the printed flags")
        if bit is None:
            return RuleResult(rule, UNKNOWN, f"{rule.name} is not in the build's enum pageflags")
        return RuleResult(rule, UNKNOWN, f"{rule.reads} is not known")

    def _pagetype(self, rule, value, printed):
        number = self.number(rule)
        if value is not None and number is not None:
            got = (value & PAGE_TYPE_BITS) >> 24
            ok = got == number
            return RuleResult(
                rule,
                MATCH if ok else EXCLUDES,
                f"{rule.reads} >> 24 = {_hex(got)} {'==' if ok else '!='} {_hex(number)} ({rule.name})",
            )
        if printed:
            ok = printed == rule.printed_name
            return RuleResult(rule, MATCH if ok else EXCLUDES, f"page_type printed as {printed}")
        if number is None:
            return RuleResult(rule, UNKNOWN, f"{rule.name} is not in the build's enum pagetype")
        return RuleResult(rule, UNKNOWN, f"{rule.reads} is not known")

    def classify(self, evidence):
        """The most specific type the evidence supports, whether the page is a tail (and the type of
        its head, from the head's fields), the order, and the rules behind the answer.

        On a tail page only the words that are the page's own (flags: hwpoison, the zone) can say
        more than its head; its other words are the folio's, so the type is the head's type when
        the head's fields are known, else `page`. Types matched at the same priority as the winner
        are returned as candidates: the evidence contradicts itself."""
        results = [self.evaluate(rule, evidence) for rule in self.rules]
        tail = any(r.rule.effect == Rule.Effect.TAIL and r.outcome == MATCH for r in results)
        head_type = None
        if tail and (evidence.head_fields or evidence.head_flag_names):
            head = Evidence(
                fields=evidence.head_fields,
                flag_names=evidence.head_flag_names,
                page1_fields=evidence.page1_fields,
                zone=evidence.zone,
                order=evidence.order,
            )
            head_results = [
                RuleResult(r.rule, r.outcome, f"head page: {r.detail}")
                for r in (self.evaluate(rule, head) for rule in self.rules if rule.effect == Rule.Effect.IDENTIFIES)
            ]
            picked, _ = self._pick([r for r in head_results if r.outcome == MATCH])
            head_type = picked.rule.memory_type if picked else None
            results += head_results
        own = [
            r
            for r in results
            if r.outcome == MATCH
            and r.rule.effect == Rule.Effect.IDENTIFIES
            and not r.detail.startswith("head page: ")
            and (not tail or r.rule.field == "flags")
        ]
        best, candidates = self._pick(own)
        chosen = best.rule.memory_type if best else head_type or self.fallback
        matched = tuple(r for r in results if r.outcome == MATCH)
        return Classification(
            type=chosen,
            tail=tail,
            head_type=head_type,
            order=self._order(matched, chosen, evidence),
            matched=matched,
            excluded=tuple(r for r in results if r.outcome == EXCLUDES),
            candidates=candidates,
            unknown=tuple(r for r in results if r.outcome == UNKNOWN),
        )

    @staticmethod
    def _pick(results):
        """(the result with the highest priority, other types matched at that same priority: a
        contradiction the evidence does not settle)."""
        if not results:
            return None, ()
        ranked = sorted(results, key=lambda r: (-r.rule.priority, r.rule.memory_type.slug))
        best = ranked[0]
        seen, candidates = {best.rule.memory_type.slug}, []
        for r in ranked[1:]:
            slug = r.rule.memory_type.slug
            if r.rule.priority == best.rule.priority and slug not in seen:
                seen.add(slug)
                candidates.append((r.rule.memory_type, f"{r.rule.test} also holds: {r.detail}"))
        return best, tuple(candidates)

    @staticmethod
    def _order(matched, chosen, evidence):
        for r in matched:
            if r.rule.effect == Rule.Effect.ORDER and r.rule.memory_type.slug in (chosen.slug, FALLBACK_TYPE):
                fields = evidence.page1_fields if r.rule.page == Rule.Page.PAGE1 else evidence.fields
                value = fields.get(r.rule.field or f"word{r.rule.word}")
                if value is not None:
                    return (value >> r.rule.shift) & int(r.rule.mask, 16)
        return evidence.order
