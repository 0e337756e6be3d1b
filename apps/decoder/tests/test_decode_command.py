"""manage.py decode [FILE|-] [--release] [--arch] [--json]: the decoded page for a terminal, the
API's answer with --json, and one line on stderr with a non-zero exit for bad input."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

DUMPS = Path(__file__).parent / "dumps"
BUDDY = next(DUMPS.glob("06-*.txt"))
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def kernel_data(kernel_data_once, db):
    return kernel_data_once


def run(*args, stdin=None):
    out = io.StringIO()
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()))
    try:
        call_command("decode", *args, stdout=out)
    finally:
        sys.stdin = sys.__stdin__
    return out.getvalue()


def test_a_free_block_is_no_compound_page_and_its_order_is_given(kernel_data):
    assert "compound: no (order 5 of a free block)" in run(str(next(DUMPS.glob("40-*.txt")))).splitlines()


def test_it_prints_the_type_release_words_flags_and_warnings(kernel_data):
    out = run(str(BUDDY))
    lines = out.splitlines()
    assert lines[0].startswith("type:     ")
    assert "release:  rules at v6.9, layout of v6.12 on x86_64 (6.12.117)" in lines
    assert "flags:    0x6fffe0000000000 none node=1 zone=2" in lines
    rows = [line.lstrip(" *").split()[:4] for line in lines]
    assert ["raw", "6", "@48", "00000000ffffff7f"] in rows
    assert "warning: Release v6.9 is not loaded for x86_64; rules at v6.9 and the v6.12 layout are used." in lines


def test_it_reads_stdin_and_takes_the_release_given(kernel_data):
    out = run("-", "--release", "v6.1", "--arch", "x86_64", stdin=BUDDY.read_text())
    assert "release:  rules at v6.1, layout of v6.1 on x86_64 (6.1.192)" in out.splitlines()


def test_json_prints_the_apis_answer(kernel_data):
    body = json.loads(run(str(BUDDY), "--json"))
    assert set(body) == {"type", "tail", "head_type", "compound", "order", "release", "arch", "rules", "words",
                         "flags", "warnings", "candidates"}  # fmt: skip
    assert body["release"]["url"] == "/api/v1/releases/v6.12/"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["/nonexistent/dump.txt"], None, "cannot read /nonexistent/dump.txt"),
        (["-"], "nothing to see here", "text: "),
        (["-"], "x" * (64 * 1024 + 1), "text: the input is longer than 64 KiB"),
        ([str(BUDDY), "--release", "v99.1"], None, "release: memtypes knows releases up to"),
    ],
)
def test_bad_input_is_a_command_error(kernel_data, args, stdin, message):
    with pytest.raises(CommandError) as refused:
        run(*args, stdin=stdin)
    assert message in str(refused.value)


def test_bad_input_is_one_line_on_stderr_and_a_non_zero_exit():
    done = subprocess.run(
        [sys.executable, "manage.py", "decode", "-"],
        input="this is not a dump\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode != 0
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("CommandError: text: ")
