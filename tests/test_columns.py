"""The estate read as columns (convergence.records.columns) schedules exactly as its records
do, and any problem is named exactly as the record reader names it."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convergence.cli import main
from convergence.errors import ConvergenceError, EstateError
from convergence.outputs.roadmap_file import roadmap_table
from convergence.planning.checks import assert_valid_schedule
from convergence.planning.engine import plan_columns, schedule, schedule_columns
from convergence.records.columns import read_estate_columns
from convergence.records.estate import Capacity, Estate, Freeze, Successor
from convergence.records.estate_files import read_estate, write_estate
from convergence.records.generate import generate_estate, reorganised
from tests.conftest import ROOT, SAMPLE
from tests.test_freezes_capacity import ruled_estates

TODAY = date(2026, 11, 22)
COUNTY = ROOT / "data" / "county"


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


def test_the_county_sample_schedules_the_same_from_columns() -> None:
    """Its successors, targets, day-one systems, hosting, freeze windows and capacity rules."""
    same_roadmap(COUNTY)


def reorganised_with_rules(councils: int, per_council: int, dependencies: int) -> Estate:
    """A generated reorganisation (see `reorganised`) under two freeze windows and capacity
    rules for a council, a tower and both."""
    estate = reorganised(
        generate_estate(
            councils=councils,
            systems_per_council=per_council,
            dependencies=dependencies,
            seed=11,
        ),
        successors=2,
    )
    first = estate.councils[0].code
    return replace(
        estate,
        freezes=(
            Freeze("year end", "12-18", "01-06"),
            Freeze("annual billing", "03-01", "04-30", tower="line_of_business", council=first),
            Freeze("once", "2028-03-20", "2028-04-10", tower="identity"),
        ),
        capacities=(
            Capacity(f"{first} migration team", council=first, at_once=3),
            Capacity("identity team", tower="identity", at_once=4),
            Capacity("desktop pair", council=first, tower="desktop", at_once=2),
        ),
    )


def test_a_reorganisation_under_rules_schedules_the_same_from_columns(tmp_path: Path) -> None:
    estate = reorganised_with_rules(councils=8, per_council=120, dependencies=2_000)
    systems = estate.systems
    assert any(s.target is not None and s.day_one for s in systems)
    assert any(s.hosted_until is not None for s in systems)
    write_estate(estate, tmp_path)
    same_roadmap(tmp_path)


@st.composite
def reorganised_estates(draw: st.DrawFn) -> Estate:
    """Small estates under random freeze windows and capacity rules (`ruled_estates`), their
    councils becoming part of successors vesting on random days; random systems serving a
    successor of their own, surviving, retained, consolidating onto another (day-one or
    not, a circle now and then) or hosted until a random day."""
    e = draw(ruled_estates())
    day = st.dates(date(2026, 6, 1), date(2030, 12, 31))
    successors = tuple(Successor(f"U{k}", f"Unitary {k}", draw(day)) for k in range(2))
    codes = st.sampled_from([None, "U0", "U1"])
    councils = tuple(replace(c, successor=draw(codes)) for c in e.councils)
    systems = list(e.systems)
    for i, s in enumerate(systems):
        state = draw(st.sampled_from(["legacy", "legacy", "surviving", "retained"]))
        systems[i] = replace(s, state=state, successor=draw(codes), day_one=draw(st.booleans()))
        if draw(st.booleans()):
            systems[i] = replace(systems[i], hosted_until=draw(day) + timedelta(days=1))
    for i, s in enumerate(systems):
        onto = draw(st.integers(-len(systems), len(systems) - 1))
        if onto >= 0 and onto != i and systems[onto].state != "retained":
            target = systems[onto]
            systems[i] = replace(s, lot=None, target_council=target.council,
                                 target_system=target.name)  # fmt: skip
    return replace(e, successors=successors, councils=councils, systems=tuple(systems))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reorganised_estates())
def test_random_reorganisations_under_rules_schedule_the_same_from_columns(e: Estate) -> None:
    with tempfile.TemporaryDirectory() as folder:
        write_estate(e, folder)
        try:
            schedule(read_estate(folder), TODAY)
        except EstateError as refused:  # a circle, or windows leaving no day to cut over
            columns = read_estate_columns(folder)
            assert columns is not None
            try:
                assert schedule_columns(columns, TODAY) is None
            except EstateError as also:
                assert str(also) == str(refused)
            return
        same_roadmap(Path(folder))


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
    same_problem(SAMPLE, file, change, tmp_path, capsys)


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace(",NKU,,,no,", ",NOPE,,,no,", 1),
        lambda t: t.replace("KCC,Oracle finance (North),yes,", "KCC,Oracle finance (East),yes,"),
        lambda t: t.replace(",,KCC,Oracle finance (North),yes,", ",,,Oracle finance (North),yes,"),
        lambda t: t.replace("KCC,Oracle finance (North),yes,", "ADC,Finance system,yes,", 1),
        lambda t: t.replace("KCC-IDE-001,,90,surviving", "KCC-IDE-001,,90,retained"),
        lambda t: t.replace(
            "CVDC-FIN-002,,90,surviving,,,,,,no,",
            "CVDC-FIN-002,,90,surviving,,,,KCC,Oracle finance (South),no,",
        ),
    ],
    ids=[
        "unknown successor",
        "unknown target",
        "target without its council",
        "onto itself",
        "onto a retained system",
        "a circle of targets",
    ],
)
def test_a_reorganisations_problem_is_named_as_the_records_name_it(
    change: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same_problem(COUNTY, "systems.csv", change, tmp_path, capsys)


def same_problem(
    folder: Path, file: str, change: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`change` made to `file` of a copy of `folder` is refused, named in the records' words,
    though the folder was read as columns."""
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    path = tmp_path / file
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(ConvergenceError) as by_records:
        schedule(read_estate(tmp_path), TODAY)
    columns = read_estate_columns(tmp_path)
    assert columns is None or schedule_columns(columns, TODAY) is None
    assert main(["schedule", "--estate", str(tmp_path), "--today", "2026-11-22"]) == 2
    assert capsys.readouterr().err == f"error: {by_records.value}\n"
