"""Reorganisation: successor authorities and their vesting day, systems consolidating onto a
surviving system, day-one systems, hosting between successors; in the engine, the estate
files, validation and the database."""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from sqlmodel import Session

from convergence.cli import main
from convergence.errors import DependencyCycle, EstateError, EstateFileError, ValidationError
from convergence.outputs.roadmap_file import roadmap_table
from convergence.planning.checks import assert_valid_schedule
from convergence.planning.engine import schedule
from convergence.planning.roadmap import decisions_due, explain
from convergence.records.estate import (
    Contract,
    Council,
    Dependency,
    Estate,
    Lot,
    Successor,
    System,
    Tower,
)
from convergence.records.estate_files import read_estate, write_estate
from convergence.records.validation import cautions, problems_of
from convergence.store import storage
from convergence.store.access import SYSTEM
from convergence.store.db import prepare_database

COUNTY = Path(__file__).resolve().parent.parent / "data" / "county"
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
TODAY = date(2026, 12, 3)
VESTING = date(2028, 4, 1)
FINANCE = Lot("Lot 4 Cloud finance", "finance", "Oracle", date(2026, 10, 1), date(2031, 3, 31))


def county(*systems: System, contracts: tuple[Contract, ...] = (), deps: tuple = ()) -> Estate:
    return Estate(
        councils=(
            Council("CTY", "County"),
            Council("D1", "District one", successor="NORTH"),
            Council("D2", "District two", successor="NORTH"),
        ),
        towers=(Tower("finance", "Finance"),),
        lots=(FINANCE,),
        contracts=contracts,
        systems=systems,
        dependencies=deps,
        successors=(Successor("NORTH", "North unitary", VESTING),),
    )


def finance(council: str, **fields: object) -> System:
    values: dict[str, object] = {"transition_days": 100, "successor": None}
    values.update(fields)
    return System(council, "Finance", "finance", **values)  # type: ignore[arg-type]


ORACLE = finance("CTY", lot=FINANCE.name, transition_days=300, successor="NORTH")


def onto_oracle(council: str, **fields: object) -> System:
    return finance(council, target_council="CTY", target_system="Finance", **fields)


def row(plans, council: str, system: str = "Finance"):  # type: ignore[no-untyped-def]
    return plans[(plans.council == council) & (plans.system == system)].iloc[0]


# --- the engine ------------------------------------------------------------------------------


def test_consolidating_onto_a_surviving_system_still_to_move_waits_for_its_cutover() -> None:
    e = county(ORACLE, onto_oracle("D1"))
    roadmap = schedule(e, TODAY)
    assert_valid_schedule(e, roadmap)
    oracle, district = row(roadmap.plans, "CTY"), row(roadmap.plans, "D1")
    assert oracle.cutover.date() == date(2027, 9, 29)  # 3 Dec 2026 + 300 days
    assert district.start == oracle.cutover
    assert district.binding_kind == "surviving_system"
    assert district.binding == "consolidates onto Finance (CTY), which cuts over 29 Sep 2027"
    assert district.consolidates_onto == "Finance (CTY)"
    assert district.successor == "NORTH"  # from its council
    assert explain(roadmap, int(district.name))[0].startswith("Finance (CTY) cuts over")


def test_onto_a_system_that_stays_there_is_no_bound_beyond_the_others() -> None:
    stays = finance("CTY", state="surviving", successor="NORTH")
    alone = schedule(county(stays, finance("D1", lot=FINANCE.name)), TODAY)
    onto = schedule(county(stays, onto_oracle("D1")), TODAY)
    assert row(onto.plans, "D1").cutover == row(alone.plans, "D1").cutover
    assert row(onto.plans, "D1").binding_kind == "planning_date"
    assert row(onto.plans, "CTY").binding_kind == "surviving"
    assert row(onto.plans, "CTY").rag == "grey"


@pytest.mark.parametrize(
    ("target", "words"),
    [
        (finance("CTY", state="retained"), r"Finance \(CTY\) is retained"),
        (System("CTY", "Payroll", "finance"), "no system 'Finance' in CTY"),
    ],
)
def test_onto_a_retained_or_unknown_system_is_refused_naming_it(target: System, words: str) -> None:
    with pytest.raises(EstateError, match=words) as refused:
        schedule(county(target, onto_oracle("D1")), TODAY)
    assert "System 'Finance' (D1), field target_system" in str(refused.value)


