"""apps.kernel.vmlinux on small synthetic payloads built around real tiny fixtures (no network)."""

import bz2
import gzip
import lzma
import struct
from pathlib import Path

import lz4.block
import pytest
import zstandard

from apps.kernel import vmlinux

FIXTURES = Path(__file__).parent / "fixtures" / "kernel"
ELF = (FIXTURES / "tiny-btf.o").read_bytes()  # ELF with .BTF, .debug_info and a banner
BTF = (FIXTURES / "tiny.btf").read_bytes()  # the raw .BTF section of that ELF
SETUP = b"\x4d\x5a" + bytes(range(256)) * 4  # stands in for the real-mode setup code before the payload


def lz4_legacy(data):
    out = [b"\x02\x21\x4c\x18"]
    for i in range(0, len(data), vmlinux.LZ4_LEGACY_BLOCK):
        block = lz4.block.compress(data[i : i + vmlinux.LZ4_LEGACY_BLOCK], store_size=False)
        out += [struct.pack("<I", len(block)), block]
    return b"".join(out)


COMPRESS = {
    "gzip": gzip.compress,
    "xz": lambda d: lzma.compress(d, format=lzma.FORMAT_XZ),
    "bzip2": bz2.compress,
    # the kernel's lzma header starts 5d 00 00 00 (dictionary size a multiple of 16 MiB)
    "lzma": lambda d: lzma.compress(
        d, format=lzma.FORMAT_ALONE, filters=[{"id": lzma.FILTER_LZMA1, "dict_size": 1 << 24}]
    ),
    "zstd": lambda d: zstandard.ZstdCompressor().compress(d),
    "lz4": lz4_legacy,
}


@pytest.mark.parametrize("name", sorted(COMPRESS))
def test_a_compressed_kernel_is_found_by_magic_and_decompressed(name):
    # setup code, compressed stream, then the 4-byte size the kernel's build appends
    image = SETUP + COMPRESS[name](ELF) + struct.pack("<I", len(ELF))
    kernel = vmlinux.open_kernel(image)
    assert (kernel.kind, kernel.compression, kernel.debuginfo) == ("elf", name, "btf")
    assert kernel.data == ELF
    assert kernel.arch == "x86_64"
    assert kernel.banner == "Linux version 0.1.0-memtypes-test (test@memtypes.invalid) (gcc) #1 SMP"


def test_a_stream_that_is_not_an_elf_is_skipped():
    # a gzip'd non-ELF first (e.g. an embedded config), the kernel second
    image = SETUP + gzip.compress(b"CONFIG_FOO=y\n" * 50) + COMPRESS["xz"](ELF)
    assert vmlinux.open_kernel(image).compression == "xz"


