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


def test_hxl_row_is_recognised_under_any_csv_layout(tmp_path: Path) -> None:
    det = detect_format(write_acled(tmp_path / "a.csv", hxl=True).path)
    assert (det.format.name, det.skip_lines, det.hxl) == ("acled", 2, True)
    det = detect_format(write_ged(tmp_path / "g.csv", hdx=True).path)
    assert (det.format.name, det.skip_lines, det.hxl) == ("ucdp-ged-hdx", 2, True)


def test_hdx_override_needs_the_tag_row(tmp_path: Path) -> None:
    plain = write_ged(tmp_path / "g.csv", hdx=False).path
    with pytest.raises(InputError, match="expects an HXL tag row") as info:
        detect_format(plain, "ucdp-ged-hdx")
    assert str(plain) in str(info.value)
    hdx = write_ged(tmp_path / "h.csv", hdx=True).path
    det = detect_format(hdx, "ucdp-ged")  # the tag row is still skipped
    assert (det.format.name, det.skip_lines) == ("ucdp-ged", 2)


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_spreadsheet_delimiters(tmp_path: Path, delimiter: str) -> None:
    det = detect_format(write_acled(tmp_path / "a.csv", delimiter=delimiter).path)
    assert det.format.name == "acled" and det.delimiter == delimiter
    assert len(det.columns) == 31


def test_empty_header_cells_get_names(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "w.csv", ["WEEK", "COUNTRY", "ADMIN1", "EVENT_TYPE",
                                          "SUB_EVENT_TYPE", "EVENTS", "FATALITIES", ""],
                     [["14-October-2023", "Iraq", "Baghdad", "Battles", "Armed clash", "1",
                       "0", "x"]])
    assert detect_format(path).columns[-1] == "column7"


def test_duplicate_header_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", ["id", "id", "date_start"], [["1", "2", "3"]])
    with pytest.raises(InputError, match="duplicate column"):
        detect_format(path)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ('{"data": [{"event_id_cnty": "X1", ', "invalid JSON at line 1"),
        ('{"rows": []}', "without a 'data' list"),
        ('{"status": 403, "success": false, "error": {"message": "Access denied"}}',
         "Access denied"),
        ("[1, 2, 3]", "no event objects"),
        ('[{"id": 1, "date_start": "2020-01-01"}]', "lack event_id_cnty"),
        ('"just a string"', "unknown event-file layout"),
    ],
)
def test_bad_json_is_refused_at_detection(tmp_path: Path, content: str, match: str) -> None:
    path = tmp_path / "api.json"
    path.write_text(content)
    with pytest.raises(InputError, match=match) as info:
        detect_format(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_empty_api_answer_is_a_json_layout(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text('{"status": 200, "success": true, "count": 0, "data": []}')
    assert detect_format(path).format.name == "acled-api-json"


def test_non_utf8_json(tmp_path: Path) -> None:
    path = tmp_path / "l1.json"
    path.write_bytes(b'[{"event_id_cnty": "caf\xe9"}]')
    with pytest.raises(InputError, match="not UTF-8"):
        detect_format(path)


def test_weekly_override_names_missing_columns(tmp_path: Path) -> None:
    path = write_acled(tmp_path / "a.csv").path
    with pytest.raises(InputError, match=r"--format acled-weekly needs column.*week"):
        detect_format(path, "acled-weekly")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"\x1f\x8b\x08\x00rest", "gzip-compressed"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        ("event_id_cnty,event_date\n".encode("utf-16"), "UTF-16"),
        (b"\x00\x01\x02\x00" * 256, "binary file"),
    ],
)
def test_binary_files_are_named(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=match) as info:
        detect_format(path)
    assert str(path) in str(info.value)
