"""Imports through the command line and the service, on SQLite and PostgreSQL: all or
nothing, valid rows only when asked, twice without duplicates, every change in the history.
Exports: the workbook, the Transparency Code register, formulas neutralised."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session

from convergence.cli import main
from convergence.errors import EstateFileError
from convergence.outputs.export import estate_workbook, register_csv
from convergence.records.estate import Contract, Estate
from convergence.records.estate_files import read_estate, write_estate
from convergence.registers.importing import FilePreview, preview_file
from convergence.registers.previews import RowProblem
from convergence.spreadsheets import csv_text, safe_cell
from convergence.store import storage
from convergence.store.access import SYSTEM, Actor

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "registers"
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def contracts(url: str) -> dict[tuple[str, str], Contract]:
    from convergence.store.db import prepare_database

    with Session(prepare_database(url)) as session:
        return {(c.council, c.reference): c for c in storage.load_estate(session=session).contracts}


def test_a_register_with_a_bad_row_imports_nothing_unless_asked(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "--database", database_url, "import", str(SAMPLE))[0] == 0
    before = contracts(database_url)
    register = str(FIXTURES / "transparency-wcc.csv")
    code, _, err = cli(
        capsys,
        "--database",
        database_url,
        "--user",
        "dana",
        "import",
        register,
        "--council",
        "WCC",
        "--tower",
        "line_of_business",
    )
    assert code == 2 and "nothing was imported" in err and "row 4" in err
    assert contracts(database_url) == before
    code, out, _ = cli(
        capsys,
        "--database",
        database_url,
        "--user",
        "dana",
        "import",
        register,
        "--council",
        "WCC",
        "--tower",
        "line_of_business",
        "--valid-only",
    )
    assert code == 0 and "contracts 0 added, 2 changed" in out
    assert "Contracts: 0 new contracts, 2 updated, 0 unchanged" in out
    assert "update WCC-PK-014 (WCC): Supplier: Civica → Civica UK Ltd\n" in out
    after = contracts(database_url)
    assert len(after) == len(before)  # matched by council + reference: updated, not added
    parking = before[("WCC", "WCC-PK-014")]
    assert after[("WCC", "WCC-PK-014")] == replace(parking, supplier="Civica UK Ltd")
    code, out, _ = cli(
        capsys,
        "--database",
        database_url,
        "--user",
        "dana",
        "import",
        register,
        "--council",
        "WCC",
        "--tower",
        "line_of_business",
        "--valid-only",
    )
    assert "nothing changed" in out


def test_imported_changes_enter_the_history(engine: Engine, sample_estate: Estate) -> None:
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=Actor("loader", "admin"))
        preview = preview_file(
            (FIXTURES / "transparency-rbkc.xlsx").read_bytes(),
            "transparency-rbkc.xlsx",
            estate=sample_estate,
            council="RBKC",
        )
        assert preview.problems == ()
        storage.save_estate(
            session=session, estate=preview.to_estate(), actor=Actor("erin", "admin")
        )
        changes = storage.history(session=session, user="erin")
    assert {c.record for c in changes} == {"RBKC-DT-002", "RBKC-SD-003"}
    assert all(c.council == "RBKC" for c in changes)


HELD = Contract(
    council="WCC",
    reference="WCC-IMP-001",
    title="Parking permits",
    supplier="Civica",
    tower="line_of_business",
    department="City Management",
    start=date(2022, 4, 1),
    end=date(2027, 3, 31),
    max_end=date(2029, 3, 31),
    renewal="express",
    notice_months=6,
    notice_served=date(2026, 9, 1),
    termination_notice_days=90,
    termination_fee=Decimal("25000"),
    annual_value=Decimal("100000"),
    review_date=date(2026, 12, 1),
)
# a register carrying only title, supplier, end and value, for the contract above and a new one
REGISTER = (
    "Contract Reference,Contract Title,Supplier Name,End Date,Annual Value\r\n"
    'WCC-IMP-001,Parking permits and PCNs,Civica UK Ltd,31/03/2028,"£120,000"\r\n'
    'WCC-IMP-002,Parking enforcement cameras,Videalert Ltd,30/09/2028,"£45,500"\r\n'
).encode()


def import_register(session: Session, data: bytes, user: str) -> tuple[FilePreview, str]:
    preview = preview_file(
        data,
        "register.csv",
        estate=storage.load_estate(session=session),
        council="WCC",
        tower="line_of_business",
    )
    saved = storage.save_estate(
        session=session, estate=preview.to_estate(), actor=Actor(user, "admin")
    )
    return preview, str(saved)


def test_a_register_updates_only_the_fields_it_carries(
    engine: Engine, sample_estate: Estate
) -> None:
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        storage.save_estate(session=session, estate=Estate(contracts=(HELD,)), actor=SYSTEM)
        preview, saved = import_register(session, REGISTER, "gus")
        updated, added = preview.contracts
        assert (updated.action, added.action) == ("Update", "New")
        assert updated.changes == (
            "Title: Parking permits → Parking permits and PCNs",
            "Supplier: Civica → Civica UK Ltd",
            "Current end date: 31 Mar 2027 → 31 Mar 2028",
            "Annual value: £100,000 → £120,000",
        )
        assert preview.summary == "1 new contract, 1 updated, 0 unchanged"
        assert saved == "contracts 1 added, 1 changed"
        stored = {c.reference: c for c in storage.load_estate(session=session).contracts}
        assert stored["WCC-IMP-001"] == replace(
            HELD,
            title="Parking permits and PCNs",
            supplier="Civica UK Ltd",
            end=date(2028, 3, 31),
            annual_value=Decimal("120000"),
        )
        assert stored["WCC-IMP-002"] == Contract(
            council="WCC",
            reference="WCC-IMP-002",
            title="Parking enforcement cameras",
            supplier="Videalert Ltd",
            tower="line_of_business",
            end=date(2028, 9, 30),
            annual_value=Decimal("45500"),
        )
        changes = storage.history(session=session, user="gus")
        assert sorted((c.record, c.action, c.field) for c in changes) == [
            ("WCC-IMP-001", "changed", "annual_value"),
            ("WCC-IMP-001", "changed", "end"),
            ("WCC-IMP-001", "changed", "supplier"),
            ("WCC-IMP-001", "changed", "title"),
            ("WCC-IMP-002", "created", ""),
        ]

        again, saved = import_register(session, REGISTER, "gus")
        assert [c.action for c in again.contracts] == ["No change", "No change"]
        assert saved == "nothing changed"
        assert len(storage.history(session=session, user="gus")) == len(changes)
        assert {c.reference: c for c in storage.load_estate(session=session).contracts} == stored


def test_an_update_that_breaks_a_rule_with_the_stored_fields_is_a_problem(
    sample_estate: Estate,
) -> None:
    estate = replace(sample_estate, contracts=(*sample_estate.contracts, HELD))
    beyond = REGISTER.replace(b"31/03/2028", b"31/03/2030")  # after the stored maximum end
    preview = preview_file(beyond, "r.csv", estate=estate, council="WCC", tower="line_of_business")
    assert preview.problems == (
        RowProblem(
            2,
            "Maximum end date (all options used)",
            "WCC-IMP-001: The maximum end date cannot be before the current end date (the file "
            "does not give it, so the stored 31 Mar 2029 stays)",
        ),
    )
    assert [c.contract.reference for c in preview.contracts] == ["WCC-IMP-002"]
    with pytest.raises(EstateFileError, match="nothing was imported"):
        preview.to_estate()
    assert [c.reference for c in preview.to_estate(valid_only=True).contracts] == ["WCC-IMP-002"]


def test_the_command_line_shows_the_warnings(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "--database", database_url, "import", str(SAMPLE))[0] == 0
    register = tmp_path / "register.csv"
    register.write_bytes(REGISTER.decode().encode("cp1252"))  # "£" as Windows writes it
    code, out, err = cli(
        capsys,
        "--database",
        database_url,
        "import",
        str(register),
        "--council",
        "WCC",
        "--tower",
        "line_of_business",
    )
    assert code == 0 and "contracts 2 added" in out
    assert "Warning: register.csv is not UTF-8, so it was read as Windows-1252" in err


def test_contracts_finder_and_ocds_import_new_contracts(
    engine: Engine, sample_estate: Estate
) -> None:
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        for name in ("contracts-finder.csv", "ocds-record-package.json"):
            preview = preview_file(
                (FIXTURES / name).read_bytes(), name, estate=sample_estate, council="WCC"
            )
            storage.save_estate(
                session=session, estate=preview.to_estate(), actor=Actor("fay", "admin")
            )
        loaded = storage.load_estate(session=session)
    references = {(c.council, c.reference) for c in loaded.contracts}
    assert ("WCC", "a1b2c3d4-0001") in references
    assert ("LBHF", "LBHF-HO-009") in references


def test_workbook_has_a_sheet_per_kind_and_no_live_formulas(sample_estate: Estate) -> None:
    evil = replace(sample_estate.contracts[0], supplier='=HYPERLINK("http://x","y")')
    estate = replace(sample_estate, contracts=(evil, *sample_estate.contracts[1:]))
    book = load_workbook(io.BytesIO(estate_workbook(estate)))
    assert book.sheetnames == [
        "successors",
        "councils",
        "towers",
        "lots",
        "contracts",
        "systems",
        "dependencies",
        "freezes",
        "capacity",
    ]
    cells = [c.value for row in book["contracts"].iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x","y")' in cells
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)
    assert book["systems"].max_row == len(sample_estate.systems) + 1


def test_transparency_register_per_council(sample_estate: Estate) -> None:
    text = register_csv(sample_estate, "WCC").decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("Reference Number,Title of Agreement")
    assert len(lines) == 1 + sum(c.council == "WCC" for c in sample_estate.contracts)
    rows = {row["Reference Number"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["WCC-DT-004"]["Title of Agreement"] == "Desktop managed service"


@pytest.mark.parametrize("text", ["=1+1", "+44 20", "-2", "@SUM(A1)", "\tx", "\rx", "plain"])
def test_estate_files_guard_formulas_and_read_them_back(
    text: str, tmp_path: Path, sample_estate: Estate
) -> None:
    council = replace(sample_estate.councils[0], name=text)
    estate = replace(sample_estate, councils=(council, *sample_estate.councils[1:]))
    write_estate(estate, tmp_path)
    raw = (tmp_path / "councils.csv").read_bytes().decode("utf-8")
    assert ("'" + text in raw) == (safe_cell(text) != text)
    back = read_estate(tmp_path)
    assert {c.name for c in back.councils} == {c.name for c in estate.councils}


def spreadsheet_rows(text: str) -> list[list[str]]:
    """Rows as a spreadsheet splits them: at CR, LF or CRLF outside quotes (what Excel and
    LibreOffice do with a bare carriage return)."""
    import csv

    return list(csv.reader(io.StringIO(text.replace("\r\n", "\n"), newline="")))


def test_no_csv_the_product_writes_starts_a_row_with_a_formula(
    sample_estate: Estate, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A carriage return inside a cell used to end the row for a spreadsheet, so the text
    after it ("=1+2") began a row of its own, as a live formula."""
    from convergence.cli import main

    sneaky = "Renewal\r=1+2"
    contract = replace(sample_estate.contracts[0], title=sneaky, supplier="=cmd|' /C calc'!A0")
    system = replace(sample_estate.systems[0], name="+SUM(A1)")
    estate = replace(
        sample_estate,
        contracts=(contract, *sample_estate.contracts[1:]),
        systems=(system, *sample_estate.systems[1:]),
        dependencies=(),
    )
    write_estate(estate, tmp_path / "estate")
    outputs = [register_csv(estate, contract.council).decode("utf-8-sig")]
    for command in ("schedule", "savings"):
        assert main([command, "--estate", str(tmp_path / "estate"), "--format", "csv"]) == 0
        outputs.append(capsys.readouterr().out)
    outputs += [p.read_text(encoding="utf-8") for p in sorted((tmp_path / "estate").glob("*.csv"))]
    for text in outputs:
        for row in spreadsheet_rows(text):
            assert not any(cell.startswith(("=", "+", "@")) for cell in row), row
    assert any(sneaky in row for row in spreadsheet_rows(outputs[0])), "kept whole, in one cell"


