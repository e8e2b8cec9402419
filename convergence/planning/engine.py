"""The convergence engine: when each system can move onto the framework, and why.

Pure: an `Estate` and a planning date in, a `Roadmap` out; no database, no Streamlit, no I/O.

Rules, for each system still to move (state legacy or in transition), with a transition of
d days running from its start to its cutover (the first day on the framework, start + d):

1. Contract: cutover no earlier than the day after its contract's current end date (a scenario
   may give an earlier exit date instead). No contract, or no end date: no limit.
2. Lot: start no earlier than the day its target lot opens for call-offs.
3. Planning date: start no earlier than the planning date ("today").
4. Dependencies: for each system P it needs, start no earlier than P's cutover plus the lag.

The start is the earliest date meeting all four; the rule that set it is the *binding
constraint* (on a tie: contract, then dependency, then lot, then planning date). Converged
systems keep their recorded cutover and constrain their dependants through it. Retained systems
are out of the plan; a dependency on one is reported (red) and sets no date.

From the dates follow, per system: the extension its contract needs (days from the current end
to the day before cutover) and whether the maximum end date covers it; the notice deadline (the
planned leaving date less the notice period, where the planned leaving date is the current end,
or the end of the extension, or with tacit renewal the end of the renewal period the cutover
falls in; for a scenario's early exit, the exit date less the termination notice); whether the
call-off (the transition start) falls before the framework expires; slack; and RAG.

A dependency cycle raises `DependencyCycle` naming every system on it; unknown references raise
`EstateError` naming the record and the field. Nothing is half-scheduled.

The graph is a networkx DiGraph (`dependency_graph`); the date pass works level by level on
numpy arrays in topological order, so its cost grows linearly with systems + dependencies.
References (each dependency's two systems, each system's contract) come as positions from the
estate's `links` when its source knows them (the database, the generator), and are looked up
by name otherwise (see convergence.planning.arrays). The garbage collector is paused while it
runs (see convergence.bulk).

Over 400 lines: the rules, the date pass and the binding constraint in words are one
computation over the same arrays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from convergence.bulk import collector_paused
from convergence.errors import DependencyCycle, EstateError
from convergence.planning.arrays import (
    CONVERGED,
    NONE,
    RETAINED,
    STATE_NAMES,
    SURVIVING,
    EstateArrays,
    Ints,
    compile_estate,
)
from convergence.planning.binding import binding_words
from convergence.planning.calendar_months import EPOCH
from convergence.planning.freezes_capacity import FREEZE
from convergence.planning.placement import NoDayFree, Placed, busy_with, place
from convergence.planning.risks import (
    contract_terms,
    misses_hosting_end,
    misses_vesting_day,
    rag,
)
from convergence.planning.wording import filled
from convergence.records.estate import Estate, system_label

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from convergence.records.columns import EstateColumns

NAT = np.datetime64("NaT").view(np.int64)  # "no date" among dates as whole numbers

# networkx, pandas and Arrow are imported where they are used: the date pass needs none of
# them, and `convergence schedule --estate` writes the plan's columns without a pandas table
# (networkx alone took 0.1 s of the command's start; a small folder is read without Arrow)


@dataclass(frozen=True, eq=False)
class Roadmap:
    """The schedule: one row per system in `plans`, plus what the date pass needs to explain it.

    `plans` columns: council, system, tower, state, contract, supplier, lot, transition_days,
    start, cutover, binding_kind, binding, waits_for (row of the system it waits for, -1 if
    none), extension_days, extension_covered, contract_end, max_end, leave_on, notice_deadline,
    notice_served, notice_passed, calloff_in_window, lot_opens, framework_expiry,
    slack_council_days, slack_programme_days, annual_value, rag, reasons, successor (the one
    it serves, "" for none), vesting_day, day_one, hosted_until, consolidates_onto (the
    surviving system's label, "" for none), misses_vesting_day, misses_hosting_end,
    needed_until (a surviving system: the last cutover onto it).
    Dates are pandas timestamps (NaT when there is none).
    """

    today: date
    plans: pd.DataFrame
    edges: Ints = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))

    def dependency_rows(self) -> list[tuple[int, int]]:
        """Every dependency as (row of the prerequisite, row of the system that waits)."""
        return [(int(a), int(b)) for a, b in self.edges]

    def row_of(self, council: str, system: str) -> int | None:
        """Row number of a system, or None when it is not in the estate."""
        match = np.flatnonzero(
            (self.plans["council"].to_numpy() == council)
            & (self.plans["system"].to_numpy() == system)
        )
        return int(match[0]) if match.size else None


@dataclass(frozen=True, eq=False)
class WholeNumbers:
    """A plan's column of whole numbers, some missing (where `missing`, whatever `values`
    holds means nothing). numpy's masked arrays would do, but importing them took a twentieth
    of `convergence schedule`'s whole run."""

    values: Ints
    missing: npt.NDArray[np.bool_]

    def tolist(self) -> list[int | None]:
        """The numbers as Python values, None where missing."""
        return [
            None if gone else value
            for value, gone in zip(self.values.tolist(), self.missing.tolist(), strict=True)
        ]


