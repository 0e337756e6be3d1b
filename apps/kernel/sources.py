"""Links from a kernel identifier to its definition in a source browser (Elixir by default), at
the release tag the fact belongs to: a field of v6.12's struct page links to
include/linux/mm_types.h at v6.12; a field that only the stable build carries (a backport) to
the build's own tag, v6.12.117; a function, flag or page type to the browser's identifier search
at the release, which lists its definition.

Where each struct is defined is data (STRUCT_HEADERS), one entry per loaded release, each naming
the source (data/sources/file.yaml) that file was read in at that release. A struct at a release
without an entry links to the identifier search instead of a guessed file.
"""

import re

from django.conf import settings

from apps.kernel.models import RELEASE_NAME

# struct -> (header, {release: source key of that header read at the release}). A struct moves
# between headers only with a new entry here (struct slab left include/linux/mm_types.h for
# mm/slab.h in v5.17, before any release memtypes has a struct slab layout for).
STRUCT_HEADERS = {
    "page": (
        "include/linux/mm_types.h",
        {
            "v5.10": "mm-types-h-v5-10",
            "v5.15": "mm-types-h-v5-15",
            "v6.1": "mm-types-h-v6-1",
            "v6.12": "mm-types-h-v6-12",
            "v6.18": "mm-types-h-v6-18",
            "v7.2": "mm-types-h-v7-2",
            "v7.3-rc7": "mm-types-h-v7-3-rc7",
        },
    ),
    "folio": (
        "include/linux/mm_types.h",
        {
            "v6.1": "mm-types-h-v6-1",
            "v6.12": "mm-types-h-v6-12",
            "v6.18": "mm-types-h-v6-18",
            "v7.2": "mm-types-h-v7-2",
            "v7.3-rc7": "mm-types-h-v7-3-rc7",
        },
    ),
    "ptdesc": (
        "include/linux/mm_types.h",
        {
            "v6.12": "mm-types-h-v6-12",
            "v6.18": "mm-types-h-v6-18",
            "v7.2": "mm-types-h-v7-2",
            "v7.3-rc7": "mm-types-h-v7-3-rc7",
        },
    ),
    "slab": (
        "mm/slab.h",
        {
            "v6.1": "slab-h-v6-1",
            "v6.12": "slab-h-v6-12",
            "v6.18": "slab-h-v6-18",
            "v7.2": "slab-h-v7-2",
            "v7.3-rc7": "slab-h-v7-3-rc7",
        },
    ),
    # Declared in mm/slab.h beside struct slab, which embeds it (v7.2's slab.freelist).
    "freelist_counters": ("mm/slab.h", {"v7.2": "slab-h-v7-2", "v7.3-rc7": "slab-h-v7-3-rc7"}),
    "zpdesc": (
        "mm/zpdesc.h",
        {"v6.18": "zpdesc-h-v6-18", "v7.2": "zpdesc-h-v7-2", "v7.3-rc7": "zpdesc-h-v7-3-rc7"},
    ),
    "netmem_desc": (
        "include/net/netmem.h",
        {"v6.18": "netmem-h-v6-18", "v7.2": "netmem-h-v7-2", "v7.3-rc7": "netmem-h-v7-3-rc7"},
    ),
    "net_iov": (
        "include/net/netmem.h",
        {"v6.12": "netmem-h-v6-12", "v7.2": "netmem-h-v7-2", "v7.3-rc7": "netmem-h-v7-3-rc7"},
    ),
}

_STABLE_VERSION = re.compile(r"^(\d+)\.(\d+)\.([1-9]\d*)$")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def browser():
    """The source browser's base URL, without a trailing slash (settings.MEMTYPES_SOURCE_BROWSER)."""
    return settings.MEMTYPES_SOURCE_BROWSER.rstrip("/")


def build_tag(build):
    """The git tag of what a build was made from: v6.12.117 for a stable 6.12.117 build, the
    release's tag (v7.3-rc7, v5.15) for anything else."""
    match = _STABLE_VERSION.match(build.kernel_version or "")
    return f"v{build.kernel_version}" if match else build.release.tag


def header_of(struct, release):
    """The file struct is defined in at a release (a name such as v6.12), or "" when memtypes
    has not checked it there."""
    path, releases = STRUCT_HEADERS.get(struct, ("", {}))
    return path if release in releases else ""


def file_url(path, tag):
    """A file of the kernel tree at a tag."""
    return f"{browser()}/{tag}/source/{path}"


def tree_url(build):
    """The kernel tree a build was made from, at the build's tag (v6.12.117 for a stable build)."""
    return f"{browser()}/{build_tag(build)}/source"


def ident_url(name, tag):
    """The browser's identifier search at a tag: the definition and the uses of a function,
    macro, enumerator or struct; "" for something that is not a C identifier."""
    if not IDENTIFIER.match(name or "") or not RELEASE_NAME.match(tag or ""):
        return ""
    return f"{browser()}/{tag}/A/ident/{name}"


def struct_url(struct, release, tag=None):
    """Where struct is defined at a release: its header when memtypes checked it there, else
    the identifier search for the struct's name. tag: the tag to link (a stable build's tag),
    the release's own by default."""
    tag = tag or release
    path = header_of(struct, release)
    return file_url(path, tag) if path else ident_url(struct, tag)


def layout_url(layout):
    """The definition of a stored layout's struct at its release (no query once the layout's
    build and release are loaded)."""
    return struct_url(layout.struct, layout.build.release.name)


def field_url(field):
    """The definition of a field's struct at the release its layout belongs to; for a field
    that came with a stable backport, at the build's own tag, which has it."""
    return struct_in_build_url(field.layout.struct, field.layout.build, backported=bool(field.backport_id))


def struct_in_build_url(struct, build, backported=False):
    """The definition of struct at the release of build; for a field that came with a stable
    backport (backported), at the build's own tag, which has it."""
    tag = build_tag(build) if backported else build.release.tag
    return struct_url(struct, build.release.name, tag)
