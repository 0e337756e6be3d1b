"""Fixtures of the diagram tests: a clean cache, a two-type hierarchy, and stand-ins for
Graphviz's `dot` program."""

import os
import stat

import pytest
from django.core.cache import cache

from apps.diagrams import render
from apps.kernel.tests.factory import make_memtype, make_relation


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no picture cached, so it sees whether `dot` runs."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pair(db):
    """page > folio: the smallest hierarchy with an edge."""
    page = make_memtype("page", area="page")
    folio = make_memtype("folio", area="folio")
    make_relation(page, folio)
    return page, folio


@pytest.fixture
def dot_runs(monkeypatch):
    """A list that grows by one format each time `dot` is really run."""
    runs = []
    real = render.run_dot

    def counting(dot_text, fmt):
        runs.append(fmt)
        return real(dot_text, fmt)

    monkeypatch.setattr(render, "run_dot", counting)
    return runs


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    """A server without Graphviz: PATH names only an empty directory."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.fixture
def fake_dot(tmp_path, monkeypatch):
    """fake_dot(script): put a `dot` running the shell script first on PATH."""

    def install(script):
        bin_dir = tmp_path / "fake-bin"
        bin_dir.mkdir(exist_ok=True)
        program = bin_dir / "dot"
        program.write_text("#!/bin/sh\n" + script + "\n")
        program.chmod(program.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")

    return install
