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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd

from convergence.calendar_months import add_months, months_between, to_datetime64
from convergence.errors import DependencyCycle, EstateError
from convergence.estate import Estate, System
from convergence.formatting import days, uk_date

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

NONE = -(10**9)  # "no bound" / "no date" as a day number
AMBER_NOTICE_DAYS = 90

BindingKind = Literal["contract", "dependency", "lot", "planning_date", "converged", "retained"]
Rag = Literal["red", "amber", "green", "grey"]

STATE_CODES = {"legacy": 0, "in_transition": 1, "converged": 2, "retained": 3}
PLANNED_STATES = (0, 1)
CONVERGED, RETAINED = 2, 3


@dataclass(frozen=True, eq=False)
class Roadmap:
    """The schedule: one row per system in `plans`, plus what the date pass needs to explain it.

    `plans` columns: council, system, tower, state, contract, supplier, lot, transition_days,
    start, cutover, binding_kind, binding, waits_for (row of the system it waits for, -1 if
    none), extension_days, extension_covered, leave_on, notice_deadline, notice_passed,
    calloff_in_window, framework_expiry, slack_council_days, slack_programme_days, annual_value,
    rag, reasons.
    """

    today: date
    plans: pd.DataFrame

    def row_of(self, council: str, system: str) -> int | None:
        """Row number of a system, or None when it is not in the estate."""
        match = np.flatnonzero(
            (self.plans["council"].to_numpy() == council)
            & (self.plans["system"].to_numpy() == system)
        )
        return int(match[0]) if match.size else None


# --- the graph ------------------------------------------------------------------------------


def dependency_graph(estate: Estate) -> nx.DiGraph:
    """The dependency graph: an edge P → S with attribute `lag` when S needs P.

    Nodes are (council, system) keys with attributes `tower` and `state`.

    >>> from convergence.estate import Estate, System, Dependency
    >>> e = Estate(systems=(System("WCC", "Identity", "identity"), System("WCC", "Desktop",
    ...     "desktop")), dependencies=(Dependency("WCC", "Desktop", "WCC", "Identity", 7),))
    >>> list(dependency_graph(e).edges(data="lag"))
    [(('WCC', 'Identity'), ('WCC', 'Desktop'), 7)]
    """
    graph = nx.DiGraph()
    graph.add_nodes_from((s.key, {"tower": s.tower, "state": s.state}) for s in estate.systems)
    graph.add_edges_from(
        ((d.needs_council, d.needs_system), (d.council, d.system), {"lag": d.lag_days})
        for d in estate.dependencies
    )
    return graph


def find_cycle(estate: Estate) -> list[str] | None:
    """The systems on one dependency cycle, in the order they wait for each other, or None."""
    graph = dependency_graph(estate)
    try:
        edges = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return None
    names = [f"{v[1]} ({v[0]})" for _, v, *_ in reversed(edges)]
    return [*names, names[0]]


def would_close_cycle(
    estate: Estate, system: tuple[str, str], needs: tuple[str, str]
) -> list[str] | None:
    """If `system` needing `needs` would close a cycle, the cycle in words; else None.

    Storage calls this before it saves a new dependency.
    """
    if system == needs:
        label = f"{system[1]} ({system[0]})"
        return [label, label]
    graph = dependency_graph(estate)
    if system not in graph or needs not in graph:
        return None
    try:
        path = nx.shortest_path(graph, system, needs)  # needs already waits for system
    except nx.NetworkXNoPath:
        return None
    names = [f"{s} ({c})" for c, s in path]
    return [*names, names[0]]


# --- compiling the estate into arrays ------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Arrays:
    systems: tuple[System, ...]
    duration: Ints
    state: Ints
    recorded_cutover: Ints
    lot_open: Ints
    lot_expiry: Ints
    contract_end: Ints
    exit_on: Ints
    max_end: Ints
    notice_months: Ints
    notice_served: Ints
    renewal_tacit: Bools
    renewal_months: Ints
    termination_notice_days: Ints
    src: Ints
    dst: Ints
    lag: Ints
    contract_ref: list[str | None]
    supplier: list[str]
    lot_label: list[str]
    annual_value: npt.NDArray[np.float64]