# --- the graph ------------------------------------------------------------------------------


def dependency_graph(estate: Estate) -> nx.DiGraph:
    """The dependency graph: an edge P → S with attribute `lag` when S needs P.

    Nodes are (council, system) keys with attributes `tower` and `state`.

    >>> from convergence.records.estate import Estate, System, Dependency
    >>> e = Estate(systems=(System("WCC", "Identity", "identity"), System("WCC", "Desktop",
    ...     "desktop")), dependencies=(Dependency("WCC", "Desktop", "WCC", "Identity", 7),))
    >>> list(dependency_graph(e).edges(data="lag"))
    [(('WCC', 'Identity'), ('WCC', 'Desktop'), 7)]
    """
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from((s.key, {"tower": s.tower, "state": s.state}) for s in estate.systems)
    graph.add_edges_from(
        ((d.needs_council, d.needs_system), (d.council, d.system), {"lag": d.lag_days})
        for d in estate.dependencies
    )
    graph.add_edges_from(  # consolidating onto a surviving system waits for it, with no lag
        (s.target, s.key, {"lag": 0, "onto": True})
        for s in estate.systems
        if s.target is not None and s.target in graph
    )
    return graph


def _waits(estate: Estate) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """Every (system needed first, system that waits): dependencies, then each surviving system
    before the systems consolidating onto it."""
    return [(d.prerequisite, d.dependant) for d in estate.dependencies] + [
        (s.target, s.key) for s in estate.systems if s.target is not None
    ]


def find_cycle(estate: Estate) -> list[str] | None:
    """The systems on one dependency cycle, in the order they wait for each other, or None."""
    import networkx as nx

    graph = dependency_graph(estate)
    try:
        edges = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return None
    names = [system_label(v[1], v[0]) for _, v, *_ in reversed(edges)]
    return [*names, names[0]]


def closing_cycles(
    estate: Estate, pairs: Sequence[tuple[tuple[str, str], tuple[str, str]]]
) -> list[list[str] | None]:
    """For each (system, needs) pair: the cycle in words that `system` needing `needs` would
    close with the estate's dependencies, or None. Validation calls this for every dependency
    it checks.

    Linear when nothing closes a circle: one pass of topological levels over the estate's
    dependencies and the pairs finds the systems on or behind a cycle, and only among those
    is a path searched (every system on a closed circle is one of them). The pair's own
    dependency may already be in the estate: a path from `system` back to `needs` never uses
    it, so the answer is the same."""
    import networkx as nx

    found: list[list[str] | None] = [None] * len(pairs)
    if not pairs:
        return found
    position = {s.key: i for i, s in enumerate(estate.systems)}
    edges = [
        (position[needs], position[waits])
        for needs, waits in _waits(estate)
        if needs in position and waits in position
    ]
    edges += [
        (position[needs], position[system])
        for system, needs in pairs
        if system in position and needs in position
    ]
    pairs_of_ends = np.array(edges, dtype=np.int64).reshape(-1, 2)
    level = _levels(len(estate.systems), pairs_of_ends[:, 0], pairs_of_ends[:, 1])
    stuck = np.flatnonzero(level < 0)
    circled = {estate.systems[i].key for i in stuck}
    graph = nx.DiGraph()
    if circled:
        graph.add_edges_from(
            (needs, waits)
            for needs, waits in _waits(estate)
            if needs in circled and waits in circled
        )
    for at, (system, needs) in enumerate(pairs):
        path: list[tuple[str, str]] | None = None
        if system == needs:
            path = [system]
        elif system in graph and needs in graph:
            with suppress(nx.NetworkXNoPath):
                path = nx.shortest_path(graph, system, needs)  # needs already waits for system
        names = [system_label(s, c) for c, s in path] if path else []
        found[at] = [*names, names[0]] if names else None
    return found


