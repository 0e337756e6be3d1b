"""Finding and opening the kernel inside an unpacked Debian kernel package.

Pure functions, no subprocesses: `find_image(root)` picks the one kernel file of a package tree;
`open_kernel(data)` turns its bytes into something pahole reads (an ELF vmlinux, or a raw BTF
blob) and says which debug information it carries. A compressed `vmlinuz` is handled like the
kernel's scripts/extract-vmlinux does it: scan for each compressor's magic, try to decompress
from there, accept the first result that is an ELF file. A raw arm64 `Image` carries no section
headers, so its `.BTF` blob is found by its header and cut out.

Anything else is refused with KernelImageError, whose message is one line naming the problem.
"""

import bz2
import contextlib
import lzma
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

ELF_MAGIC = b"\x7fELF"
ARM64_IMAGE_MAGIC = b"ARM\x64"  # at offset 0x38 of an arm64 Image (Documentation/arch/arm64/booting.rst)
BTF_MAGIC = 0xEB9F
BTF_HEADER = struct.Struct("<HBBIIIII")  # magic, version, flags, hdr_len, type_off, type_len, str_off, str_len

# ELF e_machine -> the kernel's architecture name
ELF_MACHINES = {62: "x86_64", 3: "i386", 40: "arm", 183: "arm64"}

# Where Debian's kernel packages keep the kernel (checked on the bullseye, bookworm, trixie and
# 7.x sid/experimental packages): debug vmlinux first (it carries DWARF), then the image.
IMAGE_GLOBS = (
    "usr/lib/debug/boot/vmlinux-*",
    "usr/lib/debug/lib/modules/*/vmlinux",
    "usr/lib/debug/vmlinux-*",
    "boot/vmlinuz-*",
    "boot/vmlinux-*",
    "usr/lib/modules/*/vmlinuz",
    "lib/modules/*/vmlinuz",
)

# A stray magic can sit anywhere in an image; trying every occurrence (as extract-vmlinux does)
# but at most this many per compressor keeps a foreign file from taking minutes.
MAX_TRIES_PER_MAGIC = 64
LZ4_LEGACY_BLOCK = 8 << 20


class KernelImageError(ValueError):
    """The file is not a kernel this tool can read; the message is one line."""


@dataclass(frozen=True)
class Kernel:
    kind: str  # "elf" or "btf" (a raw BTF blob pahole reads directly)
    data: bytes  # what to hand to pahole (b"" when `path` already is that file)
    debuginfo: str  # "btf" or "dwarf"
    arch: str  # kernel architecture name, "" when the data does not say
    compression: str  # "" when the input was not compressed, else gzip/xz/zstd/lz4/...
    banner: str  # "Linux version ..." line, "" when not found


def find_image(root):
    """The single kernel file (vmlinux or vmlinuz) of an unpacked package tree."""
    root = Path(root)
    for pattern in IMAGE_GLOBS:
        found = {}
        for path in sorted(root.glob(pattern)):
            if path.is_file():
                found.setdefault(path.resolve(), path)
        if len(found) > 1:
            names = ", ".join(str(p.relative_to(root)) for p in found.values())
            raise KernelImageError(f"more than one kernel in the package ({names})")
        if found:
            return next(iter(found.values()))
    raise KernelImageError(
        "no kernel in the package (looked for boot/vmlinuz-*, usr/lib/modules/*/vmlinuz, "
        "usr/lib/debug/boot/vmlinux-*, usr/lib/debug/lib/modules/*/vmlinux)"
    )


# --- ELF ---------------------------------------------------------------------------------------


def elf_sections(data):
    """{section name: (offset, size)} of an ELF file; refuses a truncated or malformed header."""
    if data[:4] != ELF_MAGIC:
        raise KernelImageError("not an ELF file")
    if len(data) < 52:
        raise KernelImageError("truncated ELF file (no complete ELF header)")
    ei_class, ei_data = data[4], data[5]
    if ei_class not in (1, 2) or ei_data not in (1, 2):
        raise KernelImageError("malformed ELF header (unknown class or byte order)")
    end = "<" if ei_data == 1 else ">"
    if ei_class == 2:
        if len(data) < 64:
            raise KernelImageError("truncated ELF file (no complete ELF header)")
        e_shoff, e_shentsize, e_shnum, e_shstrndx = (
            struct.unpack_from(end + "Q", data, 0x28)[0],
            *struct.unpack_from(end + "HHH", data, 0x3A),
        )
        shdr = struct.Struct(end + "IIQQQQIIQQ")  # name type flags addr offset size link info align entsize
    else:
        e_shoff = struct.unpack_from(end + "I", data, 0x20)[0]
        e_shentsize, e_shnum, e_shstrndx = struct.unpack_from(end + "HHH", data, 0x2E)
        shdr = struct.Struct(end + "IIIIIIIIII")
    if e_shnum == 0 or e_shentsize < shdr.size:
        raise KernelImageError("ELF file without section headers")
    if e_shoff + e_shnum * e_shentsize > len(data):
        raise KernelImageError(
            f"truncated ELF file ({len(data)} bytes, section headers end at {e_shoff + e_shnum * e_shentsize})"
        )
    headers = [shdr.unpack_from(data, e_shoff + i * e_shentsize) for i in range(e_shnum)]
    if e_shstrndx >= e_shnum:
        raise KernelImageError("malformed ELF header (bad section name table index)")
    str_off, str_size = headers[e_shstrndx][4], headers[e_shstrndx][5]
    sections = {}
    for h in headers:
        name_off, sh_type, off, size = h[0], h[1], h[4], h[5]
        end_name = data.find(b"\0", str_off + name_off, str_off + str_size)
        if end_name < 0:
            raise KernelImageError("malformed ELF section name table")
        name = bytes(data[str_off + name_off : end_name]).decode("ascii", "replace")
        if sh_type != 8 and off + size > len(data):  # 8 = SHT_NOBITS
            raise KernelImageError(
                f"truncated ELF file (section {name} ends at {off + size}, file has {len(data)} bytes)"
            )
        sections[name] = (off, size)
    return sections


