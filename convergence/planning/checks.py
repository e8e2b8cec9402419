"""Independent checks of a roadmap against the scheduling rules, written the slow, plain way.

`schedule_violations(estate, roadmap)` lists every broken rule in words: a constraint that does
not hold, a start later than its largest lower bound (not the earliest), a binding constraint
that did not set the date, or an extension figure that does not add up. An empty list means the
schedule is valid and earliest. Tests run it, through `assert_valid_schedule`, on hand cases
and generated estates.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd

from convergence.planning.engine import Roadmap
from convergence.planning.freezes_capacity import Window, applies
from convergence.records.estate import Estate, System


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
    ruled = _Placement(estate, rows)
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
        earliest = max(bounds.values())
        if ruled:
            problems += ruled.check(s, row, earliest, start)
        elif start != earliest:
            problems.append(f"{s.label}: starts {start}, not the earliest {earliest}")
        if row.binding_kind not in ("freeze", "capacity") and bounds.get(row.binding_kind) != start:
            problems.append(f"{s.label}: binding {row.binding_kind} did not set {start}")
    if ruled:
        problems += ruled.overloaded()
    return problems + _slack_problems(estate, rows)


def _slack_problems(estate: Estate, rows: dict[tuple[str, str], Any]) -> list[str]:
    """Slack, the plain way: the latest a system still to move can cut over without delaying
    its council's last cutover (or the programme's), each system it holds up starting its
    lag after, less that cutover. A system consolidating onto one holds it up as if it needed
    it with no lag."""
    moving = {s.key: s for s in estate.systems if s.state in ("legacy", "in_transition")}
    cutover = {key: day for key in moving if (day := _day(rows[key].cutover)) is not None}
    if len(cutover) < len(moving):
        return []  # a system not scheduled: said already
    waiting: dict[tuple[str, str], list[tuple[System, int]]] = {}
    for d in estate.dependencies:
        if d.dependant in moving:
            waiting.setdefault(d.prerequisite, []).append((moving[d.dependant], d.lag_days))
    for s in moving.values():
        if s.target is not None:
            waiting.setdefault(s.target, []).append((s, 0))
    last: dict[str, date] = {}  # each council's last cutover
    for (council, _), day in cutover.items():
        last[council] = max(last.get(council, day), day)
    problems = []
    for column, goal in (
        ("slack_council_days", {key: last[key[0]] for key in moving}),
        ("slack_programme_days", dict.fromkeys(moving, max(last.values(), default=date.min))),
    ):
        latest = _latest_cutovers(goal, waiting)
        for key, day in cutover.items():
            slack, expected = getattr(rows[key], column), (latest[key] - day).days
            if slack != expected:
                problems.append(f"{moving[key].label}: {column} {slack} ≠ {expected}")
    return problems


def _latest_cutovers(
    goal: dict[tuple[str, str], date], waiting: dict[tuple[str, str], list[tuple[System, int]]]
) -> dict[tuple[str, str], date]:
    """For each system of `goal`, the latest cutover that keeps it and every system waiting for
    it, directly or not, to their goals."""
    latest: dict[tuple[str, str], date] = {}

    def late(key: tuple[str, str]) -> date:
        if key not in latest:
            latest[key] = min(
                [goal[key]]
                + [
                    late(w.key) - timedelta(days=w.transition_days + lag)
                    for w, lag in waiting.get(key, [])
                ]
            )
        return latest[key]

    for key in goal:
        late(key)
    return latest


class _Placement:
    """Freezes and capacity checked the plain way: day by day, against the systems placed
    before each one (the roadmap's `placed` order)."""

    def __init__(self, estate: Estate, rows: dict[tuple[str, str], Any]) -> None:
        self.estate = estate
        self.windows = [Window.of(f) for f in estate.freezes]
        self.placed: list[tuple[int, System, date, date]] = sorted(
            (
                (int(rows[s.key].placed), s, start, cut)
                for s in estate.systems
                if (start := _day(rows[s.key].start)) is not None
                and (cut := _day(rows[s.key].cutover)) is not None
                and s.state in ("legacy", "in_transition")
            ),
            key=lambda p: p[0],
        )

    def __bool__(self) -> bool:
        return bool(self.estate.freezes or self.estate.capacities)

    def frozen(self, s: System, cut: date) -> bool:
        return any(
            w.around(cut.toordinal()) is not None
            for w, f in zip(self.windows, self.estate.freezes, strict=True)
            if applies(f.council, f.tower, s.council, s.tower)
        )

    def full(self, s: System, first: date, order: int) -> bool:
        """Whether a rule `s` matches has no room on some day of a transition from `first`,
        counting only the systems placed before it."""
        days = range(first.toordinal(), first.toordinal() + s.transition_days)
        for rule in self.estate.capacities:
            if not applies(rule.council, rule.tower, s.council, s.tower) or not days:
                continue
            for day in days:
                busy = sum(
                    1
                    for o, other, start, cut in self.placed
                    if o < order
                    and applies(rule.council, rule.tower, other.council, other.tower)
                    and start.toordinal() <= day < cut.toordinal()
                )
                if busy >= rule.at_once:
                    return True
        return False

    def check(self, s: System, row: Any, earliest: date, start: date) -> list[str]:
        problems = []
        order = int(row.placed)
        cut = start + timedelta(days=s.transition_days)
        if self.frozen(s, cut):
            problems.append(f"{s.label}: cuts over {cut} inside a freeze window")
        if self.full(s, start, order):
            problems.append(f"{s.label}: starts {start} with no room under a capacity rule")
        day = earliest
        while day < start:
            if not self.frozen(s, day + timedelta(days=s.transition_days)) and not self.full(
                s, day, order
            ):
                problems.append(f"{s.label}: starts {start}, but {day} was free")
                break
            day += timedelta(days=1)
        if start > earliest and row.binding_kind not in ("freeze", "capacity"):
            problems.append(f"{s.label}: held back to {start} but bound by {row.binding_kind}")
        return problems

    def overloaded(self) -> list[str]:
        problems = []
        for rule in self.estate.capacities:
            load: dict[int, int] = {}
            for _, s, start, cut in self.placed:
                if applies(rule.council, rule.tower, s.council, s.tower):
                    for day in range(start.toordinal(), cut.toordinal()):
                        load[day] = load.get(day, 0) + 1
            if load and max(load.values()) > rule.at_once:
                problems.append(f"capacity rule {rule.name}: more than {rule.at_once} at once")
        return problems


def assert_valid_schedule(
    estate: Estate, roadmap: Roadmap, exits: dict[tuple[str, str], date] | None = None
) -> None:
    """Raise AssertionError listing every broken rule unless `roadmap` is valid and earliest."""
    problems = schedule_violations(estate, roadmap, exits)
    if problems:
        raise AssertionError("the schedule breaks the rules:\n" + "\n".join(problems))