def test_onto_itself_or_round_a_circle_is_refused_naming_the_systems() -> None:
    with pytest.raises(EstateError, match="cannot consolidate onto itself"):
        schedule(county(onto_oracle("CTY")), TODAY)
    circle = county(
        finance("CTY", target_council="D1", target_system="Finance"),
        finance("D1", lot=FINANCE.name),
        deps=(Dependency("D1", "Finance", "CTY", "Finance"),),
    )
    with pytest.raises(DependencyCycle) as cycle:
        schedule(circle, TODAY)
    assert {"Finance (CTY)", "Finance (D1)"} <= set(cycle.value.cycle)


def test_a_day_one_system_after_vesting_day_is_red_in_words() -> None:
    late = onto_oracle(
        "D1", day_one=True, contract="D1-FIN", transition_days=50
    )  # its contract ends after vesting day
    contract = Contract("D1", "D1-FIN", "Finance", "Civica", "finance", end=date(2028, 6, 30))
    roadmap = schedule(county(ORACLE, late, contracts=(contract,)), TODAY)
    district = row(roadmap.plans, "D1")
    assert district.cutover.date() == date(2028, 7, 1)
    assert district.misses_vesting_day and district.rag == "red"
    assert "not on its target by vesting day, 1 Apr 2028: cuts over 1 Jul 2028" in district.reasons
    on_time = schedule(county(ORACLE, replace(late, contract=None)), TODAY)
    assert not row(on_time.plans, "D1").misses_vesting_day
    assert_valid_schedule(county(ORACLE, late, contracts=(contract,)), roadmap)


def test_cutting_over_on_vesting_day_itself_is_on_time() -> None:
    contract = Contract("D1", "D1-FIN", "Finance", "Civica", "finance", end=VESTING.replace(day=1))
    exactly = onto_oracle("D1", day_one=True, contract="D1-FIN", transition_days=0)
    contract = replace(contract, end=date(2028, 3, 31))
    plans = schedule(county(ORACLE, exactly, contracts=(contract,)), TODAY).plans
    assert row(plans, "D1").cutover.date() == VESTING
    assert not row(plans, "D1").misses_vesting_day


def test_a_hosted_system_leaving_after_its_hosting_ends_is_red_and_a_decision() -> None:
    hosted = onto_oracle("D1", hosted_until=date(2027, 10, 31))
    in_time = schedule(county(ORACLE, hosted), TODAY)
    assert row(in_time.plans, "D1").cutover.date() == date(2028, 1, 7)
    late = row(in_time.plans, "D1")
    assert late.misses_hosting_end and late.rag == "red"
    assert "hosting ends 31 Oct 2027 but it cuts over 7 Jan 2028" in late.reasons
    decisions = decisions_due(in_time)
    hosting = decisions[decisions.kind == "Agree hosting"]
    assert list(hosting.action) == [
        "Agree hosting of Finance (D1) until 6 Jan 2028 (it ends 31 Oct 2027)"
    ]
    day_after = schedule(county(ORACLE, replace(hosted, hosted_until=date(2028, 1, 6))), TODAY)
    assert not row(day_after.plans, "D1").misses_hosting_end


def test_a_surviving_contract_that_ends_too_soon_is_red_and_its_extension_a_decision() -> None:
    stays = finance("CTY", state="surviving", contract="CTY-ORA", successor="NORTH")
    short = Contract(
        "CTY", "CTY-ORA", "Oracle", "Oracle", "finance", end=date(2027, 3, 31),
        max_end=date(2027, 6, 30), notice_months=6,
    )  # fmt: skip
    onto = onto_oracle("D1", contract="D1-FIN")
    theirs = Contract("D1", "D1-FIN", "Finance", "Civica", "finance", end=date(2027, 12, 31))
    roadmap = schedule(county(stays, onto, contracts=(short, theirs)), TODAY)
    oracle = row(roadmap.plans, "CTY")
    assert oracle.needed_until.date() == date(2028, 1, 1)
    assert oracle.rag == "red"
    assert oracle.reasons == (
        "contract CTY-ORA ends 30 Jun 2027 with every option used, before the last system "
        "consolidating onto it cuts over on 1 Jan 2028"
    )
    decisions = decisions_due(roadmap)
    extend = decisions[decisions.kind == "Extend surviving contract"]
    assert list(extend.council) == ["CTY"]
    assert "so Finance (CTY) lasts until 1 Jan 2028" in extend.action.iloc[0]
    assert extend.due.iloc[0].date() == date(2026, 12, 3)  # 30 Sep 2026 gone by: due now
    enough = replace(short, max_end=date(2029, 3, 31))
    roadmap = schedule(county(stays, onto, contracts=(enough, theirs)), TODAY)
    assert row(roadmap.plans, "CTY").rag == "amber"


