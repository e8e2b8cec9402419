"""Independent checks of a roadmap against the scheduling rules, written the slow, plain way.

`schedule_violations(estate, roadmap)` lists every broken rule in words: a constraint that does
not hold, a start later than its largest lower bound (not the earliest), a binding constraint
that did not set the date, or an extension figure that does not add up. An empty list means the
schedule is valid and earliest. Tests run it, through `assert_valid_schedule`, on hand cases
and generated estates.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from convergence.planning.engine import Roadmap
from convergence.records.estate import Estate


def _day(value: object) -> date | None:
    if not isinstance(value, pd.Timestamp) or pd.isna(value):
        return None
    day: date = value.date()
    return day


def schedule_violations(
    estate: Estate, roadmap: Roadmap, exits: dict[tuple[str, str], date] | None = None
) -> list[str]:
    """Every way `roadmap` breaks the rules for `estate`; empty when it is valid and earliest."""
    exits = exits or {}
    problems: list[str] = []
    plans = roadmap.plans
    rows = {(r.council, r.system): r for r in plans.itertuples(index=False)}
    if len(rows) != len(estate.systems):
        problems.append(f"{len(rows)} rows for {len(estate.systems)} systems")
    states = {s.key: s.state for s in estate.systems}
    contracts = {(c.council, c.reference): c for c in estate.contracts}
    lots = {lot.name: lot for lot in estate.lots}
    needs: dict[tuple[str, str], list[tuple[tuple[str, str], int]]] = {}
    for d in estate.dependencies:
        needs.setdefault(d.dependant, []).append((d.prerequisite, d.lag_days))
    vesting = {v.code: v.vesting_day for v in estate.successors}
    successor_of = {c.code: c.successor for c in estate.councils}

    for s in estate.systems:
        row = rows[s.key]
        start, cutover = _day(row.start), _day(row.cutover)
        if s.state in ("retained", "surviving"):
            if start is not None or cutover is not None:
                problems.append(f"{s.label}: {s.state} but scheduled")
            continue
        if s.state == "converged":
            if cutover != s.cutover:
                problems.append(f"{s.label}: converged cutover {cutover} ≠ recorded {s.cutover}")
            continue
        if start is None or cutover is None:
            problems.append(f"{s.label}: not scheduled")
            continue
        if cutover != start + timedelta(days=s.transition_days):
            problems.append(f"{s.label}: cutover is not start + transition")
        bounds: dict[str, date] = {"planning_date": roadmap.today}
        contract = contracts.get((s.council, s.contract)) if s.contract else None
        if contract is not None:
            leave = exits.get((contract.council, contract.reference), contract.end)
            if leave is not None:
                bounds["contract"] = leave + timedelta(days=1 - s.transition_days)
            if contract.end is not None:
                expected = max((cutover - timedelta(days=1) - contract.end).days, 0)
                if row.extension_days != expected:
                    problems.append(f"{s.label}: extension {row.extension_days} ≠ {expected}")
        if s.lot is not None:
            bounds["lot"] = lots[s.lot].calloffs_open
        for key, lag in needs.get(s.key, []):
            if states[key] == "retained":
                if row.rag != "red":
                    problems.append(f"{s.label}: depends on retained {key} but not red")
                continue
            if states[key] == "surviving":  # it stays: nothing to wait for
                continue
            prerequisite = _day(rows[key].cutover)
            assert prerequisite is not None
            bound = prerequisite + timedelta(days=lag)
            bounds["dependency"] = max(bounds.get("dependency", bound), bound)
        if s.target is not None and states[s.target] in ("legacy", "in_transition"):
            onto = _day(rows[s.target].cutover)  # a surviving system still to move: no lag
            assert onto is not None
            if onto > bounds.get("dependency", date.min):
                bounds["surviving_system"] = onto
        serves = s.successor or successor_of.get(s.council)
        late = s.day_one and serves in vesting and cutover > vesting[serves]
        if bool(row.misses_vesting_day) != late or (late and row.rag != "red"):
            problems.append(f"{s.label}: misses vesting day {late}, not as the roadmap says")
        gone = s.hosted_until is not None and cutover > s.hosted_until + timedelta(days=1)
        if bool(row.misses_hosting_end) != gone or (gone and row.rag != "red"):
            problems.append(f"{s.label}: misses hosting end {gone}, not as the roadmap says")
        for rule, bound in bounds.items():
            if start < bound:
                problems.append(f"{s.label}: starts {start}, before its {rule} bound {bound}")
        if start != max(bounds.values()):
            problems.append(f"{s.label}: starts {start}, not the earliest {max(bounds.values())}")
        if bounds.get(row.binding_kind) != start:
            problems.append(f"{s.label}: binding {row.binding_kind} did not set {start}")
    return problems


def assert_valid_schedule(
    estate: Estate, roadmap: Roadmap, exits: dict[tuple[str, str], date] | None = None
) -> None:
    """Raise AssertionError listing every broken rule unless `roadmap` is valid and earliest."""
    problems = schedule_violations(estate, roadmap, exits)
    if problems:
        raise AssertionError("the schedule breaks the rules:\n" + "\n".join(problems))