def elf_machine(data):
    end = "<" if data[5] == 1 else ">"
    return ELF_MACHINES.get(struct.unpack_from(end + "H", data, 0x12)[0], "")


def elf_debuginfo(data):
    """'btf' when the ELF carries a .BTF section, else 'dwarf' when it carries .debug_info."""
    sections = elf_sections(data)
    if ".BTF" in sections and sections[".BTF"][1] > 0:
        return "btf"
    if ".debug_info" in sections and sections[".debug_info"][1] > 0:
        return "dwarf"
    raise KernelImageError("the ELF file has neither BTF (.BTF) nor DWARF (.debug_info)")


# --- BTF ---------------------------------------------------------------------------------------

# bytes that follow the 12-byte type header, per BTF kind (include/uapi/linux/btf.h)
_BTF_KIND_EXTRA = {
    1: lambda vlen: 4,  # INT
    2: lambda vlen: 0,  # PTR
    3: lambda vlen: 12,  # ARRAY
    4: lambda vlen: 12 * vlen,  # STRUCT
    5: lambda vlen: 12 * vlen,  # UNION
    6: lambda vlen: 8 * vlen,  # ENUM
    7: lambda vlen: 0,  # FWD
    8: lambda vlen: 0,  # TYPEDEF
    9: lambda vlen: 0,  # VOLATILE
    10: lambda vlen: 0,  # CONST
    11: lambda vlen: 0,  # RESTRICT
    12: lambda vlen: 0,  # FUNC
    13: lambda vlen: 8 * vlen,  # FUNC_PROTO
    14: lambda vlen: 4,  # VAR
    15: lambda vlen: 12 * vlen,  # DATASEC
    16: lambda vlen: 0,  # FLOAT
    17: lambda vlen: 4,  # DECL_TAG
    18: lambda vlen: 0,  # TYPE_TAG
    19: lambda vlen: 12 * vlen,  # ENUM64
}


def btf_blob_at(data, pos):
    """The complete BTF blob starting at `pos`, or raise KernelImageError saying why it is not one."""
    if pos + BTF_HEADER.size > len(data):
        raise KernelImageError("truncated BTF header")
    magic, version, flags, hdr_len, type_off, type_len, str_off, str_len = BTF_HEADER.unpack_from(data, pos)
    if magic != BTF_MAGIC or version != 1:
        raise KernelImageError("not a BTF header (magic 0xeB9F, version 1)")
    if flags != 0 or hdr_len != BTF_HEADER.size:
        raise KernelImageError(f"unexpected BTF header (flags {flags}, hdr_len {hdr_len})")
    if type_off != 0 or type_len % 4 or str_off != type_len or str_len == 0:
        raise KernelImageError("inconsistent BTF header offsets")
    total = hdr_len + str_off + str_len
    if pos + total > len(data):
        raise KernelImageError(f"truncated BTF ({total} bytes announced, {len(data) - pos} present)")
    strings = data[pos + hdr_len + str_off : pos + total]
    if strings[:1] != b"\0" or strings[-1:] != b"\0":
        raise KernelImageError("BTF string section does not start and end with NUL")
    # walk the type section: every type must be a known kind and they must fill it exactly
    at, end = pos + hdr_len + type_off, pos + hdr_len + type_off + type_len
    while at < end:
        if at + 12 > end:
            raise KernelImageError("BTF type section ends inside a type")
        name_off, info = struct.unpack_from("<II", data, at)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        if kind not in _BTF_KIND_EXTRA or name_off >= str_len:
            raise KernelImageError(f"BTF type at byte {at - pos} has unknown kind {kind} or a bad name")
        at += 12 + _BTF_KIND_EXTRA[kind](vlen)
    if at != end:
        raise KernelImageError("BTF types overrun the type section")
    return bytes(data[pos : pos + total])