@pytest.mark.parametrize("name", ["gzip", "xz", "zstd"])
def test_a_truncated_compressed_kernel_is_refused(name):
    stream = COMPRESS[name](ELF)
    with pytest.raises(vmlinux.KernelImageError, match=f"^{name} stream ends early: truncated file\\?$"):
        vmlinux.open_kernel(SETUP + stream[: len(stream) // 2])


def test_a_foreign_file_is_refused_in_one_line():
    with pytest.raises(vmlinux.KernelImageError) as exc:
        vmlinux.open_kernel(b"<html><body>404 Not Found</body></html>\n" * 10)
    assert "\n" not in str(exc.value)
    assert str(exc.value).startswith("not a kernel image")


def test_a_tiny_file_is_refused():
    with pytest.raises(vmlinux.KernelImageError, match="too short"):
        vmlinux.open_kernel(b"\x7fELF")


def test_an_elf_kernel_is_read_as_is():
    kernel = vmlinux.open_kernel(ELF)
    assert (kernel.kind, kernel.data, kernel.debuginfo, kernel.compression) == ("elf", b"", "btf", "")


def test_an_elf_without_btf_or_dwarf_is_refused():
    with pytest.raises(vmlinux.KernelImageError, match="neither BTF"):
        vmlinux.open_kernel((FIXTURES / "tiny-nodebug.o").read_bytes())


def test_a_truncated_elf_is_refused():
    with pytest.raises(vmlinux.KernelImageError, match="^truncated ELF file"):
        vmlinux.open_kernel(ELF[: len(ELF) - 100])


def test_an_elf_with_only_dwarf_says_dwarf():
    assert vmlinux.open_kernel((FIXTURES / "tiny-btf.o").read_bytes()).debuginfo == "btf"
    # same sections but .BTF renamed: pahole would have to read DWARF
    renamed = ELF.replace(b"\0.BTF\0", b"\0.XTF\0")
    assert vmlinux.open_kernel(renamed).debuginfo == "dwarf"


# --- raw BTF and the arm64 Image cut ----------------------------------------------------------


def arm64_image(*payload):
    header = bytearray(64)
    header[0x38:0x3C] = vmlinux.ARM64_IMAGE_MAGIC
    return bytes(header) + b"\0" * 100 + b"".join(payload) + b"\xff" * 100


def test_a_raw_btf_file_is_read_as_is():
    kernel = vmlinux.open_kernel(BTF)
    assert (kernel.kind, kernel.data, kernel.debuginfo) == ("btf", b"", "btf")


def test_a_raw_btf_file_with_trailing_bytes_is_refused():
    with pytest.raises(vmlinux.KernelImageError, match="trailing data"):
        vmlinux.open_kernel(BTF + b"\0\0\0\0")


def test_the_btf_blob_is_cut_out_of_an_arm64_image():
    kernel = vmlinux.open_kernel(arm64_image(b"Linux version 7.2.13 (x@y) (gcc) #1\n\0", BTF))
    assert (kernel.kind, kernel.arch, kernel.debuginfo) == ("btf", "arm64", "btf")
    assert kernel.data == BTF
    assert kernel.banner == "Linux version 7.2.13 (x@y) (gcc) #1"


def test_an_arm64_image_with_two_btf_blobs_is_ambiguous():
    with pytest.raises(vmlinux.KernelImageError, match="^ambiguous: 2 valid BTF blobs"):
        vmlinux.cut_btf(arm64_image(BTF, b"\0" * 8, BTF))


def test_an_arm64_image_without_btf_is_refused():
    with pytest.raises(vmlinux.KernelImageError, match="^no complete BTF blob"):
        vmlinux.open_kernel(arm64_image(b"\0" * 1000))


def test_a_truncated_arm64_image_is_refused():
    image = arm64_image(BTF)
    with pytest.raises(vmlinux.KernelImageError, match="^no complete BTF blob"):
        vmlinux.open_kernel(image[: image.index(BTF) + len(BTF) - 10])


@pytest.mark.parametrize(
    ("offset", "value", "message"),
    [
        (4, 32, "unexpected BTF header"),  # hdr_len
        (8, 4, "inconsistent BTF header offsets"),  # type_off
        (16, 0, "inconsistent BTF header offsets"),  # str_off no longer after the types
    ],
)
def test_btf_header_fields_are_checked_strictly(offset, value, message):
    bad = bytearray(BTF)
    struct.pack_into("<I", bad, offset, value)
    with pytest.raises(vmlinux.KernelImageError, match=message):
        vmlinux.btf_blob_at(bytes(bad), 0)


def test_btf_strings_must_start_with_nul():
    hdr = vmlinux.BTF_HEADER.unpack_from(BTF, 0)
    bad = bytearray(BTF)
    bad[hdr[3] + hdr[6]] = ord("x")
    with pytest.raises(vmlinux.KernelImageError, match="NUL"):
        vmlinux.btf_blob_at(bytes(bad), 0)


def test_btf_with_an_unknown_kind_is_refused():
    bad = bytearray(BTF)
    bad[24 + 7] = 31  # first type's info: kind 31
    with pytest.raises(vmlinux.KernelImageError, match="unknown kind 31"):
        vmlinux.btf_blob_at(bytes(bad), 0)


# --- finding the kernel in a package tree -----------------------------------------------------


def test_find_image_in_the_layouts_debian_uses(tmp_path):
    (tmp_path / "usr/lib/modules/7.2.13+deb14-cloud-amd64").mkdir(parents=True)
    (tmp_path / "usr/lib/modules/7.2.13+deb14-cloud-amd64/vmlinuz").write_bytes(b"x")
    assert vmlinux.find_image(tmp_path).name == "vmlinuz"


def test_find_image_follows_dbg_symlinks_to_one_file(tmp_path):
    real = tmp_path / "usr/lib/debug/lib/modules/7.2.13+deb14-armmp-lpae/vmlinux"
    real.parent.mkdir(parents=True)
    real.write_bytes(b"x")
    (tmp_path / "usr/lib/debug/boot").mkdir(parents=True)
    (tmp_path / "usr/lib/debug/boot/vmlinux-7.2.13+deb14-armmp-lpae").symlink_to(
        "../lib/modules/7.2.13+deb14-armmp-lpae/vmlinux"
    )
    assert vmlinux.find_image(tmp_path).resolve() == real.resolve()


def test_find_image_refuses_two_kernels_and_none(tmp_path):
    (tmp_path / "boot").mkdir()
    with pytest.raises(vmlinux.KernelImageError, match="^no kernel in the package"):
        vmlinux.find_image(tmp_path)
    (tmp_path / "boot/vmlinuz-6.1.0-1-amd64").write_bytes(b"a")
    (tmp_path / "boot/vmlinuz-6.1.0-2-amd64").write_bytes(b"b")
    with pytest.raises(vmlinux.KernelImageError, match="^more than one kernel"):
        vmlinux.find_image(tmp_path)