def _day(value: date | None) -> int:
    return value.toordinal() if value is not None else NONE


def _compile(estate: Estate, exits: Mapping[tuple[str, str], date]) -> _Arrays:
    """Check every reference and turn the estate into arrays, one slot per system."""
    systems = estate.systems
    index: dict[tuple[str, str], int] = {}
    for i, s in enumerate(systems):
        if s.key in index:
            raise EstateError(f"System '{s.name}' appears twice in council {s.council}")
        index[s.key] = i
    councils = {c.code for c in estate.councils}
    towers = {t.code for t in estate.towers}
    contracts = {(c.council, c.reference): c for c in estate.contracts}
    lots = {lot.name: lot for lot in estate.lots}
    systems_per_contract: dict[tuple[str, str], int] = {}
    for s in systems:
        if s.contract is not None:
            ref = (s.council, s.contract)
            systems_per_contract[ref] = systems_per_contract.get(ref, 0) + 1

    n = len(systems)
    cols: dict[str, list[int]] = {
        k: [NONE] * n
        for k in (
            "recorded_cutover", "lot_open", "lot_expiry", "contract_end", "exit_on",
            "max_end", "notice_months", "notice_served", "renewal_months", "termination",
        )
    }
    duration, state = [0] * n, [0] * n
    tacit = [False] * n
    contract_ref: list[str | None] = [None] * n
    supplier, lot_label = [""] * n, [""] * n
    value = [np.nan] * n
    for i, s in enumerate(systems):
        where = f"System '{s.name}' ({s.council})"
        if councils and s.council not in councils:
            raise EstateError(f"{where}, field council: no council with code '{s.council}'")
        if s.tower not in towers:
            raise EstateError(f"{where}, field tower: no tower '{s.tower}'")
        if s.transition_days < 0:
            raise EstateError(f"{where}, field transition_days: must not be negative")
        duration[i] = s.transition_days
        state[i] = STATE_CODES[s.state]
        if s.state == "converged":
            if s.cutover is None:
                raise EstateError(f"{where}, field cutover: a converged system needs its date")
            cols["recorded_cutover"][i] = s.cutover.toordinal()
        if s.lot is not None:
            lot = lots.get(s.lot)
            if lot is None:
                raise EstateError(f"{where}, field lot: no framework lot '{s.lot}'")
            cols["lot_open"][i] = lot.calloffs_open.toordinal()
            cols["lot_expiry"][i] = lot.framework_expiry.toordinal()
            lot_label[i] = lot.name
        if s.contract is not None:
            c = contracts.get((s.council, s.contract))
            if c is None:
                raise EstateError(
                    f"{where}, field contract: no contract '{s.contract}' in council {s.council}"
                )
            contract_ref[i] = c.reference
            supplier[i] = c.supplier
            cols["contract_end"][i] = _day(c.end)
            exit_date = exits.get((c.council, c.reference))
            cols["exit_on"][i] = _day(exit_date)
            cols["max_end"][i] = _day(c.max_end)
            cols["notice_months"][i] = NONE if c.notice_months is None else c.notice_months
            cols["notice_served"][i] = _day(c.notice_served)
            tacit[i] = c.renewal == "tacit"
            cols["renewal_months"][i] = c.renewal_months or 12
            cols["termination"][i] = (
                NONE if c.termination_notice_days is None else c.termination_notice_days
            )
            if c.annual_value is not None:
                value[i] = float(c.annual_value) / systems_per_contract[(s.council, c.reference)]

    src: list[int] = []
    dst: list[int] = []
    lag: list[int] = []
    for d in estate.dependencies:
        need = index.get((d.needs_council, d.needs_system))
        dependant = index.get((d.council, d.system))
        where = f"Dependency of '{d.system}' ({d.council}) on '{d.needs_system}' ({d.needs_council})"
        if dependant is None:
            raise EstateError(f"{where}, field system: no system '{d.system}' in {d.council}")
        if need is None:
            raise EstateError(
                f"{where}, field needs_system: no system '{d.needs_system}' in {d.needs_council}"
            )
        src.append(need)
        dst.append(dependant)
        lag.append(d.lag_days)

    def arr(values: list[int]) -> Ints:
        return np.asarray(values, dtype=np.int64).reshape(-1)

    return _Arrays(
        systems=systems,
        duration=arr(duration),
        state=arr(state),
        recorded_cutover=arr(cols["recorded_cutover"]),
        lot_open=arr(cols["lot_open"]),
        lot_expiry=arr(cols["lot_expiry"]),
        contract_end=arr(cols["contract_end"]),
        exit_on=arr(cols["exit_on"]),
        max_end=arr(cols["max_end"]),
        notice_months=arr(cols["notice_months"]),
        notice_served=arr(cols["notice_served"]),
        renewal_tacit=np.asarray(tacit, dtype=bool).reshape(-1),
        renewal_months=arr(cols["renewal_months"]),
        termination_notice_days=arr(cols["termination"]),
        src=arr(src),
        dst=arr(dst),
        lag=arr(lag),
        contract_ref=contract_ref,
        supplier=supplier,
        lot_label=lot_label,
        annual_value=np.asarray(value, dtype=np.float64).reshape(-1),
    )


