"""The command line, against SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from convergence.cli import main

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_then_export_reproduces_the_sample_exactly(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--database", database_url, "import", str(SAMPLE))[0] == 0
    code, out, _ = run(capsys, "--database", database_url, "export", str(tmp_path / "out"))
    assert code == 0 and "Wrote 9 estate files" in out
    for path in sorted(SAMPLE.glob("*.csv")):
        assert (tmp_path / "out" / path.name).read_bytes() == path.read_bytes(), path.name


def test_init_loads_the_sample_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    code, out, _ = run(capsys, "--database", url, "init", "--sample")
    assert code == 0 and "Loaded the tri-borough sample estate" in out
    code, out, _ = run(capsys, "--database", url, "init", "--sample")
    assert code == 0 and "already holds an estate" in out


def test_schedule_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "schedule", "--estate", str(SAMPLE), "--today", "2026-11-22", "--format", "csv"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 44
    desktop = next(r for r in rows if r["council"] == "WCC" and r["system"] == "Desktop")
    assert desktop["cutover"] == "2027-07-19"
    assert desktop["binding"] == "waits for Active Directory & Exchange (WCC), cutover 5 Feb 2027"
    assert desktop["rag"] == "amber"
    code, out, _ = run(
        capsys, "schedule", "--estate", str(SAMPLE), "--today", "2026-11-22", "--format", "json"
    )
    assert {r["system"] for r in json.loads(out)} >= {"Desktop", "HFBP desktop"}
    code, out, _ = run(
        capsys,
        "schedule",
        "--estate",
        str(SAMPLE),
        "--today",
        "2026-11-22",
        "--out",
        str(tmp_path / "r.txt"),
    )
    assert "19 Jul 2027" in (tmp_path / "r.txt").read_text(encoding="utf-8")


def test_generate_writes_a_readable_estate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "generate",
        str(tmp_path),
        "--councils",
        "4",
        "--systems-per-council",
        "25",
        "--dependencies",
        "80",
        "--seed",
        "9",
    )
    assert code == 0 and "100 systems" in out
    code, out, _ = run(capsys, "schedule", "--estate", str(tmp_path), "--format", "csv")
    assert code == 0 and len(out.splitlines()) == 101


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--database", "nonsense", "init"], "CONVERGENCE_DATABASE_URL: 'nonsense'"),
        (["schedule", "--estate", "/no/such/folder"], "/no/such/folder: no such folder"),
        (["schedule", "--estate", str(SAMPLE), "--today", "31/03/2027"], "--today: '31/03/2027'"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("error: ") and words in err and err.count("\n") == 1


def test_the_entry_point_is_installed() -> None:
    """The `convergence` command, installed beside the Python running the tests (the
    project's virtual environment, when scripts/test.sh runs them)."""
    command = Path(sys.executable).parent / "convergence"
    result = subprocess.run([str(command), "--help"], capture_output=True, text=True, check=True)
    assert "schedule" in result.stdout and "generate" in result.stdout


HEAVY = ("alembic", "reportlab", "pptx", "altair")
LOADED = """
import sys
from convergence.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)))
"""


def modules_loaded_by(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", LOADED, *args], capture_output=True, text=True, check=True
    )
    loaded = set(result.stdout.splitlines()[-1].split())  # packages and their modules
    return loaded | {name.split(".")[0] for name in loaded}


def test_help_loads_nothing_heavy() -> None:
    loaded = modules_loaded_by("--help")
    assert not loaded & {*HEAVY, "sqlalchemy", "sqlmodel", "pandas"}, loaded


def test_a_schedule_from_estate_files_loads_no_database_chart_pack_or_graph_library(
    tmp_path: Path,
) -> None:
    """Nor networkx: the date pass needs no graph library. Nor, for a small folder (the
    sample, and the 1,500 systems the benchmarks time), Arrow, pandas or numpy's masked
    arrays: loading them took longer than reading and planning the whole folder (the masked
    arrays a twentieth of it)."""
    from convergence.records.estate_files import write_estate
    from convergence.records.generate import generate_estate

    generated = tmp_path / "estate"
    estate = generate_estate(councils=3, systems_per_council=500, dependencies=4_000, seed=7)
    write_estate(estate, generated)
    out = tmp_path / "roadmap.csv"
    today = ("--today", "2026-11-22")
    for folder, file_format in ((SAMPLE, "csv"), (SAMPLE, "json"), (generated, "csv")):
        args = ("schedule", "--estate", str(folder), *today, "--format", file_format)
        loaded = modules_loaded_by(*args, "--out", str(out))
        assert out.read_text(encoding="utf-8").count("\n") > 10
        heavy = {*HEAVY, "sqlalchemy", "sqlmodel", "networkx", "pandas", "pyarrow", "numpy.ma"}
        assert not loaded & heavy, loaded & heavy


@pytest.mark.parametrize(("given", "used"), [(None, "1"), ("4", "4")])
def test_the_command_line_asks_for_one_linear_algebra_thread_unless_told(
    given: str | None, used: str
) -> None:
    """Before numpy loads (its library would start a thread per core), unless the environment
    says otherwise."""
    environment = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        environment["OPENBLAS_NUM_THREADS"] = given
    shown = subprocess.run(
        [sys.executable, "-c", "import os, sys, convergence.cli; "
         "print('numpy' in sys.modules, os.environ['OPENBLAS_NUM_THREADS'])"],
        capture_output=True, text=True, check=True, env=environment,
    ).stdout.split()  # fmt: skip
    assert shown == ["False", used]


def test_the_command_line_choices_match_the_package() -> None:
    from convergence import cli
    from convergence.money.savings import CHARGES_FROM
    from convergence.store.access import ROLES

    assert cli.ROLES == ROLES and cli.CHARGES_FROM == tuple(CHARGES_FROM)


def test_the_planning_date_comes_from_the_setting_unless_the_command_names_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def cutover_of_wcc_desktop(*today: str) -> str:
        code, out, err = run(capsys, "schedule", "--estate", str(SAMPLE), *today, "--format", "csv")
        assert code == 0, err
        rows = csv.DictReader(io.StringIO(out))
        return next(r["cutover"] for r in rows if (r["council"], r["system"]) == ("WCC", "Desktop"))

    monkeypatch.setenv("CONVERGENCE_TODAY", "2026-11-22")
    assert cutover_of_wcc_desktop() == "2027-07-19"
    monkeypatch.setenv("CONVERGENCE_TODAY", "2028-01-03")
    assert cutover_of_wcc_desktop() > "2028-01-03"
    assert cutover_of_wcc_desktop("--today", "2026-11-22") == "2027-07-19"
    monkeypatch.setenv("CONVERGENCE_TODAY", "22/11/2026")
    code, _, err = run(capsys, "schedule", "--estate", str(SAMPLE), "--format", "csv")
    assert code == 2
    assert err == "error: CONVERGENCE_TODAY: '22/11/2026' is not a date in the form YYYY-MM-DD\n"


def test_a_reset_removes_the_demo_accounts_and_realised_savings(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date
    from decimal import Decimal

    from sqlmodel import Session

    from convergence.money.realised import RealisedSaving
    from convergence.store import storage
    from convergence.store.access import SYSTEM
    from convergence.store.db import prepare_database

    assert run(capsys, "--database", database_url, "init", "--sample")[0] == 0
    engine = prepare_database(database_url)
    with Session(engine) as session:
        storage.record_realised_saving(
            session=session,
            saving=RealisedSaving("WCC", date(2027, 4, 1), Decimal(5)),
            actor=SYSTEM,
        )
    monkeypatch.setenv("CONVERGENCE_PASSWORD", "sample-admin-2026")
    code, out, err = run(capsys, "--database", database_url, "--user", "admin", "init", "--reset")
    assert (code, err) == (0, "")
    assert "Removed the sample's demo accounts: admin, wcc-editor, board." in out
    with Session(engine) as session:
        assert not storage.has_users(session=session)
        assert storage.is_empty(session=session)
        assert storage.realised_savings(session=session) == []
    engine.dispose()


def test_savings_in_words_for_councils_with_no_spend_and_no_payback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A council with no contracts has no share of spend, and the county's districts never
    pay back: each says so in words (a missing figure printed "nan%", or stopped the table)."""
    from dataclasses import replace

    from convergence.records.estate import Council
    from convergence.records.estate_files import read_estate, write_estate

    sample = read_estate(SAMPLE)
    write_estate(
        replace(sample, councils=(*sample.councils, Council("NEW", "New council"))), tmp_path
    )
    code, out, err = run(capsys, "savings", "--estate", str(tmp_path), "--today", "2026-11-22")
    assert code == 0, err
    assert "New council: saves £0 a year once converged; no payback in view\n" in out
    county = SAMPLE.parent / "county"
    code, out, err = run(capsys, "savings", "--estate", str(county), "--today", "2026-11-22")
    assert code == 0, err
    assert "no payback in view" in out and "nan" not in out
