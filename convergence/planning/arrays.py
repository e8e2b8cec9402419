"""The estate as arrays: one slot per system, one per dependency, dates as day numbers.

`compile_estate` checks every reference (raising EstateError naming the record and the field)
and flattens what the engine needs into numpy arrays, so that the date pass does no per-record
Python work. Missing dates and numbers are NONE.

Each dependency's two systems and each system's contract are looked up by name, unless the
estate carries `links` (see convergence.records.estate): then its source, the database or the
generator, has already resolved them, and its keys are unique, so they are taken as given.
At national scale the lookup takes about 0.5 s of the 1.3 s. `compile_columns`
(convergence.planning.arrays_from_columns) makes the same arrays from an estate read as
columns, with Arrow; this module loads neither Arrow nor pandas, so a small estate folder is
planned without either (see convergence.cli).

Over 400 lines: every reference and rule compile_estate checks, in one pass over the records.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from operator import attrgetter, eq, is_not
from typing import Any

import numpy as np
import numpy.typing as npt

from convergence.errors import EstateError
from convergence.planning.freezes_capacity import Rules
from convergence.records.estate import Dependency, Estate, System, system_label

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Objects = npt.NDArray[np.object_]  # Python objects (texts), one per slot

EPOCH = date(1970, 1, 1).toordinal()
NONE = -(10**9)  # "no bound" / "no date" / "not known" as a day number or count
STATE_CODES = {"legacy": 0, "in_transition": 1, "converged": 2, "retained": 3, "surviving": 4}
STATE_NAMES: Objects = np.array(tuple(STATE_CODES), dtype=object)  # by code
CONVERGED, RETAINED, SURVIVING = 2, 3, 4


@dataclass(frozen=True, eq=False)
class EstateArrays:
    """Per-system and per-dependency arrays (see module docstring)."""

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
    termination_notice_days: Ints  # NONE throughout unless a scenario gives early exits
    annual_value: npt.NDArray[np.float64]
    contract_ref: Objects  # None where a system has no contract
    supplier: Objects
    lot_label: Objects
    src: Ints  # prerequisite of each dependency, then the surviving system of each target
    dst: Ints  # dependant of each dependency, then the system consolidating onto it
    lag: Ints
    onto: Bools  # per edge: a target (consolidating onto a surviving system), not a dependency
    target: Ints  # per system: position of the surviving system it consolidates onto, or -1
    successor: Objects  # per system: the successor it serves ("" for none)
    vesting: Ints  # per system: its successor's vesting day
    day_one: Bools
    hosted_until: Ints
    rules: Rules  # freeze windows and capacity rules, as they apply to each system
    council: Ints  # each system's council, numbered in order of first appearance
    council_name: Objects  # each system's council code, as recorded
    system_name: Objects
    tower: Objects

    @property
    def planned(self) -> Bools:
        """Systems still to move: legacy or in transition."""
        return self.state <= 1


def _column(records: Sequence[Any], field: str) -> list[Any]:
    """One field of every record, gathered at C speed."""
    return list(map(attrgetter(field), records))


def _days(values: Sequence[date | None]) -> Ints:
    """Dates as day numbers (NONE for no date); each distinct date converted once."""
    number = {d: NONE if d is None else d.toordinal() for d in set(values)}
    return np.fromiter(map(number.__getitem__, values), dtype=np.int64, count=len(values))


def _counts(values: Sequence[int | None]) -> Ints:
    """Whole numbers, NONE where unknown; each distinct number converted once (numpy is slow
    to read a list holding None)."""
    number = {v: NONE if v is None else v for v in set(values)}
    return np.fromiter(map(number.__getitem__, values), dtype=np.int64, count=len(values))


def _floats(values: Sequence[Any]) -> npt.NDArray[np.float64]:
    """Amounts as floats, nan where unknown; each distinct amount converted once (a Decimal
    converts through its text, which is slow)."""
    as_float = {v: np.nan if v is None else float(v) for v in set(values)}
    return np.fromiter(map(as_float.__getitem__, values), dtype=np.float64, count=len(values))


def _codes(values: Iterable[Hashable], codes: Mapping[Any, int], count: int) -> Ints:
    """The code of each value in `codes`, -1 when absent (one C-speed pass, no lists)."""
    return np.fromiter(map(codes.get, values, repeat(-1)), dtype=np.int64, count=count)


def _numbered(values: Iterable[Hashable]) -> dict[Any, int]:
    """Each distinct value numbered in order of first appearance."""
    return {value: i for i, value in enumerate(dict.fromkeys(values))}


def _objects(values: Sequence[Any]) -> Objects:
    """The values as a numpy array of the same Python objects."""
    return np.fromiter(values, dtype=object, count=len(values))


def _pick(values: Sequence[Any], slots: Ints, missing: Any) -> Objects:
    """values[slot] for each slot, `missing` where the slot is -1."""
    table = _objects([*values, missing])
    picked: Objects = table[slots]
    return picked


def _pairs(
    firsts: Iterable[Hashable],
    seconds: Iterable[Hashable],
    first_codes: Mapping[Any, int],
    second_codes: Mapping[Any, int],
    count: int,
) -> Ints:
    """Two-part keys, such as a system's (council, name), as whole numbers: first code × width
    + second code, -1 when a part has no code. Looking up the 2 × 640,000 ends of a national
    estate's dependencies is then integer work (see `_positions`) rather than a tuple per record."""
    first = _codes(firsts, first_codes, count)
    second = _codes(seconds, second_codes, count)
    return np.where((first >= 0) & (second >= 0), first * max(len(second_codes), 1) + second, -1)