# --- topological levels ----------------------------------------------------------------------


def _levels(n: int, src: Ints, dst: Ints) -> Ints:
    """Level of each node (longest chain of prerequisites before it); -1 for nodes on or
    behind a cycle. Kahn's algorithm, one numpy step per level."""
    level = np.full(n, -1, dtype=np.int64)
    indegree = np.bincount(dst, minlength=n).astype(np.int64)
    outdegree = np.bincount(src, minlength=n).astype(np.int64)
    by_source = np.argsort(src, kind="stable")
    targets_sorted = dst[by_source]
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


def _grouped(keys: Ints, levels: int) -> tuple[Ints, Ints]:
    """Order of items by key and the start of each key's run (keys 0..levels-1)."""
    order = np.argsort(keys, kind="stable")
    starts = np.searchsorted(keys[order], np.arange(levels + 1))
    return order, starts


# --- the date pass ------------------------------------------------------------------------


def _dates(a: _Arrays, level: Ints, today: int) -> dict[str, Ints]:
    """Forward pass: start, cutover and bounds; backward pass: latest cutovers for slack."""
    n = a.duration.size
    planned = a.state <= 1
    d = a.duration
    exit_or_end = np.where(a.exit_on != NONE, a.exit_on, a.contract_end)
    contract_bound = np.where(planned & (exit_or_end != NONE), exit_or_end + 1 - d, NONE)
    lot_bound = np.where(planned, a.lot_open, NONE)
    plan_bound = np.where(planned, today, NONE)
    base = np.maximum(np.maximum(contract_bound, lot_bound), plan_bound)

    # edges that move dates: from a dated prerequisite (not retained) into a planned system
    moving = planned[a.dst] & (a.state[a.src] != RETAINED)
    src, dst, lag = a.src[moving], a.dst[moving], a.lag[moving]

    depth = int(level.max()) + 1 if n else 0
    node_order, node_starts = _grouped(level, depth)
    edge_order, edge_starts = _grouped(level[dst], depth)

    start = np.where(planned, base, NONE)
    cutover = np.where(planned, base + d, np.where(a.state == CONVERGED, a.recorded_cutover, NONE))
    dependency_bound = np.full(n, NONE, dtype=np.int64)
    for depth_now in range(1, depth):
        edges = edge_order[edge_starts[depth_now] : edge_starts[depth_now + 1]]
        if edges.size:
            np.maximum.at(dependency_bound, dst[edges], cutover[src[edges]] + lag[edges])
        nodes = node_order[node_starts[depth_now] : node_starts[depth_now + 1]]
        nodes = nodes[planned[nodes]]
        start[nodes] = np.maximum(base[nodes], dependency_bound[nodes])
        cutover[nodes] = start[nodes] + d[nodes]

    # which prerequisite set the dependency bound (first edge achieving it)
    waits_for = np.full(n, -1, dtype=np.int64)
    achieving = (cutover[src] + lag) == dependency_bound[dst]
    hit_dst, first = np.unique(dst[achieving], return_index=True)
    waits_for[hit_dst] = src[achieving][first]

    # backward pass: latest cutover that delays no council (and, separately, the programme)
    council_codes = pd.factorize(pd.Series([s.council for s in a.systems], dtype=object))[0]
    cut_planned = np.where(planned, cutover, NONE)
    council_date = np.full(int(council_codes.max()) + 1 if n else 0, NONE, dtype=np.int64)
    np.maximum.at(council_date, council_codes, cut_planned)
    programme_date = int(cut_planned.max()) if n else NONE
    out_order, out_starts = _grouped(level[src], depth)
    latest: dict[str, Ints] = {}
    for name, target in (
        ("council", council_date[council_codes] if n else np.zeros(0, np.int64)),
        ("programme", np.full(n, programme_date, dtype=np.int64)),
    ):
        late_cutover = np.where(planned, target, NONE)
        for depth_now in range(depth - 1, -1, -1):
            edges = out_order[out_starts[depth_now] : out_starts[depth_now + 1]]
            if edges.size:
                np.minimum.at(
                    late_cutover, src[edges], late_cutover[dst[edges]] - d[dst[edges]] - lag[edges]
                )
        latest[name] = late_cutover

    return {
        "start": start,
        "cutover": cutover,
        "contract_bound": contract_bound,
        "lot_bound": lot_bound,
        "plan_bound": plan_bound,
        "dependency_bound": dependency_bound,
        "waits_for": waits_for,
        "late_council": latest["council"],
        "late_programme": latest["programme"],
    }


