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

Only the systems a capacity rule counts need their turn: where any other system goes depends
on nothing but when its prerequisites cut over, so those are placed together, level by level,
as soon as their prerequisites are (`_Placing.settle`). The others wait in a heap and take
their turns in batches: as many as come before anything their placing could make ready, since
a dependant's earliest start is at least its prerequisite's cutover plus the lag. A system
with no transition takes its turn too: its dependant may start the very day it cuts over and
so come before others waiting. The order of the turns follows from the earliest starts
(`_placing_order`). Each system finds its start by jumping over runs of full days and freeze
runs (convergence.planning.room). Pure; no I/O.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from convergence.planning.freezes_capacity import (
    CAPACITY,
    FREEZE,
    LAST_DAY,
    NONE,
    Frozen,
    Ints,
    Rules,
    Window,
)
from convergence.planning.room import (
    NEVER,
    Check,
    Held,
    Teams,
    first_free,
    only_mover,
    same_systems,
)
from convergence.records.estate import Capacity


class NoDayFree(Exception):
    """System `position` cannot cut over by LAST_DAY: `why`, in words."""

    def __init__(self, position: int, why: str) -> None:
        self.position = position
        self.why = why
        super().__init__(position, why)


def _stuck_words(moved_by: int, capacity: list[Capacity], rule: int) -> str:
    if moved_by == CAPACITY:
        held = capacity[rule]
        return (
            f"capacity rule '{held.name}' ({held.at_once:,} at once) has no room for it before "
            f"{date.fromordinal(LAST_DAY).year + 1}"
        )
    return "the freeze windows that apply to it leave no day to cut over"


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


