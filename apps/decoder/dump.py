"""Reading the text of a dump_page() as it is pasted from a log, a mail or a bug report.

dump_page() (mm/debug.c) has printed a struct page in several shapes since v4.x:

    page:ffffea0007d13b00 count:1 mapcount:0 mapping:ffff8801f7001640 index:0x0     (4.x)
    page:00000000eb7725ad refcount:6 mapcount:0 ... index:0x7fff72a0 pfn:0x20023760  (5.x, %p hashed)
    head:00000000eb7725ad order:5 compound_mapcount:0 compound_pincount:0
    anon flags: 0x87fff800009000d(locked|uptodate|dirty|head|swapbacked)
    page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x10e7a8      (6.x)
    head: order:3 mapcount:0 entire_mapcount:0 nr_pages_mapped:0 pincount:0
    memcg:ffff88801937bc01
    aops:f2fs_meta_aops ino:2
    flags: 0x5ffc00000000040(head|node=0|zone=2|lastcpupid=0x7ff)
    page_type: 0xffffff7f(buddy)          (v6.4 to v6.11: the whole word)
    page_type: f5(slab)                   (v6.12 on: page_type >> 24)
    raw: 05ffc00000000040 ffff0000c0002000 dead000000000100 dead000000000122
    head: 05ffc00000000040 ...            (the head page; from v6.x page[1] as well)
    page dumped because: kasan: bad access detected

parse() reads the first such dump in a text, whatever surrounds it: timestamps, printk caller
ids, syslog and journal prefixes, mail quote markers, CRLF, and lines a mail client wrapped.
It is pure text work: what the words mean is for the decoder (apps/decoder/decode.py).
"""

import re
from dataclasses import dataclass, field


class DumpError(ValueError):
    """The text is not a dump_page() output; str() says why, in one sentence."""


@dataclass(frozen=True)
class ParsedDump:
    """What one dump_page() printed, field by field; None (or empty) where it printed nothing."""

    text: str
    word_bits: int | None = None  # 64 or 32, from the width of the raw words or the page pointer
    kernel_release: str | None = None  # from a "CPU: .. Not tainted 6.9.0-rc4" line or a Linux version banner
    pfn: int | None = None
    page_address: int | None = None  # the struct page address on the "page:" line; None when hashed or absent
    page_pointer: int | None = None  # the pointer on the "page:" line as printed, hashed or not
    pointers_hashed: bool = False  # %p printed hashed values (0000000012345678), not addresses
    refcount: int | None = None  # "refcount:" (v5.x on) or "count:" (v4.x)
    mapcount: int | None = None
    # The mapping as printed: page_mapping()/folio_mapping(), which is NULL for an anonymous page,
    # so raw word 3 is the real field; hashed when pointers_hashed; 0 for "(null)" or zeroes.
    mapping: int | None = None
    index: int | None = None
    head: int | None = None  # the head pointer of "head:<ptr> order:.." (v5.x to v6.8), as printed
    order: int | None = None  # "order:N" of the head line, or "compound_order:N"
    compound_mapcount: int | None = None
    compound_pincount: int | None = None
    folio_mapcount: int | None = None  # "mapcount:" of a v6.x "head: order:N mapcount:.." line
    entire_mapcount: int | None = None
    nr_pages_mapped: int | None = None
    pincount: int | None = None
    prefixes: tuple[str, ...] = ()  # ("memcg:ffff..", "aops:shmem_aops", "anon") as printed before flags
    memcg: int | None = None
    aops: str | None = None
    flags: int | None = None
    flag_names: tuple[str, ...] = ()  # page flags named in the parentheses: ("slab", "head")
    flag_fields: dict[str, int] = field(default_factory=dict)  # {"node": 0, "zone": 2, "lastcpupid": 0x7ff}
    page_type: int | None = None  # the number printed on the page_type line
    page_type_name: str | None = None  # "buddy", "slab", "unknown" as printed; None for "()"
    page_type_top_byte: bool = False  # printed as page_type >> 24 ("f5(slab)", v6.12 on)
    raw: tuple[int, ...] = ()
    head_raw: tuple[int, ...] = ()
    reason: str | None = None  # "page dumped because: ..."
    notes: tuple[str, ...] = ()


