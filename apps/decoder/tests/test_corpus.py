"""Every real dump_page() output of the test set (dumps/index.yaml) decodes to its labelled
type, tail and head type (and order, where the label gives one), as a reader pasting it would
see: no release or architecture given."""

from pathlib import Path

import pytest
import yaml

from apps.decoder.decode import decode_text

DUMPS = Path(__file__).parent / "dumps"
INDEX = yaml.safe_load((DUMPS / "index.yaml").read_text())["dumps"]


@pytest.fixture
def kernel_data(kernel_data_once, db):
    return kernel_data_once


def test_the_test_set_lists_at_least_twenty_dumps_each_in_its_file():
    assert len(INDEX) >= 20
    assert all((DUMPS / entry["file"]).is_file() for entry in INDEX)


@pytest.mark.parametrize("entry", INDEX, ids=[entry["file"] for entry in INDEX])
def test_each_dump_decodes_to_its_label(kernel_data, entry):
    expected = entry["expected"]
    decoding = decode_text((DUMPS / entry["file"]).read_text())
    got = {
        "type": decoding.type.slug,
        "tail": decoding.tail,
        "head_type": decoding.head_type.slug if decoding.head_type else None,
    }
    want = {key: expected[key] for key in ("type", "tail", "head_type")}
    if expected.get("order") is not None:
        got["order"], want["order"] = decoding.order, expected["order"]
    assert got == want, decoding.warnings
