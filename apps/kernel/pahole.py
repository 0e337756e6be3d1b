"""Reads the text that `pahole -C page,folio,...` prints into struct layouts.

Pure parsing, no database: `parse(text)` returns StructDef objects or raises PaholeError
naming the line. Anonymous unions and structs are kept as a path on each field
("union#1@8/struct#2@8": the first union of the struct, at offset 8, then its second struct),
so overlays stay visible and never get flattened.

Newer pahole prints an anonymous member of a named struct type as `struct freelist_counters ;`
(v7.x struct slab): its fields are expanded in place from that struct's own definition in the
same text, under the path segment "struct freelist_counters@32", so struct slab's `freelist`
and `counters` are served at their offsets in struct slab.
"""

import re
from dataclasses import dataclass, field

ATTRIBUTE = re.compile(r"\s*__attribute__\(\((?:[^()]|\([^()]*\))*\)\)")
STRUCT_OPEN = re.compile(r"^(struct|union)\s+([A-Za-z_]\w*)\s*\{$")
CONTAINER_OPEN = re.compile(r"^(struct|union)\s*\{$")
# "};  /*  8  40 */" or "} name;  /*  8  40 */"
CONTAINER_CLOSE = re.compile(r"^\}\s*([A-Za-z_]\w*)?\s*;\s*/\*\s*(\d+)\s+(\d+)\s*\*/$")
STRUCT_CLOSE = re.compile(r"^\}\s*;$")
# "<declaration>;  /*  off  size */" or bitfield "/*  off: bit  size */"
MEMBER = re.compile(r"^(?P<decl>[^;]+);\s*/\*\s*(?P<offset>\d+)(?::\s*(?P<bit>\d+))?\s+(?P<size>\d+)\s*\*/$")
SIZE_TRAILER = re.compile(r"^/\*\s*size:\s*(\d+),")
COMMENT = re.compile(r"^/\*.*\*/$")
BITFIELD = re.compile(r"^(?P<rest>.*?)\s*:\s*(?P<bits>\d+)$")
FUNCTION_POINTER = re.compile(r"^(?P<ret>.*?)\(\s*\*\s*(?P<name>[A-Za-z_]\w*)\s*\)\s*(?P<args>\(.*\))$")
DECLARATOR = re.compile(r"^(?P<type>.*?)\s*(?P<name>[A-Za-z_]\w*)\s*(?P<array>(?:\[\d*\])*)$")
# "struct freelist_counters " before the ';': an anonymous member of a named struct or union type
EMBEDDED = re.compile(r"^(?P<kind>struct|union)\s+(?P<type>[A-Za-z_]\w*)\s*$")


class PaholeError(ValueError):
    """Malformed pahole text; the message names the line."""

    def __init__(self, lineno, message):
        super().__init__(f"line {lineno}: {message}")
        self.lineno = lineno


@dataclass
class FieldDef:
    name: str
    c_type: str
    offset: int
    size: int
    path: str = ""
    bit_offset: int | None = None
    bit_size: int | None = None
    position: int = 0
    lineno: int = 0
    embeds: str = ""  # the struct type of an anonymous member of a named type, to be expanded


@dataclass
class StructDef:
    name: str
    size: int = 0
    fields: list = field(default_factory=list)
    lineno: int = 0


@dataclass
class _Container:
    kind: str
    ordinal: int
    lineno: int
    items: list = field(default_factory=list)  # FieldDef or closed _Container
    name: str = ""
    offset: int = 0
    size: int = 0
    children_containers: int = 0

    def segment(self):
        return self.name if self.name else f"{self.kind}#{self.ordinal}@{self.offset}"


def _parse_declaration(decl, lineno):
    """(c_type, name, bit_size) of a member declaration such as 'struct page * next'."""
    decl = ATTRIBUTE.sub("", decl).strip()
    bit_size = None
    bit = BITFIELD.match(decl)
    if bit:
        decl, bit_size = bit.group("rest"), int(bit.group("bits"))
    fn = FUNCTION_POINTER.match(decl)
    if fn:
        return f"{fn.group('ret').strip()} (*){fn.group('args')}", fn.group("name"), bit_size
    match = DECLARATOR.match(decl)
    if not match or not match.group("type").strip():
        raise PaholeError(lineno, f"cannot read the member declaration {decl!r}")
    c_type = " ".join(match.group("type").split())
    if match.group("array"):
        c_type = f"{c_type}{match.group('array')}"
    return c_type, match.group("name"), bit_size


def _flatten(items, prefix, out):
    for item in items:
        if isinstance(item, FieldDef):
            item.path = prefix
            out.append(item)
        else:
            _flatten(item.items, f"{prefix}/{item.segment()}" if prefix else item.segment(), out)


