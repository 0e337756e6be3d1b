"""ingest_release without network: a tiny .deb built here with dpkg-deb, a fake pahole, pahole text."""

import gzip
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.kernel import ingest

FIXTURES = Path(__file__).parent / "fixtures"
KERNEL = FIXTURES / "kernel"
PAHOLE_TEXT = FIXTURES / "pahole"
PACKAGE, VERSION = "linux-image-0.1.0-memtypes-test", "0.1.0-1"
YAML_KEYS = [
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
    "structs",
    "absent",
    "enums",
    "absent_enums",
]

pytestmark = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")


@pytest.fixture
def fake_pahole(tmp_path):
    """A pahole that prints the fixture text for -C NAME, and nothing (plus the stderr note) otherwise."""
    script = tmp_path / "pahole"
    script.write_text(
        f"#!{sys.executable}\n"
        "import pathlib, sys\n"
        "args = sys.argv[1:]\n"
        "if args == ['--version']:\n"
        "    print('v1.30'); sys.exit(0)\n"
        "assert args[0] == '-F' and args[1] in ('btf', 'dwarf'), args\n"
        "name = args[args.index('-C') + 1]\n"
        f"f = pathlib.Path({str(KERNEL)!r}) / f'fake-{{name}}.txt'\n"
        "if f.exists():\n"
        "    sys.stdout.write(f.read_text())\n"
        "else:\n"
        "    sys.stderr.write(f\"pahole: type '{name}' not found\\n\")\n"
    )
    script.chmod(0o755)
    return str(script)


def build_deb(cache, package=PACKAGE, version=VERSION, arch="amd64", image=None):
    """A kernel package like Debian's: boot/vmlinuz-<uname> holding setup bytes + gzip'd ELF."""
    root = cache.parent / f"root-{package}"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN/control").write_text(
        f"Package: {package}\nVersion: {version}\nArchitecture: {arch}\n"
        "Maintainer: memtypes <dev@memtypes.invalid>\nDescription: memtypes test kernel\n"
    )
    (root / "boot").mkdir()
    if image is None:
        image = b"MZ" + bytes(500) + gzip.compress((KERNEL / "tiny-btf.o").read_bytes())
    (root / "boot/vmlinuz-0.1.0-memtypes-test").write_bytes(image)
    cache.mkdir(exist_ok=True)
    deb = cache / f"{package}_{version}_{arch}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(deb)], check=True, capture_output=True
    )
    return deb


def ingest_package(tmp_path, fake_pahole, **kwargs):
    out = io.StringIO()
    options = {
        "package": f"{PACKAGE}={VERSION}",
        "release": "v0.1",
        "cache": str(tmp_path / "cache"),
        "pahole_bin": fake_pahole,
        "data": str(tmp_path / "data"),
        "no_load": True,
        "stdout": out,
    }
    options.update(kwargs)
    call_command("ingest_release", **options)
    return out.getvalue()


def test_a_package_is_read_into_pahole_and_yaml_files(tmp_path, fake_pahole):
    deb = build_deb(tmp_path / "cache")
    out = ingest_package(tmp_path, fake_pahole)
    assert out.startswith("v0.1: written; 0.1.0 x86_64 btf (pahole 1.30); structs page 64;")
    layouts = tmp_path / "data/layouts"
    assert sorted(p.name for p in layouts.iterdir()) == ["v0.1.pahole", "v0.1.yaml"]
    assert (layouts / "v0.1.pahole").read_text() == (KERNEL / "fake-page.txt").read_text()
    prov = yaml.safe_load((layouts / "v0.1.yaml").read_text())
    assert list(prov) == YAML_KEYS
    assert prov["release"] == "v0.1"
    assert prov["arch"] == "x86_64"
    assert prov["kernel_version"] == "0.1.0"
    assert prov["uname"] == "0.1.0-memtypes-test"
    assert prov["banner"] == "Linux version 0.1.0-memtypes-test (test@memtypes.invalid) (gcc) #1 SMP"
    assert (prov["package"], prov["package_version"]) == (PACKAGE, VERSION)
    assert prov["sha256"] == ingest.sha256_file(deb)
    assert (prov["debuginfo"], prov["tool"]) == ("btf", "pahole 1.30")
    assert prov["command"] == f"manage.py ingest_release --package {PACKAGE}={VERSION} --arch amd64 --release v0.1"
    assert prov["structs"] == ["page"]
    assert prov["absent"] == ["folio", "slab", "ptdesc", "zpdesc", "netmem_desc", "net_iov"]
    assert prov["enums"] == {
        "pagetype": {"PGTY_buddy": 240, "PGTY_slab": 245},
        "pageflags": {"PG_locked": 0, "PG_writeback": 1, "PG_head": 6, "__NR_PAGEFLAGS": 25},
    }
    assert prov["absent_enums"] == []


