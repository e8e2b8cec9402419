"""The engine's rules, each on a hand-computed case, plus the invariant on generated estates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convergence.errors import DependencyCycle, EstateError
from convergence.planning import arrays
from convergence.planning.checks import assert_valid_schedule
from convergence.planning.engine import _stable_order, closing_cycles, find_cycle, schedule
from convergence.records.estate import (
    Contract,
    Council,
    Dependency,
    Estate,
    Links,
    Lot,
    Successor,
    System,
    Tower,
    linked,
)
from convergence.records.generate import generate_estate

TODAY = date(2026, 11, 22)
TOWERS = (
    Tower("desktop", "Desktop"),
    Tower("data_centre", "Data centre"),
    Tower("identity", "Identity"),
)
LOTS = (
    Lot("Lot 1 Desktop", "desktop", "Fujitsu", date(2026, 10, 1), date(2029, 12, 31), 60),
    Lot("Lot 2 Hosting", "data_centre", "Sungard", date(2027, 2, 1), date(2029, 12, 31), 60),
)


def estate(
    *systems: System,
    contracts: tuple[Contract, ...] = (),
    dependencies: tuple[Dependency, ...] = (),
) -> Estate:
    return Estate(
        councils=(Council("WCC", "Westminster"), Council("RBKC", "Kensington and Chelsea")),
        towers=TOWERS,
        lots=LOTS,
        contracts=contracts,
        systems=systems,
        dependencies=dependencies,
    )


def contract(ref: str = "WCC-DT-004", **terms: object) -> Contract:
    fields: dict[str, object] = {
        "council": "WCC",
        "reference": ref,
        "title": "Desktop",
        "supplier": "Capgemini",
        "tower": "desktop",
    }
    fields.update(terms)
    return Contract(**fields)  # type: ignore[arg-type]


def desktop(**fields: object) -> System:
    values: dict[str, object] = {
        "council": "WCC",
        "name": "Desktop",
        "tower": "desktop",
        "lot": "Lot 1 Desktop",
        "transition_days": 60,
    }
    values.update(fields)
    return System(**values)  # type: ignore[arg-type]


def plan(e: Estate, name: str = "Desktop", council: str = "WCC", **kw: object) -> dict[str, object]:
    roadmap = schedule(e, TODAY, **kw)  # type: ignore[arg-type]
    assert_valid_schedule(e, roadmap, kw.get("exits"))  # type: ignore[arg-type]
    row = roadmap.plans[(roadmap.plans.council == council) & (roadmap.plans.system == name)]
    record: dict[str, object] = row.iloc[0].to_dict()
    for column in ("start", "cutover", "notice_deadline", "leave_on"):
        value = record[column]
        record[column] = None if value is None or value != value else value.date()
    return record


def test_contract_end_sets_the_cutover_day_after_it_ends() -> None:
    e = estate(
        desktop(contract="WCC-DT-004"),
        contracts=(contract(end=date(2027, 3, 31), notice_months=6),),
    )
    p = plan(e)
    assert p["cutover"] == date(2027, 4, 1)
    assert p["start"] == date(2027, 1, 31)
    assert p["binding_kind"] == "contract"
    assert p["binding"] == "contract WCC-DT-004 ends 31 Mar 2027"
    assert p["extension_days"] == 0
    assert p["notice_deadline"] == date(2026, 9, 30)


@pytest.mark.parametrize(
    ("days", "words"), [(-1, "before its contract bound"), (1, "not the earliest")]
)
def test_the_invariant_catches_a_start_moved_either_way(days: int, words: str) -> None:
    e = estate(desktop(contract="WCC-DT-004"), contracts=(contract(end=date(2027, 3, 31)),))
    roadmap = schedule(e, TODAY)
    moved = roadmap.plans.copy()
    moved.loc[0, ["start", "cutover"]] += pd.Timedelta(days=days)
    with pytest.raises(AssertionError, match=words):
        assert_valid_schedule(e, replace(roadmap, plans=moved))


def test_lot_opening_sets_the_start() -> None:
    e = estate(System("WCC", "Hosting", "data_centre", lot="Lot 2 Hosting", transition_days=90))
    p = plan(e, "Hosting")
    assert p["start"] == date(2027, 2, 1)
    assert p["cutover"] == date(2027, 5, 2)
    assert p["binding"] == "Lot 2 Hosting opens 1 Feb 2027"


def test_planning_date_sets_the_start_when_nothing_else_does() -> None:
    p = plan(estate(desktop()))
    assert p["start"] == TODAY
    assert p["cutover"] == TODAY + timedelta(days=60)
    assert p["binding_kind"] == "planning_date"


def test_dependency_waits_for_the_prerequisite_cutover_plus_lag() -> None:
    e = estate(
        System("RBKC", "Hosting", "data_centre", lot="Lot 2 Hosting", transition_days=100),
        desktop(),
        dependencies=(Dependency("WCC", "Desktop", "RBKC", "Hosting", 14),),
    )
    hosting = plan(e, "Hosting", "RBKC")
    assert hosting["cutover"] == date(2027, 5, 12)
    p = plan(e)
    assert p["start"] == date(2027, 5, 26)
    assert p["binding"] == "waits for Hosting (RBKC), cutover 12 May 2027"


def test_converged_prerequisite_keeps_its_date_and_constrains_dependants() -> None:
    e = estate(
        System("WCC", "Identity", "identity", state="converged", cutover=date(2027, 1, 10)),
        desktop(),
        dependencies=(Dependency("WCC", "Desktop", "WCC", "Identity", 0),),
    )
    assert plan(e, "Identity")["cutover"] == date(2027, 1, 10)
    assert plan(e, "Identity")["binding"] == "converged on 10 Jan 2027"
    assert plan(e)["start"] == date(2027, 1, 10)


def test_retained_system_is_out_of_the_plan_and_depending_on_it_is_red() -> None:
    e = estate(
        System("WCC", "Identity", "identity", state="retained"),
        desktop(),
        dependencies=(Dependency("WCC", "Desktop", "WCC", "Identity", 0),),
    )
    assert plan(e, "Identity")["cutover"] is None
    p = plan(e)
    assert p["start"] == TODAY
    assert p["rag"] == "red"
    assert "depends on Identity (WCC), which is retained out of scope" in str(p["reasons"])


def test_extension_within_options_is_amber() -> None:
    e = estate(
        System("RBKC", "Hosting", "data_centre", lot="Lot 2 Hosting", transition_days=100),
        desktop(contract="WCC-DT-004"),
        contracts=(contract(end=date(2027, 3, 31), max_end=date(2028, 3, 31)),),
        dependencies=(Dependency("WCC", "Desktop", "RBKC", "Hosting", 0),),
    )
    p = plan(e)
    # hosting cuts over 12 May 2027; desktop runs 60 days to 11 Jul 2027
    assert p["cutover"] == date(2027, 7, 11)
    assert p["extension_days"] == (date(2027, 7, 10) - date(2027, 3, 31)).days == 101
    assert p["extension_covered"]
    assert p["rag"] == "amber"
    assert p["reasons"] == "needs 101 days extension of WCC-DT-004, within its options"


def test_extension_beyond_options_is_red() -> None:
    e = estate(
        System("RBKC", "Hosting", "data_centre", lot="Lot 2 Hosting", transition_days=100),
        desktop(contract="WCC-DT-004"),
        contracts=(contract(end=date(2027, 3, 31), max_end=date(2027, 6, 30)),),
        dependencies=(Dependency("WCC", "Desktop", "RBKC", "Hosting", 0),),
    )
    p = plan(e)
    assert not p["extension_covered"]
    assert p["rag"] == "red"
    assert "beyond its options (options end 30 Jun 2027)" in str(p["reasons"])


def test_notice_deadline_passed_without_notice_is_red_and_served_notice_is_not() -> None:
    terms = {"end": date(2027, 3, 31), "notice_months": 6}
    late = estate(desktop(contract="WCC-DT-004"), contracts=(contract(**terms),))
    assert plan(late)["rag"] == "red"
    assert "passed on 30 Sep 2026 without notice served" in str(plan(late)["reasons"])
    served = estate(
        desktop(contract="WCC-DT-004"),
        contracts=(contract(**terms, notice_served=date(2026, 9, 1)),),
    )
    assert plan(served)["rag"] == "green"


def test_notice_deadline_within_90_days_is_amber() -> None:
    e = estate(
        desktop(contract="WCC-DT-004"),
        contracts=(contract(end=date(2027, 4, 30), notice_months=3),),
    )
    p = plan(e)
    assert p["notice_deadline"] == date(2027, 1, 30)
    assert p["rag"] == "amber"
    assert p["reasons"] == "serve notice on WCC-DT-004 by 30 Jan 2027"


def test_tacit_renewal_notice_is_for_the_period_the_cutover_falls_in() -> None:
    # renews each 31 Mar for 12 months; the cutover waits for hosting until 11 Jul 2027,
    # so the council leaves at the end of the renewal period, 31 Mar 2028
    e = estate(
        System("RBKC", "Hosting", "data_centre", lot="Lot 2 Hosting", transition_days=100),
        desktop(contract="WCC-DT-004"),
        contracts=(
            contract(end=date(2027, 3, 31), renewal="tacit", renewal_months=12, notice_months=3),
        ),
        dependencies=(Dependency("WCC", "Desktop", "RBKC", "Hosting", 0),),
    )
    p = plan(e)
    assert p["leave_on"] == date(2028, 3, 31)
    assert p["notice_deadline"] == date(2027, 12, 31)
    assert p["extension_covered"]  # tacit renewal carries it on


def test_call_off_after_framework_expiry_is_red() -> None:
    e = estate(
        desktop(contract="WCC-DT-004"),
        contracts=(contract(end=date(2030, 6, 30), notice_months=6),),
    )
    p = plan(e)
    assert p["rag"] == "red"
    assert "is after Lot 1 Desktop expires on 31 Dec 2029" in str(p["reasons"])
    assert not p["calloff_in_window"]


def test_early_exit_replaces_the_contract_end() -> None:
    e = estate(
        desktop(contract="WCC-DT-004"),
        contracts=(contract(end=date(2029, 3, 31), termination_notice_days=30),),
    )
    p = plan(e, exits={("WCC", "WCC-DT-004"): date(2027, 6, 30)})
    assert p["cutover"] == date(2027, 7, 1)
    assert p["binding"] == "contract WCC-DT-004 exit agreed on 30 Jun 2027"
    assert p["notice_deadline"] == date(2027, 5, 31)


def test_slack_for_council_and_programme() -> None:
    e = estate(
        desktop(),  # WCC: cuts over 21 Jan 2027
        System("WCC", "Hosting", "data_centre", lot="Lot 2 Hosting", transition_days=10),
        System("RBKC", "Desktop", "desktop", lot="Lot 1 Desktop", transition_days=300),
    )
    roadmap = schedule(e, TODAY)
    plans = roadmap.plans.set_index(["council", "system"])
    # WCC converges when Hosting cuts over, 11 Feb 2027; Desktop cuts over 21 Jan 2027
    assert plans.loc[("WCC", "Desktop"), "slack_council_days"] == 21
    assert plans.loc[("WCC", "Hosting"), "slack_council_days"] == 0
    # the programme ends with RBKC's desktop, 18 Sep 2027
    assert plans.loc[("RBKC", "Desktop"), "slack_programme_days"] == 0
    assert (
        plans.loc[("WCC", "Desktop"), "slack_programme_days"]
        == (date(2027, 9, 18) - date(2027, 1, 21)).days
    )


def test_cycle_is_named_and_nothing_is_scheduled() -> None:
    e = estate(
        desktop(),
        System("WCC", "Identity", "identity"),
        dependencies=(
            Dependency("WCC", "Desktop", "WCC", "Identity", 0),
            Dependency("WCC", "Identity", "WCC", "Desktop", 0),
        ),
    )
    with pytest.raises(DependencyCycle) as raised:
        schedule(e, TODAY)
    assert set(raised.value.cycle) == {"Desktop (WCC)", "Identity (WCC)"}
    assert raised.value.cycle[0] == raised.value.cycle[-1]
    assert len(raised.value.cycle) == 3
    assert find_cycle(e) is not None


def test_closing_cycles_names_each_circle() -> None:
    e = estate(
        desktop(),
        System("WCC", "Identity", "identity"),
        dependencies=(Dependency("WCC", "Desktop", "WCC", "Identity", 0),),
    )
    identity, pc = ("WCC", "Identity"), ("WCC", "Desktop")
    pairs = [(identity, pc), (pc, pc), (pc, identity), (identity, ("X", "Y"))]
    assert closing_cycles(e, pairs) == [
        ["Identity (WCC)", "Desktop (WCC)", "Identity (WCC)"],
        ["Desktop (WCC)", "Desktop (WCC)"],
        None,  # already recorded, and closes nothing
        None,  # an unknown system closes nothing (validation names it)
    ]
    assert closing_cycles(e, []) == []


@pytest.mark.parametrize(
    ("broken", "words"),
    [
        (estate(desktop(contract="NOPE")), "field contract: no contract 'NOPE'"),
        (estate(desktop(lot="Lot 9")), "field lot: no framework lot 'Lot 9'"),
        (estate(desktop(tower="moon")), "field tower: no tower 'moon'"),
        (
            estate(desktop(), dependencies=(Dependency("WCC", "Desktop", "WCC", "Ghost", 0),)),
            "field needs_system: no system 'Ghost' in WCC",
        ),
        (estate(desktop(state="converged")), "field cutover"),
    ],
)
def test_unknown_references_name_the_record_and_field(broken: Estate, words: str) -> None:
    with pytest.raises(EstateError, match=words):
        schedule(broken, TODAY)


@pytest.mark.parametrize("hashed_above", [arrays.HASHED_LOOKUPS, 0])
def test_names_are_looked_up_alike_by_numpy_and_by_pandas(
    hashed_above: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """References looked up by name (no links): by numpy's sorted search in a small estate, by
    pandas' hash table in a large one; the same plan, the same first problem named."""
    generated = generate_estate(councils=3, systems_per_council=40, dependencies=150, seed=3)
    by_links = schedule(generated, TODAY).plans
    monkeypatch.setattr(arrays, "HASHED_LOOKUPS", hashed_above)
    pd.testing.assert_frame_equal(schedule(replace(generated), TODAY).plans, by_links)
    a, b = generated.systems[5], generated.systems[9]
    twice = replace(generated, systems=(*generated.systems, replace(b, tower=a.tower), a))
    with pytest.raises(
        EstateError, match=f"System '{b.name}' appears twice in council {b.council}"
    ):
        schedule(twice, TODAY)
    ghost = Dependency(a.council, a.name, b.council, "Ghost", 0)
    with pytest.raises(EstateError, match=f"field needs_system: no system 'Ghost' in {b.council}"):
        schedule(replace(generated, dependencies=(*generated.dependencies, ghost)), TODAY)
    with pytest.raises(EstateError, match="field system: no system 'Ghost'"):
        schedule(replace(generated, dependencies=(replace(ghost, system="Ghost"),)), TODAY)
    with pytest.raises(EstateError, match=f"field system: no system '{a.name}'"):
        schedule(Estate(dependencies=(ghost,)), TODAY)  # no system at all