def parse(text):
    """[StructDef] of every struct in pahole's text output; PaholeError on malformed input."""
    structs = []
    names = set()
    current = None  # StructDef being read
    stack = []  # open containers, the struct's own item list at the bottom
    position = 0
    lineno = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if current is None:
            opened = STRUCT_OPEN.match(ATTRIBUTE.sub("", line))
            if not opened:
                raise PaholeError(lineno, f"expected 'struct NAME {{', found {line[:60]!r}")
            if opened.group(2) in names:
                raise PaholeError(lineno, f"struct {opened.group(2)} appears twice")
            current = StructDef(name=opened.group(2), lineno=lineno)
            names.add(current.name)
            stack = [_Container(kind=opened.group(1), ordinal=0, lineno=lineno)]
            position = 0
            continue
        trailer = SIZE_TRAILER.match(line)
        if trailer:
            current.size = int(trailer.group(1))
            continue
        if CONTAINER_OPEN.match(line):
            parent = stack[-1]
            parent.children_containers += 1
            stack.append(
                _Container(kind=line.split()[0].rstrip("{"), ordinal=parent.children_containers, lineno=lineno)
            )
            continue
        closed = CONTAINER_CLOSE.match(ATTRIBUTE.sub("", line))
        if closed:
            if len(stack) < 2:
                raise PaholeError(lineno, "a closing brace with no open union or struct")
            container = stack.pop()
            container.name = closed.group(1) or ""
            container.offset, container.size = int(closed.group(2)), int(closed.group(3))
            stack[-1].items.append(container)
            continue
        if STRUCT_CLOSE.match(ATTRIBUTE.sub("", line)):
            if len(stack) != 1:
                raise PaholeError(lineno, f"struct {current.name} ends inside an open union or struct")
            if not current.size:
                raise PaholeError(lineno, f"struct {current.name} has no '/* size: N, ... */' line")
            _flatten(stack[0].items, "", current.fields)
            structs.append(current)
            current = None
            continue
        member = MEMBER.match(line)
        if member and EMBEDDED.match(ATTRIBUTE.sub("", member.group("decl"))):
            embedded = EMBEDDED.match(ATTRIBUTE.sub("", member.group("decl")))
            position += 1
            stack[-1].items.append(
                FieldDef(
                    name="",
                    c_type=f"{embedded.group('kind')} {embedded.group('type')}",
                    offset=int(member.group("offset")),
                    size=int(member.group("size")),
                    position=position,
                    lineno=lineno,
                    embeds=embedded.group("type"),
                )
            )
            continue
        if member:
            c_type, name, bit_size = _parse_declaration(member.group("decl"), lineno)
            bit = member.group("bit")
            if (bit is None) != (bit_size is None):
                raise PaholeError(lineno, f"member {name}: a bitfield needs both ':N' and the bit offset")
            position += 1
            stack[-1].items.append(
                FieldDef(
                    name=name,
                    c_type=c_type,
                    offset=int(member.group("offset")),
                    size=int(member.group("size")),
                    bit_offset=int(bit) if bit is not None else None,
                    bit_size=bit_size,
                    position=position,
                    lineno=lineno,
                )
            )
            continue
        if COMMENT.match(line):
            continue  # holes, cacheline boundaries, padding, sums
        raise PaholeError(lineno, f"cannot read {line[:60]!r}")
    if current is not None:
        raise PaholeError(lineno, f"struct {current.name} is not closed")
    if not structs:
        raise PaholeError(lineno, "no struct found")
    by_name = {struct.name: struct for struct in structs}
    for struct in structs:
        struct.fields = _expand(struct, struct.fields, by_name, [struct.name])
        for position, f in enumerate(struct.fields, start=1):
            f.position = position
        _check(struct)
    return structs


def _expand(struct, fields, by_name, trail):
    """The fields with each anonymous member of a named struct type replaced by that struct's
    fields, shifted to the member's offset, under the path segment "struct NAME@OFFSET"."""
    out = []
    for f in fields:
        if not f.embeds:
            out.append(f)
            continue
        inner = by_name.get(f.embeds)
        if inner is None:
            raise PaholeError(f.lineno, f"struct {struct.name} embeds {f.c_type}, which the text does not define")
        if f.embeds in trail:
            raise PaholeError(f.lineno, f"{f.c_type} embeds itself ({' > '.join([*trail, f.embeds])})")
        if inner.size != f.size:
            raise PaholeError(f.lineno, f"{f.c_type} is {inner.size} bytes, but struct {struct.name} gives it {f.size}")
        segment = f"{f.c_type}@{f.offset}"
        prefix = f"{f.path}/{segment}" if f.path else segment
        for g in _expand(inner, inner.fields, by_name, [*trail, f.embeds]):
            out.append(
                FieldDef(
                    name=g.name,
                    c_type=g.c_type,
                    offset=f.offset + g.offset,
                    size=g.size,
                    path=f"{prefix}/{g.path}" if g.path else prefix,
                    bit_offset=g.bit_offset,
                    bit_size=g.bit_size,
                    lineno=g.lineno,
                )
            )
    return out


def _check(struct):
    seen = set()
    for f in struct.fields:
        if f.offset + f.size > struct.size:
            raise PaholeError(
                f.lineno, f"{struct.name}.{f.name} ends at {f.offset + f.size}, past the struct's size {struct.size}"
            )
        if f.bit_size is not None and f.bit_offset + f.bit_size > f.size * 8:
            raise PaholeError(
                f.lineno, f"{struct.name}.{f.name}: bits {f.bit_offset}+{f.bit_size} do not fit in {f.size} bytes"
            )
        key = (f.path, f.name)
        if key in seen:
            raise PaholeError(f.lineno, f"{struct.name}.{f.name} appears twice at the same path")
        seen.add(key)