def _first_bad(systems: Sequence[System], bad: Bools, field: str, problem: str) -> None:
    """Raise EstateError for the first system flagged `bad`, naming the field."""
    flagged = np.flatnonzero(bad)
    if flagged.size:
        s = systems[int(flagged[0])]
        value = getattr(s, field)
        raise EstateError(
            f"System '{s.name}' ({s.council}), field {field}: "
            + problem.format(value=value, council=s.council)
        )


def _known(
    systems: Sequence[System], field: str, values: Iterable[Any], known: set[str], problem: str
) -> None:
    """Raise EstateError for the first system whose `field` is not among `known`, given the
    distinct `values` the systems hold in that field."""
    if set(values) - known:
        bad = np.array([v not in known for v in _column(systems, field)], dtype=bool)
        _first_bad(systems, bad, field, problem + " '{value}'")


def _system_keys(
    council_names: list[str],
    system_names: list[str],
    council_code: dict[str, int],
    name_code: dict[str, int],
) -> Ints:
    """Each system's (council, name) as a whole number (see `_pairs`), refusing duplicates."""
    keys = _pairs(council_names, system_names, council_code, name_code, len(system_names))
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    again = order[1:][ordered[1:] == ordered[:-1]]  # every system after the first with its key
    if again.size:
        i = int(again.min())
        raise EstateError(f"System '{system_names[i]}' appears twice in council {council_names[i]}")
    return keys


# Above this many keys looked up, pandas' hash table finds them (6 ms for one end of each of a
# national estate's 640,000 dependencies, where numpy's sorted search takes 85 ms, 4 Dec
# 2026); below, numpy's search does, so that planning a small estate loads no pandas (0.3 s)
HASHED_LOOKUPS = 100_000


def _positions(keys: Ints, wanted: Ints) -> Ints:
    """The position of each wanted key among `keys` (unique), -1 where it is not among them."""
    if wanted.size > HASHED_LOOKUPS:
        import pandas as pd

        hashed: Ints = pd.Index(keys).get_indexer(wanted)
        return hashed
    if not keys.size:
        return np.full(wanted.size, -1, dtype=np.int64)
    order = np.argsort(keys)
    at = np.minimum(np.searchsorted(keys[order], wanted), keys.size - 1)
    found: Ints = np.where(keys[order[at]] == wanted, order[at], -1)
    return found


def _dependency_ends(
    deps: Sequence[Dependency],
    by_key: Ints,
    council_code: dict[str, int],
    name_code: dict[str, int],
) -> tuple[Ints, Ints]:
    """Positions of each dependency's system needed and system waiting, looked up by name."""
    k = len(deps)

    def endpoint(council: str, system: str) -> Ints:
        councils, names = map(attrgetter(council), deps), map(attrgetter(system), deps)
        return _positions(by_key, _pairs(councils, names, council_code, name_code, k))

    src = endpoint("needs_council", "needs_system")
    dst = endpoint("council", "system")
    for bad in np.flatnonzero((src < 0) | (dst < 0))[:1].tolist():
        d = deps[bad]
        where = (
            f"Dependency of '{d.system}' ({d.council}) on '{d.needs_system}' ({d.needs_council})"
        )
        if dst[bad] < 0:
            raise EstateError(f"{where}, field system: no system '{d.system}' in {d.council}")
        raise EstateError(
            f"{where}, field needs_system: no system '{d.needs_system}' in {d.needs_council}"
        )
    return src, dst