# --- topological levels ----------------------------------------------------------------------


def _stable_order(keys: Ints, bound: int) -> Ints:
    """The order that sorts `keys` (whole numbers from 0 to bound - 1), equal keys keeping
    their order. Keys below 2**16, or below 2**32 taken 16 bits at a time, sort by radix:
    at national scale four times faster than numpy's sort of 64-bit numbers."""
    if bound <= 2**8:  # levels: one pass of radix
        return np.argsort(keys.astype(np.uint8), kind="stable")
    if bound <= 2**16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    if bound <= 2**32:
        low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
        high = np.argsort((keys[low] >> 16).astype(np.uint16), kind="stable")
        order: Ints = low[high]
        return order
    return np.argsort(keys, kind="stable")


def _levels(n: int, src: Ints, dst: Ints) -> Ints:
    """Level of each node (longest chain of prerequisites before it); -1 for nodes on or
    behind a cycle. Kahn's algorithm, one numpy step per level."""
    level = np.full(n, -1, dtype=np.int64)
    indegree = np.bincount(dst, minlength=n).astype(np.int64)
    outdegree = np.bincount(src, minlength=n).astype(np.int64)
    if n <= 2**31:  # targets by source: each edge one number, its source in the high 32 bits
        targets_sorted = np.sort((src << 32) | dst) & 0xFFFFFFFF
    else:
        targets_sorted = dst[_stable_order(src, n)]
    offsets = np.concatenate(([0], np.cumsum(outdegree)))
    frontier = np.flatnonzero(indegree == 0)
    depth = 0
    while frontier.size:
        level[frontier] = depth
        counts = outdegree[frontier]
        total = int(counts.sum())
        if total == 0:
            break
        first = offsets[frontier] - np.concatenate(([0], np.cumsum(counts)[:-1]))
        targets = targets_sorted[np.repeat(first, counts) + np.arange(total)]
        if total >= n // 16:  # a wide level: counting beats sorting, and stays linear
            times = np.bincount(targets, minlength=n)
            reached = np.flatnonzero(times)
            times = times[reached]
        else:
            reached, times = np.unique(targets, return_counts=True)
        indegree[reached] -= times
        frontier = reached[indegree[reached] == 0]
        depth += 1
    return level


def _raise_cycle(estate: Estate, level: Ints) -> None:
    stuck = {estate.systems[i].key for i in np.flatnonzero(level < 0)}
    sub = Estate(
        systems=tuple(s for s in estate.systems if s.key in stuck),
        dependencies=tuple(
            d for d in estate.dependencies if d.dependant in stuck and d.prerequisite in stuck
        ),
    )
    cycle = find_cycle(sub)
    raise DependencyCycle(cycle or sorted(f"{c} {s}" for c, s in stuck))


def check_acyclic(estate: Estate) -> None:
    """Raise DependencyCycle naming the systems on a cycle, if the dependencies hold one.

    Storage calls this before it saves dependencies.
    """
    arrays = compile_estate(estate, {})
    level = _levels(arrays.duration.size, arrays.src, arrays.dst)
    if (level < 0).any():
        _raise_cycle(estate, level)


