"""Reading one real kernel build into data/layouts/<stem>.pahole and <stem>.yaml.

The steps, each a function so tests can drive them without network:

* `download()` runs `apt-get download NAME[:ARCH]=VERSION` in a cache folder. apt reads its
  ordinary configuration, or the one named by the APT_CONFIG environment variable; memtypes
  never changes any apt configuration.
* `unpack()` runs `dpkg-deb -x` into the cache, reused while the .deb's sha256 is the same.
* `apps.kernel.vmlinux` finds the kernel in the tree and turns it into a file pahole reads.
* `read_build()` runs pahole once per struct name (pahole 1.24 and 1.30 both stop at the first
  `-C` name they cannot find, and exit 0), then once per struct that a printed struct embeds as
  an anonymous member (`struct freelist_counters ;`), then once per enum.
* `render()` builds both files' bytes, and `write()` replaces them only when everything is
  valid, through temporary files and rename, reporting "unchanged" when the bytes are the same.

Every refusal is an IngestError with a one-line message.
"""

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from apps.kernel import vmlinux

STRUCTS = ("page", "folio", "slab", "ptdesc", "zpdesc", "netmem_desc", "net_iov")
ENUMS = ("pagetype", "pageflags")
DEB_TO_KERNEL_ARCH = {"amd64": "x86_64", "arm64": "arm64", "armhf": "arm", "armel": "arm", "i386": "i386"}
KERNEL_TO_DEB_ARCH = {"x86_64": "amd64", "arm64": "arm64", "arm": "armhf", "i386": "i386"}
RELEASE = re.compile(r"^v\d+\.\d+(-rc\d+)?$")
PROVENANCE_KEYS = (
    "release",
    "arch",
    "kernel_version",
    "uname",
    "banner",
    "package",
    "package_version",
    "sha256",
    "debuginfo",
    "tool",
    "command",
)
POINTER_SIZE = {"x86_64": 8, "arm64": 8, "arm": 4, "i386": 4}

# a struct printed as an anonymous member of a named struct type, e.g. "\tstruct freelist_counters ;"
EMBEDDED = re.compile(r"^\t+struct (\w+)\s*;", re.M)
STRUCT_END = re.compile(r"^\}( __attribute__\(\(.*\)\))?;$")  # "};" or "} __attribute__((__aligned__(16)));"
STRUCT_SIZE = re.compile(r"^\t/\* size: (\d+),", re.M)
ENUM_VALUE = re.compile(r"^\t(\w+)\s*=\s*(-?(?:0x[0-9a-fA-F]+|\d+)),?\s*$")


class IngestError(ValueError):
    """A refusal; the message is one line naming the problem."""


def default_cache():
    return Path(os.environ.get("MEMTYPES_KERNEL_CACHE") or Path.home() / ".cache" / "memtypes" / "kernels")


def kernel_arch(arch):
    """Kernel architecture name from a Debian or kernel name (amd64 or x86_64 -> x86_64)."""
    if arch in DEB_TO_KERNEL_ARCH:
        return DEB_TO_KERNEL_ARCH[arch]
    if arch in KERNEL_TO_DEB_ARCH:
        return arch
    raise IngestError(f"unknown architecture {arch!r} (one of amd64/x86_64, arm64, armhf/armel/arm, i386)")


def layout_stem(release, arch):
    return release if arch == "x86_64" else f"{release}-{arch}"


def upstream_version(package_version):
    """'7.3~rc7-1~exp1' -> '7.3-rc7', '1:6.12.117-1~deb12u1' -> '6.12.117'."""
    version = package_version.split(":", 1)[-1]
    if "-" in version:
        version = version.rsplit("-", 1)[0]
    return version.replace("~rc", "-rc")


def check_release(release, kernel_version):
    if not RELEASE.match(release):
        raise IngestError(f"--release {release!r}: a release is named like v7.2 or v7.3-rc7")
    series = release[1:]
    if kernel_version != series and not kernel_version.startswith(series + "."):
        raise IngestError(f"kernel version {kernel_version} does not belong to release {release}")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _last_line(text):
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def _run(args, **kwargs):
    try:
        return subprocess.run(args, capture_output=True, **kwargs)
    except OSError as exc:
        raise IngestError(f"cannot run {args[0]}: {exc.strerror}") from exc


# --- package ------------------------------------------------------------------------------------


def deb_filename_glob(package, version, arch=""):
    quoted = version.replace(":", "%3a")
    return f"{package}_{quoted}_{arch or '*'}.deb"


def download(package, version, arch, cache):
    """The .deb of NAME=VERSION in `cache`, fetched with `apt-get download` unless already there."""
    cache.mkdir(parents=True, exist_ok=True)
    pattern = deb_filename_glob(package, version, arch)
    found = sorted(cache.glob(pattern))
    if not found:
        spec = f"{package}:{arch}={version}" if arch else f"{package}={version}"
        r = _run(["apt-get", "download", "-q", spec], cwd=cache, text=True)
        if r.returncode != 0:
            raise IngestError(f"apt-get download {spec} failed: {_last_line(r.stderr)}")
        found = sorted(cache.glob(pattern))
    if len(found) != 1:
        raise IngestError(f"expected one {pattern} in {cache}, found {len(found)}")
    return found[0]