# What comes before the dump's own words on a line, stripped repeatedly: mail quote markers,
# printk log levels, timestamps ("[  12.345678]", dmesg -T), printk caller ids ("[T23803]",
# "[    C4]") and syslog or journal prefixes ("Aug 25 13:52:23 host kernel: ", " kernel: ").
_LINE_PREFIXES = (
    re.compile(r"^\s*>+"),
    re.compile(r"^\s*<\d>"),
    re.compile(r"^\s*\[\s*\d+\.\d+\]"),
    re.compile(r"^\s*\[[A-Z][a-z]{2} [^\]]*\d{4}\]"),
    re.compile(r"^\s*\[\s*[TC]\d+\]"),
    re.compile(r"^\s*(?:\S*[^\s:]\s+){0,5}?kernel:(?:\s|$)"),
)

_HEX_WORD = re.compile(r"[0-9a-fA-F]+")
_PAGE_LINE = re.compile(
    r"\bpage:\s?(?P<ptr>[0-9a-f]{8,16}|\(_+ptrval_+\))?\s*(?:head:[0-9a-f]+\s+)?(?:(?:ref)?count:|is uninitialized)",
    re.IGNORECASE,
)
_FLAGS_LINE = re.compile(
    r"^(?:(?P<kind>[a-z]+) )?flags:\s*(?P<value>0x[0-9a-f]+)?(?:\((?P<names>[^)]*)(?P<close>\))?)?"
)
_PAGE_TYPE_LINE = re.compile(r"^page_type:\s*(?P<hex>0x)?(?P<value>[0-9a-f]+)\s*(?:\((?P<name>[^)]*)\))?")
_ROW = re.compile(r"^(?P<kind>raw|head):(?P<words>(?:\s+[0-9a-fA-F]+)+)\s*$")
_KEY_VALUE = re.compile(r"\b([a-z_]+):\s*(\(null\)|-?0x[0-9a-f]+|-?[0-9a-f]+)(?=\s|$)")
_RELEASE = re.compile(r"(?:Not tainted|Tainted:(?:\s+[A-Z]+)+)\s+\(?(?P<release>\d+\.\d+[\w.+~-]*)")
_BANNER = re.compile(r"Linux version (?P<release>\d+\.\d+[\w.+~-]*)")
_BAD_PAGE_PFN = re.compile(r"BUG: Bad page \w+ in process .* pfn:(?P<pfn>[0-9a-f]+)\s*$")

# The first word of a line that belongs to a dump, after the prefixes are stripped.
_DUMP_KEYS = ("raw:", "head:", "memcg:", "aops:", "page_type:", "page dumped because:", "page->mem_cgroup:")


def _strip(line):
    """The line without the log and mail prefixes in front of it."""
    previous = None
    while line != previous:
        previous = line
        for prefix in _LINE_PREFIXES:
            line = prefix.sub("", line, count=1)
    return line.strip()


def _is_page_line(line):
    return bool(_PAGE_LINE.match(line))


def _is_dump_line(line):
    return _is_page_line(line) or line.startswith(_DUMP_KEYS) or bool(re.match(r"^(?:[a-z]+ )?flags:\s*(0x|$)", line))


def _only_hex_words(line):
    words = line.split()
    return bool(words) and all(_HEX_WORD.fullmatch(w) and len(w) in (8, 16) for w in words)


def _wants_continuation(line, next_line, row_words):
    """Whether a mail client wrapped this dump line and next_line is the rest of it."""
    if not next_line or _is_dump_line(next_line):
        return False
    if _is_page_line(line):
        return bool(re.match(r"^(?:(?:ref)?count|mapcount|mapping|index|pfn|compound_\w+):", next_line))
    if re.match(r"^(?:[a-z]+ )?flags:\s*(0x[0-9a-f]+\([^)]*)?$", line):
        return bool(re.match(r"^(0x[0-9a-f]+\(|[^()]*\))", next_line))
    row = _ROW.match(line)
    if row and len(row.group("words").split()) < row_words:
        return _only_hex_words(next_line)
    return False