def _grouped(keys: Ints, levels: int) -> tuple[Ints, Ints]:
    """Order of items by key and the start of each key's run (keys 0..levels-1)."""
    order = _stable_order(keys, levels)
    starts = np.searchsorted(keys[order], np.arange(levels + 1))
    return order, starts


# --- the date pass ------------------------------------------------------------------------


def _dates(a: EstateArrays, level: Ints, today: int) -> dict[str, Ints]:
    """Forward pass: start, cutover and bounds; backward pass: latest cutovers for slack."""
    n = a.duration.size
    planned = a.state <= 1
    d = a.duration
    exit_or_end = np.where(a.exit_on != NONE, a.exit_on, a.contract_end)
    contract_bound = np.where(planned & (exit_or_end != NONE), exit_or_end + 1 - d, NONE)
    lot_bound = np.where(planned, a.lot_open, NONE)
    plan_bound = np.where(planned, today, NONE)
    base = np.maximum(np.maximum(contract_bound, lot_bound), plan_bound)

    # edges that move dates: from a dated prerequisite (not retained) into a planned system;
    # a target only while the surviving system is itself still to move
    consolidating = bool(a.onto.any())  # any system consolidating onto a surviving one
    moving = planned[a.dst] & (a.state != RETAINED)[a.src]  # yes/no gathered: cache-sized
    if consolidating:
        moving &= ~a.onto | planned[a.src]

    depth = int(level.max()) + 1 if n else 0
    node_order, node_starts = _grouped(level, depth)
    # the moving edges by their dependant's level, in their own order within a level (the
    # rest sort last, as level `depth`): the forward pass takes a level's edges at a time, and
    # the backward pass takes the levels in reverse, since a system's dependants all lie on
    # later levels than its own
    edge_order, edge_starts = _grouped(np.where(moving, level[a.dst], depth), depth + 1)
    edge_order = edge_order[: edge_starts[depth]]
    into, out, gap = a.dst[edge_order], a.src[edge_order], a.lag[edge_order]
    reach = np.full(into.size, NONE, dtype=np.int64)  # the cutover each edge asks of its dependant

    start = np.where(planned, base, NONE)
    cutover = np.where(planned, base + d, np.where(a.state == CONVERGED, a.recorded_cutover, NONE))
    dependency_bound = np.full(n, NONE, dtype=np.int64)
    placed = None
    if a.rules.active:  # freezes or capacity: one system at a time (convergence.planning.placement)
        placed = _placed(
            a,
            base=base,
            duration=d,
            planned=planned,
            cutover=cutover,
            src=a.src[moving],
            dst=a.dst[moving],
            lag=a.lag[moving],
            windows=a.rules.windows,
            window_of=a.rules.window_of,
            capacity=a.rules.capacities,
            rules_of=a.rules.rules_of,
            rule_group=a.rules.rule_group,
        )
        start = np.where(planned, placed.start, NONE)
        cutover = np.where(planned, placed.cutover, cutover)
        dependency_bound = np.where(planned, placed.dependency_bound, NONE)
        reach = cutover[out] + gap
    for depth_now in range(1, depth if placed is None else 0):
        edges = slice(edge_starts[depth_now], edge_starts[depth_now + 1])
        if edges.start < edges.stop:
            reach[edges] = cutover[out[edges]] + gap[edges]
            np.maximum.at(dependency_bound, into[edges], reach[edges])
        nodes = node_order[node_starts[depth_now] : node_starts[depth_now + 1]]
        nodes = nodes[planned[nodes]]
        start[nodes] = np.maximum(base[nodes], dependency_bound[nodes])
        cutover[nodes] = start[nodes] + d[nodes]

    # which prerequisite set the dependency bound (first edge achieving it: a system's edges
    # keep their order, all on its own level)
    waits_for = np.full(n, -1, dtype=np.int64)
    waits_onto = np.zeros(n, dtype=bool)  # ... and whether it is the surviving system
    achieving = np.flatnonzero(reach == dependency_bound[into])
    first = np.full(n, achieving.size, dtype=np.int64)  # each system's first edge achieving it
    np.minimum.at(first, into[achieving], np.arange(achieving.size))
    hit = np.flatnonzero(first < achieving.size)
    waits_for[hit] = out[achieving[first[hit]]]
    if consolidating:
        waits_onto[hit] = a.onto[edge_order[achieving[first[hit]]]]
    held = _held_back(a, placed, base, dependency_bound, waits_for, waits_onto)

    # backward pass: latest cutover that delays no council (and, separately, the programme)
    council_codes = a.council
    cut_planned = np.where(planned, cutover, NONE)
    council_date = np.full(int(council_codes.max()) + 1 if n else 0, NONE, dtype=np.int64)
    np.maximum.at(council_date, council_codes, cut_planned)
    programme_date = int(cut_planned.max()) if n else NONE
    takes = d[into] + gap  # from the prerequisite's cutover to the dependant's
    latest: dict[str, Ints] = {}
    for name, target in (
        ("council", council_date[council_codes] if n else np.zeros(0, np.int64)),
        ("programme", np.full(n, programme_date, dtype=np.int64)),
    ):
        late_cutover = np.where(planned, target, NONE)
        for depth_now in range(depth - 1, 0, -1):
            edges = slice(edge_starts[depth_now], edge_starts[depth_now + 1])
            if edges.start < edges.stop:
                np.minimum.at(late_cutover, out[edges], late_cutover[into[edges]] - takes[edges])
        latest[name] = late_cutover

    # a surviving system is needed until the last system consolidating onto it has cut over
    needed_until = np.full(n, NONE, dtype=np.int64)
    if consolidating:
        onto_edges = a.onto & planned[a.dst] & (a.state[a.src] == SURVIVING)
        np.maximum.at(needed_until, a.src[onto_edges], cutover[a.dst[onto_edges]])

    return {
        "start": start,
        "cutover": cutover,
        "needed_until": needed_until,
        "contract_bound": contract_bound,
        "lot_bound": lot_bound,
        "plan_bound": plan_bound,
        "dependency_bound": dependency_bound,
        "waits_for": waits_for,
        "waits_onto": waits_onto,
        **held,
        "late_council": latest["council"],
        "late_programme": latest["programme"],
    }