def test_a_split_countys_system_serves_the_successor_it_names() -> None:
    e = county(
        finance("CTY", state="surviving", successor="NORTH"),
        System("CTY", "Finance (south)", "finance", successor="SOUTH", lot=FINANCE.name),
    )
    e = replace(e, successors=(*e.successors, Successor("SOUTH", "South unitary", VESTING)))
    table = roadmap_table(schedule(e, TODAY).plans).to_pandas()
    assert dict(zip(table.system, table.successor, strict=True)) == {
        "Finance": "NORTH",
        "Finance (south)": "SOUTH",
    }
    with pytest.raises(EstateError, match="field successor: no successor authority 'EAST'"):
        schedule(replace(e, systems=(replace(e.systems[1], successor="EAST"),)), TODAY)


def test_the_county_sample_schedules_validly_with_each_kind_of_risk() -> None:
    e = read_estate(COUNTY)
    roadmap = schedule(e, TODAY)
    assert_valid_schedule(e, roadmap)
    plans = roadmap.plans
    assert set(plans.successor) == {"NKU", "SKU"}
    assert plans.misses_vesting_day.any() and plans.misses_hosting_end.any()
    assert (plans.binding_kind == "surviving_system").any()
    surviving = plans[plans.state == "surviving"]
    assert (surviving.rag == "red").any()
    day_one = plans[plans.day_one]
    assert 0 < day_one.misses_vesting_day.sum() < len(day_one)


# --- estate files ----------------------------------------------------------------------------


def test_the_county_sample_is_canonical(tmp_path: Path) -> None:
    write_estate(read_estate(COUNTY), tmp_path)
    for path in COUNTY.glob("*.csv"):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_files_without_the_new_columns_still_read(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE, tmp_path / "old")
    (tmp_path / "old" / "successors.csv").unlink()
    new = {"successor", "target_council", "target_system", "day_one", "hosted_until"}
    for name in ("councils.csv", "systems.csv"):
        path = tmp_path / "old" / name
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        kept = [c for c in rows[0] if c not in new]
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, kept, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    assert read_estate(tmp_path / "old") == read_estate(SAMPLE)


def test_a_bad_day_one_cell_is_named_by_row_and_column(tmp_path: Path) -> None:
    shutil.copytree(COUNTY, tmp_path / "c")
    path = tmp_path / "c" / "systems.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",no,", ",perhaps,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(EstateFileError, match="systems.csv, row 2, column day_one: 'perhaps'"):
        read_estate(tmp_path / "c")


def test_schedule_csv_has_the_reorganisation_columns(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["schedule", "--estate", str(COUNTY), "--today", "2026-12-03", "--format", "csv"])
    out = capsys.readouterr().out
    assert code == 0
    rows = list(csv.DictReader(out.splitlines()))
    for column in ("successor", "binding_rule", "misses_vesting_day", "misses_hosting_end"):
        assert column in rows[0]
    assert {r["binding_rule"] for r in rows} >= {"contract", "surviving_system", "surviving"}
    assert {r["misses_vesting_day"] for r in rows} == {"true", "false"}


# --- validation ----------------------------------------------------------------------------


def test_each_new_field_is_checked_where_the_others_are() -> None:
    e = county(ORACLE, finance("D2", state="retained"))
    both = onto_oracle("D1", lot=FINANCE.name)
    assert "not both" in problems_of(both, e)["target_system"]
    assert problems_of(finance("D1", successor="EAST"), e) == {
        "successor": "There is no successor authority 'EAST'"
    }
    assert (
        "surviving system stays"
        in problems_of(finance("D1", state="surviving", day_one=True), e)["day_one"]
    )
    retained = finance("D1", target_council="D2", target_system="Finance")
    assert "retained, out of scope" in problems_of(retained, e)["target_system"]
    assert problems_of(finance("D1", target_system="Finance"), e) == {
        "target_council": "Give the council of the surviving system it consolidates onto"
    }
    assert "plausible" in problems_of(Successor("X", "X", date(2200, 4, 1)), e)["vesting_day"]
    assert problems_of(Council("D3", "Three", successor="EAST"), e) == {
        "successor": "There is no successor authority 'EAST'"
    }
    circle = county(finance("CTY", lot=FINANCE.name), finance("D1", lot=FINANCE.name),
                    deps=(Dependency("CTY", "Finance", "D1", "Finance"),))  # fmt: skip
    assert "close a circle" in problems_of(onto_oracle("D1"), circle)["target_system"]