@dataclass(frozen=True, eq=False)
class Reorganisation:
    """Per system: the surviving system it consolidates onto, the successor it serves and that
    successor's vesting day, its day-one flag and hosting end (see EstateArrays)."""

    target: Ints
    successor: Objects
    vesting: Ints
    day_one: Bools
    hosted_until: Ints

    @classmethod
    def none(cls, n: int) -> Reorganisation:
        """An estate not being reorganised: no targets, successors or hosting."""
        return cls(
            target=np.full(n, -1, dtype=np.int64),
            successor=np.full(n, "", dtype=object),
            vesting=np.full(n, NONE, dtype=np.int64),
            day_one=np.zeros(n, dtype=bool),
            hosted_until=np.full(n, NONE, dtype=np.int64),
        )


def _reorganisation(estate: Estate, state: Ints) -> Reorganisation:
    """Each system's part in a reorganisation, checking its successor and its target: a
    target must be another system of the estate, not retained."""
    systems = estate.systems
    n = len(systems)
    successor_of = {c.code: c.successor for c in estate.councils if c.successor}
    named = ("successor", "target_system", "day_one", "hosted_until")
    if not (successor_of or estate.successors or any(any(_column(systems, f)) for f in named)):
        return Reorganisation.none(n)
    vesting_of = {s.code: s.vesting_day.toordinal() for s in estate.successors}
    serves = [s.successor or successor_of.get(s.council) or "" for s in systems]
    unknown = np.array(
        [s is not None and s not in vesting_of for s in _column(systems, "successor")]
    )
    _first_bad(systems, unknown, "successor", "no successor authority '{value}'")
    position = {s.key: i for i, s in enumerate(systems)}
    target = np.full(n, -1, dtype=np.int64)
    for i, s in enumerate(systems):
        if s.target_system is None:
            continue
        where = f"System '{s.name}' ({s.council}), field target_system: "
        onto = position.get(s.target) if s.target else None
        if onto is None:
            raise EstateError(
                where + f"no system '{s.target_system}' in {s.target_council or '(no council)'}"
            )
        if onto == i:
            raise EstateError(where + "a system cannot consolidate onto itself")
        if state[onto] == RETAINED:
            raise EstateError(
                where + f"{system_label(s.target_system, s.target_council or '')} is retained, "
                "out of scope: it cannot be a surviving system"
            )
        target[i] = onto
    return Reorganisation(
        target=target,
        successor=_objects(serves),
        vesting=np.fromiter((vesting_of.get(c, NONE) for c in serves), dtype=np.int64, count=n),
        day_one=np.fromiter(_column(systems, "day_one"), dtype=bool, count=n),
        hosted_until=_days(_column(systems, "hosted_until")),
    )


def _with_targets(src: Ints, dst: Ints, lag: Ints, target: Ints) -> tuple[Ints, Ints, Ints, Bools]:
    """The dependency edges followed by one edge per target (the surviving system before the
    system consolidating onto it, no lag), and which edges are targets. Without targets the
    dependency edges are kept as they are (not copied: 10 ms at national scale)."""
    onto = np.flatnonzero(target >= 0)
    if not onto.size:
        return src, dst, lag, np.zeros(src.size, dtype=bool)
    return (
        np.concatenate((src, target[onto])),
        np.concatenate((dst, onto)),
        np.concatenate((lag, np.zeros(onto.size, dtype=np.int64))),
        np.concatenate((np.zeros(src.size, dtype=bool), np.ones(onto.size, dtype=bool))),
    )


