import hashlib
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from apps.kernel import ingest, vmlinux


class Command(BaseCommand):
    help = (
        "Read one kernel build's struct layouts and page enums with pahole into "
        "data/layouts/<release>[-<arch>].pahole and .yaml (provenance), then load them. "
        "--package NAME=VERSION downloads the Debian package with apt-get (honours APT_CONFIG); "
        "--vmlinux FILE reads a local vmlinux/vmlinuz/Image/raw BTF; --pahole FILE takes pahole's "
        "text as printed. Validates everything before writing; nothing is written on a refusal."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--package", help="Debian package NAME=VERSION holding the kernel or its -dbg vmlinux")
        source.add_argument("--vmlinux", help="local kernel file: vmlinux, vmlinuz, arm64 Image or raw BTF")
        source.add_argument("--pahole", help="local file with pahole's output (structs, optionally enums)")
        parser.add_argument("--release", required=True, help="release series, e.g. v7.2 or v7.3-rc7")
        parser.add_argument(
            "--arch", default="", help="Debian or kernel architecture (amd64/x86_64, arm64, armhf/arm, i386)"
        )
        parser.add_argument("--kernel-version", default="", help="exact version of a local build, e.g. 6.18.44")
        parser.add_argument("--uname", default="", help="the local build's release string (uname -r)")
        parser.add_argument("--debuginfo", choices=("btf", "dwarf"), help="--pahole only: what pahole read")
        parser.add_argument("--tool", default="", help="--pahole only: the exact pahole version, e.g. 'pahole 1.30'")
        parser.add_argument(
            "--cache",
            default="",
            help="download/unpack folder (default $MEMTYPES_KERNEL_CACHE or ~/.cache/memtypes/kernels)",
        )
        parser.add_argument(
            "--pahole-bin",
            default="",
            help="pahole to run (default .cache/pahole/pahole from `make pahole`, else pahole)",
        )
        parser.add_argument(
            "--data", default=str(settings.KERNEL_DATA_DIR), help="data folder (default: the project's data/)"
        )
        parser.add_argument("--no-load", action="store_true", help="write the files only; do not run load_kernel_data")

    def handle(self, *args, **opts):
        try:
            prov, read = self.read(opts)
            ingest.check_build(read, prov["arch"])
            stem = ingest.layout_stem(prov["release"], prov["arch"])
            status = ingest.write(opts["data"], stem, read.text, ingest.render_yaml(prov, read))
        except (ingest.IngestError, vmlinux.KernelImageError) as exc:
            raise CommandError(str(exc)) from exc
        sizes = ", ".join(f"{name} {read.sizes[name]}" for name in read.structs)
        self.stdout.write(
            f"{stem}: {status}; {prov['kernel_version']} {prov['arch']} {prov['debuginfo']} ({prov['tool']}); "
            f"structs {sizes}; absent {', '.join(read.absent) or 'none'}; "
            f"enums {', '.join(f'{n} {len(v)}' for n, v in read.enums.items()) or 'none'}"
        )
        if not opts["no_load"]:
            call_command("load_kernel_data", data_dir=opts["data"], stdout=self.stdout)

    def read(self, opts):
        release = opts["release"]
        if not ingest.RELEASE.match(release):
            raise ingest.IngestError(f"--release {release!r}: a release is named like v7.2 or v7.3-rc7")
        if opts["package"]:
            return self.read_package(opts)
        for flag in ("arch", "kernel_version"):
            if not opts[flag]:
                raise ingest.IngestError(f"--{flag.replace('_', '-')} is required with a local file")
        if opts["pahole"]:
            return self.read_pahole_text(opts)
        return self.read_vmlinux(opts)

    def pahole_bin(self, opts):
        if opts["pahole_bin"]:
            return opts["pahole_bin"]
        private = Path(settings.BASE_DIR) / ".cache" / "pahole" / "pahole"
        return str(private) if private.is_file() else "pahole"

    def read_package(self, opts):
        spec, release = opts["package"], opts["release"]
        name, sep, version = spec.partition("=")
        if not sep or not name or not version:
            raise ingest.IngestError(f"--package {spec!r}: write NAME=VERSION")
        deb_arch = ingest.KERNEL_TO_DEB_ARCH[ingest.kernel_arch(opts["arch"])] if opts["arch"] else ""
        cache = Path(opts["cache"]) if opts["cache"] else ingest.default_cache()
        deb = ingest.download(name, version, deb_arch, cache)
        fields = ingest.deb_fields(deb)
        if fields["Package"] != name or fields["Version"] != version:
            raise ingest.IngestError(f"{deb.name} is {fields['Package']}={fields['Version']}, not {spec}")
        arch = ingest.kernel_arch(fields["Architecture"])
        sha256 = ingest.sha256_file(deb)
        tree = ingest.unpack(deb, sha256, cache)
        try:
            image = vmlinux.find_image(tree)
        except vmlinux.KernelImageError as exc:
            raise ingest.IngestError(f"{deb.name}: {exc}") from exc
        target, kernel = ingest.prepare_target(image, tree)
        if kernel.arch and kernel.arch != arch:
            raise ingest.IngestError(f"{deb.name}: the kernel inside is {kernel.arch}, the package says {arch}")
        kernel_version = ingest.upstream_version(version)
        ingest.check_release(release, kernel_version)
        uname = (
            vmlinux.BANNER.match(kernel.banner.encode()).group(1).decode()
            if kernel.banner
            else ingest.uname_from_path(image)
        )
        pahole_bin = self.pahole_bin(opts)
        tool = ingest.pahole_version(pahole_bin)
        read = ingest.read_build(ingest.pahole_runner(pahole_bin, target, kernel.debuginfo))
        prov = {
            "release": release,
            "arch": arch,
            "kernel_version": kernel_version,
            "uname": uname,
            "banner": kernel.banner,
            "package": name,
            "package_version": version,
            "sha256": sha256,
            "debuginfo": kernel.debuginfo,
            "tool": tool,
            "command": (
                f"manage.py ingest_release --package {name}={version} "
                f"--arch {fields['Architecture']} --release {release}"
            ),
        }
        return prov, read

    def local_prov(self, opts, path, sha256, debuginfo, tool, banner, flag):
        arch = ingest.kernel_arch(opts["arch"])
        ingest.check_release(opts["release"], opts["kernel_version"])
        uname = opts["uname"]
        if not uname and banner:
            uname = vmlinux.BANNER.match(banner.encode()).group(1).decode()
        command = (
            f"manage.py ingest_release {flag} {path} --release {opts['release']} "
            f"--arch {arch} --kernel-version {opts['kernel_version']}"
        )
        if opts["uname"]:
            command += f" --uname {opts['uname']}"
        return {
            "release": opts["release"],
            "arch": arch,
            "kernel_version": opts["kernel_version"],
            "uname": uname,
            "banner": banner,
            "package": "",
            "package_version": "",
            "sha256": sha256,
            "debuginfo": debuginfo,
            "tool": tool,
            "command": command,
        }

    def read_vmlinux(self, opts):
        path = Path(opts["vmlinux"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ingest.IngestError(f"{path}: {exc.strerror}") from exc
        sha256 = hashlib.sha256(data).hexdigest()
        cache = Path(opts["cache"]) if opts["cache"] else ingest.default_cache()
        target, kernel = ingest.prepare_target(path, cache / "local" / sha256[:16])
        arch = ingest.kernel_arch(opts["arch"])
        if kernel.arch and kernel.arch != arch:
            raise ingest.IngestError(f"{path.name} is an {kernel.arch} kernel, not {arch}")
        pahole_bin = self.pahole_bin(opts)
        tool = ingest.pahole_version(pahole_bin)
        read = ingest.read_build(ingest.pahole_runner(pahole_bin, target, kernel.debuginfo))
        prov = self.local_prov(opts, path, sha256, kernel.debuginfo, tool, kernel.banner, "--vmlinux")
        return prov, read

    def read_pahole_text(self, opts):
        path = Path(opts["pahole"])
        if not opts["debuginfo"] or not opts["tool"]:
            raise ingest.IngestError("--pahole needs --debuginfo (btf or dwarf) and --tool (e.g. 'pahole 1.30')")
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8")
        except OSError as exc:
            raise ingest.IngestError(f"{path}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise ingest.IngestError(f"{path.name}: not pahole output (not UTF-8 text)") from exc
        try:
            read = ingest.read_text(text)
        except ingest.IngestError as exc:
            raise ingest.IngestError(f"{path.name}: {exc}") from exc
        prov = self.local_prov(
            opts, path, hashlib.sha256(raw).hexdigest(), opts["debuginfo"], opts["tool"], "", "--pahole"
        )
        prov["command"] += f" --debuginfo {opts['debuginfo']} --tool '{opts['tool']}'"
        return prov, read
