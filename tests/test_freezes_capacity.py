"""Freeze windows and migration capacity: the engine, the rules checked the plain way on
random estates, estate files, validation and the database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from convergence.cli import main
from convergence.errors import EstateError, EstateFileError
from convergence.outputs.roadmap_file import roadmap_table
from convergence.planning.checks import assert_valid_schedule
from convergence.planning.engine import plan_columns, schedule
from convergence.planning.freezes_capacity import Window, applies, parse_day
from convergence.planning.roadmap import explain, what_sets_the_date
from convergence.records.columns import read_estate_columns
from convergence.records.estate import (
    Capacity,
    Contract,
    Council,
    Dependency,
    Estate,
    Freeze,
    System,
    Tower,
)
from convergence.records.estate_files import read_estate, write_estate
from convergence.records.generate import generate_estate
from convergence.records.validation import problems_of
from convergence.store import storage
from convergence.store.access import SYSTEM
from convergence.store.db import prepare_database

TODAY = date(2026, 12, 3)
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
COUNTY = SAMPLE.parent / "county"
BILLING = Freeze("annual billing", "03-01", "04-30", tower="revenues")


def revenues(council: str, end: date, days: int = 60) -> tuple[System, Contract]:
    ref = f"{council}-REV"
    return (
        System(council, "Revenues", "revenues", contract=ref, transition_days=days),
        Contract(council, ref, "Revenues", "Capita", "revenues", end=end),
    )


def estate(*pairs: tuple[System, Contract], **rules: object) -> Estate:
    councils = sorted({s.council for s, _ in pairs})
    return Estate(
        councils=tuple(Council(c, c) for c in councils),
        towers=(Tower("revenues", "Revenues and benefits"), Tower("desktop", "Desktop")),
        contracts=tuple(c for _, c in pairs),
        systems=tuple(s for s, _ in pairs),
        **rules,  # type: ignore[arg-type]
    )


def cutover(roadmap, council: str, system: str = "Revenues") -> date:  # type: ignore[no-untyped-def]
    plans = roadmap.plans
    return plans[(plans.council == council) & (plans.system == system)].cutover.iloc[0].date()


def test_a_cutover_inside_a_freeze_moves_to_the_day_after_it_ends() -> None:
    pair = revenues("D1", date(2028, 2, 29))  # would cut over 1 Mar 2028
    roadmap = schedule(estate(pair, freezes=(BILLING,)), TODAY)
    assert cutover(roadmap, "D1") == date(2028, 5, 1)
    row = roadmap.plans.iloc[0]
    assert row.binding_kind == "freeze"
    assert row.binding == "freeze: annual billing (1 Mar – 30 Apr), cuts over 1 May 2028"
    assert row.start.date() == date(2028, 5, 1) - timedelta(days=60)
    other_tower = replace(BILLING, tower="desktop")
    assert cutover(schedule(estate(pair, freezes=(other_tower,)), TODAY), "D1") == date(2028, 3, 1)


def test_a_window_across_the_year_end_and_a_window_once() -> None:
    pair = revenues("D1", date(2027, 12, 31))  # would cut over 1 Jan 2028
    christmas = Freeze("year end", "12-18", "01-06")
    assert cutover(schedule(estate(pair, freezes=(christmas,)), TODAY), "D1") == date(2028, 1, 7)
    election = Freeze("county elections", "2028-01-01", "2028-01-31")
    both = schedule(estate(pair, freezes=(christmas, election)), TODAY)
    assert cutover(both, "D1") == date(2028, 2, 1)
    later = revenues("D1", date(2028, 12, 31))  # the once-only window is gone by then
    assert cutover(schedule(estate(later, freezes=(election,)), TODAY), "D1") == date(2029, 1, 1)


def test_capacity_places_systems_in_turn_and_says_who_it_waits_for() -> None:
    pairs = [revenues(f"D{n}", date(2027, 6, 30), days=90) for n in range(1, 6)]
    team = Capacity("revenues migration team", tower="revenues", at_once=2)
    roadmap = schedule(estate(*pairs, capacities=(team,)), TODAY)
    cuts = sorted(cutover(roadmap, f"D{n}") for n in range(1, 6))
    first = date(2027, 7, 1)
    assert cuts == [
        first,
        first,
        first + timedelta(days=90),
        first + timedelta(days=90),
        first + timedelta(days=180),
    ]
    third = roadmap.plans[roadmap.plans.council == "D3"].iloc[0]  # ties: council code
    assert third.binding_kind == "capacity"
    assert third.binding == (
        "capacity: revenues migration team, 2 at once — busy with Revenues (D1) and "
        "Revenues (D2) until 30 Jun 2027"
    )
    assert explain(roadmap, int(third.name))[0].startswith("Revenues (D1) cuts over 1 Jul 2027")
    assert_valid_schedule(estate(*pairs, capacities=(team,)), roadmap)
    two_teams = replace(team, at_once=4)
    roadmap = schedule(estate(*pairs, capacities=(two_teams,)), TODAY)
    assert max(cutover(roadmap, f"D{n}") for n in range(1, 6)) == first + timedelta(days=90)


def test_capacity_for_one_council_leaves_the_others_alone() -> None:
    pairs = [revenues(c, date(2027, 6, 30)) for c in ("D1", "D1B", "D2")]
    pairs[1] = (
        replace(pairs[1][0], council="D1", name="Benefits"),
        replace(pairs[1][1], council="D1"),
    )
    team = Capacity("D1 team", council="D1", at_once=1)
    roadmap = schedule(estate(*pairs, capacities=(team,)), TODAY)
    assert cutover(roadmap, "D2") == date(2027, 7, 1)
    assert sorted([cutover(roadmap, "D1"), cutover(roadmap, "D1", "Benefits")]) == [
        date(2027, 7, 1),
        date(2027, 8, 30),
    ]


def test_a_dependant_waits_for_a_system_capacity_held_back() -> None:
    a, b = revenues("D1", date(2027, 6, 30)), revenues("D2", date(2027, 6, 30))
    desk = System("D1", "Desktop", "desktop", transition_days=10)
    e = estate(a, b, capacities=(Capacity("team", at_once=1),))
    e = replace(
        e,
        systems=(*e.systems, desk),
        dependencies=(Dependency("D1", "Desktop", "D2", "Revenues"),),
    )
    roadmap = schedule(e, TODAY)
    assert_valid_schedule(e, roadmap)
    assert cutover(roadmap, "D1", "Desktop") > cutover(roadmap, "D2")
    chain = what_sets_the_date(roadmap)
    assert any("capacity: team, 1 at once" in line for line in chain)


def test_without_freezes_or_capacity_every_date_is_todays_schedule() -> None:
    e = generate_estate(councils=4, systems_per_council=80, dependencies=400, seed=5)
    plain = schedule(e, TODAY)
    empty_rules = schedule(replace(e, freezes=(), capacities=()), TODAY)
    assert plain.plans.equals(empty_rules.plans)
    never = Freeze("never", "2099-01-01", "2099-01-02")
    roomy = Capacity("roomy", at_once=100_000)
    ruled = schedule(replace(e, freezes=(never,), capacities=(roomy,)), TODAY)
    for column in ("start", "cutover", "rag"):
        assert ruled.plans[column].equals(plain.plans[column]), column


def test_the_roadmap_csv_names_the_rule() -> None:
    pair = revenues("D1", date(2028, 2, 29))
    table = roadmap_table(schedule(estate(pair, freezes=(BILLING,)), TODAY).plans).to_pandas()
    assert list(table.binding_rule) == ["freeze"]


@st.composite
def ruled_estates(draw: st.DrawFn) -> Estate:
    n = draw(st.integers(1, 14))
    pairs = []
    for i in range(n):
        council = draw(st.sampled_from(["D1", "D2", "D3"]))
        end = draw(st.dates(date(2026, 6, 1), date(2029, 12, 31)))
        system, contract = revenues(council, end, draw(st.integers(0, 120)))
        tower = draw(st.sampled_from(["revenues", "desktop"]))
        pairs.append(
            (
                replace(system, name=f"S{i}", tower=tower, contract=f"C{i}"),
                replace(contract, reference=f"C{i}", tower=tower),
            )
        )
    e = estate(*pairs)
    day = st.dates(date(2026, 1, 1), date(2030, 12, 31))
    freezes = []
    for k in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            a, b = sorted([draw(day), draw(day)])
            freezes.append(
                Freeze(
                    f"F{k}",
                    a.isoformat(),
                    (a + timedelta(days=draw(st.integers(0, 60)))).isoformat(),
                )
            )
        else:
            a, b = draw(day), draw(day)
            freezes.append(Freeze(f"F{k}", a.strftime("%m-%d"), b.strftime("%m-%d"),
                                  tower=draw(st.sampled_from(["", "revenues"]))))  # fmt: skip
    capacities = [
        Capacity(
            f"R{k}",
            council=draw(st.sampled_from(["", "D1", "D2"])),
            tower=draw(st.sampled_from(["", "revenues", "desktop"])),
            at_once=draw(st.integers(1, 3)),
        )
        for k in range(draw(st.integers(0, 3)))
    ]
    edges = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n))
    deps = tuple(
        Dependency(
            e.systems[b].council,
            e.systems[b].name,
            e.systems[a].council,
            e.systems[a].name,
            draw(st.integers(0, 30)),
        )  # fmt: skip
        for a, b in edges
        if a < b
    )
    return replace(e, freezes=tuple(freezes), capacities=tuple(capacities), dependencies=deps)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ruled_estates())
def test_random_freezes_and_capacity_give_valid_earliest_placements(e: Estate) -> None:
    try:
        roadmap = schedule(e, TODAY)
    except EstateError as refused:  # windows that together cover every day of the year
        assert "freeze windows that apply to it leave no day to cut over" in str(refused)
        return
    assert_valid_schedule(e, roadmap)


def placed_the_plain_way(e: Estate) -> dict[tuple[str, str], tuple[date, date, int]] | None:
    """Each system's start, cutover and turn, as the rule says: one heap holding every system
    whose prerequisites are placed, by earliest start, council code and name; each placed at
    the first start from its earliest whose cutover is in no freeze window that applies to it
    and under every capacity rule it matches finds fewer than `at_once` systems in transition
    on each day of its transition. None when some system has no such day before 2201."""
    contracts = {(c.council, c.reference): c for c in e.contracts}
    needs: dict[tuple[str, str], list[tuple[tuple[str, str], int]]] = {s.key: [] for s in e.systems}
    for dependency in e.dependencies:
        needs[dependency.dependant].append((dependency.prerequisite, dependency.lag_days))
    windows = [(Window.of(f), f) for f in e.freezes]
    busy: dict[int, dict[int, int]] = {r: {} for r in range(len(e.capacities))}  # rule: day: n
    placed: dict[tuple[str, str], tuple[date, date, int]] = {}
    waiting = {s.key: s for s in e.systems}
    while waiting:
        ready = []
        for s in waiting.values():
            if all(p in placed for p, _ in needs[s.key]):
                ends = contracts[(s.council, s.contract)].end
                assert ends is not None
                bounds = [TODAY, ends + timedelta(days=1 - s.transition_days)]
                bounds += [placed[p][1] + timedelta(days=lag) for p, lag in needs[s.key]]
                ready.append((max(bounds), s.council, s.name, s))
        first, _, _, s = min(ready)
        rules = [r for r, c in enumerate(e.capacities) if applies(c.council, c.tower,
                                                                  s.council, s.tower)]  # fmt: skip
        day = first.toordinal()
        while True:
            cut = day + s.transition_days
            if cut > date(2200, 12, 31).toordinal():
                return None
            frozen = [w.around(cut) for w, f in windows if applies(f.council, f.tower,
                                                                 s.council, s.tower)]  # fmt: skip
            full = [
                d
                for r in rules
                for d in range(day, cut)
                if busy[r].get(d, 0) >= e.capacities[r].at_once
            ]
            if not any(frozen) and not full:
                break
            day = max([day + 1, *[w[1] + 1 - s.transition_days for w in frozen if w],
                       *[d + 1 for d in full]])  # fmt: skip
        for r in rules:
            for d in range(day, day + s.transition_days):
                busy[r][d] = busy[r].get(d, 0) + 1
        start = date.fromordinal(day)
        placed[s.key] = (start, start + timedelta(days=s.transition_days), len(placed))
        del waiting[s.key]
    return placed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ruled_estates())
def test_placement_is_the_plain_one(e: Estate) -> None:
    """The engine places systems at national scale by another road: the same place, the same
    turn, for every system."""
    plain = placed_the_plain_way(e)
    try:
        plans = schedule(e, TODAY).plans
    except EstateError:
        assert plain is None
        return
    assert plain is not None
    ruled = bool(e.capacities) or any(  # else dates come at once: no turns
        applies(f.council, f.tower, s.council, s.tower) for f in e.freezes for s in e.systems
    )
    got = {
        (r.council, r.system): (r.start.date(), r.cutover.date(), r.placed)
        for r in plans.itertuples()
    }
    assert got == {
        key: (start, cut, turn if ruled else -1) for key, (start, cut, turn) in plain.items()
    }


def test_windows_that_leave_no_day_are_refused_naming_the_system() -> None:
    pair = revenues("D1", date(2027, 12, 31))
    halves = (Freeze("first half", "01-01", "06-30"), Freeze("second half", "07-01", "12-31"))
    with pytest.raises(EstateError, match=r"Revenues \(D1\): the freeze windows"):
        schedule(estate(pair, freezes=halves), TODAY)


# --- days, files, validation, storage ------------------------------------------------------


def test_window_days_in_words_and_refused_in_words() -> None:
    assert Window.of(BILLING).words() == "annual billing (1 Mar – 30 Apr)"
    assert parse_day("02-29") == (2, 29, None)
    with pytest.raises(ValueError, match="neither MM-DD"):
        parse_day("31-12")
    assert problems_of(Freeze("x", "13-01", "04-30"), Estate())["starts"].startswith("'13-01'")
    assert "at least 1" in problems_of(Capacity("team", at_once=0), Estate())["at_once"]
    assert problems_of(Capacity("team", council="NOPE", at_once=1), Estate())["council"] == (
        "There is no council 'NOPE'"
    )


def test_freezes_and_capacity_files_round_trip_and_bad_cells_are_named(tmp_path: Path) -> None:
    e = replace(
        read_estate(SAMPLE),
        freezes=(BILLING, Freeze("year end", "12-18", "01-06")),  # read back in name order
        capacities=(Capacity("migration team", at_once=3),),
    )
    write_estate(e, tmp_path)
    assert read_estate(tmp_path) == e
    text = (tmp_path / "capacity.csv").read_text(encoding="utf-8")
    (tmp_path / "capacity.csv").write_text(text.replace(",3", ",three"), encoding="utf-8")
    with pytest.raises(EstateFileError, match="capacity.csv, row 2, column at_once"):
        read_estate(tmp_path)


@pytest.mark.parametrize(
    ("starts", "ends", "named"), [("13-01", "01-06", "from"), ("12-18", "6 Jan", "to")]
)
def test_a_freeze_day_that_is_no_day_is_named_not_a_crash(
    starts: str, ends: str, named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_estate(
        replace(read_estate(SAMPLE), freezes=(Freeze("Year end", starts, ends),)), tmp_path
    )
    columns = read_estate_columns(tmp_path)
    assert columns is not None
    assert plan_columns(columns, date(2026, 11, 22)) is None  # the records name it
    assert main(["schedule", "--estate", str(tmp_path), "--today", "2026-11-22"]) == 2
    wrong = starts if named == "from" else ends
    assert capsys.readouterr().err == (
        f"error: Freeze window 'Year end', field {named}: '{wrong}' is neither MM-DD "
        "(every year) nor YYYY-MM-DD (once)\n"
    )


def test_freezes_and_capacity_are_stored_with_their_history(database_url: str) -> None:
    engine = prepare_database(database_url)
    billing = replace(BILLING, tower="desktop")  # a tower the sample has
    e = replace(read_estate(SAMPLE), freezes=(billing,), capacities=(Capacity("team", at_once=2),))
    with Session(engine) as session:
        storage.save_estate(session=session, estate=e, actor=SYSTEM)
    with Session(engine) as session:
        storage.save_estate(
            session=session,
            estate=Estate(capacities=(Capacity("team", at_once=3),)),
            actor=SYSTEM,
        )
        lines = storage.history(session=session, record=Capacity("team", at_once=3))
        loaded = storage.load_estate(session=session)
    assert loaded.freezes == (billing,)
    assert loaded.capacities == (Capacity("team", at_once=3),)
    assert ("at_once", "2", "3") in {(h.field, h.old, h.new) for h in lines}
    engine.dispose()


# --- screens and outputs --------------------------------------------------------------------


def test_the_overview_and_board_pack_name_the_rules_binding_the_end_date() -> None:
    from convergence.outputs.board_pack import pack_content
    from convergence.planning.roadmap import binding_rules

    pairs = [revenues(f"D{n}", date(2027, 6, 30), days=90) for n in range(1, 4)]
    e = estate(*pairs, capacities=(Capacity("revenues team", tower="revenues", at_once=1),))
    roadmap = schedule(e, TODAY)
    assert binding_rules(roadmap) == [
        "capacity: revenues team, 1 at once — busy with Revenues (D1) until 30 Jun 2027",
        "capacity: revenues team, 1 at once — busy with Revenues (D2) until 28 Sep 2027",
    ]
    summary = pack_content(roadmap).summary
    assert any(
        line.startswith("Rules binding the programme's end date: capacity") for line in summary
    )


def test_capacity_load_counts_systems_in_transition_each_week() -> None:
    from convergence.planning.roadmap import capacity_load

    pairs = [revenues(f"D{n}", date(2027, 6, 30), days=90) for n in range(1, 6)]
    team = Capacity("revenues team", tower="revenues", at_once=2)
    load = capacity_load(schedule(estate(*pairs, capacities=(team,)), TODAY), (team,))
    assert load["in_transition"].max() == 2 and set(load["at_once"]) == {2}
    assert (load["week"].dt.day_of_week == 0).all()  # weeks from Monday
    busy = load[load["in_transition"] > 0]
    assert (
        busy["week"].min() <= pd.Timestamp("2027-04-02") < busy["week"].min() + pd.Timedelta(days=7)
    )


def test_the_roadmap_shades_freezes_and_shows_capacity_on_the_county_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_app import app, chart_rows, database

    database(tmp_path, monkeypatch, read_estate(COUNTY))
    at = app().switch_page("pages/roadmap.py").run()
    assert not at.exception
    rows = chart_rows(at, 0)
    freezes = rows[rows["kind"] == "freeze"]
    assert freezes["marker"].str.startswith("Christmas and New Year (18 Dec – 6 Jan)").any()
    capacity = chart_rows(at, 1)
    assert set(capacity["rule"]) == {"finance migration team", "revenues migration team"}
    assert (capacity["in_transition"] <= capacity["at_once"]).all()


def test_a_scenario_adds_a_second_team_and_says_what_the_programme_gains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from convergence.planning.scenarios import Override, compare, scenario_roadmap
    from tests.test_app import app, database

    pairs = [revenues(f"D{n}", date(2027, 6, 30), days=90) for n in range(1, 6)]
    team = Capacity("revenues team", tower="revenues", at_once=1)
    e = estate(*pairs, capacities=(team,))
    second = (Override("change_capacity", name="revenues team", days=2),)
    gained = compare(schedule(e, TODAY), scenario_roadmap(e, second, TODAY), second)
    assert gained.programme_change_days == -180
    assert second[0].describe() == "Capacity rule revenues team takes 2 at once"
    database(tmp_path, monkeypatch, e)
    at = app().switch_page("pages/scenarios.py").run()
    at.selectbox(key="scenarios_kind").set_value("Change a team's capacity").run()
    at.number_input(key="scenarios_at_once").set_value(2)
    at.button[0].click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Programme convergence"] == "-180 days (about 5.9 months sooner)"


def test_a_capacity_file_without_a_column_keeps_what_is_stored(tmp_path: Path) -> None:
    from convergence.records.estate_files import carried_in
    from convergence.registers.importing import over_held

    held = replace(read_estate(SAMPLE), capacities=(Capacity("team", tower="desktop", at_once=2),))
    (tmp_path / "capacity.csv").write_text("name,at_once\nteam,4\n", encoding="utf-8")
    found = read_estate(tmp_path)
    written = over_held(found, held, carried_in(tmp_path))
    assert written.capacities == (Capacity("team", tower="desktop", at_once=4),)
