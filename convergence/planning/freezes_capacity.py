"""Freeze windows and capacity rules: as they apply to each system, and freezes as days.

A freeze window (`Window`) is a run of days every year or once; each group of systems (one
council, one tower) has its windows merged into sorted, disjoint runs of days (`Frozen`) that
placement moves cutovers past. Pure; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from convergence.errors import EstateError
from convergence.records.estate import Capacity, Freeze

Ints = npt.NDArray[np.int64]
NONE = -(10**9)  # as convergence.planning.arrays
FREEZE, CAPACITY = 1, 2  # what moved a system past its earliest possible start
LAST_DAY = date(2200, 12, 31).toordinal()  # freezes that push a cutover past this leave no day
SPAN = 2**32  # keys one group's freeze runs apart from the next group's (see Frozen)
# texts of one per system, such as councils, numbered: each system's number, and the texts by
# number (in order of first appearance)
Numbered = tuple[Ints, Sequence[str]]


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
        """The window of a freeze record; raises EstateError naming the window and the day
        that is neither MM-DD nor YYYY-MM-DD.

        >>> Window.of(Freeze("Year end", "13-01", "01-06"))
        Traceback (most recent call last):
        ...
        convergence.errors.EstateError: Freeze window 'Year end', field from: '13-01' is \
neither MM-DD (every year) nor YYYY-MM-DD (once)
        """
        days = []
        for column, text in (("from", freeze.starts), ("to", freeze.ends)):
            try:
                days.append(parse_day(text))
            except ValueError as refused:
                raise EstateError(
                    f"Freeze window '{freeze.name}', field {column}: {refused}"
                ) from None
        return cls(freeze.name, *days)

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


@dataclass(frozen=True, eq=False)
class Frozen:
    """Each group's freeze windows merged into sorted, disjoint runs of days, each with the
    window whose last day ends it (for the words), from `first_year` to LAST_DAY. Groups with
    the same windows share their runs. A run's days are keyed `SPAN * its set + day`, so that
    one sorted list holds the runs of every group."""

    firsts: list[int]
    lasts: list[int]
    window: list[int]
    key_of: list[int]  # per group: SPAN * its set of runs
    arrays: tuple[Ints, Ints, Ints, Ints]  # the same four, for placing many systems at once

    @classmethod
    def of(cls, windows: list[list[Window]], first_year: int) -> Frozen:
        sets: dict[tuple[int, ...], int] = {}
        firsts: list[int] = []
        lasts: list[int] = []
        window: list[int] = []
        for group in windows:
            same = tuple(map(id, group))
            if same not in sets:
                sets[same] = len(sets)
                for first, last, w in _merged_runs(group, first_year):
                    firsts.append(SPAN * sets[same] + first)
                    lasts.append(SPAN * sets[same] + last)
                    window.append(w)
        key_of = [SPAN * sets[tuple(map(id, g))] for g in windows]
        arrays = (_ints(firsts), _ints(lasts), _ints(window), _ints(key_of))
        return cls(firsts, lasts, window, key_of, arrays)

    def push(self, groups: Ints, start: Ints, duration: Ints) -> tuple[Ints, Ints]:
        """Each start moved, when its cutover falls in a run of its group, so that it cuts
        over the day after the run ends; and the window it was moved past (-1: none). Runs
        are a day apart at least, so one move is enough."""
        firsts, lasts, window, key_of = self.arrays
        if not firsts.size:
            return start, np.full(start.size, -1, dtype=np.int64)
        key = key_of[groups]
        cut = key + start + duration
        at = np.searchsorted(firsts, cut, side="right") - 1
        last = lasts[np.maximum(at, 0)]
        inside = (at >= 0) & (cut <= last)
        moved = np.where(inside, last - key + 1 - duration, start)
        return moved, np.where(inside, window[at], -1)


def _ints(values: list[int]) -> Ints:
    return np.array(values, dtype=np.int64)


def _merged_runs(windows: list[Window], first_year: int) -> list[tuple[int, int, int]]:
    """The (first, last, window) runs of days frozen by `windows` up to LAST_DAY: overlapping
    or adjacent windows merged into one run, named by the window that ends it."""
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
    return [(first, last, w) for first, last, w in merged]


def applies(rule_council: str, rule_tower: str, council: str, tower: str) -> bool:
    """Whether a freeze or capacity rule for `rule_council` and `rule_tower` (empty: all)
    applies to a system of `council` and `tower`."""
    return rule_council in ("", council) and rule_tower in ("", tower)


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
        councils: Numbered,
        towers: Numbered,
    ) -> Rules:
        """The rules for systems of `councils` and `towers` (each system's number, see
        Numbered)."""
        if not freezes and not capacities:
            return cls.none(councils[0].size)
        pairs, group = _council_and_tower(councils, towers)
        applying = _groups_applying(pairs)
        windows: list[list[Window]] = [[] for _ in pairs]
        for f in freezes:
            window = Window.of(f)
            for g in applying.get((f.council, f.tower), []):
                windows[g].append(window)
        rules_of: list[list[int]] = [[] for _ in pairs]
        for r, c in enumerate(capacities):
            for g in applying.get((c.council, c.tower), []):
                rules_of[g].append(r)
        return cls(windows, group, list(capacities), rules_of, group)


def _groups_applying(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], list[int]]:
    """For each (council, tower) a rule can name (empty: all), the groups it applies to.

    >>> _groups_applying([("A", "desk"), ("B", "desk")])[("", "desk")]
    [0, 1]
    """
    applying: dict[tuple[str, str], list[int]] = {}
    for g, (council, tower) in enumerate(pairs):
        for named in dict.fromkeys(((council, tower), (council, ""), ("", tower), ("", ""))):
            applying.setdefault(named, []).append(g)
    return applying


def _council_and_tower(councils: Numbered, towers: Numbered) -> tuple[list[tuple[str, str]], Ints]:
    """The distinct (council, tower) pairs of the systems, and each system's pair."""
    (council, council_names), (tower, tower_names) = councils, towers
    width = len(tower_names)
    codes, group = np.unique(council * width + tower, return_inverse=True)
    pairs = [(council_names[k // width], tower_names[k % width]) for k in codes.tolist()]
    return pairs, group.reshape(-1)