def test_reingesting_the_same_package_reports_unchanged(tmp_path, fake_pahole):
    build_deb(tmp_path / "cache")
    ingest_package(tmp_path, fake_pahole)
    layouts = tmp_path / "data/layouts"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in layouts.iterdir()}
    assert ingest_package(tmp_path, fake_pahole).startswith("v0.1: unchanged;")
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in layouts.iterdir()} == before


def assert_refused(tmp_path, fake_pahole, match, **kwargs):
    with pytest.raises(CommandError, match=match) as exc:
        ingest_package(tmp_path, fake_pahole, **kwargs)
    assert "\n" not in str(exc.value)
    assert not (tmp_path / "data").exists()


def test_a_truncated_package_is_refused_and_nothing_is_written(tmp_path, fake_pahole):
    deb = build_deb(tmp_path / "cache")
    deb.write_bytes(deb.read_bytes()[:700])  # the control member is whole, the data member is cut
    assert_refused(tmp_path, fake_pahole, "cannot unpack, truncated or damaged package")


def test_a_foreign_file_named_like_the_package_is_refused(tmp_path, fake_pahole):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / f"{PACKAGE}_{VERSION}_amd64.deb").write_text("<html>mirror error</html>\n")
    assert_refused(tmp_path, fake_pahole, "not a readable Debian package")


def test_a_truncated_kernel_image_is_refused(tmp_path, fake_pahole):
    payload = gzip.compress((KERNEL / "tiny-btf.o").read_bytes())
    build_deb(tmp_path / "cache", image=b"MZ" + bytes(500) + payload[: len(payload) // 2])
    assert_refused(tmp_path, fake_pahole, r"vmlinuz-0\.1\.0-memtypes-test: gzip stream ends early")


def test_a_package_without_a_kernel_is_refused(tmp_path, fake_pahole):
    build_deb(tmp_path / "cache", image=b"x" * 4096)
    assert_refused(tmp_path, fake_pahole, "not a kernel image")


def test_a_kernel_of_another_architecture_is_refused(tmp_path, fake_pahole):
    build_deb(tmp_path / "cache", arch="arm64")
    assert_refused(tmp_path, fake_pahole, "the kernel inside is x86_64, the package says arm64", arch="arm64")


def test_the_release_must_match_the_package_version(tmp_path, fake_pahole):
    build_deb(tmp_path / "cache")
    assert_refused(tmp_path, fake_pahole, "kernel version 0.1.0 does not belong to release v7.2", release="v7.2")


def test_a_pahole_that_prints_garbage_is_refused(tmp_path):
    build_deb(tmp_path / "cache")
    script = tmp_path / "bad-pahole"
    script.write_text("#!/bin/sh\n[ \"$1\" = --version ] && { echo v1.30; exit 0; }\necho 'struct page {'\n")
    script.chmod(0o755)
    assert_refused(tmp_path, str(script), "no single `/\\* size: N` trailer", pahole_bin=str(script))


def test_the_command_line_refusal_is_one_line_on_stderr(tmp_path):
    bad = tmp_path / "bad.pahole"
    bad.write_text("struct page {\n\tint x; /* 0 4 */\n")  # truncated pahole text
    r = subprocess.run(
        [sys.executable, "manage.py", "ingest_release", "--pahole", str(bad), "--release", "v7.2", "--arch", "x86_64"]
        + ["--kernel-version", "7.2.13", "--debuginfo", "btf", "--tool", "pahole 1.30", "--data", str(tmp_path / "d")]
        + ["--no-load"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "memtypes_site.settings"),
        },
    )
    assert r.returncode != 0
    assert r.stderr.count("\n") == 1, r.stderr
    assert "bad.pahole" in r.stderr and "trailer" in r.stderr
    assert not (tmp_path / "d").exists()


# --- local files ----------------------------------------------------------------------------------


def test_pahole_text_with_enums_is_written_like_a_build(tmp_path):
    text = tmp_path / "build.txt"
    text.write_text(
        (PAHOLE_TEXT / "v7.2-slab-btf.txt").read_text() + (KERNEL / "fake-page.txt").read_text().replace("page", "page")
    )
    # struct page must exist: the slab-only fixture is refused, page text makes it a build
    text.write_text((KERNEL / "fake-page.txt").read_text() + (PAHOLE_TEXT / "v7.2-slab-btf.txt").read_text())
    text.write_text(text.read_text() + (KERNEL / "fake-pagetype.txt").read_text())
    opts = {
        "pahole": str(text),
        "release": "v7.2",
        "arch": "x86_64",
        "kernel_version": "7.2.13",
        "debuginfo": "btf",
        "tool": "pahole 1.30",
        "data": str(tmp_path / "data"),
        "no_load": True,
    }
    out = io.StringIO()
    call_command("ingest_release", stdout=out, **opts)
    assert "structs page 64, slab 64, freelist_counters 16" in out.getvalue()
    prov = yaml.safe_load((tmp_path / "data/layouts/v7.2.yaml").read_text())
    assert prov["structs"] == ["page", "slab", "freelist_counters"]
    assert prov["enums"] == {"pagetype": {"PGTY_buddy": 240, "PGTY_slab": 245}}
    assert prov["absent_enums"] == ["pageflags"]
    assert prov["package"] == "" and prov["sha256"] == ingest.sha256_file(text)
    assert "enum" not in (tmp_path / "data/layouts/v7.2.pahole").read_text()
    out = io.StringIO()
    call_command("ingest_release", stdout=out, **opts)
    assert out.getvalue().startswith("v7.2: unchanged;")


def test_a_local_vmlinux_needs_its_provenance(tmp_path, fake_pahole):
    with pytest.raises(CommandError, match="--kernel-version is required"):
        call_command("ingest_release", vmlinux=str(KERNEL / "tiny-btf.o"), release="v0.1", arch="x86_64", no_load=True)


def test_a_local_vmlinux_is_read(tmp_path, fake_pahole):
    out = io.StringIO()
    call_command(
        "ingest_release",
        vmlinux=str(KERNEL / "tiny-btf.o"),
        release="v0.1",
        arch="amd64",
        kernel_version="0.1.0",
        pahole_bin=fake_pahole,
        cache=str(tmp_path / "cache"),
        data=str(tmp_path / "data"),
        no_load=True,
        stdout=out,
    )
    prov = yaml.safe_load((tmp_path / "data/layouts/v0.1.yaml").read_text())
    assert (prov["arch"], prov["uname"], prov["package"]) == ("x86_64", "0.1.0-memtypes-test", "")
    assert prov["sha256"] == ingest.sha256_file(KERNEL / "tiny-btf.o")


# --- pieces -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("package_version", "upstream"),
    [
        ("7.2.13-1", "7.2.13"),
        ("7.3~rc7-1~exp1", "7.3-rc7"),
        ("6.12.117-1~deb12u1", "6.12.117"),
        ("1:5.10.223-1", "5.10.223"),
    ],
)
def test_upstream_version(package_version, upstream):
    assert ingest.upstream_version(package_version) == upstream


