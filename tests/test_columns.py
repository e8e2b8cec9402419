"""The estate read as columns (convergence.records.columns) schedules exactly as its records
do, and any problem is named exactly as the record reader names it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from convergence.cli import main
from convergence.errors import ConvergenceError
from convergence.outputs.roadmap_file import roadmap_table
from convergence.planning.checks import assert_valid_schedule
from convergence.planning.engine import plan_columns, schedule, schedule_columns
from convergence.records.columns import read_estate_columns
from convergence.records.estate_files import read_estate, write_estate
from convergence.records.generate import generate_estate
from tests.conftest import SAMPLE

TODAY = date(2026, 11, 22)


def same_roadmap(folder: Path) -> None:
    records = read_estate(folder)
    columns = read_estate_columns(folder)
    assert columns is not None
    by_columns = schedule_columns(columns, TODAY)
    assert by_columns is not None
    by_records = schedule(records, TODAY)
    pd.testing.assert_frame_equal(by_columns.plans, by_records.plans)
    assert_valid_schedule(records, by_columns)
    plans = plan_columns(columns, TODAY)  # the command line's way, without pandas
    assert plans is not None
    for uk in (False, True):
        assert roadmap_table(plans, uk_dates=uk).equals(
            roadmap_table(by_records.plans, uk_dates=uk)
        )


def test_the_sample_schedules_the_same_from_columns() -> None:
    same_roadmap(SAMPLE)


def test_a_generated_estate_schedules_the_same_from_columns(tmp_path: Path) -> None:
    estate = generate_estate(councils=6, systems_per_council=120, dependencies=1_500, seed=11)
    write_estate(estate, tmp_path)
    same_roadmap(tmp_path)


def test_awkward_but_valid_files_read_the_same(tmp_path: Path) -> None:
    """A byte-order mark, guarded formula-like text, a blank row, no towers.csv, optional
    columns left out, spaces around cells, upper-case headers and a choice in words."""
    sample = read_estate(SAMPLE)
    contract = replace(sample.contracts[0], supplier="=Odd & Co", title="+44 line")
    write_estate(replace(sample, contracts=(contract, *sample.contracts[1:])), tmp_path)
    (tmp_path / "towers.csv").unlink()
    contracts = tmp_path / "contracts.csv"
    lines = contracts.read_text(encoding="utf-8").splitlines()
    contracts.write_text("\ufeff" + "\n".join([lines[0].upper(), *lines[1:], ",,,"]) + "\n")
    systems = pd.read_csv(tmp_path / "systems.csv", dtype=str, keep_default_na=False)
    systems = systems.drop(columns=["transition_cost"])
    systems["state"] = systems["state"].str.replace("in_transition", "In transition")
    systems["system"] = " " + systems["system"] + " "
    systems.to_csv(tmp_path / "systems.csv", index=False)
    same_roadmap(tmp_path)


@pytest.mark.parametrize(
    ("file", "change"),
    [
        ("contracts.csv", lambda t: t.replace("2029-03-31", "31/03/2029", 1)),
        ("systems.csv", lambda t: t.replace(",LBHF-NW-005,", ",NO-SUCH-CONTRACT,", 1)),
        ("dependencies.csv", lambda t: t + "WCC,Active Directory & Exchange,WCC,Desktop,0\n"),
        ("systems.csv", lambda t: t.replace(",120,legacy,", ",-5,legacy,", 1)),
        ("lots.csv", lambda t: t.replace("lot,", "name,", 1)),
        ("dependencies.csv", lambda t: t.rstrip("\n").rsplit(",", 1)[0] + ",1e3\n"),
    ],
    ids=["bad date", "unknown contract", "cycle", "negative days", "missing column", "1e3"],
)
def test_a_problem_is_named_as_the_record_reader_names_it(
    file: str, change: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(SAMPLE, tmp_path, dirs_exist_ok=True)
    path = tmp_path / file
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(ConvergenceError) as by_records:
        schedule(read_estate(tmp_path), TODAY)
    columns = read_estate_columns(tmp_path)
    assert columns is None or schedule_columns(columns, TODAY) is None
    assert main(["schedule", "--estate", str(tmp_path), "--today", "2026-11-22"]) == 2
    assert capsys.readouterr().err == f"error: {by_records.value}\n"
