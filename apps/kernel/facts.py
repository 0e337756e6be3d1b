"""How a kernel fact is dated and what it rests on, worded for people.

A `since` may name a release memtypes has no layout for (v6.15: the release where
PGTY_large_kmalloc arrived); the first loaded release at or after it is then the earliest
release whose layouts show the change: "since v6.15 (first loaded: v6.18)". A fact's basis says
whether it was read at the release tag, in a stable build (whose tree may carry backports the
tag lacks), or is memtypes' own inference.
"""

from types import SimpleNamespace

from apps.kernel.models import REFERENCE_ARCH, Basis, release_sort_key


def release_order(name):
    """A key ordering release names, rc before the release: v6.15-rc7 < v6.15 < v6.15.2.
    None for a name that is not a release."""
    try:
        return release_sort_key(name)
    except ValueError:
        return None


class LoadedReleases:
    """The releases memtypes has layouts for, oldest first, for labelling `since` and basis
    without a query per fact."""

    def __init__(self, releases):
        named = [r for r in releases if release_order(r.name) is not None]
        self.releases = sorted(named, key=lambda r: release_order(r.name))
        self.by_name = {r.name: r for r in self.releases}

    @classmethod
    def of_builds(cls, builds):
        """The releases of builds (with their release loaded), by their reference builds."""
        return cls(
            [
                SimpleNamespace(name=b.release.name, kernel_version=b.kernel_version)
                for b in builds
                if b.arch == REFERENCE_ARCH
            ]
        )

    def first_loaded_from(self, since):
        """The name of the first loaded release at or after `since`, or None."""
        key = release_order(since)
        if key is None:
            return None
        return next((r.name for r in self.releases if release_order(r.name) >= key), None)

    def since_label(self, since):
        """'Since v6.10' for a loaded release; 'Since v6.15 (first loaded: v6.18)' otherwise."""
        if since in self.by_name:
            return f"Since {since}"
        first = self.first_loaded_from(since)
        if first:
            return f"Since {since} (first loaded: {first})"
        return f"Since {since} (no release from then on is loaded)"

    def basis_label(self, basis, release=""):
        """'read at the v6.1 tag', 'read in a stable build (6.1.192)' or "memtypes' inference"."""
        if basis == Basis.INFERRED:
            return Basis.INFERRED.label
        if basis == Basis.STABLE:
            loaded = self.by_name.get(release)
            version = loaded.kernel_version if loaded else ""
            return f"read in a stable build ({version})" if version else "read in a stable build"
        return f"read at the {release} tag" if release else "read at the release tag"


def identification_release(identification):
    """The release an identification was read at: its source's release, else its since."""
    source_release = getattr(identification.source, "release", "")
    if release_order(source_release) is not None:
        return source_release
    return identification.since
