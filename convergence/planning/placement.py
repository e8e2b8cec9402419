"""Placing systems one at a time, under freeze windows and migration capacity.

Without freezes or capacity rules the engine's level-by-level pass gives every system its
earliest dates at once. With them, systems are placed one at a time: always the one, among
those whose prerequisites (dependencies, and the surviving system it consolidates onto) are
placed, with the earliest possible start (ties: council code, then system name), each at the
earliest start from there at which

- its cutover falls outside every freeze window that applies to it (a cutover inside one moves
  to the day after the window ends, the transition starting later by as much), and
- every capacity rule it matches has room on every day of its transition (from its first day
  up to the day before cutover): fewer than `at_once` matching systems already in transition.

Ready systems wait in a heap; each capacity rule keeps its load per day in a numpy array, so
finding the next day with room jumps past the last full day of a window rather than walking
day by day. Pure; no I/O.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from convergence.records.estate import Capacity, Freeze

Ints = npt.NDArray[np.int64]
NONE = -(10**9)  # as convergence.planning.arrays
FREEZE, CAPACITY = 1, 2  # what moved a system past its earliest possible start
LAST_DAY = date(2200, 12, 31).toordinal()  # freezes that push a cutover past this leave no day


class NoDayFree(Exception):
    """System `position` cannot cut over by LAST_DAY: `why`, in words."""

    def __init__(self, position: int, why: str) -> None:
        self.position = position
        self.why = why
        super().__init__(position, why)


def parse_day(text: str) -> tuple[int, int, int | None]:
    """A freeze window's end as (month, day, year): 'MM-DD' every year (year None), or
    'YYYY-MM-DD' once. Raises ValueError in words.

    >>> parse_day("03-01"), parse_day("2028-05-04")
    ((3, 1, None), (5, 4, 2028))
    """
    parts = text.strip().split("-")
    try:
        if len(parts) == 2:
            month, day = int(parts[0]), int(parts[1])
            date(2000, month, day)  # a leap year: 02-29 is a day some years have
            return month, day, None
        if len(parts) == 3 and len(parts[0]) == 4:
            when = date.fromisoformat(text.strip())
            return when.month, when.day, when.year
    except ValueError:
        pass
    raise ValueError(f"'{text}' is neither MM-DD (every year) nor YYYY-MM-DD (once)")


def _ordinal(year: int, month: int, day: int) -> int:
    """The day number of a calendar day; 29 Feb in a year without one is 28 Feb."""
    try:
        return date(year, month, day).toordinal()
    except ValueError:
        return date(year, month, day - 1).toordinal()


@dataclass(frozen=True)
class Window:
    """A freeze window as day numbers: once (`year` set) or every year."""

    name: str
    starts: tuple[int, int, int | None]
    ends: tuple[int, int, int | None]

    @classmethod
    def of(cls, freeze: Freeze) -> Window:
        return cls(freeze.name, parse_day(freeze.starts), parse_day(freeze.ends))

    def around(self, day: int) -> tuple[int, int] | None:
        """The (first, last) day of this window that holds `day`, or None."""
        (m1, d1, y1), (m2, d2, y2) = self.starts, self.ends
        if y1 is not None and y2 is not None:
            first, last = _ordinal(y1, m1, d1), _ordinal(y2, m2, d2)
            return (first, last) if first <= day <= last else None
        year = date.fromordinal(day).year
        crosses = (m2, d2) < (m1, d1)  # e.g. 12-18 to 01-06
        for begins in (year - 1, year) if crosses else (year,):
            first = _ordinal(begins, m1, d1)
            last = _ordinal(begins + 1 if crosses else begins, m2, d2)
            if first <= day <= last:
                return first, last
        return None

    def occurrences(self, first_year: int, last_year: int) -> list[tuple[int, int]]:
        """Its (first, last) days in the years from `first_year` to `last_year`."""
        (m1, d1, y1), (m2, d2, y2) = self.starts, self.ends
        if y1 is not None and y2 is not None:
            return [(_ordinal(y1, m1, d1), _ordinal(y2, m2, d2))]
        crosses = (m2, d2) < (m1, d1)
        return [
            (_ordinal(year, m1, d1), _ordinal(year + 1 if crosses else year, m2, d2))
            for year in range(first_year, last_year + 1)
        ]

    def words(self) -> str:
        """'annual billing (1 Mar – 30 Apr)'."""

        def shown(month: int, day: int, year: int | None) -> str:
            text = date(2000, month, day).strftime("%-d %b")
            return f"{text} {year}" if year is not None else text

        return f"{self.name} ({shown(*self.starts)} – {shown(*self.ends)})"


@dataclass(frozen=True)
class _Frozen:
    """A group's freeze windows merged into sorted, disjoint runs of days, each with the
    window whose last day ends it (for the words), from `first_year` to LAST_DAY."""

    starts: list[int]
    ends: list[int]
    window: list[int]

    @classmethod
    def of(cls, windows: list[Window], first_year: int) -> _Frozen:
        runs = sorted(
            (first, last, w)
            for w, window in enumerate(windows)
            for first, last in window.occurrences(first_year, date.fromordinal(LAST_DAY).year)
        )
        merged: list[list[int]] = []
        for first, last, w in runs:
            if merged and first <= merged[-1][1] + 1:
                if last > merged[-1][1]:
                    merged[-1][1:] = [last, w]
            else:
                merged.append([first, last, w])
        return cls([m[0] for m in merged], [m[1] for m in merged], [m[2] for m in merged])

    def around(self, day: int) -> tuple[int, int] | None:
        """(last day, window) of the run holding `day`, or None."""
        at = bisect.bisect_right(self.starts, day) - 1
        if at >= 0 and day <= self.ends[at]:
            return self.ends[at], self.window[at]
        return None


def _stuck_words(moved_by: int, capacity: list[Capacity], rule: int) -> str:
    if moved_by == CAPACITY:
        held = capacity[rule]
        return (
            f"capacity rule '{held.name}' ({held.at_once:,} at once) has no room for it before "
            f"{date.fromordinal(LAST_DAY).year + 1}"
        )
    return "the freeze windows that apply to it leave no day to cut over"


def applies(rule_council: str, rule_tower: str, council: str, tower: str) -> bool:
    """Whether a freeze or capacity rule for `rule_council` and `rule_tower` (empty: all)
    applies to a system of `council` and `tower`."""
    return rule_council in ("", council) and rule_tower in ("", tower)


@dataclass(frozen=True, eq=False)
class Placed:
    """Where placement put each system, and why it is later than its earliest start."""

    start: Ints
    cutover: Ints
    dependency_bound: Ints
    moved_by: Ints  # 0, FREEZE or CAPACITY: the last thing that moved it
    freeze: Ints  # the window it was moved past (FREEZE), else -1
    rule: Ints  # the capacity rule that had no room (CAPACITY), else -1
    full_day: Ints  # the last full day of that rule before its start (CAPACITY)
    order: Ints  # the order systems were placed in (-1: not placed: not moving)


def place(
    *,
    base: Ints,
    duration: Ints,
    planned: npt.NDArray[np.bool_],
    cutover: Ints,
    src: Ints,
    dst: Ints,
    lag: Ints,
    tie: Ints,
    windows: list[list[Window]],
    window_of: Ints,
    capacity: list[Capacity],
    rules_of: list[list[int]],
    rule_group: Ints,
) -> Placed:
    """Place every planned system (see module docstring).

    `base` is each system's earliest start from its own rules (contract, lot, planning date);
    `cutover` holds the fixed cutovers of systems not moving (NONE where none); the edges
    `src` → `dst` with `lag` are those that move dates. `tie` orders systems with the same
    earliest start (council code, then system name). `windows[window_of[i]]` are the freeze
    windows of system i; `rules_of[rule_group[i]]` the capacity rules it matches."""
    n = base.size
    start = np.where(planned, base, NONE)
    cutover = cutover.copy()
    bound = np.full(n, NONE, dtype=np.int64)
    fixed = ~planned[src]
    np.maximum.at(bound, dst[fixed], cutover[src[fixed]] + lag[fixed])  # from systems not moving
    edges = np.flatnonzero(~fixed)
    order_out = np.argsort(src[edges], kind="stable")
    out_src = src[edges][order_out]
    out_dst = dst[edges][order_out].tolist()
    out_lag = lag[edges][order_out].tolist()
    offsets = np.searchsorted(out_src, np.arange(n + 1)).tolist()
    waiting = np.bincount(dst[edges], minlength=n).tolist()
    bound_list = bound.tolist()
    base_list = base.tolist()
    tie_list = tie.tolist()
    duration_list = duration.tolist()
    window_list = window_of.tolist()
    group_list = rule_group.tolist()
    moved_by = [0] * n
    freeze_hit = [-1] * n
    rule_hit = [-1] * n
    full_day = [NONE] * n
    placed_order = [-1] * n
    starts, cutovers = start.tolist(), cutover.tolist()

    origin = int(base[planned].min()) if planned.any() else 0
    load = [np.zeros(4096, dtype=np.int32) for _ in capacity]
    limits = [c.at_once for c in capacity]
    full_days: list[list[int]] = [[] for _ in capacity]  # per rule, sorted: days with no room
    first_year = date.fromordinal(max(origin, 1)).year - 1
    merged: dict[tuple[int, ...], _Frozen] = {}  # groups with the same windows share them
    frozen_days = []
    for group in windows:
        key = tuple(map(id, group))
        if key not in merged:
            merged[key] = _Frozen.of(group, first_year)
        frozen_days.append(merged[key])

    ready = [
        (max(base_list[i], bound_list[i]), tie_list[i], i)
        for i in np.flatnonzero(planned).tolist()
        if waiting[i] == 0
    ]
    heapq.heapify(ready)
    count = 0
    placed_under = [0] * len(capacity)  # transitions placed under each rule so far
    heappop, heappush, bisect_left = heapq.heappop, heapq.heappush, bisect.bisect_left
    while ready:
        earliest, _, i = heappop(ready)
        d = duration_list[i]
        s = earliest
        frozen = frozen_days[window_list[i]]
        rules = rules_of[group_list[i]] if d > 0 else []
        moved = True
        while moved:
            moved = False
            if frozen.starts:
                inside = frozen.around(s + d)
                if inside is not None:
                    s = inside[0] + 1 - d
                    moved_by[i], freeze_hit[i], moved = FREEZE, inside[1], True
            for r in rules:  # the last day with no room before cutover, if on or after s
                full = full_days[r]
                at = bisect_left(full, s + d) - 1
                if at >= 0 and full[at] >= s:
                    day = full[at]
                    s = day + 1
                    moved_by[i], rule_hit[i], full_day[i], moved = CAPACITY, r, day, True
            if s + d > LAST_DAY:
                raise NoDayFree(i, _stuck_words(moved_by[i], capacity, rule_hit[i]))
        for r in rules:
            first = s - origin
            if first + d > load[r].size:
                grown = np.zeros(max(2 * load[r].size, first + d + 1), dtype=np.int32)
                grown[: load[r].size] = load[r]
                load[r] = grown
            days = load[r][first : first + d]
            days += 1
            placed_under[r] += 1
            if placed_under[r] >= limits[r] and days.max() >= limits[r]:  # some day is full
                for day in (np.flatnonzero(days == limits[r]) + s).tolist():
                    bisect.insort(full_days[r], day)
        starts[i], cutovers[i] = s, s + d
        placed_order[i] = count
        count += 1
        done = s + d
        for e in range(offsets[i], offsets[i + 1]):
            j = out_dst[e]
            if done + out_lag[e] > bound_list[j]:
                bound_list[j] = done + out_lag[e]
            waiting[j] -= 1
            if waiting[j] == 0:
                heappush(ready, (max(base_list[j], bound_list[j]), tie_list[j], j))
    return Placed(
        start=np.array(starts, dtype=np.int64),
        cutover=np.array(cutovers, dtype=np.int64),
        dependency_bound=np.array(bound_list, dtype=np.int64),
        moved_by=np.array(moved_by, dtype=np.int64),
        freeze=np.array(freeze_hit, dtype=np.int64),
        rule=np.array(rule_hit, dtype=np.int64),
        full_day=np.array(full_day, dtype=np.int64),
        order=np.array(placed_order, dtype=np.int64),
    )


@dataclass(frozen=True, eq=False)
class Rules:
    """Freeze windows and capacity rules as they apply to each system: systems of the same
    council and tower share a group, with its windows and the capacity rules it matches."""

    windows: list[list[Window]]  # per group
    window_of: Ints  # per system: its group
    capacities: list[Capacity]
    rules_of: list[list[int]]  # per group: positions in `capacities`
    rule_group: Ints  # per system: its group

    @property
    def active(self) -> bool:
        """Whether any freeze or capacity rule applies to any system."""
        return bool(self.capacities) or any(self.windows)

    @classmethod
    def none(cls, n: int) -> Rules:
        groups = np.zeros(n, dtype=np.int64)
        return cls([[]], groups, [], [[]], groups)

    @classmethod
    def of(
        cls,
        freezes: tuple[Freeze, ...],
        capacities: tuple[Capacity, ...],
        councils: list[str],
        towers: list[str],
    ) -> Rules:
        """The rules for systems of `councils` and `towers` (one each per system)."""
        if not freezes and not capacities:
            return cls.none(len(councils))
        pairs = list(zip(councils, towers, strict=True))
        group_of: dict[tuple[str, str], int] = {}
        group = np.fromiter(
            (group_of.setdefault(p, len(group_of)) for p in pairs), dtype=np.int64, count=len(pairs)
        )
        windows = [Window.of(f) for f in freezes]
        return cls(
            windows=[
                [
                    w
                    for f, w in zip(freezes, windows, strict=True)
                    if applies(f.council, f.tower, *p)
                ]
                for p in group_of
            ],
            window_of=group,
            capacities=list(capacities),
            rules_of=[
                [r for r, c in enumerate(capacities) if applies(c.council, c.tower, *p)]
                for p in group_of
            ],
            rule_group=group,
        )


def busy_with(
    placed: Placed, rules: Rules, duration: Ints, planned: npt.NDArray[np.bool_]
) -> dict[int, tuple[list[int], int]]:
    """For each system capacity held back: the systems in transition, under the rule that
    had no room, on the last full day before its start (they are the rule's `at_once`), as
    the first three to finish and how many there are in all."""
    held = np.flatnonzero(placed.moved_by == CAPACITY)
    found: dict[int, tuple[list[int], int]] = {}
    if not held.size:
        return found
    moving = planned & (duration > 0)
    for r in np.unique(placed.rule[held]).tolist():
        groups = [g for g, matched in enumerate(rules.rules_of) if r in matched]
        members = np.flatnonzero(moving & np.isin(rules.rule_group, groups))
        members = members[np.argsort(placed.start[members], kind="stable")]
        starts, ends = placed.start[members], placed.cutover[members]
        longest = int(duration[members].max())
        for i in held[placed.rule[held] == r].tolist():
            day = int(placed.full_day[i])
            low = np.searchsorted(starts, day - longest + 1, side="left")
            high = np.searchsorted(starts, day, side="right")
            window = np.arange(low, high)
            covering = window[ends[window] > day]
            first = covering[np.argsort(ends[covering], kind="stable")[:3]]
            found[i] = (members[first].tolist(), int(covering.size))
    return found
