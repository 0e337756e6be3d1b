"""The wording of a fact's date and basis (apps.kernel.facts), without the database."""

from types import SimpleNamespace

from apps.kernel.facts import LoadedReleases, release_order


def loaded(*pairs):
    return LoadedReleases([SimpleNamespace(name=name, kernel_version=version) for name, version in pairs])


def test_release_order_puts_rcs_before_their_release():
    names = ["v6.15.2", "v6.15", "v7.3-rc7", "v6.15-rc7", "v7.2", "v6.9"]
    assert sorted(names, key=release_order) == ["v6.9", "v6.15-rc7", "v6.15", "v6.15.2", "v7.2", "v7.3-rc7"]
    assert release_order("6.15") is None


def test_since_labels():
    releases = loaded(("v6.18", ""), ("v6.12", ""), ("v7.3-rc7", ""))
    assert releases.since_label("v6.12") == "Since v6.12"
    assert releases.since_label("v6.15") == "Since v6.15 (first loaded: v6.18)"
    assert releases.since_label("v7.3") == "Since v7.3 (no release from then on is loaded)"
    assert releases.since_label("v7.3-rc1") == "Since v7.3-rc1 (first loaded: v7.3-rc7)"


def test_basis_labels():
    releases = loaded(("v6.1", "6.1.192"))
    assert releases.basis_label("tag", "v6.1") == "read at the v6.1 tag"
    assert releases.basis_label("stable", "v6.1") == "read in a stable build (6.1.192)"
    assert releases.basis_label("stable", "v6.9") == "read in a stable build"
    assert releases.basis_label("inferred", "v6.1") == "memtypes' inference"