def _placed(a: EstateArrays, **given: Any) -> Placed:
    """`place` the systems of `a`, ties broken by council code, then system name; raises
    EstateError naming a system the freeze windows leave no day to cut over."""
    try:
        return place(tie=_council_then_name(a), **given)
    except NoDayFree as stuck:
        label = system_label(a.system_name[stuck.position], a.council_name[stuck.position])
        raise EstateError(f"{label}: {stuck.why}") from None


def _council_then_name(a: EstateArrays) -> Ints:
    """Each system's rank by council code, then system name: placement's tie-break."""
    _, council = np.unique(a.council_name, return_inverse=True)  # codes in the texts' order
    _, name = np.unique(a.system_name, return_inverse=True)
    order = np.lexsort((name, council))
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return rank


def _held_back(
    a: EstateArrays,
    placed: Placed | None,
    base: Ints,
    dependency_bound: Ints,
    waits_for: Ints,
    waits_onto: npt.NDArray[np.bool_],
) -> dict[str, Ints]:
    """What moved systems past their earliest start, for the binding words: `moved_by`
    (FREEZE, CAPACITY or 0), the `placed` order (-1 without freezes or capacity), and the
    freeze window (`freeze`, by position in the system's windows) or capacity rule (`rule`)
    with the systems busy (`busy`, a row per system: the positions of the first three to
    finish, -1 where fewer, and how many in all; see `busy_with`). A capacity-bound system
    waits for the busy system whose transition ends first; a freeze-bound one for what set
    its earliest start, when that was a dependency. Updates `waits_for` and `waits_onto` in
    place."""
    n = base.size
    if placed is None:
        none = np.full(n, -1, dtype=np.int64)
        return {"moved_by": np.zeros(n, dtype=np.int64), "placed": none, "freeze": none,
                "rule": none, "busy": np.empty((0, 4), dtype=np.int64)}  # fmt: skip
    busy = busy_with(placed, a.rules, a.duration, a.state <= 1)
    held = np.flatnonzero(busy[:, 0] >= 0)
    waits_for[held], waits_onto[held] = busy[held, 0], False
    froze = np.flatnonzero(placed.moved_by == FREEZE)
    by_dependency = (dependency_bound[froze] >= base[froze]) & (dependency_bound[froze] != NONE)
    waits_for[froze[~by_dependency]] = -1
    return {
        "moved_by": placed.moved_by,
        "placed": placed.order,
        "freeze": placed.freeze,
        "rule": placed.rule,
        "busy": busy,
    }


