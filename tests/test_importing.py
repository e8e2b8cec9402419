"""Imports through the command line and the service, on SQLite and PostgreSQL: all or
nothing, valid rows only when asked, twice without duplicates, every change in the history.
Exports: the workbook, the Transparency Code register, formulas neutralised."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session

from convergence import storage
from convergence.access import SYSTEM, Actor
from convergence.cli import main
from convergence.estate import Estate
from convergence.estate_files import read_estate, write_estate
from convergence.export import estate_workbook, register_csv, safe_cell
from convergence.importing import preview_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "registers"
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def contracts(url: str) -> dict[tuple[str, str], object]:
    from convergence.db import prepare_database

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
    after = contracts(database_url)
    assert len(after) == len(before)  # matched by council + reference: updated, not added
    assert after[("WCC", "WCC-PK-014")].supplier == "Civica UK Ltd"  # type: ignore[attr-defined]
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
        storage.save_estate(session=session, estate=preview.estate, actor=Actor("erin", "admin"))
        changes = storage.history(session=session, user="erin")
    assert {c.record for c in changes} == {"RBKC-DT-002", "RBKC-SD-003"}
    assert all(c.council == "RBKC" for c in changes)


def test_contracts_finder_and_ocds_import_new_contracts(
    engine: Engine, sample_estate: Estate
) -> None:
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        for name in ("contracts-finder.csv", "ocds-record-package.json"):
            preview = preview_file(
                (FIXTURES / name).read_bytes(), name, estate=sample_estate, council="WCC"
            )
            storage.save_estate(session=session, estate=preview.estate, actor=Actor("fay", "admin"))
        loaded = storage.load_estate(session=session)
    references = {(c.council, c.reference) for c in loaded.contracts}
    assert ("WCC", "a1b2c3d4-0001") in references
    assert ("LBHF", "LBHF-HO-009") in references


def test_workbook_has_a_sheet_per_kind_and_no_live_formulas(sample_estate: Estate) -> None:
    evil = replace(sample_estate.contracts[0], supplier='=HYPERLINK("http://x","y")')
    estate = replace(sample_estate, contracts=(evil, *sample_estate.contracts[1:]))
    book = load_workbook(io.BytesIO(estate_workbook(estate)))
    assert book.sheetnames == ["councils", "towers", "lots", "contracts", "systems", "dependencies"]
    cells = [c.value for row in book["contracts"].iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x","y")' in cells
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)
    assert book["systems"].max_row == len(sample_estate.systems) + 1


def test_transparency_register_per_council(sample_estate: Estate) -> None:
    text = register_csv(sample_estate, "WCC").decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("Reference Number,Title of Agreement")
    assert len(lines) == 1 + sum(c.council == "WCC" for c in sample_estate.contracts)
    assert any(line.startswith("WCC-DT-004,Desktop managed service") for line in lines)


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