def deb_fields(deb):
    """{'Package', 'Version', 'Architecture'} of a .deb; refuses a file dpkg-deb cannot read."""
    r = _run(["dpkg-deb", "-f", str(deb), "Package", "Version", "Architecture"], text=True)
    if r.returncode != 0:
        raise IngestError(f"{deb.name}: not a readable Debian package ({_last_line(r.stderr)})")
    fields = dict(line.split(": ", 1) for line in r.stdout.splitlines() if ": " in line)
    if set(fields) != {"Package", "Version", "Architecture"}:
        raise IngestError(f"{deb.name}: control file lacks Package, Version or Architecture")
    return fields


def unpack(deb, sha256, cache):
    """`dpkg-deb -x` of the .deb into cache/unpacked/<sha>/, reused while the sha256 matches."""
    target = cache / "unpacked" / sha256[:16]
    marker = target / ".memtypes-sha256"
    if marker.is_file() and marker.read_text().strip() == sha256:
        return target
    shutil.rmtree(target, ignore_errors=True)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    r = _run(["dpkg-deb", "-x", str(deb), str(partial)], text=True)
    if r.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise IngestError(f"{deb.name}: cannot unpack, truncated or damaged package ({_last_line(r.stderr)})")
    (partial / ".memtypes-sha256").write_text(sha256 + "\n")
    partial.rename(target)
    return target