# --- the schedule -------------------------------------------------------------------------


def schedule(
    estate: Estate,
    today: date,
    *,
    exits: Mapping[tuple[str, str], date] | None = None,
) -> Roadmap:
    """Schedule every system onto the framework at the earliest date the rules allow.

    Parameters
    ----------
    estate : the estate to plan.
    today : the planning date (Settings.planning_date in the app and the command line).
    exits : early exit dates chosen by a scenario, by (council, contract reference).

    >>> from convergence.records.estate import Estate, Tower, System
    >>> e = Estate(towers=(Tower("desktop", "Desktop"),),
    ...            systems=(System("WCC", "Desktop", "desktop", transition_days=30),))
    >>> schedule(e, date(2026, 11, 22)).plans.loc[0, "cutover"].date()
    datetime.date(2026, 12, 22)
    """
    with collector_paused():
        return _schedule(estate, today, exits or {})


def schedule_columns(columns: EstateColumns, today: date) -> Roadmap | None:
    """`schedule` of an estate read as columns (convergence.records.columns), with no object
    per record; None when the estate has a problem (an unknown reference, a repeated key, a
    cycle ...), which scheduling its records names."""
    with collector_paused():
        compiled = _compiled_columns(columns)
        return None if compiled is None else _roadmap(*compiled, today)


def plan_columns(columns: EstateColumns, today: date) -> dict[str, Any] | None:
    """`schedule_columns`' plans as numpy columns (see `_plan_columns`), without pandas: the
    command line's schedule from estate files."""
    with collector_paused():
        compiled = _compiled_columns(columns)
        return None if compiled is None else _plan_columns(*compiled, today)


def _compiled_columns(columns: EstateColumns) -> tuple[EstateArrays, Ints] | None:
    from convergence.planning.arrays_from_columns import compile_columns

    arrays = compile_columns(columns)
    if arrays is None:
        return None
    level = _levels(arrays.duration.size, arrays.src, arrays.dst)
    if arrays.duration.size and (level < 0).any():
        return None
    return arrays, level


def plan_estate(estate: Estate, today: date) -> dict[str, Any]:
    """`schedule`'s plans as numpy columns (see `_plan_columns`), without pandas: the command
    line's schedule of an estate read record by record."""
    with collector_paused():
        return _plan_columns(*_compiled(estate, {}), today)


def _schedule(estate: Estate, today: date, exits: Mapping[tuple[str, str], date]) -> Roadmap:
    return _roadmap(*_compiled(estate, exits), today)


def _compiled(estate: Estate, exits: Mapping[tuple[str, str], date]) -> tuple[EstateArrays, Ints]:
    arrays = compile_estate(estate, exits)
    n = arrays.duration.size
    level = _levels(n, arrays.src, arrays.dst)
    if n and (level < 0).any():
        _raise_cycle(estate, level)
    return arrays, level


def _onto_labels(arrays: EstateArrays) -> npt.NDArray[np.object_]:
    """Per system: the surviving system it consolidates onto, as 'Finance (CTY)', or ""."""
    labels = filled(arrays.target.size, "")
    rows = np.flatnonzero(arrays.target >= 0)
    onto = arrays.target[rows]
    labels[rows] = [
        system_label(name, council)
        for name, council in zip(
            arrays.system_name[onto].tolist(), arrays.council_name[onto].tolist(), strict=True
        )
    ]
    return labels


