"""manage.py render_diagram: the picture the README shows, drawn from the database."""

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("name", "start"), [("hierarchy.png", b"\x89PNG"), ("h.svg", b"<?xml"), ("h.PDF", b"%PDF-")])
def test_it_draws_the_whole_hierarchy_in_the_format_of_the_suffix(pair, tmp_path, name, start):
    target = tmp_path / name
    call_command("render_diagram", str(target))
    assert target.read_bytes().startswith(start)


def test_it_writes_the_dot_source_for_a_dot_suffix(pair, tmp_path):
    target = tmp_path / "hierarchy.dot"
    call_command("render_diagram", str(target))
    assert '"page" -> "folio"' in target.read_text()


def test_it_draws_one_type_with_its_relatives(pair, tmp_path):
    target = tmp_path / "folio.dot"
    call_command("render_diagram", str(target), "--type", "folio", "--depth", "1")
    assert "penwidth=3" in target.read_text()


def test_it_refuses_a_suffix_it_cannot_draw(pair, tmp_path):
    with pytest.raises(CommandError, match=r"the suffix must be one of \.svg, \.png, \.pdf, \.dot"):
        call_command("render_diagram", str(tmp_path / "hierarchy.gif"))
    assert not (tmp_path / "hierarchy.gif").exists()


def test_it_refuses_an_unknown_type(pair, tmp_path):
    with pytest.raises(CommandError, match="No memory type has the slug 'nope'"):
        call_command("render_diagram", str(tmp_path / "x.svg"), "--type", "nope")


def test_it_says_why_when_dot_is_missing_and_writes_nothing(pair, tmp_path, no_dot):
    target = tmp_path / "hierarchy.png"
    with pytest.raises(CommandError, match="dot program is not installed"):
        call_command("render_diagram", str(target))
    assert not target.exists()