class _Placing:
    """Placement under way: each system's dates so far, how many of its prerequisites are
    still to be placed, and its dependants (the edges sorted by prerequisite)."""

    def __init__(
        self,
        base: Ints,
        duration: Ints,
        bound: Ints,
        edges: tuple[Ints, Ints, Ints],
        frozen: Frozen,
        window_of: Ints,
        teams: Teams,
        rule_group: Ints,
        capacity: list[Capacity],
    ) -> None:
        n = base.size
        src, dst, lag = edges
        by_src = np.argsort(src)  # any order of a system's dependants will do
        self.src, self.dst, self.lag = src[by_src], dst[by_src], lag[by_src]
        self.offsets = np.searchsorted(self.src, np.arange(n + 1))
        self.waiting = np.bincount(dst, minlength=n)
        least_lag = np.full(n, NEVER, dtype=np.int64)
        np.minimum.at(least_lag, src, lag)
        self.least_lag = least_lag.tolist()
        self.base, self.duration, self.bound = base, duration, bound
        self.frozen, self.window_of, self.teams, self.rule_group = (
            frozen, window_of, teams, rule_group
        )  # fmt: skip
        self.capacity = capacity
        self.durations: list[int] = duration.tolist()
        self.groups: list[int] = rule_group.tolist()
        self.freeze_keys: list[int] = frozen.arrays[3][window_of].tolist()
        self.start = np.full(n, NONE, dtype=np.int64)
        self.cutover = np.full(n, NONE, dtype=np.int64)
        self.moved_by = np.zeros(n, dtype=np.int64)
        self.freeze = np.full(n, -1, dtype=np.int64)
        self.rule = np.full(n, -1, dtype=np.int64)
        self.full_day = np.full(n, NONE, dtype=np.int64)
        self.stuck: dict[int, str] = {}  # systems with no day to cut over, in words

    def earliest(self, systems: Ints) -> Ints:
        """The earliest start of each of `systems` from its own rules and its prerequisites."""
        return np.maximum(self.base[systems], self.bound[systems])

    def settle(self, systems: Ints) -> None:
        """Place `systems`, which no capacity rule counts, all at once: each at its earliest
        start, moved past a freeze where its cutover falls in one."""
        d = self.duration[systems]
        start, window = self.frozen.push(self.window_of[systems], self.earliest(systems), d)
        self.start[systems], self.cutover[systems] = start, start + d
        frozen = systems[window >= 0]
        self.moved_by[frozen], self.freeze[frozen] = FREEZE, window[window >= 0]
        for i in systems[start + d > LAST_DAY].tolist():
            self.stuck[i] = _stuck_words(int(self.moved_by[i]), self.capacity, -1)

    def take_turns(self, queue: list[tuple[int, int, int]]) -> Ints:
        """Place systems from the front of `queue` (earliest start, tie, system) one at a
        time, while none of the systems they make ready could come before the next: those
        placed.

        Each goes at the earliest start from its earliest possible one at which its cutover
        falls outside every freeze and every capacity rule it matches has room on every day of
        its transition. What held it back is whatever moved it there last (see
        `_round_by_round`); when only one thing could have, that is it (`only_mover`, which
        seldom can say for a system under rules that share their full days: those go round by
        round at once, to the same start and the same answer). The turns work on
        plain Python numbers; their dates and what held them back are written to the arrays
        once, at the end."""
        taken: list[int] = []
        cutovers: list[int] = []
        held_back: list[int] = []
        helds: list[Held] = []
        limit = NEVER
        durations, groups, keys = self.durations, self.groups, self.freeze_keys
        checks_of, fulls_of, take = self.teams.checks_of, self.teams.fulls_of, self.teams.take
        sharing = self.teams.sharing
        frozen, stuck, least_lag, pop = self.frozen, self.stuck, self.least_lag, heapq.heappop
        while queue and queue[0][0] < limit:
            earliest, _, i = pop(queue)
            d, group, key = durations[i], groups[i], keys[i]
            checks = checks_of[group] if d > 0 else []
            if d > 0 and sharing[group]:  # only_mover seldom says: round by round
                s, held = earliest, None
            else:
                s = first_free(earliest, d, key, frozen, fulls_of[group] if d > 0 else [])
                held = only_mover(s, earliest, d, key, frozen, checks)
            if held is None:
                s, held = self._round_by_round(i, earliest, d, key, checks)
            if held[0]:
                held_back.append(i)
                helds.append(held)
            if checks and i not in stuck:
                take(group, s, d)
            taken.append(i)
            cutovers.append(s + d)
            limit = min(limit, s + d + least_lag[i])
        placed = np.array(taken, dtype=np.int64)
        self.cutover[placed] = cutovers
        self.start[placed] = self.cutover[placed] - self.duration[placed]
        if helds:
            rows = np.array(held_back, dtype=np.int64)
            self.moved_by[rows], self.freeze[rows], self.rule[rows], self.full_day[rows] = np.array(
                helds, dtype=np.int64
            ).T
        return placed

    def _round_by_round(
        self, i: int, s: int, d: int, key: int, checks: list[Check]
    ) -> tuple[int, Held]:
        """Move start `s` round by round: past the freeze its cutover falls in, then past each
        rule's last full day before cutover, in turn, until a round moves it no more; the start
        and whatever moved it last. Past LAST_DAY, `i` is stuck."""
        firsts, lasts, windows = self.frozen.firsts, self.frozen.lasts, self.frozen.window
        moved_by, window, rule, full_day = 0, -1, -1, NONE
        bisect_right = bisect.bisect_right
        moved = True
        while moved:
            moved = False
            cut = key + s + d
            at = bisect_right(firsts, cut) - 1
            if at >= 0 and cut <= lasts[at]:
                s = lasts[at] - key + 1 - d
                moved_by, window, rule, full_day, moved = FREEZE, windows[at], -1, NONE, True
            for full_firsts, full_lasts, rules in checks:  # rules sharing full days: one
                for r in rules:  # moves it, the next from there, until one finds room
                    last = s + d - 1
                    at = bisect_right(full_firsts, last) - 1
                    if at < 0 or full_lasts[at] < s:  # no day without room from s to cutover
                        break
                    day = full_lasts[at] if full_lasts[at] < last else last
                    s, moved_by, window, rule, full_day, moved = day + 1, CAPACITY, -1, r, day, True
            if s + d > LAST_DAY:
                self.stuck[i] = _stuck_words(moved_by, self.capacity, rule)
                break
        return s, (moved_by, window, rule, full_day)

    def release(self, placed: Ints) -> Ints:
        """Raise the dependency bound of the dependants of `placed`; those now ready."""
        first = self.offsets[placed]
        count = self.offsets[placed + 1] - first
        edges = np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())
        to = self.dst[edges]
        np.maximum.at(self.bound, to, self.cutover[self.src[edges]] + self.lag[edges])
        dependants, released = np.unique(to, return_counts=True)
        self.waiting[dependants] -= released
        ready: Ints = dependants[self.waiting[dependants] == 0]
        return ready


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
    bound = np.full(base.size, NONE, dtype=np.int64)
    fixed = ~planned[src]
    np.maximum.at(bound, dst[fixed], cutover[src[fixed]] + lag[fixed])  # from systems not moving
    edges = (src[~fixed], dst[~fixed], lag[~fixed])
    origin = int(base[planned].min()) if planned.any() else 0
    frozen = Frozen.of(windows, max(date.fromordinal(max(origin, 1)).year - 1, 1))  # year 1 on
    moving = planned & (duration > 0)
    shortest = np.full(len(rules_of), NEVER, dtype=np.int64)
    np.minimum.at(shortest, rule_group[moving], duration[moving])
    teams = Teams(capacity, rules_of, shortest.tolist(), origin)
    placing = _Placing(base, duration, bound, edges, frozen, window_of, teams, rule_group, capacity)
    counted = np.array([bool(rules) for rules in rules_of])[rule_group] & (duration > 0)
    in_turn = counted | (duration == 0)  # a dependant may start the day it cuts over
    queue: list[tuple[int, int, int]] = []
    ready = np.flatnonzero(planned & (placing.waiting == 0))
    while ready.size or queue:
        waits = ready[in_turn[ready]]
        for entry in zip(
            placing.earliest(waits).tolist(), tie[waits].tolist(), waits.tolist(), strict=True
        ):
            heapq.heappush(queue, entry)
        settled = ready[~in_turn[ready]]
        placing.settle(settled)
        ready = (
            placing.release(settled) if settled.size else placing.release(placing.take_turns(queue))
        )
    earliest = np.maximum(base, bound)
    order = _placing_order(planned, earliest, tie, edges[0], edges[1])
    if placing.stuck:
        first = min(placing.stuck, key=lambda i: int(order[i]))
        raise NoDayFree(first, placing.stuck[first])
    return Placed(
        start=placing.start,
        cutover=np.where(planned, placing.cutover, cutover),
        dependency_bound=bound,
        moved_by=placing.moved_by,
        freeze=placing.freeze,
        rule=placing.rule,
        full_day=placing.full_day,
        order=order,
    )