def test_arch_names_and_file_stems():
    assert [ingest.kernel_arch(a) for a in ("amd64", "x86_64", "armhf", "armel", "arm", "i386")] == [
        "x86_64",
        "x86_64",
        "arm",
        "arm",
        "arm",
        "i386",
    ]
    assert ingest.layout_stem("v7.2", "x86_64") == "v7.2"
    assert ingest.layout_stem("v7.2", "arm") == "v7.2-arm"
    with pytest.raises(ingest.IngestError, match="unknown architecture"):
        ingest.kernel_arch("mips64el")


def test_embedded_structs_are_read_after_the_named_ones():
    slab = (PAHOLE_TEXT / "v7.2-slab-btf.txt").read_text()
    blocks = {name: text for (_, name), text in ingest.split_text(slab).items()}
    blocks["page"] = (KERNEL / "fake-page.txt").read_text()
    asked = []

    def run(name):
        asked.append(name)
        return blocks.get(name, "")

    read = ingest.read_build(run)
    assert asked == [*ingest.STRUCTS, "freelist_counters", *ingest.ENUMS]
    assert read.structs == ["page", "slab", "freelist_counters"]
    assert read.text == blocks["page"] + slab
    assert read.absent == ["folio", "ptdesc", "zpdesc", "netmem_desc", "net_iov"]
    assert read.absent_enums == ["pagetype", "pageflags"]


@pytest.mark.parametrize(
    ("fixture", "sizes"),
    [
        ("v7.2-slab-btf.txt", {"slab": 64, "freelist_counters": 16}),
        ("v7.2-arm-page-dwarf.txt", {"page": 36}),
        ("v6.1-i386-page-dwarf.txt", {"page": 40}),
    ],
)
def test_real_pahole_fixtures_are_whole_structs(fixture, sizes):
    read = ingest.read_text((PAHOLE_TEXT / fixture).read_text())
    assert read.sizes == sizes


@pytest.mark.django_db
def test_an_ingested_package_is_loaded_and_served_and_a_second_ingest_changes_nothing(tmp_path, fake_pahole, client):
    from apps.kernel.tests.tiny_data import write_tiny_data

    write_tiny_data(tmp_path / "data")
    build_deb(tmp_path / "cache")
    ingest_package(tmp_path, fake_pahole, no_load=False)
    body = client.get("/api/v1/releases/v0.1/structs/page/").json()
    assert body["build"]["package"] == PACKAGE
    assert body["build"]["sha256"] == ingest.sha256_file(tmp_path / "cache" / f"{PACKAGE}_{VERSION}_amd64.deb")
    assert body["size"] == 64
    enums = client.get("/api/v1/releases/v0.1/enums/").json()
    assert {"enum": "pagetype", "name": "PGTY_slab", "value": 245} in enums
    out = ingest_package(tmp_path, fake_pahole, no_load=False)
    assert out.startswith("v0.1: unchanged;")
    assert ": 0 created, 0 updated," in out
