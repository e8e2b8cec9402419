"""Importing council registers: each format recognised and its columns proposed, values read as
checked by hand, problems named by row, column and words, and no input (empty, binary,
truncated, wrongly encoded, enormous, malicious or random) ever gets further than a clear
EstateFileError. A file with a bad row yields its valid rows and its problems apart, and
commits nothing unless only the valid rows are asked for."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from convergence.errors import EstateFileError
from convergence.records.estate import Contract, Dependency, System
from convergence.records.estate_files import COLUMNS, read_estate
from convergence.registers import cells, columns, files
from convergence.registers.cells import (
    annual_from_whole_life,
    guess_tower,
    parse_pounds,
    parse_register_date,
    supplier_names,
)
from convergence.registers.columns import detect_format, propose_mapping
from convergence.registers.files import read_table
from convergence.registers.ocds import read_ocds
from convergence.registers.previews import (
    ImportPreview,
    RowProblem,
    preview_contracts,
    preview_estate_table,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "registers"
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
TOWERS = {"desktop", "data_centre", "service_desk", "identity", "network", "line_of_business"}
COUNCILS = {
    "Westminster City Council": "WCC",
    "Royal Borough of Kensington and Chelsea": "RBKC",
    "London Borough of Hammersmith & Fulham": "LBHF",
}
SUPPLIER_CF = "Supplier [Name|Address|Ref type|Ref Number|Is SME|Is VCSE]"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def register(data: bytes, name: str, **choices: object) -> ImportPreview:
    """Read, recognise, map and preview a register as the import screen does."""
    frame = read_table(data, name)
    mapping = propose_mapping(list(frame.columns), detect_format(list(frame.columns)))
    options: dict[str, object] = {"council": "WCC", "towers": TOWERS, "council_for": COUNCILS.get}
    options.update(choices)
    return preview_contracts(frame, mapping, **options)  # type: ignore[arg-type]


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


# --- the formats, read by hand ----------------------------------------------------------------


def test_contracts_finder_export() -> None:
    data = fixture("contracts-finder.csv")
    assert data.startswith(b"\xef\xbb\xbf")
    frame = read_table(data, "contracts-finder.csv")
    assert frame.columns[0] == "Notice Identifier"
    assert detect_format(list(frame.columns)) == "contracts-finder"
    mapping = propose_mapping(list(frame.columns))
    assert {f: c for f, c in mapping.items() if c} == {
        "reference": "Notice Identifier",
        "title": "Title",
        "supplier": SUPPLIER_CF,
        "start": "Contract start date",  # not the tender's "Start Date"
        "end": "Contract end date",
        "whole_life_value": "Awarded Value",
        "council": "Organisation Name",
        "cpv": "Cpv Codes",
        "description": "Description",
        "notice": "OCID",
    }
    preview = register(data, "contracts-finder.csv")
    assert preview.problems == () and preview.rows == 5
    desktop, desk, hosting, network, identity = preview.contracts
    assert desktop == Contract(
        council="WCC",
        reference="a1b2c3d4-0001",
        title="End user computing managed service",
        supplier="Computacenter (UK) Ltd / Dell Corporation Ltd",
        tower="desktop",
        start=date(2024, 4, 1),
        end=date(2029, 3, 31),
        annual_value=Decimal("2500000.00"),  # £12.5m over five years
        notice="ocds-b5fd17-0001",
    )
    assert (desk.tower, desk.annual_value) == ("service_desk", Decimal("700000.00"))
    assert (hosting.tower, hosting.annual_value) == ("data_centre", None)  # a framework: £0
    assert network.council == "LBHF" and network.tower == "network"
    assert network.supplier == "Virgin Media Business Ltd / Exponential-e Ltd"
    assert (network.start, network.end) == (date(2024, 11, 1), date(2027, 10, 31))
    assert identity.supplier == "Smith, Jones & Co Ltd" and identity.tower == "identity"
    assert identity.annual_value == Decimal("83333.17")  # £249,999.50 over three years
    assert "review_date" not in preview.fields and "annual_value" in preview.fields


def test_westminster_transparency_register() -> None:
    frame = read_table(fixture("transparency-wcc.csv"), "transparency-wcc.csv")
    assert detect_format(list(frame.columns)) == "transparency"
    mapping = propose_mapping(list(frame.columns))
    assert {f: c for f, c in mapping.items() if c} == {
        "reference": "Reference Number",
        "title": "Title of Agreement",
        "supplier": "Supplier Name",  # not "Supplier Companies House Number"
        "department": "Directorate",
        "start": "Start Date",
        "end": "End Date",
        "whole_life_value": "Value of Contract",
        "review_date": "Review Date",
        "description": "Description of Goods",
        "irrecoverable_vat": "Irrecoverable VAT",
        "procurement_route": "Invitation to Quote or Tender",
        "sme": "SME",
        "vcse": "VCSE",
    }
    preview = preview_contracts(
        frame, mapping, council="WCC", tower="line_of_business", towers=TOWERS
    )
    desktop, parking = preview.contracts
    assert desktop == Contract(
        council="WCC",
        reference="WCC-DT-004",
        title="Desktop managed service",
        supplier="Capgemini UK plc",
        tower="desktop",  # from the title; the chosen tower is for rows that do not say
        department="Digital & IT",
        start=date(2022, 4, 1),
        end=date(2027, 3, 31),
        annual_value=Decimal("2150000.00"),  # £10.75m over five years
        review_date=date(2026, 12, 15),
    )
    assert (parking.tower, parking.annual_value) == ("line_of_business", Decimal("310000.00"))
    assert preview.problems == (
        RowProblem(4, "Start Date", "'31/13/2022' is not a date (write it as 31/03/2027)"),
    )
    no_tower = preview_contracts(frame, mapping, council="WCC", towers=TOWERS)
    assert [(p.row, p.column) for p in no_tower.problems] == [
        (3, "tower"),
        (4, "Start Date"),
        (4, "tower"),
    ]
    assert no_tower.problems[0].problem == "tower not known: choose one for the file"


def test_kensington_workbook_with_a_title_line() -> None:
    frame = read_table(fixture("transparency-rbkc.xlsx"), "transparency-rbkc.xlsx")
    assert list(frame.index) == [4, 5]  # the title line and the blank row above the header
    mapping = propose_mapping(list(frame.columns))
    assert mapping["reference"] == "Contract Ref"
    assert mapping["supplier"] == "Supplier"  # not "Supplier Company No"
    assert mapping["max_end"] == "End Date Including Extensions"
    assert mapping["end"] == "Contract End Date"
    assert (mapping["sme"], mapping["procurement_route"]) == ("SME (Y/N)", "Procurement Route")
    preview = register(fixture("transparency-rbkc.xlsx"), "rbkc.xlsx", council="RBKC")
    assert preview.problems == ()
    devices, desk = preview.contracts
    assert (devices.start, devices.end, devices.max_end) == (
        date(2021, 10, 1),
        date(2028, 9, 30),
        date(2029, 9, 30),
    )
    assert (devices.council, devices.tower, devices.annual_value) == (
        "RBKC",
        "desktop",
        Decimal("1640000.00"),  # £11.48m over seven years
    )
    assert (desk.tower, desk.annual_value) == ("service_desk", Decimal("600000.00"))


def test_problems_in_a_workbook_name_its_own_row_numbers() -> None:
    book = load_workbook(io.BytesIO(fixture("transparency-rbkc.xlsx")))
    book.active["I5"] = date(2021, 1, 1)  # RBKC-SD-003 now ends before it starts
    out = io.BytesIO()
    book.save(out)
    preview = register(out.getvalue(), "rbkc.xlsx", council="RBKC")
    assert [c.reference for c in preview.contracts] == ["RBKC-DT-002"]
    assert preview.problems == (
        RowProblem(
            5, "Contract End Date", "the end date 01/01/2021 is not after the start 01/01/2022"
        ),
    )


def test_ocds_release_package() -> None:
    preview = read_ocds(
        fixture("ocds-release-package.json"), council_code_for_buyer=COUNCILS.get, towers=TOWERS
    )
    assert preview.problems == () and preview.rows == 4
    network, desk = preview.contracts
    assert network == Contract(  # the amendment, the later release, wins
        council="RBKC",
        reference="RBKC-NW-005",
        title="Network services",
        supplier="BT plc",
        tower="network",
        start=date(2023, 1, 1),
        end=date(2028, 12, 31),
        max_end=date(2028, 12, 31),
        annual_value=Decimal("640000.00"),  # £3.84m over six years
        notice="ocds-h6vhtk-0001",
    )
    assert desk == Contract(  # buyer from parties; a short award id gets its ocid
        council="WCC",
        reference="ocds-b5fd17-0002-1",
        title="IT service desk support",
        supplier="Agilisys Ltd",
        tower="service_desk",
        start=date(2024, 4, 1),  # the date as written, not moved to UTC
        end=date(2026, 3, 31),
        max_end=date(2027, 3, 31),
        annual_value=Decimal("240000.00"),
        notice="ocds-b5fd17-0002",
    )
    assert preview.warnings == (
        "1 of 4 releases have no award or contract (tenders, plans): "
        "there is nothing to import from them",
    )


def test_ocds_record_package() -> None:
    preview = read_ocds(
        fixture("ocds-record-package.json"), council_code_for_buyer=COUNCILS.get, towers=TOWERS
    )
    assert preview.problems == () and preview.rows == 2
    hosting, identity = preview.contracts
    assert (hosting.council, hosting.reference, hosting.supplier, hosting.tower) == (
        "LBHF",
        "LBHF-HO-009",
        "Ark Data Centres Ltd",
        "data_centre",
    )
    assert (hosting.start, hosting.end, hosting.annual_value) == (
        date(2025, 6, 1),
        date(2029, 5, 31),
        Decimal("1200000.00"),
    )
    assert (identity.council, identity.reference, identity.tower) == (
        "WCC",
        "WCC-ID-011",
        "identity",
    )
    assert (identity.max_end, identity.annual_value) == (date(2028, 12, 31), Decimal("300000.00"))


def test_ocds_problems_by_release_and_path() -> None:
    release = {
        "ocid": "ocds-b5fd17-9",
        "date": "2024-01-01",
        "buyer": {"name": "Somewhere District Council"},
        "tender": {"title": "Managed print"},
        "awards": [
            {
                "id": "AWARD-0001",
                "value": {"amount": 100, "currency": "EUR"},
                "contractPeriod": {"startDate": "2024-02-30", "endDate": "2023-01-01"},
            },
            {"id": "AWARD-0002", "value": {"amount": True}},
        ],
    }
    same_id = {"ocid": "ocds-b5fd17-10", "awards": [{"id": "AWARD-0001"}]}
    package = {"releases": [release, "not a release", same_id]}
    preview = read_ocds(json.dumps(package).encode(), tower="desktop")
    assert preview.contracts == ()
    assert {(p.row, p.column, p.problem) for p in preview.problems} == {
        (1, "awards[0]", "reference AWARD-0001 is also used by ocds-b5fd17-10"),
        (
            1,
            "awards[0].contractPeriod.startDate",
            "'2024-02-30' is not a date (write it as 2027-03-31)",
        ),
        (1, "awards[0].value", "the value is in EUR, not pounds"),
        (1, "awards[1].value", "true is not an amount"),
        (
            1,
            "buyer.name",
            "buyer 'Somewhere District Council' is not a council we know: choose the council",
        ),
        (2, "release", "not a JSON object"),
        (3, "awards[0]", "reference AWARD-0001 is also used by ocds-b5fd17-9"),
        (3, "buyer.name", "no buyer: choose the council"),
    }
    linked = {"records": [{"ocid": "x", "releases": [{"url": "https://example.invalid/r.json"}]}]}
    assert read_ocds(json.dumps(linked).encode(), council="WCC", tower="desktop").problems == (
        RowProblem(
            1,
            "compiledRelease",
            "the record has no compiled release, nor releases of its own (only links)",
        ),
    )


# --- recognising formats and proposing columns ------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "kind"),
    [
        *[(list(COLUMNS[f"{k}.csv"]), f"estate-{k}") for k in ("contracts", "systems", "lots")],
        (list(COLUMNS["dependencies.csv"]), "estate-dependencies"),
        (["code", "name"], "estate-councils"),
        (["Council", "Reference", "Tower", "Notes"], "estate-contracts"),
        (["Ref", "Contract Title", "Supplier", "Expiry Date"], "transparency"),
        (["Contract Reference", "Supplier Name", "Estimated annual spend"], "transparency"),
        (["Reference", "Description", "SME", "VCSE", "Irrecoverable VAT"], "transparency"),
        (["Name", "Address", "Phone"], "unknown"),
        (["Reference"], "unknown"),
        ([], "unknown"),
    ],
)
def test_formats_are_told_by_their_headers(columns: list[str], kind: str) -> None:
    assert detect_format(columns) == kind


OTHER_COLUMNS = ["Contract Reference", "Contract Title", "Supplier", "Start Date", "End Date"]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Reference Number", "reference"),
        ("Ref", "reference"),
        ("Contract Ref No.", "reference"),
        ("Title of agreement", "title"),
        ("Supplier Name", "supplier"),
        ("Name of Supplier", "supplier"),
        ("Contract Start Date", "start"),
        ("Commencement date", "start"),
        ("Expiry Date", "end"),
        ("Contract End Date (excluding extensions)", "end"),
        ("Maximum Contract End Date", "max_end"),
        ("End date including all extensions", "max_end"),
        ("Review Date", "review_date"),
        ("Value", "whole_life_value"),
        ("Total Value (£)", "whole_life_value"),
        ("Contract Value", "whole_life_value"),
        ("Annual Value", "annual_value"),
        ("Estimated annual spend", "annual_value"),
        ("Department", "department"),
        ("Service Area", "department"),
        ("Directorate", "department"),
        ("Irrecoverable VAT", "irrecoverable_vat"),
        ("SME (Y/N)", "sme"),
        ("Voluntary / Community organisation", "vcse"),
        ("Procurement route", "procurement_route"),
        ("Invitation to quote or tender", "procurement_route"),
        ("CPV Code", "cpv"),
    ],
)
def test_each_councils_own_header_is_recognised(header: str, field: str) -> None:
    others = [c for c in OTHER_COLUMNS if propose_mapping(OTHER_COLUMNS)[field] != c]
    assert propose_mapping([*others, header])[field] == header


@pytest.mark.parametrize(
    "header",
    [
        "Supplier Company Registration Number",
        "Supplier Postcode",
        "Contact Officer",
        "Irrecoverable VAT",
        "Value Band",
    ],
)
def test_near_miss_headers_hold_no_field_of_ours(header: str) -> None:
    mapping = propose_mapping(["Contract Ref", header])
    taken = {f for f, c in mapping.items() if c == header}
    assert taken <= set(columns.NOT_STORED)


def test_our_estate_files_map_column_to_column() -> None:
    frame = read_table((SAMPLE / "systems.csv").read_bytes(), "systems.csv")
    kind = detect_format(list(frame.columns))
    assert kind == "estate-systems"
    assert propose_mapping(list(frame.columns), kind) == {c: c for c in COLUMNS["systems.csv"]}


# --- cells --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/03/2027", date(2027, 3, 31)),
        ("1/4/27", date(2027, 4, 1)),
        ("31/12/99", date(1999, 12, 31)),
        ("31.03.2027", date(2027, 3, 31)),
        ("31/03/2027 00:00", date(2027, 3, 31)),
        ("2027-03-31", date(2027, 3, 31)),
        ("2027/03/31", date(2027, 3, 31)),
        ("2027-03-31T23:59:59Z", date(2027, 3, 31)),
        ("2027-03-31T00:00:00+01:00", date(2027, 3, 31)),
        ("31 Mar 2027", date(2027, 3, 31)),
        ("1st April 2027", date(2027, 4, 1)),
        ("31-Mar-27", date(2027, 3, 31)),
        ("46477", date(2027, 3, 31)),  # an Excel day number
        ("", None),
        ("TBC", None),
        ("Ongoing", None),
    ],
)
def test_register_dates(text: str, expected: date | None) -> None:
    assert parse_register_date(text) == expected


@pytest.mark.parametrize(
    ("text", "order"),
    [("31/02/2027", "dmy"), ("03/31/2027", "dmy"), ("next year", "dmy"), ("31/03/2027", "iso")],
)
def test_dates_that_are_refused(text: str, order: cells.DateOrder) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        parse_register_date(text, order)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£1,250,000.00", Decimal("1250000.00")),
        ("1250000", Decimal("1250000")),
        ("£ 10,000", Decimal("10000")),
        ("1.2m", Decimal("1200000.0")),
        ("250k", Decimal("250000")),
        ("GBP 5000", Decimal("5000")),
        ("0", Decimal("0")),
        ("", None),
        ("N/A", None),
    ],
)
def test_register_money(text: str, expected: Decimal | None) -> None:
    assert parse_pounds(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [("-5", "negative"), ("(1,000)", "negative"), ("ten pounds", "not an amount"), ("NaN", "not")],
)
def test_money_that_is_refused(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_pounds(text)


def test_contracts_finder_supplier_cells() -> None:
    assert supplier_names("[A Ltd|x|y][B plc|z]") == "A Ltd / B plc"
    assert supplier_names("Plain Supplier Ltd") == "Plain Supplier Ltd"
    many = "".join(f"[Framework supplier number {n}|addr]" for n in range(40))
    names = supplier_names(many)
    assert len(names) <= 300 and names.endswith(" more")


@pytest.mark.parametrize(
    ("title", "cpv", "tower"),
    [
        ("Managed service", "30200000", "desktop"),
        ("Managed service", "72500000", "data_centre"),
        ("Managed service", "72510000-3", "data_centre"),
        ("Managed service", "72253000", "service_desk"),
        ("Managed service", "72400000", "network"),
        ("Managed service", "48000000", "line_of_business"),
        ("Anything", "72000000 72253000", "service_desk"),
        ("Managed print service", "", "desktop"),
        ("IT Service Desk", "", "service_desk"),
        ("Hosting", "", "data_centre"),
        ("Catering", "55500000", None),
    ],
)
def test_towers_from_cpv_codes_and_titles(title: str, cpv: str, tower: str | None) -> None:
    assert guess_tower(title, cpv) == tower


@pytest.mark.parametrize(
    ("start", "end", "annual"),
    [
        (date(2022, 4, 1), date(2027, 3, 31), Decimal("2000000.00")),
        (date(2024, 1, 1), date(2024, 6, 30), Decimal("10000000.00")),  # under a year: as given
        (None, date(2027, 3, 31), Decimal("10000000.00")),
        (date(2022, 4, 15), date(2024, 10, 14), Decimal("4000000.00")),  # two and a half years
    ],
)
def test_whole_life_value_spread_over_the_term(
    start: date | None, end: date, annual: Decimal
) -> None:
    assert annual_from_whole_life(Decimal(10_000_000), start, end) == annual
    assert annual_from_whole_life(Decimal(0), start, end) is None


# --- problems by row, and all or nothing --------------------------------------------------------

HEADER = ["Ref", "Title", "Start Date", "End Date", "Max End Date", "Annual Value", "Tower"]


def test_every_problem_is_named_by_row_column_and_words() -> None:
    rows = [
        HEADER,
        ["OK-1", "Desktop", "01/04/2024", "31/03/2027", "31/03/2028", "£100,000", "desktop"],
        ["", "No reference", "", "", "", "", "desktop"],
        ["DUP", "First", "", "", "", "", "desktop"],
        ["DUP", "Second", "", "", "", "", "desktop"],
        ["ORDER", "Ends first", "01/04/2024", "31/03/2023", "", "", "desktop"],
        ["MAX", "Max too early", "01/04/2024", "31/03/2027", "31/03/2026", "", "desktop"],
        ["OLD", "Too old", "01/04/1899", "", "", "", "desktop"],
        ["NEG", "Negative", "", "", "", "-£5", "desktop"],
        ["TOWER", "Catering", "", "", "", "", ""],
        ["BADTOWER", "Catering", "", "", "", "", "kitchens"],
        ["LONG", "x" * 501, "", "", "", "", "desktop"],
        ["OK-2", "Hosting", "2024-01-01", "2026-12-31", "", "", ""],
    ]
    data = csv_bytes(rows) + b"WIDE,Unquoted,01/01/2024,31/12/2025,,1,000,desktop\r\n"
    preview = register(data, "register.csv")
    assert [c.reference for c in preview.contracts] == ["OK-1", "OK-2"]
    assert preview.contracts[1].tower == "data_centre"
    assert [(p.row, p.column, p.problem) for p in preview.problems] == [
        (3, "Ref", "no contract reference"),
        (4, "Ref", "reference DUP is also on row 5"),
        (5, "Ref", "reference DUP is also on row 4"),
        (6, "End Date", "the end date 31/03/2023 is not after the start 01/04/2024"),
        (7, "Max End Date", "the maximum end date 31/03/2026 is before the end date"),
        (8, "Start Date", "01/04/1899 is not a plausible date (1990 to 2100)"),
        (9, "Annual Value", "'-£5' is negative: an amount cannot be below £0"),
        (10, "Tower", "tower not known: choose one for the file"),
        (11, "Tower", "tower 'kitchens' is not in the estate"),
        (12, "Title", "longer than 500 characters"),
        (14, "(whole row)", "8 cells where the header has 7: a value may hold an unquoted comma"),
        (14, "Tower", "tower '000' is not in the estate"),  # the cells after the comma moved
    ]
    assert preview.rows == 13 and preview.bad_rows == 11


def test_a_file_with_a_bad_row_commits_nothing_unless_only_valid_rows_are_asked_for() -> None:
    preview = register(fixture("transparency-wcc.csv"), "wcc.csv", tower="line_of_business")
    with pytest.raises(EstateFileError, match="1 row has problems: nothing was imported"):
        preview.to_estate()
    assert preview.to_estate(valid_only=True).contracts == preview.contracts
    clean = register(fixture("contracts-finder.csv"), "cf.csv")
    assert clean.to_estate().contracts == clean.contracts


def test_without_a_reference_column_nothing_is_read() -> None:
    frame = read_table(csv_bytes([["Name", "Phone"], ["A", "1"]]), "x.csv")
    preview = preview_contracts(frame, propose_mapping(list(frame.columns)), council="WCC")
    assert preview.contracts == ()
    assert preview.problems == (
        RowProblem(1, "reference", "no column holds the reference: choose one"),
    )
    gone = preview_contracts(frame, {"reference": "Ref"}, council="WCC")
    assert gone.problems == (RowProblem(1, "Ref", "no such column in the file: choose one"),)


def test_row_numbers_count_blank_rows_and_multiline_cells_as_a_spreadsheet_does() -> None:
    data = b'Ref,Title,End Date\r\nA,"two\r\nlines",31/03/2027\r\n\r\nB,Desktop,31/02/2027\r\n'
    preview = register(data, "x.csv", tower="desktop")
    assert [c.title for c in preview.contracts] == ["two\r\nlines"]
    assert [(p.row, p.column) for p in preview.problems] == [(4, "End Date")]


def test_a_council_column_names_the_council_of_each_row() -> None:
    data = csv_bytes(
        [
            ["Ref", "Organisation Name", "Title"],
            ["A", "London Borough of Hammersmith & Fulham", "Desktop"],
            ["B", "Somewhere Else", "Desktop"],
        ]
    )
    preview = register(data, "x.csv")
    assert [(c.reference, c.council) for c in preview.contracts] == [("A", "LBHF")]
    assert [(p.row, p.column, p.problem) for p in preview.problems] == [
        (3, "Organisation Name", "buyer 'Somewhere Else' is not a council of the estate: left out")
    ]
    anyone = register(data, "x.csv", any_buyer=True)
    assert [(c.reference, c.council) for c in anyone.contracts] == [("A", "LBHF"), ("B", "WCC")]
    nobody = register(data, "x.csv", council="", council_for=None)
    assert {(p.row, p.problem) for p in nobody.problems} == {
        (2, "council not known: choose one for the file"),
        (3, "council not known: choose one for the file"),
    }


def test_the_rules_storage_applies_are_checked_in_the_preview() -> None:
    data = csv_bytes(
        [
            ["Ref", "Council", "Title", "Start Date", "End Date", "Max End Date", "Notice Period"],
            ["A", "", "Desktop", "", "", "31/03/2028", ""],
            ["B", "", "Desktop", "01/04/2024", "30/06/2024", "", "6 months"],
            ["C", "XYZ", "Desktop", "", "31/03/2027", "", ""],
        ]
    )
    as_written = str.strip  # the council column holds council codes
    alone = register(data, "x.csv", council_for=as_written)
    assert [(p.row, p.column, p.problem) for p in alone.problems] == [
        (2, "End Date", "Give the current end date as well as the maximum end date"),
        (3, "Notice Period", "The notice period must be shorter than the term"),
    ]
    assert [c.council for c in alone.contracts] == ["XYZ"]  # no estate: any council will do
    estate = read_estate(SAMPLE)
    frame = read_table(data, "x.csv")
    mapping = propose_mapping(list(frame.columns))
    checked = preview_contracts(
        frame, mapping, council="WCC", council_for=as_written, estate=estate
    )
    assert checked.problems[-1] == RowProblem(4, "Council", "There is no council 'XYZ'")
    release = {
        "ocid": "o-1",
        "awards": [{"id": "A-0001", "contractPeriod": {"maxExtentDate": "2028-01-01"}}],
    }
    preview = read_ocds(
        json.dumps({"releases": [release]}).encode(), council="WCC", tower="desktop"
    )
    assert preview.problems == (
        RowProblem(
            1,
            "awards[0].contractPeriod.endDate",
            "Give the current end date as well as the maximum end date",
        ),
    )


def test_a_preview_says_which_contract_fields_the_file_carries() -> None:
    wcc = register(fixture("transparency-wcc.csv"), "wcc.csv", tower="desktop")
    assert wcc.fields == (
        "annual_value",
        "council",
        "department",
        "end",
        "reference",
        "review_date",
        "start",
        "supplier",
        "title",
    )  # not the tower: the register has no tower column, so it is told from titles or chosen
    ocds = read_ocds(fixture("ocds-record-package.json"), council="WCC", tower="desktop")
    assert "department" not in ocds.fields and "max_end" in ocds.fields
    assert "tower" not in ocds.fields


# --- our own estate files -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["councils", "lots", "contracts", "systems", "dependencies"])
def test_sample_estate_files_preview_as_read_estate_reads_them(name: str) -> None:
    frame = read_table((SAMPLE / f"{name}.csv").read_bytes(), f"{name}.csv")
    kind = detect_format(list(frame.columns))
    assert kind == f"estate-{name}"
    preview = preview_estate_table(frame, kind)
    assert preview.problems == ()
    assert getattr(preview, name) == getattr(read_estate(SAMPLE), name)


def test_estate_file_problems_by_row() -> None:
    systems = csv_bytes(
        [
            list(COLUMNS["systems.csv"]),
            ["WCC", "Desktop", "desktop", "WCC-DT-004", "", "40", "legacy", ""],
            ["WCC", "", "desktop", "", "", "ten", "gone", "31/03/2027"],
            ["WCC", "Desktop", "desktop", "", "", "", "", ""],
            ["WCC", "'=cmd", "desktop", "", "", "", "", ""],
        ]
    )
    preview = preview_estate_table(read_table(systems, "systems.csv"), "estate-systems")
    assert preview.systems == (
        System("WCC", "Desktop", "desktop", "WCC-DT-004", None, 40, "legacy", None),
        System("WCC", "=cmd", "desktop"),
    )
    assert [(p.row, p.column) for p in preview.problems] == [
        (3, "system"),
        (3, "transition_days"),
        (3, "state"),
        (3, "cutover"),
        (4, "system"),
    ]
    assert preview.problems[-1].problem == "the same record is also on row 2"
    missing = preview_estate_table(
        read_table(b"council,system\nWCC,x\n", "d.csv"), "estate-dependencies"
    )
    assert {p.column for p in missing.problems} == {"needs_council", "needs_system"}
    contracts = csv_bytes(
        [
            ["council", "reference", "tower", "start", "end"],
            ["WCC", "X", "desktop", "2027-01-01", "2026-01-01"],
        ]
    )
    preview = preview_estate_table(read_table(contracts, "c.csv"), "estate-contracts")
    assert [(p.row, p.column) for p in preview.problems] == [(2, "end")]
    dependency = Dependency("WCC", "Desktop", "WCC", "Identity", 5)
    row = ["WCC", "Desktop", "WCC", "Identity", "5"]
    ok = csv_bytes([list(COLUMNS["dependencies.csv"]), row])
    assert preview_estate_table(read_table(ok, "d.csv"), "estate-dependencies").dependencies == (
        dependency,
    )


# --- files that cannot be read: a clear message, nothing else -----------------------------------


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def rbkc_with(member: str, content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(fixture("transparency-rbkc.xlsx"))) as source:
        members = {n: source.read(n) for n in source.namelist()}
    return zipped({**members, member: content})


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE z [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        b'<!ENTITY a%d "%s">' % (i, (b"&a%s;" % (str(i - 1).encode() if i > 1 else b"")) * 10)
        for i in range(1, 10)
    )
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&a9;</t></is></c></row>'
    b"</sheetData></worksheet>"
)


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "r.csv", "the file is empty"),
        (b" \r\n\r\n ,,,\r\n", "r.csv", "the file is empty"),
        (b"\x00\x01\x02binary\x00", "r.csv", "does not look like a CSV or Excel file"),
        (bytes(range(1, 32)) * 40, "r.csv", "does not look like a CSV or Excel file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "r.csv", "does not look like a CSV or Excel file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "r.xls", "old Excel workbook"),
        (b"PK\x03\x04broken zip", "r.xlsx", "not a readable Excel workbook"),
        (b"Ref,Title\n", "r.xlsx", "not a readable Excel workbook"),
        (zipped({"word/document.xml": b"<w/>"}), "r.docx", "does not look like a CSV or Excel"),
        (fixture("transparency-rbkc.xlsx")[:3000], "r.xlsx", "may be damaged or cut short"),
        (rbkc_with("xl/worksheets/sheet1.xml", BILLION_LAUGHS), "r.xlsx", "not a readable"),
        (b"Ref,Title\r\n", "r.csv", "a header but no rows"),
        (b'Ref,Title\r\nA,"Desktop managed serv', "r.csv", "ends inside a quoted cell"),
        ("Ref,Title\r\nA,Caf\xe9 \x81".encode("latin-1"), "r.csv", "not UTF-8 or Windows-1252"),
        (b",".join([b"h"] * 600) + b"\r\n1\r\n", "r.csv", "more than 500 columns"),
        (b"Ref\r\n" + b"," * 200_000 + b"\r\n", "r.csv", "a row has more than 500 cells"),
    ],
)
def test_unreadable_files_get_a_clear_message(data: bytes, name: str, words: str) -> None:
    with pytest.raises(EstateFileError, match=words):
        read_table(data, name)


def test_size_and_row_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_BYTES", 2**20)
    with pytest.raises(EstateFileError, match="larger than 1 MB; split it"):
        read_table(b"Ref\r\n" + b"A\r\n" * 2**19, "r.csv")
    monkeypatch.setattr(files, "MAX_BYTES", 50 * 2**20)
    monkeypatch.setattr(files, "MAX_ROWS", 10)
    with pytest.raises(EstateFileError, match="more than 10 rows; split the file"):
        read_table(b"Ref\r\n" + b"A\r\n" * 11, "r.csv")
    book = Workbook()
    for n in range(12):
        book.active.append([f"C-{n}"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(EstateFileError, match="more than 10 rows"):
        read_table(out.getvalue(), "r.xlsx")


def test_a_zip_bomb_is_refused_before_it_is_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_UNZIPPED", 2**20)
    bomb = rbkc_with("xl/media/padding.bin", bytes(2 * 2**20))
    assert len(bomb) < 20_000
    with pytest.raises(EstateFileError, match="unpacks to more than 1 MB"):
        read_table(bomb, "bomb.xlsx")


def test_encodings_and_delimiters_councils_use() -> None:
    windows = "Ref;Title;Value\r\nA;Café services;£1,000\r\n".encode("cp1252")
    frame = read_table(windows, "r.csv")
    assert (frame.loc[2, "Title"], frame.loc[2, "Value"]) == ("Café services", "£1,000")
    assert "read as Windows-1252" in frame.attrs["warnings"][0]
    unicode_text = "Ref\tTitle\r\nA\tCafé\r\n".encode("utf-16")
    assert read_table(unicode_text, "r.txt").loc[2, "Title"] == "Café"
    assert read_table("Ref,Title\nA,£\n".encode(), "r.csv").attrs["warnings"] == []


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"{", "not valid JSON"),
        (b"[]", "not an OCDS release or record package"),
        (b'{"releases": 3}', "not an OCDS release or record package"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (
            b'{"releases": [{"ocid": "x", "awards": [{"value": {"amount": '
            + b"9" * 5000
            + b"}}]}]}",
            "not valid JSON",
        ),
    ],
)
def test_unreadable_ocds_gets_a_clear_message(data: bytes, words: str) -> None:
    with pytest.raises(EstateFileError, match=words):
        read_ocds(data, council="WCC")


# --- properties: nothing but EstateFileError, and every row accounted for ------------------------


def import_anything(data: bytes, name: str) -> ImportPreview:
    """What the import screen does with an upload; only EstateFileError may escape."""
    if name.endswith(".json"):
        preview = read_ocds(data, council="WCC", tower="desktop", towers=TOWERS)
        assert_all_or_nothing(preview)
        assert {p.row for p in preview.problems} <= set(range(1, preview.rows + 1))
        return preview
    frame = read_table(data, name)
    kind = detect_format(list(frame.columns))
    if kind.startswith("estate-"):
        preview = preview_estate_table(frame, kind)
    else:
        mapping = propose_mapping(list(frame.columns), kind)
        preview = preview_contracts(frame, mapping, council="WCC", towers=TOWERS)
    assert_every_row_accounted_for(preview, list(frame.index))
    return preview


def records(preview: ImportPreview) -> int:
    estate = preview.to_estate(valid_only=True)
    return sum(
        len(getattr(estate, k))
        for k in ("councils", "lots", "contracts", "systems", "dependencies")
    )


def assert_all_or_nothing(preview: ImportPreview) -> None:
    """A preview with any problem commits nothing, unless only the valid rows are asked for."""
    assert all(p.column and p.problem for p in preview.problems)
    if preview.problems:
        with pytest.raises(EstateFileError, match="nothing was imported"):
            preview.to_estate()
    else:
        assert preview.to_estate() == preview.to_estate(valid_only=True)


def assert_every_row_accounted_for(preview: ImportPreview, rows: list[int]) -> None:
    """Each row of a table is one record or has problems, never both; a problem with the
    header (row 1) stops every row."""
    assert_all_or_nothing(preview)
    assert preview.rows == len(rows)
    if any(p.row == 1 for p in preview.problems):
        assert records(preview) == 0
    else:
        assert {p.row for p in preview.problems} <= set(rows)
        assert records(preview) + preview.bad_rows == len(rows)


def survive(data: bytes, name: str) -> None:
    try:
        import_anything(data, name)
    except EstateFileError as refused:
        assert str(refused)


NAMES = st.sampled_from(["x.csv", "x.xlsx", "x.json", "x.txt"])
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.binary(max_size=3_000), NAMES)
def test_arbitrary_bytes_never_crash_an_import(data: bytes, name: str) -> None:
    survive(data, name)


@FAST
@given(st.text(max_size=2_000), NAMES)
def test_arbitrary_text_never_crashes_an_import(text: str, name: str) -> None:
    survive(text.encode("utf-8", "surrogatepass"), name)


@FAST
@given(st.sampled_from(sorted(p.name for p in FIXTURES.iterdir())), st.data())
def test_truncated_fixtures_never_crash_an_import(name: str, data: st.DataObject) -> None:
    whole = fixture(name)
    cut = data.draw(st.integers(0, len(whole)))
    survive(whole[:cut], name)


@FAST
@given(st.sampled_from(sorted(p.name for p in FIXTURES.iterdir())), st.data())
def test_damaged_fixtures_never_crash_an_import(name: str, data: st.DataObject) -> None:
    damaged = bytearray(fixture(name))
    for _ in range(data.draw(st.integers(1, 8))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    survive(bytes(damaged), name)


def plausible_cell(kind: str) -> st.SearchStrategy[str]:
    """Cells near what registers hold, and anything at all."""
    anything = st.text(max_size=12)
    dates = st.dates(date(1980, 1, 1), date(2110, 1, 1))
    return (
        st.one_of(
            anything,
            dates.map(lambda d: d.strftime("%d/%m/%Y")),
            dates.map(date.isoformat),
            st.integers(-1_000, 10**9).map(lambda n: f"£{n:,}"),
            st.sampled_from(["", "TBC", "desktop", "hosting", "31/02/2027", "72500000"]),
        )
        if kind != "reference"
        else anything
    )


GRID_COLUMNS = {
    "Contract Reference": "reference",
    "Title": "title",
    "Start Date": "text",
    "End Date": "text",
    "Maximum End Date": "text",
    "Total Value": "text",
    "Tower": "text",
}


@FAST
@given(st.lists(st.tuples(*(plausible_cell(kind) for kind in GRID_COLUMNS.values())), max_size=12))
def test_a_random_register_splits_into_valid_rows_and_problems(
    cells: list[tuple[str, ...]],
) -> None:
    rows = [[f"R{n}", *row[1:]] for n, row in enumerate(cells)]  # unique references
    data = csv_bytes([list(GRID_COLUMNS), *rows])
    try:
        frame = read_table(data, "grid.csv")
    except EstateFileError:
        return
    preview = preview_contracts(
        frame, propose_mapping(list(frame.columns)), council="WCC", towers=TOWERS
    )
    assert_every_row_accounted_for(preview, list(frame.index))
    imported = {c.reference for c in preview.contracts}
    troubled = {frame.loc[p.row, "Contract Reference"] for p in preview.problems}
    assert imported.isdisjoint(troubled)
    assert imported | troubled == set(frame["Contract Reference"])
    for contract in preview.contracts:
        assert contract.end is None or contract.start is None or contract.end > contract.start
        assert contract.annual_value is None or contract.annual_value > 0
        assert contract.tower in TOWERS


@FAST
@given(st.lists(st.lists(st.text(max_size=8), min_size=1, max_size=9), min_size=1, max_size=8))
def test_random_grids_under_estate_headers_never_crash(rows: list[list[str]]) -> None:
    header = list(COLUMNS["systems.csv"])
    survive(csv_bytes([header, *rows]), "systems.csv")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
OCDS_KEYS = st.sampled_from(
    [
        "ocid",
        "id",
        "date",
        "buyer",
        "parties",
        "tender",
        "awards",
        "contracts",
        "period",
        "contractPeriod",
        "value",
        "suppliers",
        "items",
        "classification",
        "awardID",
        "status",
    ]
)


@FAST
@given(
    st.recursive(
        json_values,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(OCDS_KEYS, inner, max_size=5),
        max_leaves=40,
    ),
    st.sampled_from(["releases", "records"]),
)
def test_random_ocds_shaped_json_never_crashes(document: object, key: str) -> None:
    survive(json.dumps({key: [document]}).encode(), "x.json")
    survive(json.dumps(document).encode(), "x.json")