def _placing_order(
    planned: npt.NDArray[np.bool_], earliest: Ints, tie: Ints, src: Ints, dst: Ints
) -> Ints:
    """The order the systems were placed in (-1: not moving): by earliest start, then `tie`;
    a dependant with the same earliest start as a prerequisite (which then has no transition
    and no lag) after it."""
    systems = np.flatnonzero(planned)
    systems = systems[np.lexsort((tie[systems], earliest[systems]))]
    same_day = earliest[src] == earliest[dst]
    by_day = earliest[systems]
    for day in np.unique(earliest[dst[same_day]]).tolist():
        low, high = np.searchsorted(by_day, [day, day + 1])
        on_day = same_day & (earliest[dst] == day)
        systems[low:high] = _after_prerequisites(systems[low:high], src[on_day], dst[on_day], tie)
    order = np.full(earliest.size, -1, dtype=np.int64)
    order[systems] = np.arange(systems.size)
    return order


def _after_prerequisites(systems: Ints, src: Ints, dst: Ints, tie: Ints) -> Ints:
    """`systems` (sorted by `tie`) in the order that puts each after its prerequisites among
    them (edges `src` → `dst`), choosing by `tie` among those whose prerequisites are placed."""
    dependants, count = np.unique(dst, return_counts=True)
    waiting = dict(zip(dependants.tolist(), count.tolist(), strict=True))
    after: dict[int, list[int]] = {}
    for s, d in zip(src.tolist(), dst.tolist(), strict=True):
        after.setdefault(s, []).append(d)
    ready = [(int(tie[i]), i) for i in systems.tolist() if i not in waiting]  # sorted: a heap
    ordered = []
    while ready:
        _, i = heapq.heappop(ready)
        ordered.append(i)
        for j in after.get(i, []):
            waiting[j] -= 1
            if not waiting[j]:
                heapq.heappush(ready, (int(tie[j]), j))
    return np.array(ordered, dtype=np.int64)


