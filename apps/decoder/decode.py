"""Decode a struct page: the text of a dump_page() (or raw words with a release and an
architecture) -> the memory type, whether it is a tail page and of which head, its order, the
rules that decided it, each raw word labelled with the fields that type keeps there at that
release, the flags by name, and what the answer rests on (warnings).

The steps: parse the text (apps.decoder.dump), choose the release (the caller's, else the one
the dump prints, else one inferred from the dump's format), map it to a loaded build (the exact
release and architecture, else the nearest loaded release), read the raw words through that
build's struct page layout into member values (apps.kernel.layouts), classify them with the
rules that hold at the release (apps.decoder.rules), and label the words with the decoded
type's field usages. A fixed number of queries whatever the input.
"""

import re
from dataclasses import dataclass, field

from django.db.models import Q

from apps.decoder import dump as dump_parser
from apps.decoder.models import Rule
from apps.decoder.rules import Evidence, RuleSet
from apps.kernel import layouts
from apps.kernel.models import REFERENCE_ARCH, Build, Field, release_sort_key

# The API, the page and the command refuse more than this (a dump_page() is under 2 KiB; a
# whole oops with its call trace rarely passes 16 KiB).
MAX_INPUT_BYTES = 64 * 1024
# A word list longer than any struct page of any architecture (plus its head and page[1]).
MAX_WORDS = 64

# The architecture assumed from the width of a dump's raw words when none is given.
ARCH_OF_WORD_BITS = {64: REFERENCE_ARCH, 32: Build.Arch.I386}

_KERNEL_VERSION = re.compile(r"^(\d{1,2})\.(\d{1,2})")
_HEX = re.compile(r"^(?:0x)?[0-9a-fA-F]{1,16}$")


