"""Where a transition has room under the capacity rules, as placement goes.

A capacity rule has no room on a day its `at_once` systems are in transition: placement keeps,
per rule, the number in transition each day and the runs of days with no room (`Teams`,
`Full`). `first_free` finds a transition's earliest start outside the freezes and with room,
jumping from run to run; `only_mover` says what held it back when only one thing can have.
Pure; no I/O.
"""

from __future__ import annotations

import bisect

import numpy as np
import numpy.typing as npt

from convergence.planning.freezes_capacity import CAPACITY, FREEZE, LAST_DAY, NONE, Frozen, Ints
from convergence.records.estate import Capacity

NEVER = 2**62  # later than any day


def same_systems(rules_of: list[list[int]], count: int) -> dict[tuple[int, ...], list[int]]:
    """The capacity rules (positions) by the groups they match: rules that count the same
    systems have the same load every day."""
    matched: dict[int, list[int]] = {r: [] for r in range(count)}
    for g, rules in enumerate(rules_of):
        for r in rules:
            matched[r].append(g)
    alike: dict[tuple[int, ...], list[int]] = {}
    for r, groups in matched.items():
        alike.setdefault(tuple(groups), []).append(r)
    return alike


Check = tuple[list[int], list[int], list[int]]  # a rule's full days (firsts, lasts), rules


class Full:
    """The days a capacity rule has no room, as sorted, disjoint runs of days (first, last):
    a team with a queue has months of them in a row, a few days apart. The gaps between runs
    that are at least as long as the `shortest` transition the rule counts are kept too: a
    shorter gap is never room for any of its systems."""

    def __init__(self, shortest: int) -> None:
        self.firsts: list[int] = []
        self.lasts: list[int] = []
        self.shortest = shortest
        self.gap_firsts: list[int] = []
        self.gap_lasts: list[int] = []

    def room_from(self, s: int, d: int) -> int:
        """The earliest start from `s` of a transition of `d` days with room on every day."""
        at = bisect.bisect_left(self.lasts, s)  # the first run of full days ending on or after s
        if at == len(self.firsts) or self.firsts[at] >= s + d:
            return s
        gap = bisect.bisect_left(self.gap_firsts, self.lasts[at] + 1)
        while gap < len(self.gap_firsts) and self.gap_lasts[gap] - self.gap_firsts[gap] < d - 1:
            gap += 1
        return self.gap_firsts[gap] if gap < len(self.gap_firsts) else self.lasts[-1] + 1

    def add(self, runs: list[tuple[int, int]]) -> None:
        """The days of `runs` (first, last), each with room until now, have none left."""
        for first, last in runs:
            self._split_gap(first, last)
            at = bisect.bisect_left(self.lasts, first - 1)  # the first run that ends near or after
            joined = at
            while joined < len(self.firsts) and self.firsts[joined] <= last + 1:
                joined += 1
            if joined > at:
                first, last = min(first, self.firsts[at]), max(last, self.lasts[joined - 1])
            self.firsts[at:joined], self.lasts[at:joined] = [first], [last]

    def _split_gap(self, first: int, last: int) -> None:
        """The gap holding the new full days `first` to `last` becomes the gaps either side."""
        at = bisect.bisect_left(self.lasts, first)  # runs before `at` end before `first`
        before = self.lasts[at - 1] + 1 if at > 0 else None
        after = self.firsts[at] - 1 if at < len(self.firsts) else None
        gap = bisect.bisect_right(self.gap_firsts, first)
        if gap > 0 and before is not None and self.gap_firsts[gap - 1] == before:
            gap -= 1
            del self.gap_firsts[gap], self.gap_lasts[gap]
        for gap_first, gap_last in ((before, first - 1), (last + 1, after)):
            if gap_first is not None and gap_last is not None:
                if gap_last - gap_first + 1 >= self.shortest:
                    self.gap_firsts.insert(gap, gap_first)
                    self.gap_lasts.insert(gap, gap_last)
                    gap += 1


def _runs_of(days: Ints, start: int) -> list[tuple[int, int]]:
    """The days `start` + `days` (sorted) as runs of consecutive days (first, last): most
    often one.

    >>> _runs_of(np.array([3, 4, 5, 9, 11, 12]), 100)
    [(103, 105), (109, 109), (111, 112)]
    """
    first, last = int(days[0]), int(days[-1])
    if last - first + 1 == days.size:
        return [(start + first, start + last)]
    runs: list[list[int]] = []
    for day in days.tolist():
        if runs and runs[-1][1] == start + day - 1:
            runs[-1][1] = start + day
        else:
            runs.append([start + day, start + day])
    return [(first, last) for first, last in runs]