def busy_with(placed: Placed, rules: Rules, duration: Ints, planned: npt.NDArray[np.bool_]) -> Ints:
    """For each system capacity held back: the systems in transition, under the rule that
    had no room, on the last full day before its start (they are the rule's `at_once`), as
    the first three to finish (ties: the earlier start) and how many there are in all. One
    row per system: those three (-1 where fewer) and the count (0 for a system not held)."""
    held = np.flatnonzero(placed.moved_by == CAPACITY)
    found = np.full((duration.size, 4), -1, dtype=np.int64)
    found[:, 3] = 0
    moving = planned & (duration > 0)
    for groups, alike in same_systems(rules.rules_of, len(rules.capacities)).items():
        asking = held[np.isin(placed.rule[held], alike)]
        if asking.size:
            members = np.flatnonzero(moving & np.isin(rules.rule_group, groups))
            members = members[np.argsort(placed.start[members], kind="stable")]
            asking = asking[np.argsort(placed.full_day[asking], kind="stable")]
            found[asking] = _in_transition_on(placed, members, asking)
    return found


def _in_transition_on(placed: Placed, members: Ints, asking: Ints) -> Ints:
    """For each of `asking`, the `members` (sorted by start) in transition on its full day:
    the first three to finish (ties: the earlier start; -1 where fewer) and how many. A
    column at a time: those that have started by the day less those that have finished; the
    first three found among the members by finish from the first that finishes after the day,
    a few at once for every day asked, one by one past those for the few days that need it."""
    size = members.size
    starts, ends = placed.start[members], placed.cutover[members]
    days = placed.full_day[asking]
    started = np.searchsorted(starts, days, side="right")  # members from 0 to this have started
    by_finish = np.argsort(ends, kind="stable")  # ties: the earlier start
    first = np.searchsorted(ends[by_finish], days, side="right")  # the first after the day
    count = started - first  # every transition ends after it starts: those finished started
    found = np.full((asking.size, 4), -1, dtype=np.int64)
    found[:, 3] = count
    wanted = np.minimum(count, 3)
    if not size:
        return found
    at = first[:, None] + np.arange(8)
    position = np.where(at < size, by_finish[np.minimum(at, size - 1)], size)
    busy = position < started[:, None]
    rank = np.cumsum(busy, axis=1) - 1
    rows, columns = np.nonzero(busy & (rank < 3))
    found[rows, rank[rows, columns]] = members[position[rows, columns]]
    more = np.flatnonzero(np.minimum(busy.sum(axis=1), 3) < wanted)
    positions, members_list = by_finish.tolist(), members.tolist()
    for row, day_started, after, want in zip(
        more.tolist(), started[more].tolist(), (first[more] + 8).tolist(), wanted[more].tolist(),
        strict=True,
    ):  # fmt: skip
        have = int((found[row, :3] >= 0).sum())
        while have < want:
            if positions[after] < day_started:
                found[row, have] = members_list[positions[after]]
                have += 1
            after += 1
    return found