def test_empty_estate_gives_an_empty_roadmap() -> None:
    assert schedule(Estate(), TODAY).plans.empty


@st.composite
def estates(draw: st.DrawFn) -> Estate:
    n = draw(st.integers(1, 25))
    day = st.dates(date(2025, 1, 1), date(2031, 12, 31))
    contracts, systems = [], []
    for i in range(n):
        tower = draw(st.sampled_from(["desktop", "data_centre"]))
        lot = draw(
            st.sampled_from([None, "Lot 1 Desktop" if tower == "desktop" else "Lot 2 Hosting"])
        )
        state = draw(
            st.sampled_from(
                ["legacy", "legacy", "in_transition", "converged", "retained", "surviving"]
            )
        )
        ref = None
        if draw(st.booleans()):
            ref = f"C{i}"
            end = draw(st.none() | day)
            contracts.append(
                Contract(
                    "WCC",
                    ref,
                    "t",
                    "s",
                    tower,
                    end=end,
                    max_end=draw(st.none() | day),
                    renewal=draw(st.sampled_from(["none", "tacit", "express"])),
                    renewal_months=draw(st.sampled_from([None, 6, 12, 24])),
                    notice_months=draw(st.none() | st.integers(0, 12)),
                    notice_served=draw(st.none() | day),
                )
            )
        # reorganisation: consolidating onto an earlier system (any state but retained) instead
        # of a lot, day-one, hosted, serving one of two successors
        onto = (
            draw(st.none() | st.integers(0, max(i - 1, 0))) if i and state != "surviving" else None
        )
        if onto is not None and systems[onto].state == "retained":
            onto = None
        systems.append(
            System(
                "WCC",
                f"S{i}",
                tower,
                ref,
                lot if onto is None else None,
                draw(st.integers(0, 400)),
                state,
                draw(day) if state == "converged" else None,
                successor=draw(st.sampled_from([None, "NEW", "OTHER"])),
                target_council=None if onto is None else "WCC",
                target_system=None if onto is None else f"S{onto}",
                day_one=state != "surviving" and draw(st.booleans()),
                hosted_until=draw(st.none() | day),
            )
        )
    edges = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    deps = tuple(
        Dependency("WCC", f"S{b}", "WCC", f"S{a}", draw(st.integers(0, 60)))
        for a, b in edges
        if a < b
    )
    vesting = (
        Successor("NEW", "New unitary", draw(day)),
        Successor("OTHER", "Other unitary", draw(day)),
    )
    return replace(
        estate(*systems, contracts=tuple(contracts), dependencies=deps),
        councils=(Council("WCC", "Westminster", successor=draw(st.sampled_from([None, "NEW"]))),),
        successors=vesting,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(estates(), st.dates(date(2025, 6, 1), date(2028, 1, 1)))
def test_every_generated_schedule_is_valid_and_earliest(e: Estate, today: date) -> None:
    roadmap = schedule(e, today)
    assert_valid_schedule(e, roadmap)
    planned = roadmap.plans[roadmap.plans.state.isin(["legacy", "in_transition"])]
    assert (planned.slack_council_days >= 0).all()
    assert (planned.slack_programme_days >= planned.slack_council_days - 10**6).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_linked_estates_schedule_as_their_names_say(seed: int) -> None:
    """The generator links its records (as storage does); the links give the same roadmap as
    looking every reference up by name, and it is valid and earliest."""
    e = generate_estate(councils=12, systems_per_council=60, dependencies=1_500, seed=seed)
    assert e.links is not None
    unlinked = replace(e)
    assert unlinked.links is None
    roadmap = schedule(e, TODAY)
    assert roadmap.plans.equals(schedule(unlinked, TODAY).plans)
    assert_valid_schedule(e, roadmap)


def test_links_that_do_not_fit_the_estate_are_refused() -> None:
    e = estate(System("WCC", "Desktop", "desktop"))
    none = np.zeros(0, dtype=np.int64)
    with pytest.raises(ValueError, match="do not fit"):
        linked(e, Links(needs=none, waits=none, contract=none))


@pytest.mark.parametrize("bound", [10, 2**8, 2**8 + 1, 2**16, 2**16 + 1, 2**32 + 1])
def test_stable_order_sorts_and_keeps_ties_in_order(bound: int) -> None:
    rng = np.random.default_rng(bound)
    keys = rng.integers(0, bound, 5_000)
    keys[::7] = keys[0]  # plenty of ties
    assert np.array_equal(_stable_order(keys, bound), np.argsort(keys, kind="stable"))


@settings(max_examples=200, deadline=None)
@given(
    st.dates(date(1990, 1, 1), date(2060, 12, 31)),
    st.lists(st.tuples(st.integers(0, 400), st.integers(-150, 150)), min_size=1, max_size=40),
    st.integers(0, 3),
)
def test_months_are_added_as_the_calendar_says(
    first: date, moves: list[tuple[int, int]], repeat: int
) -> None:
    """Calendar months on both of add_months' paths: a few days over a long span are converted
    one by one, many days over a short span through a table of the span (the days repeated
    here so that the table is taken)."""
    from dateutil.relativedelta import relativedelta

    from convergence.planning.calendar_months import add_months

    days = np.array([first.toordinal() + d for d, _ in moves] * (1 + 40 * repeat))
    months = np.array([m for _, m in moves] * (1 + 40 * repeat))
    expected = [(date.fromordinal(d) + relativedelta(months=m)).toordinal()
                for d, m in zip(days.tolist(), months.tolist(), strict=True)]  # fmt: skip
    assert add_months(days, months).tolist() == expected


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    """A number of systems and edges between them, cycles and repeats allowed."""
    n = draw(st.integers(1, 30))
    system = st.integers(0, n - 1)
    return n, draw(st.lists(st.tuples(system, system), max_size=80))


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_levels_are_the_longest_chain_before_each_system(
    graph: tuple[int, list[tuple[int, int]]],
) -> None:
    """Each system's level is the longest chain of prerequisites before it (networkx's
    topological generations), and -1 for a system on or behind a cycle."""
    import networkx as nx

    from convergence.planning.engine import _levels

    n, edges = graph
    ends = np.array(edges, dtype=np.int64).reshape(-1, 2)
    digraph = nx.DiGraph()
    digraph.add_nodes_from(range(n))
    digraph.add_edges_from(edges)
    behind = {
        v for c in nx.simple_cycles(digraph) for u in c for v in {u, *nx.descendants(digraph, u)}
    }
    clear = digraph.subgraph(set(range(n)) - behind)
    expected = [-1] * n
    for depth, generation in enumerate(nx.topological_generations(clear)):
        for v in generation:
            expected[v] = depth
    assert _levels(n, ends[:, 0], ends[:, 1]).tolist() == expected