def _joined_lines(lines):
    """The stripped lines, with lines a mail client wrapped joined back to their dump line."""
    stripped = [_strip(line) for line in lines]
    widths = {len(w) for line in stripped if _ROW.match(line) for w in line.split()[1:]}
    row_words = 8 if widths == {8} else 4
    joined = []
    i = 0
    while i < len(stripped):
        line = stripped[i]
        if _is_dump_line(line):
            while i + 1 < len(stripped) and _wants_continuation(line, stripped[i + 1], row_words):
                i += 1
                line = line + stripped[i] if line.endswith(("(", "|")) else f"{line} {stripped[i]}"
        joined.append(line)
        i += 1
    return joined


def _number(text):
    if text == "(null)":
        return 0
    return int(text, 16) if text.lower().startswith(("0x", "-0x")) else int(text, 10)


def _hashed(pointer_text, width):
    """A %p value printed hashed (since v4.15, unless no_hash_pointers): on 64-bit, 16 digits
    whose high half is zero; on 32-bit, a value no struct page can have (not 4-byte aligned).
    An aligned 32-bit value cannot be told from an address."""
    if width == 16:
        return pointer_text.startswith("00000000")
    return int(pointer_text, 16) % 4 != 0


def _release(lines):
    """The release a "CPU: ... Not tainted 6.9.0-rc4 #1" line (maybe wrapped) or a banner names."""
    for i, line in enumerate(lines):
        banner = _BANNER.search(line)
        if banner:
            return banner.group("release")
        if "Tainted" in line or "tainted" in line:
            match = _RELEASE.search(line) or _RELEASE.search(" ".join(lines[i : i + 2]))
            if match:
                return match.group("release")
    return None


def _rows(kind, lines, notes):
    words = []
    for n, line in enumerate(lines, 1):
        body = line[len(kind) + 1 :].strip()
        if body in ("...", "…", "[...]"):
            note = f"the {kind}: rows are elided in the text ('{kind}: {body}')"
            if note not in notes:
                notes.append(note)
            continue
        parts = body.split()
        if not parts or not all(_HEX_WORD.fullmatch(p) for p in parts):
            raise DumpError(f"{kind}: row {n} is not hexadecimal words: '{line}'.")
        words.extend(int(p, 16) for p in parts)
    return tuple(words)


def _block(lines, start, notes):
    """The dump's lines from lines[start], and the index after them.

    The dump ends with its "page dumped because:" line (and the "page->mem_cgroup:" line v4.x
    printed after it), at the next "page:" line, or where no dump line follows within two lines:
    a line or two that is not the dump's own (the rest of a wrapped "aops:" line) is skipped."""
    block = []
    end = start
    while end < len(lines):
        line = lines[end]
        if not _is_dump_line(line):
            ahead = next((j for j in range(end + 1, min(end + 3, len(lines))) if _is_dump_line(lines[j])), None)
            if ahead is None or _is_page_line(lines[ahead]):
                break
            if line:
                notes.append(f"a line inside the dump is not dump_page() output and is skipped: '{line}'")
            end = ahead
            continue
        if block and _is_page_line(line):
            break
        block.append(line)
        end += 1
        if line.startswith("page dumped because:"):
            if end < len(lines) and lines[end].startswith("page->mem_cgroup:"):
                block.append(lines[end])
                end += 1
            break
    return block, end