def _plan_columns(arrays: EstateArrays, level: Ints, today: date) -> dict[str, Any]:
    """The date pass, terms, words and RAG of compiled arrays: each of `Roadmap.plans`'
    columns as a numpy array (texts as objects, dates as datetime64, a whole number that may
    be missing as WholeNumbers), without pandas."""
    day = today.toordinal()
    t = _dates(arrays, level, day)
    terms = contract_terms(arrays, t, day)
    kinds, texts = binding_words(arrays, t)
    rags, reasons = rag(arrays, t, terms)
    planned = arrays.state <= 1

    def dates(values: Ints) -> npt.NDArray[np.datetime64]:
        # to the second, pandas' own unit for dates, which it would otherwise convert to
        seconds = np.where(values == NONE, NAT, (values - EPOCH) * 86_400)
        return seconds.view("datetime64[s]")

    def slack(late: Ints) -> WholeNumbers:
        return WholeNumbers(late - t["cutover"], ~planned)  # missing where not planned

    return {
        "council": arrays.council_name,
        "system": arrays.system_name,
        "tower": arrays.tower,
        "state": STATE_NAMES[arrays.state],
        "contract": arrays.contract_ref,
        "supplier": arrays.supplier,
        "lot": arrays.lot_label,
        "transition_days": arrays.duration,
        "start": dates(t["start"]),
        "cutover": dates(t["cutover"]),
        "binding_kind": kinds,
        "binding": texts,
        "waits_for": t["waits_for"],
        "placed": t["placed"],
        "extension_days": terms["extension_days"],
        "extension_covered": terms["extension_covered"],
        "contract_end": dates(arrays.contract_end),
        "max_end": dates(arrays.max_end),
        "leave_on": dates(np.asarray(terms["leave_on"], dtype=np.int64)),
        "notice_deadline": dates(np.asarray(terms["notice_deadline"], dtype=np.int64)),
        "notice_served": dates(arrays.notice_served),
        "notice_passed": terms["notice_passed"],
        "calloff_in_window": ~planned
        | (arrays.lot_expiry == NONE)
        | (t["start"] <= arrays.lot_expiry),
        "lot_opens": dates(arrays.lot_open),
        "framework_expiry": dates(arrays.lot_expiry),
        "slack_council_days": slack(t["late_council"]),
        "slack_programme_days": slack(t["late_programme"]),
        "annual_value": arrays.annual_value,
        "rag": rags,
        "reasons": reasons,
        "successor": arrays.successor,
        "vesting_day": dates(arrays.vesting),
        "day_one": arrays.day_one,
        "hosted_until": dates(arrays.hosted_until),
        "consolidates_onto": _onto_labels(arrays),
        "misses_vesting_day": misses_vesting_day(arrays, t["cutover"]),
        "misses_hosting_end": misses_hosting_end(arrays, t["cutover"]),
        "needed_until": dates(t["needed_until"]),
    }


def _roadmap(arrays: EstateArrays, level: Ints, today: date) -> Roadmap:
    """The date pass, terms, words and RAG of compiled arrays, as a Roadmap."""
    import pandas as pd

    columns = _plan_columns(arrays, level, today)
    n = arrays.duration.size

    def column(values: Any) -> Any:
        if isinstance(values, WholeNumbers):
            return pd.arrays.IntegerArray(values.values, values.missing)
        if values.dtype == object:
            # texts kept as the Python strings they are (pandas would otherwise copy every
            # text into its own string type, a fifth of the time at national scale); an
            # empty column as the empty list it always was (pandas types that float64)
            return pd.Series(values, dtype=object, copy=False) if n else []
        return values

    plans = pd.DataFrame(
        {name: column(values) for name, values in columns.items()},
        copy=False,  # the columns are this call's own arrays: no need to copy them again
    )
    return Roadmap(today=today, plans=plans, edges=np.column_stack((arrays.src, arrays.dst)))