def compile_estate(estate: Estate, exits: Mapping[tuple[str, str], date]) -> EstateArrays:
    """Check every reference and flatten the estate into arrays. References come from the
    estate's `links` when its source attached them, else they are looked up by name."""
    systems = estate.systems
    n = len(systems)
    council_names = _column(systems, "council")
    system_names = _column(systems, "name")
    council_code = _numbered(council_names)
    if estate.links is None:
        name_code = _numbered(system_names)
        by_key = _system_keys(council_names, system_names, council_code, name_code)

    if estate.councils:
        known = {c.code for c in estate.councils}
        _known(systems, "council", council_code, known, "no council with code")
    towers = _column(systems, "tower")
    _known(systems, "tower", towers, {t.code for t in estate.towers}, "no tower")
    duration = np.array(_column(systems, "transition_days"), dtype=np.int64).reshape(-1)
    _first_bad(systems, duration < 0, "transition_days", "must not be negative")
    state = np.fromiter(
        map(STATE_CODES.__getitem__, map(attrgetter("state"), systems)), dtype=np.int64, count=n
    )
    recorded = _days(_column(systems, "cutover"))
    recorded = np.where(state == CONVERGED, recorded, NONE)
    _first_bad(
        systems,
        (state == CONVERGED) & (recorded == NONE),
        "cutover",
        "a converged system needs its date",
    )

    # contracts: one slot each (the last of any with the same key), then gathered per system
    contracts = estate.contracts
    m = len(contracts)
    if estate.links is None:
        keys = map(attrgetter("council", "reference"), contracts)
        contract_index = {key: i for i, key in enumerate(keys)}
        wanted = _column(systems, "contract")
        has_contract = np.fromiter(map(is_not, wanted, repeat(None)), dtype=bool, count=n)
        which = _codes(map(attrgetter("council", "contract"), systems), contract_index, n)
        _first_bad(
            systems,
            has_contract & (which < 0),
            "contract",
            "no contract '{value}' in council {council}",
        )
    else:
        which = estate.links.contract
    sharing = np.bincount(which[which >= 0], minlength=m)
    values = _floats(_column(contracts, "annual_value"))
    per_system = values / np.maximum(sharing, 1)  # shared equally by the systems it supplies
    if exits:  # a scenario's early exits, and the termination notice each needs
        keys = map(attrgetter("council", "reference"), contracts)
        exit_days = _days(list(map(exits.get, keys)))
        termination_notice = _counts(_column(contracts, "termination_notice_days"))
    else:
        exit_days = termination_notice = np.full(m, NONE)
    tacit = np.fromiter(
        map(eq, _column(contracts, "renewal"), repeat("tacit")), dtype=bool, count=m
    )
    renewal_months = _counts(_column(contracts, "renewal_months"))
    slot = np.where(which >= 0, which, 0)

    def gather(column: Ints, missing: int = NONE) -> Ints:
        return np.where(which >= 0, column[slot] if m else missing, missing)

    # lots
    lots = estate.lots
    lot_index = {lot.name: i for i, lot in enumerate(lots)}
    lot_names = _column(systems, "lot")
    has_lot = np.fromiter(map(is_not, lot_names, repeat(None)), dtype=bool, count=n)
    lot_slot = _codes(lot_names, lot_index, n)
    _first_bad(systems, has_lot & (lot_slot < 0), "lot", "no framework lot '{value}'")
    lot_open = _days(_column(lots, "calloffs_open"))
    lot_expiry = _days(_column(lots, "framework_expiry"))
    safe_lot = np.where(lot_slot >= 0, lot_slot, 0)

    def lot_gather(column: Ints) -> Ints:
        return np.where(lot_slot >= 0, column[safe_lot] if lots else NONE, NONE)

    # dependencies
    deps = estate.dependencies
    k = len(deps)
    if estate.links is None:
        src, dst = _dependency_ends(deps, by_key, council_code, name_code)
    else:
        src, dst = estate.links.needs, estate.links.waits
    lag = np.fromiter(map(attrgetter("lag_days"), deps), dtype=np.int64, count=k)
    reorganisation = _reorganisation(estate, state)
    src, dst, lag, onto = _with_targets(src, dst, lag, reorganisation.target)
    council = _codes(council_names, council_code, n)
    tower_code = _numbered(towers)
    tower = _codes(towers, tower_code, n)

    return EstateArrays(
        systems=systems,
        duration=duration,
        state=state,
        recorded_cutover=recorded,
        lot_label=_pick(_column(lots, "name"), lot_slot, ""),
        lot_open=lot_gather(lot_open),
        lot_expiry=lot_gather(lot_expiry),
        contract_ref=_pick(_column(contracts, "reference"), which, None),
        supplier=_pick(_column(contracts, "supplier"), which, ""),
        contract_end=gather(_days(_column(contracts, "end"))),
        exit_on=gather(exit_days),
        max_end=gather(_days(_column(contracts, "max_end"))),
        notice_months=gather(_counts(_column(contracts, "notice_months"))),
        notice_served=gather(_days(_column(contracts, "notice_served"))),
        renewal_tacit=np.where(which >= 0, tacit[slot] if m else False, False),
        renewal_months=gather(np.where(renewal_months == NONE, 12, renewal_months), 12),
        termination_notice_days=gather(termination_notice),
        annual_value=np.where(which >= 0, per_system[slot] if m else np.nan, np.nan),
        src=src,
        dst=dst,
        lag=lag,
        onto=onto,
        target=reorganisation.target,
        successor=reorganisation.successor,
        vesting=reorganisation.vesting,
        day_one=reorganisation.day_one,
        hosted_until=reorganisation.hosted_until,
        rules=Rules.of(
            estate.freezes,
            estate.capacities,
            (council, list(council_code)),
            (tower, list(tower_code)),
        ),
        council=council,
        council_name=_objects(council_names),
        system_name=_objects(system_names),
        tower=_objects(towers),
    )