def parse(text: str) -> ParsedDump:
    """Read the first dump_page() output in text; raise DumpError when there is none."""
    if not text or not text.strip():
        raise DumpError("The text is empty.")
    lines = _joined_lines(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))

    start = next((i for i, line in enumerate(lines) if _is_dump_line(line)), None)
    if start is None:
        raise DumpError("No dump_page() output in the text: no 'page:', 'flags:' or 'raw:' line.")
    notes = []
    block, end = _block(lines, start, notes)
    values = {}
    prefixes = []
    raw_lines, head_lines = [], []

    for line in block:
        if _is_page_line(line):
            _read_page_line(line, values, notes)
        elif line.startswith("head:") and _ROW.match(line):
            head_lines.append(line)
        elif line.startswith("head:"):
            _read_head_line(line, values)
        elif line.startswith("raw:"):
            raw_lines.append(line)
        elif line.startswith("memcg:") or line.startswith("page->mem_cgroup:"):
            value = line.split(":", 1)[1].strip()
            if _HEX_WORD.fullmatch(value):
                values["memcg"] = int(value, 16)
                if line.startswith("memcg:"):
                    prefixes.append(f"memcg:{value}")
        elif line.startswith("aops:"):
            aops = line[len("aops:") :].split()[0]
            values["aops"] = aops
            prefixes.append(f"aops:{aops}")
        elif line.startswith("page_type:"):
            _read_page_type(line, values, notes)
        elif line.startswith("page dumped because:"):
            values["reason"] = line[len("page dumped because:") :].strip()
        else:
            kind = _read_flags(line, values, notes)
            if kind:
                prefixes.append(kind)

    raw = _rows("raw", raw_lines, notes)
    head_raw = _rows("head", head_lines, notes)
    widths = {len(w) for line in raw_lines + head_lines for w in line.split()[1:] if _HEX_WORD.fullmatch(w)}
    word_bits = {16: 64, 8: 32}.get(next(iter(widths))) if len(widths) == 1 else None
    if word_bits is None and values.get("_pointer_width"):
        word_bits = {16: 64, 8: 32}.get(values["_pointer_width"])
    if word_bits is None and "mapping" in values:
        mapping = re.search(r"\bmapping:\s*([0-9a-f]+)\b", next(line for line in block if _is_page_line(line)))
        word_bits = {16: 64, 8: 32}.get(len(mapping.group(1))) if mapping else None
    if "pfn" not in values:
        bad_page = next((m for m in map(_BAD_PAGE_PFN.search, lines[:start]) if m), None)
        if bad_page:
            values["pfn"] = int(bad_page.group("pfn"), 16)
            notes.append("the pfn is read from the 'BUG: Bad page ...' line, not from the dump")
    if any(line == "page does not match folio" for line in lines[max(0, start - 2) : start]):
        notes.append(
            "dump_page printed 'page does not match folio': the folio changed while it was read, and it "
            "cleared bit 0 of compound_head in the raw words, so a tail page shows no tail bit"
        )
    others = sum(1 for line in lines[end:] if _is_page_line(line))
    if others:
        notes.append(f"the text holds {others + 1} dump_page() outputs; the first one is read")
    if raw and "flags" not in values:
        notes.append("the dump has no flags: line; the flags word is raw word 0")
    page_line = next((line for line in block if _is_page_line(line)), None)
    if page_line and "is uninitialized" not in page_line and "index:" not in page_line:
        notes.append("the page: line is cut short: it has no index:")
    if len(widths) > 1:
        notes.append("the raw words are not all of one width: a row may be cut short")
    if raw_lines and not values.get("reason"):
        notes.append("no 'page dumped because:' line: the dump may be cut short")
    values.pop("_pointer_width", None)
    return ParsedDump(
        text=text,
        word_bits=word_bits,
        kernel_release=_release(lines),
        prefixes=tuple(prefixes),
        raw=raw,
        head_raw=head_raw,
        notes=tuple(notes),
        **values,
    )


# The numbers of the "page:" and "head:" lines, by the name dump_page() printed, and the
# ParsedDump field each one fills. mapping and head are pointers, printed in hex without 0x.
_PAGE_KEYS = {
    "count": "refcount",
    "refcount": "refcount",
    "mapcount": "mapcount",
    "mapping": "mapping",
    "index": "index",
    "pfn": "pfn",
    "head": "head",
    "order": "order",
    "compound_order": "order",
    "compound_mapcount": "compound_mapcount",
    "compound_pincount": "compound_pincount",
    "entire_mapcount": "entire_mapcount",
    "nr_pages_mapped": "nr_pages_mapped",
    "pincount": "pincount",
}
_POINTER_KEYS = ("mapping", "head")