def test_a_table_written_as_csv_keeps_its_dates_amounts_and_blanks() -> None:
    """As a screen's "Download data (CSV)" writes a chart's data."""
    table = pd.DataFrame(
        {
            "system": ["Desktop", "=Odd"],
            "cutover": pd.to_datetime(["2027-03-31", None]),
            "at": pd.to_datetime(["2027-03-31 09:30", "2027-04-01 00:00"]),
            "annual": [1250.5, float("nan")],
            "slack": pd.array([12, None], dtype="Int64"),
            "red": [True, False],
        }
    )
    rows = list(csv.reader(io.StringIO(csv_text(table))))
    assert rows == [
        ["system", "cutover", "at", "annual", "slack", "red"],
        ["Desktop", "2027-03-31", "2027-03-31 09:30:00.000000", "1250.5", "12", "true"],
        ["'=Odd", "", "2027-04-01 00:00:00.000000", "", "", "false"],
    ]


def test_the_workbook_holds_control_characters_and_long_text(sample_estate: Estate) -> None:
    odd = replace(sample_estate.contracts[0], title="Bell\x07 and NUL\x00", supplier="x" * 40_000)
    estate = replace(sample_estate, contracts=(odd, *sample_estate.contracts[1:]))
    book = load_workbook(io.BytesIO(estate_workbook(estate)))
    cells = [c.value for row in book["contracts"].iter_rows() for c in row]
    assert "Bell and NUL" in cells
    (long,) = [c for c in cells if isinstance(c, str) and c.startswith("xxx")]
    assert len(long) <= 32_767 and long.endswith("more characters]")