# --- contract consequences --------------------------------------------------------------------


def _contract_terms(a: _Arrays, t: dict[str, Ints], today: int) -> dict[str, Ints | Bools]:
    """Extension needed, its cover, the planned leaving date and the notice deadline."""
    planned = a.state <= 1
    has_end = planned & (a.contract_end != NONE)
    last_day = t["cutover"] - 1
    extension = np.where(has_end, np.maximum(last_day - a.contract_end, 0), 0)
    needs = extension > 0
    covered_by_options = (a.max_end != NONE) & (a.max_end >= last_day)
    covered_by_renewal = a.renewal_tacit & (a.max_end == NONE)
    covered = np.where(needs, covered_by_options | covered_by_renewal, True)

    # tacit renewal: the end of the renewal period that the day before cutover falls in
    safe_end = np.where(has_end, a.contract_end, 0)
    months = np.maximum(a.renewal_months, 1)
    gap = np.maximum(months_between(safe_end, np.where(has_end, last_day, 0)), 0)
    periods = -(-gap // months)
    period_end = add_months(safe_end, periods * months)
    periods = np.where(period_end < last_day, periods + 1, periods)
    period_end = add_months(safe_end, periods * months)
    leave_on = np.where(
        a.renewal_tacit, np.where(needs, period_end, a.contract_end), np.maximum(a.contract_end, last_day)
    )
    early = planned & (a.exit_on != NONE)
    leave_on = np.where(early, a.exit_on, np.where(has_end, leave_on, NONE))

    known_notice = a.notice_months != NONE
    by_notice = add_months(np.where(known_notice, leave_on, 0), -np.where(known_notice, a.notice_months, 0))
    deadline = np.where(has_end & known_notice & ~early, by_notice, NONE)
    early_notice = early & (a.termination_notice_days != NONE)
    deadline = np.where(early_notice, a.exit_on - a.termination_notice_days, deadline)
    unserved = a.notice_served == NONE
    passed = (deadline != NONE) & (deadline < today) & unserved
    due_soon = (deadline != NONE) & (deadline >= today) & (deadline <= today + AMBER_NOTICE_DAYS)
    return {
        "extension_days": extension,
        "extension_covered": covered,
        "leave_on": leave_on,
        "notice_deadline": deadline,
        "notice_passed": passed,
        "notice_due_soon": due_soon & unserved,
    }


# --- words --------------------------------------------------------------------------------


def _day_text(day: int) -> str:
    return uk_date(date.fromordinal(day))


def _binding(a: _Arrays, t: dict[str, Ints]) -> tuple[list[str], list[str]]:
    """Binding kind and text per system; ties go contract, dependency, lot, planning date."""
    kinds: list[str] = []
    texts: list[str] = []
    start = t["start"]
    exit_or_end = np.where(a.exit_on != NONE, a.exit_on, a.contract_end)
    for i, s in enumerate(a.systems):
        st = int(a.state[i])
        if st == CONVERGED:
            kinds.append("converged")
            texts.append(f"converged on {_day_text(int(a.recorded_cutover[i]))}")
        elif st == RETAINED:
            kinds.append("retained")
            texts.append("retained, out of scope")
        elif t["contract_bound"][i] == start[i]:
            kinds.append("contract")
            verb = "exit agreed on" if a.exit_on[i] != NONE else "ends"
            texts.append(f"contract {a.contract_ref[i]} {verb} {_day_text(int(exit_or_end[i]))}")
        elif t["dependency_bound"][i] == start[i]:
            kinds.append("dependency")
            p = a.systems[int(t["waits_for"][i])]
            texts.append(
                f"waits for {p.label}, cutover {_day_text(int(t['cutover'][t['waits_for'][i]]))}"
            )
        elif t["lot_bound"][i] == start[i]:
            kinds.append("lot")
            texts.append(f"{a.lot_label[i]} opens {_day_text(int(a.lot_open[i]))}")
        else:
            kinds.append("planning_date")
            texts.append("planning date")
    return kinds, texts


def _rag(
    a: _Arrays, t: dict[str, Ints], terms: dict[str, Ints | Bools]
) -> tuple[list[str], list[str]]:
    """RAG status and its reasons in words, per system."""
    planned = a.state <= 1
    on_retained = np.zeros(a.state.size, dtype=bool)
    retained_needs: dict[int, list[int]] = {}
    for s, d in zip(a.src.tolist(), a.dst.tolist(), strict=True):
        if a.state[s] == RETAINED and planned[d]:
            on_retained[d] = True
            retained_needs.setdefault(d, []).append(s)
    beyond = planned & (terms["extension_days"] > 0) & ~terms["extension_covered"]
    within = planned & (terms["extension_days"] > 0) & terms["extension_covered"]
    late_calloff = planned & (a.lot_expiry != NONE) & (t["start"] > a.lot_expiry)
    passed = planned & terms["notice_passed"]
    soon = planned & terms["notice_due_soon"]
    flagged = np.flatnonzero(beyond | within | late_calloff | passed | soon | on_retained)

    rags = ["green" if p else "grey" for p in planned.tolist()]
    reasons = [""] * a.state.size
    for i in flagged.tolist():
        red: list[str] = []
        amber: list[str] = []
        ext = int(terms["extension_days"][i])
        ref = a.contract_ref[i]
        if beyond[i]:
            limit = (
                f"options end {_day_text(int(a.max_end[i]))}"
                if a.max_end[i] != NONE
                else "no extension options"
            )
            red.append(f"needs {days(ext)} extension of {ref} beyond its options ({limit})")
        if passed[i]:
            red.append(
                f"notice deadline for {ref} passed on "
                f"{_day_text(int(terms['notice_deadline'][i]))} without notice served"
            )
        if late_calloff[i]:
            red.append(
                f"call-off on {_day_text(int(t['start'][i]))} is after {a.lot_label[i]} "
                f"expires on {_day_text(int(a.lot_expiry[i]))}"
            )
        for p in retained_needs.get(i, []):
            red.append(f"depends on {a.systems[p].label}, which is retained out of scope")
        if within[i]:
            amber.append(f"needs {days(ext)} extension of {ref}, within its options")
        if soon[i]:
            amber.append(
                f"serve notice on {ref} by {_day_text(int(terms['notice_deadline'][i]))}"
            )
        rags[i] = "red" if red else "amber"
        reasons[i] = "; ".join(red + amber)
    return rags, reasons


# --- the schedule -------------------------------------------------------------------------


def schedule(
    estate: Estate,
    today: date | None = None,
    *,
    exits: Mapping[tuple[str, str], date] | None = None,
) -> Roadmap:
    """Schedule every system onto the framework at the earliest date the rules allow.

    Parameters
    ----------
    estate : the estate to plan.
    today : the planning date; the real date when not given.
    exits : early exit dates chosen by a scenario, by (council, contract reference).

    >>> from convergence.estate import Estate, Tower, System
    >>> e = Estate(towers=(Tower("desktop", "Desktop"),),
    ...            systems=(System("WCC", "Desktop", "desktop", transition_days=30),))
    >>> schedule(e, date(2026, 11, 22)).plans.loc[0, "cutover"].date()
    datetime.date(2026, 12, 22)
    """
    today = today or date.today()
    arrays = _compile(estate, exits or {})
    n = arrays.duration.size
    level = _levels(n, arrays.src, arrays.dst)
    if n and (level < 0).any():
        _raise_cycle(estate, level)
    day = today.toordinal()
    t = _dates(arrays, level, day)
    terms = _contract_terms(arrays, t, day)
    kinds, texts = _binding(arrays, t)
    rags, reasons = _rag(arrays, t, terms)
    planned = arrays.state <= 1

    def dates(values: Ints) -> pd.Series:
        return pd.Series(to_datetime64(np.where(values == NONE, 0, values))).where(
            values != NONE
        )

    def slack(late: Ints) -> pd.Series:
        return pd.Series(late - t["cutover"], dtype="Int64").where(planned)

    s = estate.systems
    plans = pd.DataFrame(
        {
            "council": [x.council for x in s],
            "system": [x.name for x in s],
            "tower": [x.tower for x in s],
            "state": [x.state for x in s],
            "contract": arrays.contract_ref,
            "supplier": arrays.supplier,
            "lot": arrays.lot_label,
            "transition_days": arrays.duration,
            "start": dates(t["start"]),
            "cutover": dates(t["cutover"]),
            "binding_kind": kinds,
            "binding": texts,
            "waits_for": t["waits_for"],
            "extension_days": terms["extension_days"],
            "extension_covered": terms["extension_covered"],
            "contract_end": dates(arrays.contract_end),
            "max_end": dates(arrays.max_end),
            "leave_on": dates(terms["leave_on"]),
            "notice_deadline": dates(terms["notice_deadline"]),
            "notice_passed": terms["notice_passed"],
            "calloff_in_window": ~planned | (arrays.lot_expiry == NONE)
            | (t["start"] <= arrays.lot_expiry),
            "lot_opens": dates(arrays.lot_open),
            "framework_expiry": dates(arrays.lot_expiry),
            "slack_council_days": slack(t["late_council"]),
            "slack_programme_days": slack(t["late_programme"]),
            "annual_value": arrays.annual_value,
            "rag": rags,
            "reasons": reasons,
        }
    )
    return Roadmap(today=today, plans=plans)