def _read_numbers(body, values, keys):
    for key, value in _KEY_VALUE.findall(body):
        name = keys.get(key)
        if name is None:
            continue
        values[name] = int(value, 16) if key in _POINTER_KEYS and value != "(null)" else _number(value)


def _read_page_line(line, values, notes):
    match = _PAGE_LINE.search(line)
    ptr = match.group("ptr")
    if ptr and ptr.startswith("("):
        notes.append(f"the page pointer was not printed: {ptr}")
    elif ptr:
        values["page_pointer"] = int(ptr, 16)
        values["_pointer_width"] = len(ptr)
        if _hashed(ptr, len(ptr)):
            values["pointers_hashed"] = True
            notes.append("pointers are hashed (%p without no_hash_pointers): the page: value is not an address")
        else:
            values["page_address"] = int(ptr, 16)
            if len(ptr) == 8:
                notes.append("a 32-bit page: pointer may be hashed: it is kept as the address but cannot be checked")
    mapping = re.search(r"\bmapping:\s*([0-9a-f]{16})\b", line)
    if mapping and _hashed(mapping.group(1), 16) and int(mapping.group(1), 16):
        values["pointers_hashed"] = True
        values.setdefault("_pointer_width", 16)
        notes.append("the mapping pointer is hashed, so its low bits say nothing: the raw rows hold the real word")
    if "is uninitialized and poisoned" in line:
        notes.append("the struct page is uninitialized and poisoned: only its raw words are printed")
    body = line[match.end("ptr") if ptr else match.start() + len("page:") :]
    flags_at = body.find(" flags:")
    if flags_at >= 0:
        # Some reports carry the flags on the page: line itself (v4.4-rc and v5.8-rc1 ones do).
        _read_flags(body[flags_at + 1 :], values, notes)
        body = body[:flags_at]
    _read_numbers(body, values, _PAGE_KEYS)


def _read_head_line(line, values):
    """A "head:<ptr> order:N ..." (v5.x to v6.8) or "head: order:N mapcount:.." (v6.9 on) line."""
    body = line[len("head:") :]
    pointer = re.match(r"\s?([0-9a-f]{8,16})\b", body)
    if pointer:
        values["head"] = int(pointer.group(1), 16)
        body = body[pointer.end() :]
    _read_numbers(body, values, {**_PAGE_KEYS, "mapcount": "folio_mapcount"})


def _read_page_type(line, values, notes):
    match = _PAGE_TYPE_LINE.match(line)
    if not match:
        notes.append(f"the page_type line is not in a known form: '{line}'")
        return
    values["page_type"] = int(match.group("value"), 16)
    values["page_type_name"] = match.group("name") or None
    values["page_type_top_byte"] = not match.group("hex") and len(match.group("value")) <= 2


def _read_flags(line, values, notes):
    """Read a flags line; return the word printed before "flags:" ("anon", "ksm"), if any."""
    match = _FLAGS_LINE.match(line)
    kind = match.group("kind") if match and match.group("kind") != "page" else None
    if not match or not match.group("value"):
        notes.append(f"the flags line has no value: '{line}'")
        return kind
    values["flags"] = int(match.group("value"), 16)
    names, fields = [], {}
    for item in filter(None, (match.group("names") or "").split("|")):
        key, sep, value = item.partition("=")
        if sep:
            try:
                fields[key] = _number(value)
            except ValueError:
                notes.append(f"the flags field '{item}' is not a number")
        else:
            names.append(item)
    if match.group("names") is not None and not match.group("close"):
        notes.append("the flags line is cut short: its names have no closing parenthesis")
    values["flag_names"] = tuple(names)
    values["flag_fields"] = fields
    return kind