def _in_runs(rules: list[int], full_of: dict[int, Full]) -> list[Check]:
    """`rules` in order, as (full days' firsts, lasts, rules): next rules sharing full days
    run together."""
    runs: list[Check] = []
    for r in rules:
        if runs and runs[-1][0] is full_of[r].firsts:
            runs[-1][2].append(r)
        else:
            runs.append((full_of[r].firsts, full_of[r].lasts, [r]))
    return runs


class Teams:
    """The capacity rules as placement goes: per rule, the days it has no room, and the number
    of its systems in transition each day (counted from `origin`). Rules that count the same
    systems share one daily load, and with the same `at_once` their full days."""

    def __init__(
        self, capacity: list[Capacity], rules_of: list[list[int]], shortest: list[int], origin: int
    ) -> None:
        """`shortest`: per group, the shortest transition of its systems to place."""
        self.origin = origin
        self.loads: list[npt.NDArray[np.int32]] = []
        self.limits: list[list[tuple[int, Full]]] = []  # per load: (at_once, full days)
        self.full_of: dict[int, Full] = {}
        load_of: dict[int, int] = {}
        for groups, rules in same_systems(rules_of, len(capacity)).items():
            least = min((shortest[g] for g in groups), default=NEVER)
            shared: dict[int, Full] = {}
            for r in rules:
                self.full_of[r] = shared.setdefault(capacity[r].at_once, Full(least))
                load_of[r] = len(self.loads)
            self.loads.append(np.zeros(4096, dtype=np.int32))
            self.limits.append(list(shared.items()))
        self.checks_of = [_in_runs(rules, self.full_of) for rules in rules_of]  # per group
        self.fulls_of = [list({id(self.full_of[r]): self.full_of[r] for r in rules}.values())
                         for rules in rules_of]  # fmt: skip
        self.loads_of = [sorted({load_of[r] for r in rules}) for rules in rules_of]
        # per group: whether rules it matches share their full days (see `only_mover`)
        self.sharing = [any(len(rules) > 1 for _, _, rules in checks) for checks in self.checks_of]

    def take(self, group: int, start: int, days: int) -> None:
        """A transition of `days` from `start` under the rules of `group`: one more system in
        transition each of those days, and the days that leaves with no room."""
        first = start - self.origin
        for k in self.loads_of[group]:
            load = self.loads[k]
            if first + days > load.size:
                load = self.loads[k] = np.concatenate(
                    (load, np.zeros(max(load.size, first + days + 1), dtype=np.int32))
                )
            busy = load[first : first + days]
            busy += 1
            for at_once, full in self.limits[k]:
                now_full = (busy == at_once).nonzero()[0]
                if now_full.size:
                    full.add(_runs_of(now_full, start))


Held = tuple[int, int, int, int]  # moved by (0, FREEZE, CAPACITY), window, rule, full day


def first_free(s: int, d: int, key: int, frozen: Frozen, teams: list[Full]) -> int:
    """The earliest start from `s` of a transition of `d` days whose cutover falls outside
    the freeze runs keyed `key` and which finds room under every one of `teams`: past a
    freeze run, then to each team's first room, again until nothing moves it (or it is past
    LAST_DAY)."""
    while s + d <= LAST_DAY:
        was = s
        at = bisect.bisect_right(frozen.firsts, key + s + d) - 1
        if at >= 0 and key + s + d <= frozen.lasts[at]:
            s = frozen.lasts[at] - key + 1 - d
        for team in teams:
            s = team.room_from(s, d)
        if s == was:
            break
    return s


def only_mover(
    s: int, earliest: int, d: int, key: int, frozen: Frozen, checks: list[Check]
) -> Held | None:
    """What moved a start from `earliest` to `s` last, when only one thing can put it there:
    a freeze run ending the day before cutover, or a rule full the day before `s` (from any
    start in the `d` days before, each puts it at `s`). None when more than one can, or `s`
    is past LAST_DAY."""
    if s == earliest:
        return (0, -1, -1, NONE)
    if s + d > LAST_DAY:
        return None
    could: Held | None = None
    at = bisect.bisect_right(frozen.firsts, key + s + d - 1) - 1
    if at >= 0 and frozen.lasts[at] == key + s + d - 1:
        could = (FREEZE, frozen.window[at], -1, NONE)
    for firsts, lasts, rules in checks:
        at = bisect.bisect_right(firsts, s - 1) - 1
        if at >= 0 and lasts[at] >= s - 1:
            if could is not None or len(rules) > 1:
                return None
            could = (CAPACITY, -1, rules[0], s - 1)
    return could