def test_a_target_serving_another_successor_is_a_caution_not_a_refusal() -> None:
    e = county(ORACLE, finance("D2", state="surviving"))
    e = replace(e, successors=(*e.successors, Successor("SOUTH", "South", VESTING)))
    split = onto_oracle("D1", successor="SOUTH")
    assert problems_of(split, e) == {}
    assert "serves NORTH, not SOUTH" in cautions(split, e)["target_system"]
    assert cautions(onto_oracle("D1"), e) == {}


# --- the database ----------------------------------------------------------------------------


def test_the_county_sample_saves_and_loads_back_unchanged(database_url: str) -> None:
    engine = prepare_database(database_url)
    e = read_estate(COUNTY)
    with Session(engine) as session:
        storage.save_estate(session=session, estate=e, actor=SYSTEM)
    with Session(engine) as session:
        loaded = storage.load_estate(session=session)
    assert set(loaded.successors) == set(e.successors)
    assert set(loaded.councils) == set(e.councils)
    assert set(loaded.systems) == set(e.systems)
    engine.dispose()


def test_a_target_change_is_in_the_history_and_a_bad_one_is_refused(database_url: str) -> None:
    engine = prepare_database(database_url)
    e = county(ORACLE, finance("D1", lot=FINANCE.name))
    with Session(engine) as session:
        storage.save_estate(session=session, estate=e, actor=SYSTEM)
    with Session(engine) as session:
        storage.save_estate(
            session=session, estate=Estate(systems=(onto_oracle("D1"),)), actor=SYSTEM
        )
        lines = storage.history(session=session, record=onto_oracle("D1"))
    assert {(h.field, h.new) for h in lines} >= {("target_system", "Finance"), ("lot", None)}
    with Session(engine) as session, pytest.raises(ValidationError, match="close a circle"):
        storage.save_estate(
            session=session,
            estate=Estate(
                systems=(replace(ORACLE, lot=None, target_council="D1", target_system="Finance"),)
            ),  # fmt: skip
            actor=SYSTEM,
        )
    with Session(engine) as session:
        assert storage.load_estate(session=session).systems[0] == ORACLE
    engine.dispose()


def test_the_migration_keeps_existing_data(database_url: str) -> None:
    """An estate saved before successors existed (revision 0007) upgrades with its records."""
    from alembic import command
    from alembic.config import Config

    from convergence.store.db import MIGRATIONS, make_engine

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
        for statement in (
            "INSERT INTO council (code, name, version) VALUES ('D1', 'One', 1)",
            "INSERT INTO tower (code, name, version) VALUES ('finance', 'F', 1)",
            "INSERT INTO system (council_id, name, tower_id, transition_days, state, version) "
            "SELECT c.id, 'Finance', t.id, 30, 'legacy', 1 FROM council c, tower t",
        ):
            connection.execute(text(statement))
    engine.dispose()
    upgraded = prepare_database(database_url)
    with Session(upgraded) as session:
        loaded = storage.load_estate(session=session)
    assert loaded.systems == (System("D1", "Finance", "finance", transition_days=30),)
    assert loaded.councils == (Council("D1", "One"),)
    upgraded.dispose()


def test_successors_are_the_programme_offices_records() -> None:
    from convergence.store.access import Actor, NotAllowed, check_write

    with pytest.raises(NotAllowed, match="successor authorities"):
        check_write(Actor("ed", "editor", frozenset({"D1"})), Successor("N", "N", VESTING))
    check_write(SYSTEM, Successor("N", "N", VESTING))


# --- reorganisation scenarios --------------------------------------------------------------


def test_a_scenario_weighs_another_structure_and_a_later_vesting_day() -> None:
    from convergence.planning.scenarios import (
        Override,
        apply_overrides,
        compare,
        overrides_from_json,
        overrides_to_json,
        scenario_roadmap,
    )

    e = read_estate(COUNTY)
    live = schedule(e, TODAY)
    three = (
        Override("add_successor", successor="EKU", name="East Kestrelshire", on=VESTING),
        Override("move_council", council="EDC", successor="EKU"),
        Override("change_vesting_day", successor="SKU", on=date(2028, 10, 1)),
    )
    assert overrides_from_json(overrides_to_json(three)) == three
    changed, _ = apply_overrides(e, three)
    assert {c.code: c.successor for c in changed.councils}["EDC"] == "EKU"
    result = compare(live, scenario_roadmap(e, three, TODAY), three)
    structures = result.successors.set_index("successor")
    assert set(structures.index) == {"NKU", "SKU", "EKU"}
    assert pd.isna(structures.loc["EKU", "day_one_live"])
    assert structures.loc["EKU", "day_one_scenario"] > 0
    assert structures.loc["SKU", "vesting_day_scenario"] == pd.Timestamp("2028-10-01")
    # a later vesting day leaves fewer day-one systems late
    assert (
        structures.loc["SKU", "day_one_late_scenario"] < structures.loc["SKU", "day_one_late_live"]
    )
    assert three[1].describe() == "EDC becomes part of EKU"
    with pytest.raises(EstateError, match="no successor authority 'WEST'"):
        apply_overrides(e, (Override("move_council", council="EDC", successor="WEST"),))