def test_the_same_award_from_contracts_finder_and_ocds_is_one_contract(
    engine: Engine, sample_estate: Estate
) -> None:
    """Contracts Finder's CSV names an award by its notice identifier, its OCDS by the award's
    id; both carry the notice's ocid, by which the second import updates the first's contract.
    A buyer that is not a council of the estate (an NHS trust) is listed and left out."""
    import csv
    import json

    notice = "8905889a-ae54-4628-aff1-12facc78256a"
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["Notice Identifier", "Organisation Name", "Title", "Contract end date", "OCID"],
            [notice, "Westminster City Council", "Digital repository", "31/03/2028",
             f"ocds-b5fd17-{notice}"],
            ["n-2", "Barts Health NHS Trust", "Pathology IT", "31/03/2029", "ocds-b5fd17-n-2"],
        ]
    )  # fmt: skip
    release = {
        "ocid": f"ocds-b5fd17-{notice}",
        "date": "2027-01-10T00:00:00Z",
        "buyer": {"name": "Westminster City Council"},
        "tender": {"title": "Digital repository"},
        "awards": [{"id": "AWD-77", "contractPeriod": {"endDate": "2029-03-31T23:59:59Z"}}],
    }
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        first = preview_file(
            out.getvalue().encode(), "notices.csv", estate=sample_estate, council="WCC",
            tower="line_of_business",
        )  # fmt: skip
        assert [p.problem for p in first.problems] == [
            "buyer 'Barts Health NHS Trust' is not a council of the estate: left out"
        ]
        storage.save_estate(
            session=session, estate=first.to_estate(valid_only=True), actor=Actor("fay", "admin")
        )
        held = storage.load_estate(session=session)
        second = preview_file(
            json.dumps({"releases": [release]}).encode(), "release.json", estate=held,
            council="WCC", tower="line_of_business",
        )  # fmt: skip
        assert second.problems == ()
        assert [c.changes for c in second.contracts] == [
            ("Current end date: 31 Mar 2028 → 31 Mar 2029",)
        ]
        storage.save_estate(session=session, estate=second.to_estate(), actor=Actor("fay", "admin"))
        after = storage.load_estate(session=session)
    assert len(after.contracts) == len(sample_estate.contracts) + 1
    (repository,) = [c for c in after.contracts if c.notice == f"ocds-b5fd17-{notice}"]
    assert (repository.reference, repository.end) == (notice, date(2029, 3, 31))