class DecodeError(ValueError):
    """Input that cannot be decoded: `field` names the input it concerns ("text", "words",
    "head_words", "release" or "arch"), str() says what is wrong in one sentence."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class WordRow:
    """One raw word as the dump printed it, with the struct page fields that share it and
    those the decoded type keeps there (at the build's layout)."""

    row: str  # "raw": the page's own words; "head": the head page's (page 0) and page[1]'s
    page: int  # 0 for the page itself or the head page, 1 for page[1] in the head rows
    index: int  # the word's number within its struct page
    offset: int  # byte offset within its struct page
    value: int
    width: int  # bytes per word
    used: tuple = ()  # ((memory type, "struct.field", keeps), ...)
    fields: tuple = ()  # names of every struct page field at that word

    @property
    def hex(self):
        return f"{self.value:0{self.width * 2}x}"


@dataclass(frozen=True)
class Decoding:
    """What a struct page is, read from its words at one release and architecture."""

    type: object  # MemoryType
    tail: bool
    head_type: object  # MemoryType or None
    compound: bool
    order: int | None
    build: object  # the Build whose layout and enums were used
    release_name: str  # the release the rules were taken at (v6.9 for a "6.9.0-rc4" kernel)
    exact: bool  # the build is of that very release
    names_only: bool  # older than the oldest layout: decided from the printed names only
    matched: tuple
    excluded: tuple
    candidates: tuple
    words: tuple  # WordRow, the page's own words then the head rows
    flags: dict  # {"value", "names", "node", "zone"}
    warnings: tuple
    parsed: object = None  # the ParsedDump when decoded from text

    @property
    def release(self):
        return self.build.release

    @property
    def arch(self):
        return self.build.arch

    @property
    def rules(self):
        return (*self.matched, *self.excluded)

    @property
    def flags_hex(self):
        value = self.flags.get("value")
        return None if value is None else f"0x{value:x}"

    @property
    def raw_words(self):
        return [w for w in self.words if w.row == "raw"]

    @property
    def head_words(self):
        return [w for w in self.words if w.row == "head"]


@dataclass
class _Input:
    """What decoding starts from, whichever way it came in."""

    raw: tuple
    head_raw: tuple
    word_bits: int | None
    parsed: object = None
    warnings: list = field(default_factory=list)


def release_of_kernel(kernel_release):
    """The release series a kernel version belongs to: "6.9.0-rc4-00499-g5544ec3178e2" -> v6.9,
    "5.3.0-rc2+" -> v5.3; None when the text is no version ("syzkaller")."""
    match = _KERNEL_VERSION.match(kernel_release or "")
    if not match:
        return None
    return f"v{int(match.group(1))}.{int(match.group(2))}"


def _ordinal(name):
    """A release's place in the kernel's sequence of releases, for "nearest": each major number
    has run to about x.19 or x.20 since v3.0 (3.19 -> 4.0, 4.20 -> 5.0, 5.19 -> 6.0), so
    major * 20 + minor keeps v6.18 and v7.0 two apart as they are."""
    major, minor, _, _ = release_sort_key(name)
    return major * 20 + minor


# What a dump's format says about its kernel, when it does not print the release: (test on the
# ParsedDump, oldest release, first release without it, what the reader sees). Each boundary is
# where mm/debug.c's __dump_page() changed what it prints:
# - "count:" became "refcount:" with "mm: update references to page _refcount" (Baruch Siach,
#   Message-ID cedf87b02eb8a6b3eac57e8e91da53fb15c3c44c.1556537475.git.baruch@tkos.co.il, posted
#   2019-04-29 after v5.1-rc7, so v5.2: inferred from the merge window). v5.10's mm/debug.c (Debian
#   linux-source 5.10.262) prints "page:%p refcount:%d".
# - the pointer on the "page:" line ("page:%p refcount:..") is printed in v5.10 and v6.1 (their
#   mm/debug.c); v6.12's prints "page: refcount:%d" without it. It went with the __dump_folio()
#   rework of v6.9 (inferred from real dumps: 6.8 ones print it, 6.9 ones do not).
# - compound_mapcount on the head line until v6.2, entire_mapcount from v6.2
#   (folio_entire_mapcount(); v6.1's mm/debug.c prints compound_mapcount).
# - the page_type line: the whole inverted word from v6.4 ("page_type: %#x(%pGt)"), its top byte
#   only from v6.12 ("page_type: %x(%s)", page_type >> 24, v6.12's mm/debug.c).
# - the raw: rows came with "mm, debug: print raw struct page data in __dump_page()" (Vlastimil
#   Babka, v3 posted 2016-11-25 after v4.9-rc6, so v4.10: inferred from the merge window).
# _WEAK_HINTS are read from what a dump does not show, which a reader may have cut: they narrow
# the range only where the hints above leave room for them.
_FORMAT_HINTS = (
    (lambda p: p.page_type is not None and p.page_type <= 0xFF, "v6.12", None, "page_type printed as its top byte"),
    (
        lambda p: p.page_type is not None and p.page_type > 0xFF,
        "v6.4",
        "v6.12",
        "page_type printed as a whole word",
    ),
    (lambda p: p.entire_mapcount is not None, "v6.2", None, "entire_mapcount printed"),
    (lambda p: p.compound_mapcount is not None, None, "v6.2", "compound_mapcount printed"),
    (lambda p: getattr(p, "refcount_label", None) == "count", None, "v5.2", '"count:" printed, not "refcount:"'),
    (lambda p: getattr(p, "refcount_label", None) == "refcount", "v5.2", None, '"refcount:" printed'),
    (
        lambda p: getattr(p, "page_pointer_printed", False),
        None,
        "v6.9",
        "a pointer printed on the page: line",
    ),
    (
        lambda p: getattr(p, "refcount_label", None) and not getattr(p, "page_pointer_printed", True),
        "v6.9",
        None,
        "no pointer on the page: line",
    ),
)

_WEAK_HINTS = (
    (
        lambda p: not p.raw and p.reason is not None and p.flags is not None and p.refcount is not None,
        None,
        "v4.10",
        "no raw: rows between the page: line and the reason",
    ),
)


def _format_range(parsed):
    """(oldest release, first release after, [what the reader sees]) the dump's format allows."""
    lo, hi, reasons = None, None, []
    for weak, hints in ((False, _FORMAT_HINTS), (True, _WEAK_HINTS)):
        for test, since, until, reason in hints:
            if not test(parsed):
                continue
            new_lo = since if since and (lo is None or release_sort_key(since) > release_sort_key(lo)) else lo
            new_hi = until if until and (hi is None or release_sort_key(until) < release_sort_key(hi)) else hi
            if weak and new_lo and new_hi and release_sort_key(new_lo) >= release_sort_key(new_hi):
                continue
            lo, hi = new_lo, new_hi
            reasons.append(
                f"{reason}: {since or 'before'} {'to ' + until if until else 'and later'}".replace(
                    "before to", "before"
                )
            )
    return lo, hi, reasons


def _inferred_release(parsed, arch):
    """(release name, reason) for a dump that names no release: among the releases its format
    allows, the newest one whose rules agree with the names it prints (a page_type printed as
    "slab" with its number, a flag such as "slab" that is a page flag only in some releases).
    Candidates are the releases where some rule starts or stops holding, so each stands for
    the releases up to the next one (1 query: the rules)."""
    lo, hi, reasons = _format_range(parsed)
    if lo and hi and release_sort_key(lo) >= release_sort_key(hi):
        # A pasted text that mixes two kernels' lines, or a distribution kernel with a backport.
        reasons.append("these features of the format contradict each other: the newest one decides")
        return lo, "; ".join(reasons)
    rules = list(Rule.objects.for_list().filter(Q(arch="") | Q(arch=arch)))

    def inside(name):
        key = release_sort_key(name)
        return (lo is None or key >= release_sort_key(lo)) and (hi is None or key < release_sort_key(hi))

    # A rule that stops holding at `until` stands for the releases before it too: the last one of them.
    bounds = (
        {r.since for r in rules if r.since}
        | {r.until for r in rules if r.until}
        | {_previous(r.until) for r in rules if r.until and _previous(r.until)}
    )
    newest = {_previous(hi)} if hi and _previous(hi) and inside(_previous(hi)) else set()
    eras = sorted(
        {n for n in bounds if inside(n)} | ({lo} if lo else set()) | newest, key=release_sort_key, reverse=True
    )
    if not eras:
        major, minor, _, _ = release_sort_key(hi) if hi else (7, 0, 0, 0)
        eras = [f"v{major}.{minor - 1}" if minor else f"v{major - 1}.0"]
    for name in eras:
        agreeing = _names_agree(parsed, [r for r in rules if r.holds_at(name, arch)], rules)
        if agreeing is not None:
            return name, "; ".join([*reasons, *agreeing])
    return eras[0], "; ".join(reasons)


def _previous(name):
    """The release before `name` in its major series (v4.4 -> v4.3); None for an x.0 release,
    whose predecessor's number the name does not say."""
    major, minor, _, _ = release_sort_key(name)
    return f"v{major}.{minor - 1}" if minor else None


def _names_agree(parsed, rules_at, all_rules):
    """None when a name the dump prints contradicts the rules at a release; else what agreed."""
    agreed = []
    slug = _PAGE_TYPE_NAMES.get(parsed.page_type_name)
    if slug and parsed.page_type is not None:
        value = parsed.page_type << 24 if _top_byte(parsed) else parsed.page_type
        probe = RuleSet(None, None, "", [], {}, None)
        evidence = Evidence(fields={"page_type": value})
        tests = [
            r
            for r in rules_at
            if r.memory_type.slug == slug and r.field == "page_type" and r.effect == Rule.Effect.IDENTIFIES
        ]
        bit_tests = [r for r in tests if r.operation == Rule.Operation.TYPE_BIT_CLEAR]
        if bit_tests and not any(probe.evaluate(r, evidence).outcome == "match" for r in bit_tests):
            return None
        if not tests:
            return None
        agreed.append(f"page_type {parsed.page_type:x} printed as {parsed.page_type_name}")
    flag_rules = {r.printed_name for r in all_rules if r.operation == Rule.Operation.FLAG}
    named_at = {r.printed_name for r in rules_at if r.operation == Rule.Operation.FLAG}
    for name in parsed.flag_names if parsed.flags is not None else ():
        if name in flag_rules and name not in named_at:
            return None
    return agreed


# How an oops in the same text names the instruction pointer, by architecture: x86's show_ip()
# prints "RIP: %04x:%pS" on x86_64 and "EIP: %pS" on i386 (arch/x86/kernel/dumpstack.c); 32-bit
# ARM's __show_regs() prints "PC is at %pS" (arch/arm/kernel/process.c); arm64's prints
# "pstate: %08llx (..)" and "pc : %pS" (arch/arm64/kernel/process.c; 32-bit ARM's own "pc : [<..>]"
# line is told apart by its bracket).
_REGISTER_ARCH = (
    (re.compile(r"^RIP: "), Build.Arch.X86_64, '"RIP:"'),
    (re.compile(r"^EIP: "), Build.Arch.I386, '"EIP:"'),
    (re.compile(r"^PC is at "), Build.Arch.ARM, '"PC is at"'),
    (re.compile(r"^(?:pstate: |pc : (?!\[<))"), Build.Arch.ARM64, '"pstate:"/"pc :"'),
)
# x86_64 maps struct pages at vmemmap_base 0xffffea0000000000 with 4-level paging
# (__VMEMMAP_BASE_L4, arch/x86/include/asm/pgtable_64_types.h). Other vmemmap addresses say
# nothing on their own: CONFIG_RANDOMIZE_MEMORY moves x86_64's base (real x86_64 dumps show
# page:fffffcc2.. and page:fffffdee..), where arm64's vmemmap also lies.
_X86_64_VMEMMAP = (0xFFFFEA0000000000, 0xFFFFEB0000000000)


def _arch_evidence(parsed, word_bits):
    """(architecture, what showed it) from what the text prints besides the words: the register
    line of an oops, else a struct page address in x86_64's fixed vmemmap; (None, None) when
    nothing does, or the evidence disagrees with itself or with the width of the words."""
    if parsed is None:
        return None, None
    found = {}
    for line in parsed.register_lines:
        for pattern, arch, label in _REGISTER_ARCH:
            if pattern.match(line):
                found.setdefault(arch, f"the {label} register line of the oops")
    if not found:
        lo, hi = _X86_64_VMEMMAP
        address = parsed.page_address
        if address is not None and lo <= address < hi:
            found[Build.Arch.X86_64] = f"the struct page address {address:x} (x86_64's vmemmap at ffffea0000000000)"
    if len(found) != 1:
        return None, None
    arch, evidence = next(iter(found.items()))
    if word_bits and Build.WORD_SIZES[arch] * 8 != word_bits:
        return None, None
    return arch, evidence


def _check_release(name, loaded):
    """A release named by the caller: well-formed and not newer than what memtypes knows."""
    try:
        key = release_sort_key(name)
    except ValueError as exc:
        raise DecodeError("release", f"{name!r} is not a release name like v6.12 or v7.3-rc7.") from exc
    newest = max((b.release.name for b in loaded), key=release_sort_key)
    if key[:2] > release_sort_key(newest)[:2]:
        raise DecodeError("release", f"memtypes knows releases up to {newest}; {name} is newer.")
    return name


def _choose_build(name, arch, builds):
    """The build of release `name` for `arch`, else the nearest loaded release's (ties go to the
    newer one); None when the architecture has no build at all."""
    of_arch = [b for b in builds if b.arch == arch]
    if not of_arch:
        return None
    for build in of_arch:
        if build.release.name == name:
            return build
    target = _ordinal(name)
    return min(of_arch, key=lambda b: (abs(_ordinal(b.release.name) - target), -b.release.sort_key))


def _loaded_builds():
    """Every build with its release (1 query)."""
    return list(Build.objects.select_related("release").order_by("release__sort_key", "arch"))


def decode_text(text, release=None, arch=None):
    """Decode the text of a dump_page(); release ("v6.9") and arch override what the dump says.
    Raises DecodeError."""
    if not isinstance(text, str) or not text.strip():
        raise DecodeError("text", "Paste the text of a dump_page(): its page:, flags: and raw: lines.")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_INPUT_BYTES:
        raise DecodeError("text", f"The text is longer than {MAX_INPUT_BYTES // 1024} KiB; paste the dump alone.")
    try:
        parsed = dump_parser.parse(text)
    except dump_parser.DumpError as exc:
        raise DecodeError("text", str(exc)) from exc
    given = _Input(raw=tuple(parsed.raw), head_raw=tuple(parsed.head_raw), word_bits=parsed.word_bits, parsed=parsed)
    return _decode(given, release, arch)


def parse_words(words, field_name="words"):
    """Hex strings ("0x00fff00000000840" or "00fff00000000840") -> ints; DecodeError naming the
    first that is not hex."""
    if not isinstance(words, (list, tuple)):
        raise DecodeError(field_name, 'A list of words in hex, e.g. ["0x00fff00000000840", ...].')
    if len(words) > MAX_WORDS:
        raise DecodeError(field_name, f"At most {MAX_WORDS} words.")
    values = []
    for n, word in enumerate(words):
        if isinstance(word, int) and not isinstance(word, bool) and 0 <= word < 1 << 64:
            values.append(word)
            continue
        if not isinstance(word, str) or not _HEX.match(word.strip()):
            raise DecodeError(field_name, f"Word {n} ({str(word)[:40]!r}) is not a hex number of at most 64 bits.")
        values.append(int(word.strip(), 16))
    return tuple(values)


def decode_words(words, release, arch, head_words=()):
    """Decode raw words (ints or hex strings, struct page's words in order) at a release and
    architecture; head_words are the head page's words (and page[1]'s) for a tail page or a
    large folio. Raises DecodeError."""
    raw = parse_words(words, "words")
    head_raw = parse_words(head_words or (), "head_words")
    if not raw:
        raise DecodeError("words", "Give the raw words of the struct page, first word first.")
    if not release:
        raise DecodeError("release", "Name the release the words come from, e.g. v6.12.")
    if not arch:
        raise DecodeError("arch", f"Name the architecture, one of {', '.join(Build.Arch.values)}.")
    return _decode(_Input(raw=raw, head_raw=head_raw, word_bits=None), release, arch)


@dataclass
class _Where:
    """The release a page is read at, and the build whose layout reads it."""

    name: str  # the release the rules are taken at
    build: object
    exact: bool  # the build is of that release
    names_only: bool  # older than the oldest layout


def _decode(given, release, arch):
    warnings = given.warnings
    parsed = given.parsed
    where = _where(given, release, arch, warnings)
    build, word_size = where.build, where.build.word_size
    arch = build.arch
    ruleset = RuleSet.at(build.release, arch) if where.exact else RuleSet.at_name(where.name, arch)
    # The rule set's own "no build of that release" note says what _where's warning says.
    warnings.extend(note for note in ruleset.notes if where.exact or not note.startswith("memtypes has no "))
    page_fields, folio_fields, page_size = _layout_fields(build)
    use_words = bool(given.raw) and not where.names_only and page_size > 0
    if not given.raw and parsed is not None:
        warnings.append("The dump has no raw: rows: the type is decided from the values it prints.")
    if use_words and parsed is not None and len(given.raw) * word_size < page_size:
        # A struct page smaller than the build's is of another layout (an older release, or
        # config options the build does not share): its words cannot be read at these offsets.
        use_words = False
        warnings.append(
            f"The dump has {len(given.raw)} raw words ({len(given.raw) * word_size} bytes) but struct page of "
            f"the {build.release.name} {build.arch} build is {page_size} bytes: the words are of another layout "
            "and are not read through it; the type is decided from the values the dump prints."
        )
    if use_words and len(given.raw) * word_size != page_size:
        warnings.append(
            f"The dump has {len(given.raw)} raw words ({len(given.raw) * word_size} bytes); struct page of the "
            f"{build.release.name} build is {page_size} bytes: words are read by offset."
        )
    read = _Reading(given, ruleset, page_fields, folio_fields, page_size, word_size, use_words)
    result = ruleset.classify(read.evidence)
    warnings.extend(read.warnings)

    order = result.order if result.order is not None else (parsed.order if parsed else None)
    # A compound page shows itself by a tail's head pointer, head rows, PG_head, or the order the
    # dump prints for a compound page; a free buddy block has an order (in private) but is not one.
    printed_order = parsed is not None and parsed.order is not None
    compound = read.tail or bool(given.head_raw) or printed_order or "head" in read.flag_names
    if order is None and not compound:
        order = 0  # a page that belongs to no compound page is a single page
    if parsed is not None and parsed.page_type_name:
        warnings.extend(_page_type_name_check(parsed, result))
    warnings.extend(getattr(parsed, "notes", ()) or ())
    if parsed is not None and parsed.flags is not None and result.tail and not read.own_flags_printed:
        warnings.append("For a tail page dump_page prints its head's flags: raw word 0 is the page's own.")

    tail_index = _tail_index(parsed, read.fields, page_size) if result.tail else None
    words = _word_rows(given, build, page_fields, page_size, result, use_words, ruleset.fallback, tail_index)
    return Decoding(
        type=result.type,
        tail=result.tail,
        head_type=result.head_type,
        compound=compound,
        order=order,
        build=build,
        release_name=where.name,
        exact=where.exact,
        names_only=where.names_only,
        matched=tuple(result.matched),
        excluded=tuple(result.excluded),
        candidates=tuple(result.candidates),
        words=tuple(words),
        flags=_flags(given, ruleset),
        warnings=tuple(dict.fromkeys(warnings)),
        parsed=parsed,
    )


def _where(given, release, arch, warnings):
    """The architecture (given, else from the word width), the release (given, else the one the
    dump prints, else one inferred from its format and names) and the build to read it with
    (1 query; 2 when the release is inferred). DecodeError for an unknown release or arch, or
    words wider than the architecture's."""
    parsed = given.parsed
    builds = _loaded_builds()
    if not builds:
        raise DecodeError("release", "memtypes has no layouts loaded.")
    if arch:
        if arch not in Build.Arch.values:
            raise DecodeError("arch", f"No architecture named {arch!r}; memtypes knows {', '.join(Build.Arch.values)}.")
    else:
        arch, evidence = _arch_evidence(parsed, given.word_bits)
        if arch:
            warnings.append(f"The architecture is not given: {arch} is inferred from {evidence}.")
        else:
            arch = ARCH_OF_WORD_BITS.get(given.word_bits, REFERENCE_ARCH)
            width = f"{given.word_bits}-bit words" if given.word_bits else "words of unknown width"
            warnings.append(f"The architecture is not given: {arch} is assumed from the dump's {width}.")

    if release:
        name = _check_release(release, builds)
    else:
        name = release_of_kernel(parsed.kernel_release) if parsed else None
        if parsed and parsed.kernel_release and name is None:
            warnings.append(f"The kernel release printed ({parsed.kernel_release}) is not a version number.")
        if name is None:
            name, why = _inferred_release(parsed, arch)
            warnings.append(
                f"The dump does not name its kernel release: {name} is assumed"
                + (f" from its format ({why})" if why else "")
                + "; choose the release to be sure."
            )
    build = _choose_build(name, arch, builds)
    if build is None:
        raise DecodeError("arch", f"memtypes has no layout for {arch}.")
    exact = build.release.name == name
    oldest = min((b.release.name for b in builds), key=release_sort_key)
    names_only = release_sort_key(name) < release_sort_key(oldest)
    if names_only:
        warnings.append(
            f"{name} is older than memtypes' oldest layout ({oldest}): the type is decided from the names the "
            "dump prints (flags, page_type, the anon/ksm prefix, mapping), not from its raw words, and the words "
            "are not labelled."
        )
    elif not exact:
        warnings.append(
            f"Release {name} is not loaded for {arch}; rules at {name} and the {build.release.name} layout are used."
        )
    word_size = build.word_size
    too_wide = any(w >= 1 << (8 * word_size) for w in (*given.raw, *given.head_raw))
    if given.word_bits and given.word_bits != word_size * 8 or too_wide:
        bits = given.word_bits or 64
        raise DecodeError("arch", f"The words are {bits}-bit; {arch} has {word_size * 8}-bit words.")
    return _Where(name=name, build=build, exact=exact, names_only=names_only)


class _Reading:
    """What the rules are given (`evidence`): this page's, its head's and page[1]'s member values
    read through the build's layout (or, without raw rows or for a release older than any
    layout, the values the dump prints), the flag names, and what the reading noticed."""

    def __init__(self, given, ruleset, page_fields, folio_fields, page_size, word_size, use_words):
        parsed = given.parsed
        self.warnings = []
        per_page = page_size // word_size if page_size else 0
        fields = _member_values(given.raw, page_fields, word_size) if use_words else {}
        head_fields, page1_fields = {}, {}
        if given.head_raw and use_words:
            head_fields = _member_values(given.head_raw[:per_page], page_fields, word_size)
            page1_fields = _member_values(given.head_raw[per_page : 2 * per_page], page_fields, word_size)
            for member, value in _member_values(given.head_raw, folio_fields, word_size, skip_page=True).items():
                page1_fields.setdefault(member, value)
        head_name = next((n for n in _COMPOUND_HEAD if n in fields), None)
        self.own_flags_printed = False
        if head_name and _cleared_tail_bit(parsed, fields[head_name], page_size):
            # __dump_page() (mm/debug.c) prints "page does not match folio" when the page's
            # folio changed under it, then clears bit 0 of its copy of compound_head and dumps
            # the page as its own folio: a struct page address in that word was a tail's head.
            fields[head_name] |= 1
            self.own_flags_printed = True
            self.warnings.append(
                f"dump_page printed 'page does not match folio' and cleared bit 0 of {head_name}: word 1 "
                f"(0x{fields[head_name] - 1:x}) is a struct page address, so the page is read as a tail page."
            )
        tail = bool(fields[head_name] & 1) if head_name else _printed_tail(parsed)
        heads_flags_printed = tail and not self.own_flags_printed

        printed = _printed_fields(parsed) if parsed is not None else {}
        flag_names, head_flag_names = _flag_evidence(parsed, fields, heads_flags_printed, ruleset, use_words)
        if not use_words:
            if "flags" not in printed and given.raw:
                # flags is struct page's first word in every release: a dump without a flags:
                # line still shows it as raw word 0.
                printed["flags"] = given.raw[0]
            fields = {k: v for k, v in printed.items() if not (tail and k == "flags")}
            if tail and "flags" in printed:
                head_fields.setdefault("flags", printed["flags"])
        if "lru" in flag_names and "page_type" in fields and "_mapcount" in _shared_with(page_fields, "page_type"):
            # No typed page (buddy, offline, table, guard, slab...) is on an LRU list: the word
            # page_type shares with _mapcount is this folio's _mapcount, whatever its bits read as.
            fields = {k: v for k, v in fields.items() if k != "page_type"}
            if parsed is not None and parsed.page_type_name:
                self.warnings.append(
                    f"The page is on an LRU list (PG_lru), which no typed page is: the word page_type shares "
                    f"with _mapcount is read as _mapcount, not as page_type ({parsed.page_type_name})."
                )
        if not tail and not head_fields:
            # A page that is not a tail is its own head.
            head_fields, head_flag_names = fields, flag_names
        if parsed is not None and use_words:
            self.warnings.extend(_contradictions(parsed, fields, printed, heads_flags_printed))

        self.fields, self.tail, self.flag_names = fields, tail, flag_names
        self.evidence = Evidence(
            fields=fields,
            head_fields=head_fields,
            page1_fields=page1_fields,
            flag_names=frozenset(flag_names),
            head_flag_names=frozenset(head_flag_names),
            page_type_name=parsed.page_type_name if parsed is not None else None,
            zone=parsed.flag_fields.get("zone") if parsed is not None else None,
            order=parsed.order if parsed is not None else None,
        )


def _flags(given, ruleset):
    """{"value", "names", "node", "zone"}: the flags word as the dump printed it (else raw word
    0) with its names (printed, else from the build's enum pageflags)."""
    parsed = given.parsed
    printed = parsed is not None and parsed.flags is not None
    value = parsed.flags if printed else (given.raw[0] if given.raw else None)
    if printed:
        names = tuple(parsed.flag_names)
    elif value is not None:
        names = tuple(name.removeprefix("PG_") for name in ruleset.flag_names(value))
    else:
        names = ()
    fields = parsed.flag_fields if parsed is not None else {}
    return {"value": value, "names": names, "node": fields.get("node"), "zone": fields.get("zone")}


def _layout_fields(build):
    """(struct page fields, struct folio fields, sizeof(struct page)) of the build (1 query)."""
    page_fields, folio_fields = [], []
    page_size = 0
    query = (
        Field.objects.filter(layout__build=build, layout__struct__in=("page", "folio"))
        .select_related("layout")
        .order_by("layout__struct", "offset", "position")
    )
    for fld in query:
        if fld.layout.struct == "page":
            page_fields.append(fld)
            page_size = fld.layout.size
        else:
            folio_fields.append(fld)
    return page_fields, folio_fields, page_size


def _member_values(words, fields, word_size, skip_page=False):
    """{member name: value} of the fields the words cover (and {"word0": .., ..} for rules that
    read a word by its index), read as the little-endian machines
    memtypes has builds for store them (a 4-byte page_type at offset 48 is the low half of
    word 6). A name met twice (a union's members elsewhere) keeps its first, outermost reading.
    skip_page leaves out a folio's fields on its first page (struct page's own names there)."""
    data = b"".join(w.to_bytes(word_size, "little") for w in words)
    values = {} if skip_page else {f"word{i}": w for i, w in enumerate(words)}
    for fld in fields:
        if skip_page and fld.page_index == 0:
            continue
        if fld.name in values or fld.size > 8 or fld.offset + fld.size > len(data):
            continue
        value = int.from_bytes(data[fld.offset : fld.offset + fld.size], "little")
        if fld.bit_size is not None:
            value = (value >> (fld.bit_offset or 0)) & ((1 << fld.bit_size) - 1)
        values[fld.name] = value
    return values


# struct page's word 1 when it points to the head: compound_head, renamed compound_info in v7.1.
_COMPOUND_HEAD = ("compound_head", "compound_info")


def _cleared_tail_bit(parsed, word, page_size):
    """The dump says dump_page cleared the tail bit of this word (see _decode)."""
    noted = parsed is not None and any("page does not match folio" in note for note in parsed.notes)
    return noted and word and not word & 1 and page_size and word % page_size == 0


def _tail_index(parsed, fields, page_size):
    """n when a tail page is page[n] of its folio, from its own address (when printed, not
    hashed) and the head's address in compound_head; None when unknown."""
    head_name = next((n for n in _COMPOUND_HEAD if n in fields), None)
    address = getattr(parsed, "page_address", None)
    if head_name is None or address is None or not page_size:
        return None
    offset = address - (fields[head_name] - 1)
    if offset <= 0 or offset % page_size:
        return None
    return offset // page_size


def _shared_with(page_fields, name):
    """The names of the struct page fields at the same offset as `name` (a union's members)."""
    offsets = {f.offset for f in page_fields if f.name == name}
    return {f.name for f in page_fields if f.offset in offsets and f.name != name}


def _page_pointer(parsed):
    """The pointer of the page: line as printed (hashed or not): the head: pointer is printed
    the same way, so the two compare."""
    return getattr(parsed, "page_pointer", None) or parsed.page_address


def _printed_tail(parsed):
    """A tail page by the printed pointers: the head: pointer differs from the page's."""
    if parsed is None or parsed.head is None or _page_pointer(parsed) is None:
        return False
    return parsed.head != _page_pointer(parsed)


def _printed_fields(parsed):
    """Member values from what dump_page printed, for dumps without raw rows (or older than any
    layout). mm/debug.c prints mapping as page_mapping() / folio_mapping(): NULL for an anonymous
    folio (it says "anon " or "ksm " before flags: instead, so those low bits come from the
    prefix) and with the flag bits cleared for others. mapcount is _mapcount + 1, and page_type
    shares _mapcount's word; since v6.12 page_type: is printed as page_type >> 24."""
    values = {}
    if parsed.flags is not None:
        values["flags"] = parsed.flags
    prefixes = {p.split(":")[0] for p in parsed.prefixes}
    if "ksm" in prefixes:
        values["mapping"] = 3
    elif "anon" in prefixes:
        values["mapping"] = 1
    elif parsed.mapping:
        # page_mapping() / folio_mapping() print the address_space with the low flag bits
        # cleared; a hashed pointer's low bits are noise, so they are cleared here too.
        values["mapping"] = parsed.mapping & ~0x3 or 0x4
    elif parsed.mapping is not None:
        values["mapping"] = 0
    if parsed.index is not None:
        values["index"] = parsed.index
    if parsed.refcount is not None:
        values["_refcount"] = parsed.refcount & 0xFFFFFFFF
    if parsed.page_type is not None:
        values["page_type"] = parsed.page_type << 24 if _top_byte(parsed) else parsed.page_type
    elif parsed.mapcount is not None:
        values["_mapcount"] = values["page_type"] = (parsed.mapcount - 1) & 0xFFFFFFFF
    if _printed_tail(parsed):
        for name in _COMPOUND_HEAD:
            values[name] = parsed.head | 1
    return values


def _top_byte(parsed):
    """page_type: printed as page_type >> 24 (v6.12 on: "f5(slab)")."""
    return getattr(parsed, "page_type_top_byte", False) or (parsed.page_type is not None and parsed.page_type <= 0xFF)


def _flag_evidence(parsed, fields, tail, ruleset, use_words):
    """(this page's flag names, the head's flag names). dump_page prints the head's flags
    (head->flags since v5.8, folio->flags later), so for a tail page the printed names are the
    head's; the page's own come from its raw flags word."""
    printed = set(parsed.flag_names) if parsed is not None and parsed.flags is not None else None
    own = None
    if use_words and "flags" in fields:
        own = {name.removeprefix("PG_") for name in ruleset.flag_names(fields["flags"])}
    if tail:
        return (own or set()), (printed or set())
    return (printed if printed is not None else (own or set())), set()


def _contradictions(parsed, fields, printed, tail):
    """Warnings where the printed words and the raw words disagree."""
    found = []
    prefixes = {p.split(":")[0] for p in parsed.prefixes}
    mapping = fields.get("mapping")
    if mapping is not None and not tail:
        if "anon" in prefixes and mapping & 3 != 1:
            found.append(f'The dump prints "anon" but mapping (0x{mapping:x}) & 3 = {mapping & 3}, not 1 (anon).')
        if "ksm" in prefixes and mapping & 3 != 3:
            found.append(f'The dump prints "ksm" but mapping (0x{mapping:x}) & 3 = {mapping & 3}, not 3 (KSM).')
        if not prefixes & {"anon", "ksm"} and mapping & 1 and parsed.flags is not None:
            found.append(f'mapping (0x{mapping:x}) has bit 0 set (anon) but the dump prints no "anon" prefix.')
    if parsed.flags is not None and "flags" in fields and not tail and parsed.flags != fields["flags"]:
        found.append(f"flags: prints 0x{parsed.flags:x} but raw word 0 is 0x{fields['flags']:x}.")
    if parsed.page_type is not None and "page_type" in fields and printed["page_type"] != fields["page_type"]:
        shown = parsed.page_type
        found.append(f"page_type: prints {shown:x} but the raw page_type word is 0x{fields['page_type']:x}.")
    return found


# The names dump_page prints for page types (the %s of "page_type: %x(%s)") and the memtypes
# types they stand for; a name not here is not checked.
_PAGE_TYPE_NAMES = {
    "buddy": "buddy",
    "offline": "offline",
    "table": "pgtable",
    "guard": "guard",
    "hugetlb": "hugetlb",
    "slab": "slab",
    "zsmalloc": "zsmalloc",
    "unaccepted": "unaccepted",
    "large_kmalloc": "large_kmalloc",
}


def _page_type_name_check(parsed, result):
    slug = _PAGE_TYPE_NAMES.get(parsed.page_type_name)
    if slug is None:
        return []
    decided = {result.type.slug, getattr(result.head_type, "slug", None)}
    if slug in decided:
        return []
    return [f"page_type: prints ({parsed.page_type_name}) but the words decode to {result.type.slug}."]


def _word_rows(given, build, page_fields, page_size, result, use_words, fallback, tail_index):
    """The raw words, then the head rows, each with the struct page fields at it and what the
    decoded type (the head's type for the head rows) keeps there at this build (1 or 2 queries).
    tail_index: n when the page is known to be page[n] of its folio."""
    word_size = build.word_size
    if not use_words:
        return [
            WordRow(row="raw", page=0, index=i, offset=i * word_size, value=v, width=word_size)
            for i, v in enumerate(given.raw)
        ]
    per_page = page_size // word_size
    grouped = layouts.words(page_fields, page_size, word_size)
    names_at = {w.index: tuple(dict.fromkeys(f.name for f in w.fields)) for w in grouped}
    pairs = layouts.usages_of_build(build)
    head_type = result.head_type or result.type
    heads = _kept(pairs, head_type, page_fields, page_size, word_size)
    if result.tail:
        # A tail page's words are not its folio's first page: they hold what struct page keeps in
        # every tail (compound_head), and the folio's fields of page[n] when this is page[n].
        own = _kept(pairs, fallback, page_fields, page_size, word_size)
        own = {key: [e for e in entries if "compound" in e[1]] for key, entries in own.items()}
        if tail_index:
            for index in range(per_page):
                own.setdefault((0, index), []).extend(heads.get((tail_index, index), ()))
    else:
        own = _kept(pairs, result.type, page_fields, page_size, word_size)
    rows = [
        WordRow(
            row="raw",
            page=0,
            index=i,
            offset=i * word_size,
            value=v,
            width=word_size,
            used=tuple(own.get((0, i), ())),
            fields=names_at.get(i, ()),
        )
        for i, v in enumerate(given.raw)
    ]
    for n, v in enumerate(given.head_raw):
        page, index = divmod(n, per_page)
        rows.append(
            WordRow(
                row="head",
                page=page,
                index=index,
                offset=index * word_size,
                value=v,
                width=word_size,
                used=tuple(heads.get((page, index), ())),
                fields=names_at.get(index, ()),
            )
        )
    return rows


def _kept(pairs, memory_type, page_fields, page_size, word_size):
    """{(page index, word index): [(type, "struct.field", keeps)]} of one type's usages at the
    build: a descriptor's field (folio, slab, ptdesc) is placed on the struct page words it
    overlays, a folio field on page[1] on page 1's words."""
    kept = {}
    for usage, fld in pairs:
        if usage.memory_type_id != memory_type.pk:
            continue
        start = fld.offset - fld.page_index * page_size
        first = start // word_size
        last = (start + max(fld.size, 1) - 1) // word_size
        for index in range(first, last + 1):
            entries = kept.setdefault((fld.page_index, index), [])
            entry = (usage.memory_type, f"{fld.layout.struct}.{fld.name}", usage.keeps)
            if entry not in entries:
                entries.append(entry)
    return kept
