"""make screenshots: manage.py screenshots photographs the home page and the slab type page, as the
site serves them from the database, for the README."""

import struct

import pytest
from django.core.management import CommandError, call_command

from apps.kernel.models import MemoryType
from apps.web.management.commands import screenshots

pytestmark = pytest.mark.skipif(not screenshots.CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")


def png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_it_photographs_the_home_page_and_the_slab_page_at_1280_by_800(live_site, tmp_path, capsys):
    call_command("screenshots", str(tmp_path))

    assert png_size(tmp_path / "home.png") == (1280, 800)
    assert png_size(tmp_path / "type-slab.png") == (1280, 800)
    assert (tmp_path / "home.png").read_bytes() != (tmp_path / "type-slab.png").read_bytes()
    written = capsys.readouterr().out.splitlines()
    assert written == [f"{tmp_path}/home.png: /", f"{tmp_path}/type-slab.png: /types/slab/"]


def test_it_refuses_a_database_without_the_kernel_data(live_site, tmp_path):
    MemoryType.objects.filter(slug="slab").delete()  # rolled back after the test

    with pytest.raises(CommandError, match="no kernel data: run python manage.py load_kernel_data"):
        call_command("screenshots", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_it_refuses_a_directory_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match="missing: the directory does not exist"):
        call_command("screenshots", str(tmp_path / "missing"))
