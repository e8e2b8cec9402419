"""Importing council registers: formats recognised, values read by hand, problems named, and
no input — empty, binary, truncated, random — ever gets further than a clear message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convergence.errors import EstateFileError
from convergence.ocds import read_ocds
from convergence.registers import (
    detect_format,
    first_supplier,
    guess_tower,
    parse_any_date,
    preview_contracts,
    propose_mapping,
    read_table,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "registers"
TOWERS = {"desktop", "data_centre", "service_desk", "identity", "network", "line_of_business"}
NAMES = {
    "Westminster City Council": "WCC",
    "Royal Borough of Kensington and Chelsea": "RBKC",
    "London Borough of Hammersmith & Fulham": "LBHF",
}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_contracts_finder_export_is_recognised_and_read() -> None:
    frame = read_table(fixture("contracts-finder.csv"), "contracts-finder.csv")
    assert detect_format(list(frame.columns)) == "contracts-finder"
    mapping = propose_mapping(list(frame.columns))
    assert mapping["reference"] == "Notice Identifier"
    assert mapping["start"] == "Contract start date" or mapping["start"] == "Start Date"
    mapping["start"], mapping["end"] = "Contract start date", "Contract end date"
    preview = preview_contracts(frame, mapping, council="WCC", towers=TOWERS, council_for=NAMES.get)
    assert preview.problems == ()
    first, desk, framework = preview.contracts
    assert first.supplier == "Computacenter (UK) Ltd / Dell Corporation Ltd"
    assert (first.start, first.end, first.tower) == (date(2024, 4, 1), date(2029, 3, 31), "desktop")
    assert first.annual_value == Decimal("2501701.16")  # £12.5m over 1,825 days
    assert desk.tower == "service_desk"
    assert framework.annual_value is None  # frameworks show an awarded value of 0


def test_two_transparency_registers_with_different_columns() -> None:
    wcc = read_table(fixture("transparency-wcc.csv"), "transparency-wcc.csv")
    assert detect_format(list(wcc.columns)) == "transparency"
    mapping = propose_mapping(list(wcc.columns))
    assert mapping["reference"] == "Reference Number"
    assert mapping["title"] == "Title of Agreement"
    assert mapping["whole_life_value"] == "Value of Contract"
    assert mapping["department"] == "Directorate"
    preview = preview_contracts(
        wcc, mapping, council="WCC", tower="line_of_business", towers=TOWERS
    )
    assert [c.reference for c in preview.contracts] == ["WCC-DT-004", "WCC-PK-014"]
    assert preview.contracts[0].review_date == date(2026, 12, 15)
    assert preview.contracts[0].tower == "desktop"
    assert {(p.row, p.column) for p in preview.problems} == {(4, "Start Date")} or {
        p.row for p in preview.problems
    } == {4}
    assert "not a date" in preview.problems[0].problem

    rbkc = read_table(fixture("transparency-rbkc.xlsx"), "transparency-rbkc.xlsx")
    assert detect_format(list(rbkc.columns)) == "transparency"
    mapping = propose_mapping(list(rbkc.columns))
    assert mapping["reference"] == "Contract Ref" and mapping["max_end"] == "Maximum End Date"
    preview = preview_contracts(rbkc, mapping, council="RBKC", towers=TOWERS)
    assert preview.problems == ()
    devices = preview.contracts[0]
    assert (devices.end, devices.max_end) == (date(2028, 9, 30), date(2029, 9, 30))


def test_ocds_release_and_record_packages() -> None:
    release = read_ocds(
        fixture("ocds-release-package.json"), council="WCC", council_for=NAMES.get, towers=TOWERS
    )
    network = release.contracts[0]
    assert (network.council, network.reference, network.supplier) == (
        "RBKC",
        "RBKC-NW-005",
        "BT plc",
    )
    assert (network.start, network.end, network.max_end) == (
        date(2023, 1, 1),
        date(2027, 12, 31),
        date(2028, 12, 31),
    )
    assert network.tower == "network"
    record = read_ocds(
        fixture("ocds-record-package.json"), council="WCC", council_for=NAMES.get, towers=TOWERS
    )
    hosting = record.contracts[0]
    assert (hosting.council, hosting.reference, hosting.tower) == (
        "LBHF",
        "LBHF-HO-009",
        "data_centre",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/03/2027", date(2027, 3, 31)),
        ("2027-03-31", date(2027, 3, 31)),
        ("31 Mar 2027", date(2027, 3, 31)),
        ("2027-03-31T23:59:59Z", date(2027, 3, 31)),
        ("1/4/27", date(2027, 4, 1)),
        ("46477", date(2027, 3, 31)),
        ("", None),
    ],
)
def test_register_dates(text: str, expected: date | None) -> None:
    assert parse_any_date(text) == expected


def test_suppliers_and_towers() -> None:
    assert first_supplier("[A Ltd|x|y][B plc|z]") == "A Ltd / B plc"
    assert guess_tower("Managed print service") == "desktop"
    assert guess_tower("Something", "72500000") == "data_centre"
    assert guess_tower("Catering") is None


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary\x00", "does not look like"),
        (b"PK\x03\x04broken zip", "not a readable Excel"),
        (b"a,b\n", "no rows"),
        ("caf\xe9,x\n1,2\n".encode("cp1252") + b"\x81\x8d\x8f\x90\x9d", "neither UTF-8"),
    ],
)
def test_bad_files_get_a_clear_message(data: bytes, words: str) -> None:
    with pytest.raises(EstateFileError, match=words):
        read_table(data, "upload.csv")


@pytest.mark.parametrize(
    "data", [b"", b"{", b"[]", b'{"releases": 3}', b"\xff\xfe", b"[" * 100_000]
)
def test_bad_ocds_gets_a_clear_message(data: bytes) -> None:
    with pytest.raises(EstateFileError):
        read_ocds(data, council="WCC")


def import_anything(data: bytes, name: str) -> None:
    """What the import screen does with an upload; only EstateFileError may escape."""
    if name.endswith(".json"):
        read_ocds(data, council="WCC", towers=TOWERS, tower="desktop")
        return
    frame = read_table(data, name)
    mapping = propose_mapping(list(frame.columns))
    preview = preview_contracts(frame, mapping, council="WCC", tower="desktop", towers=TOWERS)
    assert len(preview.contracts) + preview.bad_rows <= preview.rows


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2_000), st.sampled_from(["x.csv", "x.xlsx", "x.json"]))
def test_random_bytes_never_crash_an_import(data: bytes, name: str) -> None:
    try:
        import_anything(data, name)
    except EstateFileError:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(p.name for p in FIXTURES.iterdir())), st.data())
def test_truncated_fixtures_never_crash_an_import(name: str, data: st.DataObject) -> None:
    whole = fixture(name)
    cut = data.draw(st.integers(0, len(whole)))
    try:
        import_anything(whole[:cut], name)
    except EstateFileError:
        pass


cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=8))
def test_random_grids_under_register_headers_never_crash(rows: list[list[str]]) -> None:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Reference Number", "Start Date", "Value of Contract"])
    writer.writerows(rows)
    try:
        import_anything(out.getvalue().encode("utf-8"), "grid.csv")
    except EstateFileError:
        pass