def uname_from_path(path):
    """The kernel release string in a package path (vmlinux-<uname>, modules/<uname>/vmlinux)."""
    name = path.name
    for prefix in ("vmlinux-", "vmlinuz-"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return path.parent.name


def prepare_target(image_path, workdir):
    """(path pahole reads, Kernel) for a kernel file, writing decompressed/cut data into workdir."""
    try:
        data = image_path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{image_path}: {exc.strerror}") from exc
    try:
        kernel = vmlinux.open_kernel(data)
    except vmlinux.KernelImageError as exc:
        raise IngestError(f"{image_path.name}: {exc}") from exc
    if not kernel.data:
        return image_path, kernel
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / ("memtypes-vmlinux" if kernel.kind == "elf" else "memtypes-vmlinux.btf")
    if not (target.is_file() and target.read_bytes() == kernel.data):
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(kernel.data)
        tmp.replace(target)
    return target, kernel


# --- pahole -------------------------------------------------------------------------------------


def pahole_version(pahole_bin):
    r = _run([pahole_bin, "--version"], text=True)
    if r.returncode != 0 or not re.match(r"^v\d+\.\d+", r.stdout.strip()):
        raise IngestError(f"{pahole_bin} --version did not print a pahole version ({_last_line(r.stderr)})")
    return "pahole " + r.stdout.strip()[1:]


def pahole_runner(pahole_bin, target, debuginfo):
    """A function name -> stdout text of `pahole -F <btf|dwarf> -C name target`."""

    def run(name):
        r = _run([pahole_bin, "-F", debuginfo, "-C", name, str(target)])
        # pahole 1.30 reading DWARF stops loading once it found the -C name, prints the type,
        # then exits 1 with "pahole: FILE: Invalid argument". Accepted only in exactly that case
        # and only with output, which check_struct_block / parse_enum then check for completeness.
        quirk = f"pahole: {target}: Invalid argument".encode()
        if r.returncode == 1 and debuginfo == "dwarf" and r.stdout.strip() and r.stderr.strip() == quirk:
            r = subprocess.CompletedProcess(r.args, 0, r.stdout, b"")
        if r.returncode != 0:
            raise IngestError(
                f"pahole -C {name} {target.name} failed: {_last_line(r.stderr.decode('utf-8', 'replace'))}"
            )
        try:
            return r.stdout.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise IngestError(f"pahole -C {name} printed text that is not UTF-8") from exc

    return run


def check_struct_block(name, text):
    """pahole's text for one struct: exactly one `struct NAME {` block with a size trailer."""
    heads = re.findall(r"^(struct|union|enum) (\w+) \{", text, re.M)
    if heads != [("struct", name)] or not text.startswith(f"struct {name} {{"):
        raise IngestError(f"pahole -C {name} printed {len(heads)} top-level types instead of struct {name}")
    sizes = STRUCT_SIZE.findall(text)
    if len(sizes) != 1 or not STRUCT_END.match(text.rstrip("\n").rsplit("\n", 1)[-1]):
        raise IngestError(f"pahole -C {name}: no single `/* size: N` trailer (truncated output?)")
    return int(sizes[0])


def parse_enum(name, text):
    """{member: value} from pahole's `enum NAME { ... };` text."""
    lines = text.splitlines()
    if not lines or lines[0] != f"enum {name} {{":
        raise IngestError(f"pahole -C {name} did not print enum {name}")
    values = {}
    for line in lines[1:]:
        if line.startswith("}"):
            return values
        if not line.strip():
            continue
        m = ENUM_VALUE.match(line)
        if not m:
            raise IngestError(f"enum {name}: cannot read line {line.strip()!r}")
        values[m.group(1)] = int(m.group(2), 0)
    raise IngestError(f"enum {name}: no closing brace (truncated output?)")


def split_text(text):
    """{('struct'|'enum', name): block text} of a pahole text holding several types, in order."""
    starts = [m.start() for m in re.finditer(r"^(?:struct|union|enum) \w+ \{", text, re.M)]
    if not starts or text[: starts[0]].strip():
        raise IngestError("not pahole output: it does not start with `struct NAME {`")
    blocks = {}
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        block = text[start:end]
        kind, name = block.split(" ", 2)[:2]
        if (kind, name) in blocks:
            raise IngestError(f"{kind} {name} appears twice")
        blocks[(kind, name)] = block
    return blocks


@dataclass
class BuildRead:
    text: str = ""  # the .pahole file's content
    structs: list = field(default_factory=list)  # printed, in file order
    sizes: dict = field(default_factory=dict)
    absent: list = field(default_factory=list)
    enums: dict = field(default_factory=dict)
    absent_enums: list = field(default_factory=list)


def read_build(run):
    """Run pahole (through `run(name) -> text`) for every struct and enum memtypes records."""
    result, parts = BuildRead(), []
    queue, seen = list(STRUCTS), set(STRUCTS)
    while queue:
        name = queue.pop(0)
        text = run(name)
        if not text.strip():
            result.absent.append(name)
            continue
        result.sizes[name] = check_struct_block(name, text)
        result.structs.append(name)
        parts.append(text)
        for embedded in EMBEDDED.findall(text):
            if embedded not in seen:
                seen.add(embedded)
                queue.append(embedded)
    for name in ENUMS:
        text = run(name)
        if text.strip():
            result.enums[name] = parse_enum(name, text)
        else:
            result.absent_enums.append(name)
    result.text = "".join(parts)
    return result


def read_text(text):
    """BuildRead from pahole text given as a file (structs, optionally followed by enums)."""
    result, parts = BuildRead(), []
    blocks = split_text(text)
    for (kind, name), block in blocks.items():
        if kind == "enum":
            result.enums[name] = parse_enum(name, block)
        elif kind == "struct":
            result.sizes[name] = check_struct_block(name, block)
            result.structs.append(name)
            parts.append(block)
        else:
            raise IngestError(f"unexpected top-level {kind} {name}")
    result.absent = [s for s in STRUCTS if s not in result.structs]
    result.absent_enums = [e for e in ENUMS if e not in result.enums]
    result.text = "".join(parts)
    return result


def check_build(read, arch):
    if "page" not in read.sizes:
        raise IngestError("the build has no struct page: not a kernel, or the wrong debug information")
    size, ptr = read.sizes["page"], POINTER_SIZE[arch]
    if size % ptr or not 6 * ptr <= size <= 24 * ptr:
        raise IngestError(f"struct page is {size} bytes, implausible for {arch} (a foreign or broken build?)")


# --- output -------------------------------------------------------------------------------------


def _scalar(key, value):
    return yaml.safe_dump({key: value}, width=1 << 20, allow_unicode=True)


def render_yaml(prov, read):
    """The provenance file: scalars, flow lists of struct names, one enum member per line."""
    out = [
        f"# Provenance of {layout_stem(prov['release'], prov['arch'])}.pahole, written by manage.py ingest_release.\n",
        "# The .pahole file holds exactly what pahole printed on stdout, struct by struct.\n",
    ]
    for key in PROVENANCE_KEYS:
        out.append(_scalar(key, prov[key]))
    out.append(f"structs: [{', '.join(read.structs)}]\n")
    out.append(f"absent: [{', '.join(read.absent)}]\n")
    out.append("enums:" + (" {}\n" if not read.enums else "\n"))
    for name, values in read.enums.items():
        out.append(f"  {name}:\n")
        out.extend(f"    {member}: {value}\n" for member, value in values.items())
    out.append(f"absent_enums: [{', '.join(read.absent_enums)}]\n")
    text = "".join(out)
    if yaml.safe_load(text)["enums"] != read.enums:  # the hand-made part must read back exactly
        raise IngestError("internal error: provenance YAML does not read back")
    return text


def write(data_dir, stem, pahole_text, yaml_text):
    """Write data_dir/layouts/<stem>.pahole and .yaml; 'unchanged' when both already hold these bytes."""
    layouts = Path(data_dir) / "layouts"
    files = {
        layouts / f"{stem}.pahole": pahole_text.encode("utf-8"),
        layouts / f"{stem}.yaml": yaml_text.encode("utf-8"),
    }
    if all(p.is_file() and p.read_bytes() == b for p, b in files.items()):
        return "unchanged"
    layouts.mkdir(parents=True, exist_ok=True)
    temps = []
    try:
        for path, content in files.items():
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(content)
            temps.append((tmp, path))
        for tmp, path in temps:
            tmp.replace(path)
    finally:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
    return "written"