def test_the_board_pack_and_calendar_carry_vesting_day_and_day_one_at_risk() -> None:
    from convergence.outputs.board_pack import pack_content
    from convergence.outputs.calendar_export import roadmap_calendar

    roadmap = schedule(read_estate(COUNTY), TODAY)
    late = roadmap.plans[roadmap.plans.misses_vesting_day & (roadmap.plans.successor == "SKU")]
    content = pack_content(roadmap)
    south = next(line for line in content.summary if line.startswith("SKU vests on 1 Apr 2028"))
    assert f"{len(late)} of " in south and late.system.iloc[0] in south
    assert any(label.startswith("NKU vests 1 Apr 2028") for label, _ in content.figures)
    ics = roadmap_calendar(roadmap).decode()
    assert "SUMMARY:Vesting day: NKU" in ics and "SUMMARY:Vesting day: SKU" in ics
    assert "DTSTART;VALUE=DATE:20280401" in ics


def test_init_loads_the_county_sample_with_the_demo_accounts_it_can_have(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'county.sqlite'}"
    assert main(["--database", url, "init", "--sample", "county"]) == 0
    assert "Loaded the county sample estate: successors 2 added" in capsys.readouterr().out
    engine = prepare_database(url)
    with Session(engine) as session:
        assert {a.name for a in storage.accounts(session=session)} == {"admin", "board"}
        assert len(storage.load_estate(session=session).successors) == 2
    engine.dispose()


def test_the_county_sample_imports_and_exports_exactly(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--database", database_url, "import", str(COUNTY)]) == 0
    assert main(["--database", database_url, "export", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    for path in COUNTY.glob("*.csv"):
        assert (tmp_path / "out" / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize("seed", [1, 2])
def test_a_generated_reorganisation_schedules_validly_linked_or_by_name(seed: int) -> None:
    from convergence.records.generate import generate_estate, reorganised

    e = reorganised(
        generate_estate(councils=8, systems_per_council=60, dependencies=600, seed=seed), 2
    )
    assert e.links is not None and any(s.target for s in e.systems)
    roadmap = schedule(e, TODAY)
    assert_valid_schedule(e, roadmap)
    assert roadmap.plans.equals(schedule(replace(e), TODAY).plans)
    assert (roadmap.plans.binding_kind == "surviving_system").any()


def test_a_successor_is_saved_and_refused_deletion_while_councils_join_it(
    database_url: str,
) -> None:
    from convergence.store.access import Actor

    engine = prepare_database(database_url)
    admin = Actor("ada", "admin")
    with Session(engine) as session:
        storage.save_estate(session=session, estate=county(ORACLE), actor=SYSTEM)
    later = Successor("NORTH", "North unitary", date(2028, 10, 1))
    with Session(engine) as session:
        version = storage.record_version(session=session, record=later)
        storage.save_record(session=session, record=later, actor=admin, version=version)
    with Session(engine) as session:
        assert storage.load_estate(session=session).successors == (later,)
        with pytest.raises(ValidationError, match="Still used by council D1"):
            storage.delete_record(
                session=session,
                record=later,
                actor=admin,
                version=storage.record_version(session=session, record=later) or 0,
            )
    engine.dispose()


def test_a_surviving_system_cannot_be_deleted_while_others_consolidate_onto_it(
    database_url: str,
) -> None:
    engine = prepare_database(database_url)
    with Session(engine) as session:
        storage.save_estate(session=session, estate=county(ORACLE, onto_oracle("D1")), actor=SYSTEM)
    with Session(engine) as session, pytest.raises(ValidationError, match="consolidating onto it"):
        storage.delete_record(
            session=session,
            record=ORACLE,
            actor=SYSTEM,
            version=storage.record_version(session=session, record=ORACLE) or 0,
        )
    engine.dispose()