def cut_btf(data):
    """The one valid BTF blob inside `data` (e.g. an arm64 Image); refuses none or several."""
    blobs = []
    magic = struct.pack("<HBB", BTF_MAGIC, 1, 0)
    pos = data.find(magic)
    while pos >= 0:
        with contextlib.suppress(KernelImageError):
            blobs.append((pos, btf_blob_at(data, pos)))
        pos = data.find(magic, pos + 1)
    if not blobs:
        raise KernelImageError(
            "no complete BTF blob in the image (kernel built without CONFIG_DEBUG_INFO_BTF, or truncated)"
        )
    if len(blobs) > 1:
        offsets = ", ".join(str(p) for p, _ in blobs)
        raise KernelImageError(f"ambiguous: {len(blobs)} valid BTF blobs in the image (at {offsets})")
    return blobs[0][1]


# --- decompression -----------------------------------------------------------------------------


class _Incomplete(Exception):
    pass


def _whole(decompressor, data):
    """What a streaming decompressor makes of data, which must hold the whole stream."""
    out = decompressor.decompress(data)
    if not decompressor.eof:
        raise _Incomplete
    return out


def _gunzip(data):
    return _whole(zlib.decompressobj(16 + zlib.MAX_WBITS), data)


def _unxz(data):
    return _whole(lzma.LZMADecompressor(format=lzma.FORMAT_XZ), data)


def _unlzma(data):
    return _whole(lzma.LZMADecompressor(format=lzma.FORMAT_ALONE), data)


def _bunzip2(data):
    return _whole(bz2.BZ2Decompressor(), data)


def _unzstd(data):
    import zstandard

    return _whole(zstandard.ZstdDecompressor().decompressobj(), data)


def _unlz4_legacy(data):
    """The kernel's lz4 format: a legacy frame (magic 0x184C2102, then size-prefixed blocks that
    each decompress to 8 MiB); the first shorter block is the last one."""
    import lz4.block

    at, out = 4, []
    while True:
        if at + 4 > len(data):
            raise _Incomplete
        size = struct.unpack_from("<I", data, at)[0]
        if size == 0x184C2102:  # a following legacy frame (concatenated streams)
            at += 4
            continue
        if at + 4 + size > len(data):
            raise _Incomplete
        block = lz4.block.decompress(data[at + 4 : at + 4 + size], uncompressed_size=LZ4_LEGACY_BLOCK)
        out.append(block)
        at += 4 + size
        if len(block) < LZ4_LEGACY_BLOCK:
            return b"".join(out)


# (name, magic, decompressor) in scripts/extract-vmlinux's order
COMPRESSORS = (
    ("gzip", b"\x1f\x8b\x08", _gunzip),
    ("xz", b"\xfd7zXZ\x00", _unxz),
    ("bzip2", b"BZh", _bunzip2),
    ("lzma", b"\x5d\x00\x00\x00", _unlzma),
    ("lz4", b"\x02\x21\x4c\x18", _unlz4_legacy),
    ("zstd", b"\x28\xb5\x2f\xfd", _unzstd),
)


def decompress_kernel(data):
    """(compression, ELF bytes) of a compressed kernel image; refuses when no stream yields an ELF."""
    truncated = []
    for name, magic, decompress in COMPRESSORS:
        pos, tries = data.find(magic), 0
        while pos >= 0 and tries < MAX_TRIES_PER_MAGIC:
            tries += 1
            try:
                out = decompress(data[pos:])
            except _Incomplete:
                truncated.append(name)
            except Exception:  # noqa: BLE001 - any decoder error means "not a stream here"
                pass
            else:
                if out[:4] == ELF_MAGIC:
                    return name, out
            pos = data.find(magic, pos + 1)
    if truncated:
        raise KernelImageError(f"{truncated[0]} stream ends early: truncated file?")
    raise KernelImageError("not a kernel image: no ELF file, BTF, arm64 Image or compressed ELF found in it")


# --- banner ------------------------------------------------------------------------------------

BANNER = re.compile(rb"Linux version (\d[^\s\x00]*) \([^\x00\n]*")


def find_banner(data):
    """The `Linux version ...` line of the kernel (linux_banner), or ''."""
    m = BANNER.search(data)
    return m.group(0).decode("utf-8", "replace").rstrip() if m else ""


# --- entry point -------------------------------------------------------------------------------


def open_kernel(data):
    """Read a vmlinux, vmlinuz, arm64 Image or raw BTF file's bytes into a Kernel."""
    if len(data) < 64:
        raise KernelImageError(f"too short to be a kernel ({len(data)} bytes)")
    if data[:4] == ELF_MAGIC:
        return Kernel("elf", b"", elf_debuginfo(data), elf_machine(data), "", find_banner(data))
    if struct.unpack_from("<H", data, 0)[0] == BTF_MAGIC:
        if len(btf_blob_at(data, 0)) != len(data):
            raise KernelImageError("raw BTF file with trailing data after the BTF blob")
        return Kernel("btf", b"", "btf", "", "", "")
    if data[0x38:0x3C] == ARM64_IMAGE_MAGIC:
        return Kernel("btf", cut_btf(data), "btf", "arm64", "", find_banner(data))
    compression, elf = decompress_kernel(data)
    return Kernel("elf", elf, elf_debuginfo(elf), elf_machine(elf), compression, find_banner(elf))
