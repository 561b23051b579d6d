"""Layout detection: every format from a generated file, overrides, unknown layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from armednet.errors import InputError
from armednet.events.formats import FORMATS, detect_format
from tests.events.fakes import (
    write_acled,
    write_acled_json,
    write_acled_weekly,
    write_csv,
    write_ged,
)


@pytest.mark.parametrize(
    ("writer", "expected", "skip"),
    [
        (lambda p: write_acled(p, classic=True), "acled", 1),
        (lambda p: write_acled(p, classic=False), "acled-api", 1),
        (write_acled_json, "acled-api-json", 0),
        (write_acled_weekly, "acled-weekly", 1),
        (lambda p: write_ged(p, hdx=False), "ucdp-ged", 1),
        (lambda p: write_ged(p, hdx=True), "ucdp-ged-hdx", 2),
    ],
)
def test_each_layout_is_detected(tmp_path: Path, writer, expected: str, skip: int) -> None:
    path = tmp_path / "f.data"
    writer(path)
    det = detect_format(path)
    assert det.format.name == expected
    assert det.skip_lines == skip
    assert det.format is FORMATS[expected]


def test_ged_standard_has_49_columns_and_acled_31(tmp_path: Path) -> None:
    write_ged(tmp_path / "g.csv")
    write_acled(tmp_path / "a.csv")
    assert len(detect_format(tmp_path / "g.csv").columns) == 49
    assert len(detect_format(tmp_path / "a.csv").columns) == 31


def test_override_keeps_checking_columns(tmp_path: Path) -> None:
    path = write_acled(tmp_path / "a.csv", classic=False).path
    assert detect_format(path, "acled").format.name == "acled"
    with pytest.raises(InputError, match="--format ucdp-ged needs column"):
        detect_format(path, "ucdp-ged")
    with pytest.raises(InputError, match="unknown format 'acled2'"):
        detect_format(path, "acled2")
    with pytest.raises(InputError, match="expects JSON"):
        detect_format(path, "acled-api-json")


def test_unknown_layout_names_file_and_expected_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "other.csv", ["a", "b", "c"], [["1", "2", "3"]])
    with pytest.raises(InputError) as info:
        detect_format(path)
    msg = str(info.value)
    assert str(path) in msg and "event_id_cnty" in msg and "date_start" in msg
    assert "--format" in msg and "\n" not in msg


@pytest.mark.parametrize("content", ["", "   \n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(content)
    with pytest.raises(InputError, match="empty"):
        detect_format(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        detect_format(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a directory"):
        detect_format(tmp_path)


def test_header_case_and_bom_do_not_matter(tmp_path: Path) -> None:
    fake = write_acled_weekly(tmp_path / "w.csv")
    data = fake.path.read_bytes()
    fake.path.write_bytes(b"\xef\xbb\xbf" + data.lower())
    assert detect_format(fake.path).format.name == "acled-weekly"
