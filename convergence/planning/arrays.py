"""The estate as arrays: one slot per system, one per dependency, dates as day numbers.

`compile_estate` checks every reference (raising EstateError naming the record and the field)
and flattens what the engine needs into numpy arrays, so that the date pass does no per-record
Python work. Missing dates and numbers are NONE.

Each dependency's two systems and each system's contract are looked up by name, unless the
estate carries `links` (see convergence.records.estate): then its source, the database or the
generator, has already resolved them, and its keys are unique, so they are taken as given.
At national scale the lookup takes about 0.5 s of the 1.3 s. `compile_columns` makes the same
arrays from an estate read as columns (convergence.records.columns).

Over 400 lines: the two ways in, records and columns, make the same arrays and are best read
side by side.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from operator import attrgetter, eq, is_not
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from convergence.errors import EstateError
from convergence.planning.freezes_capacity import Numbered, Rules
from convergence.records.columns import EstateColumns
from convergence.records.estate import (
    Capacity,
    Dependency,
    Estate,
    Freeze,
    System,
    system_label,
)

if TYPE_CHECKING:
    import pandas as pd

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
    estate's dependencies is then integer work for pandas rather than a tuple per record."""
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
) -> pd.Index:
    """Each system's (council, name) as a whole number (see `_pairs`), refusing duplicates."""
    import pandas as pd  # only estates read as records look up names this way

    n = len(system_names)
    by_key = pd.Index(_pairs(council_names, system_names, council_code, name_code, n))
    if not by_key.is_unique:
        i = int(np.flatnonzero(by_key.duplicated())[0])
        raise EstateError(f"System '{system_names[i]}' appears twice in council {council_names[i]}")
    return by_key


def _dependency_ends(
    deps: Sequence[Dependency],
    by_key: pd.Index,
    council_code: dict[str, int],
    name_code: dict[str, int],
) -> tuple[Ints, Ints]:
    """Positions of each dependency's system needed and system waiting, looked up by name."""
    k = len(deps)

    def endpoint(council: str, system: str) -> Ints:
        councils, names = map(attrgetter(council), deps), map(attrgetter(system), deps)
        found: Ints = by_key.get_indexer(_pairs(councils, names, council_code, name_code, k))
        return found

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


# --- from columns ----------------------------------------------------------------------------


def _arrow(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A column of texts as one Arrow array of large strings (so any two compare)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return column.cast(pa.large_string())


def _numbers(column: pa.ChunkedArray | pa.Array, dtype: type) -> npt.NDArray[Any]:
    return np.asarray(column.to_numpy(), dtype=dtype)


def _given(column: pa.ChunkedArray | pa.Array) -> Bools:
    """Where a column holds a value (a reference not left empty)."""
    given: Bools = pc.is_valid(column).to_numpy(zero_copy_only=False)
    return given


def _texts(column: pa.ChunkedArray | pa.Array) -> Objects:
    """A column of texts as Python strings, None where there is none."""
    values: Objects = np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)
    return values


def _numbered_column(column: pa.ChunkedArray | pa.Array) -> Numbered:
    """A column of few distinct texts (councils, towers, suppliers, lots) numbered in order
    of first appearance (-1 where missing), each text made once from the column's dictionary."""
    encoded = pc.dictionary_encode(_arrow(column))
    codes: Ints = pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64)
    return codes, encoded.dictionary.to_pylist()


def _spelled(numbered: Numbered, missing: Any = None) -> Objects:
    """Each row's text as a Python string, `missing` where its number is -1."""
    codes, words = numbered
    spelled: Objects = _objects([*words, missing])[codes]  # -1: the last, `missing`
    return spelled


def _words(column: pa.ChunkedArray, slots: Ints, missing: Any) -> Objects:
    """The text of a column of few distinct texts at each slot, `missing` where the slot
    is -1 (see `_numbered_column`)."""
    codes, words = _numbered_column(column)
    picked = np.where(slots >= 0, codes[np.maximum(slots, 0)] if codes.size else -1, -1)
    return _spelled((picked, words), missing)


@dataclass(frozen=True, eq=False)
class _Keyed:
    """A table's rows by their two-part key, such as a system's council and name, each key a
    whole number: its first part's number among the table's distinct first parts × how many
    distinct second parts there are + its second part's number. Looking up the 2 × 640,000
    ends of a national estate's dependencies is then numbering their parts (among 320 councils
    and the systems' names) and one hash lookup of whole numbers: a quarter of the time that
    joining each end's two texts and looking the texts up took."""

    firsts: pa.Array  # the distinct first parts, each numbered by its position
    seconds: pa.Array
    keys: pa.Array  # per row

    @classmethod
    def of(cls, firsts: pa.ChunkedArray, seconds: pa.ChunkedArray) -> _Keyed | None:
        """The rows keyed, or None when a key repeats."""
        distinct = pc.unique(_arrow(firsts)), pc.unique(_arrow(seconds))
        keys = _pair_numbers(firsts, seconds, *distinct)
        return cls(*distinct, keys) if _unique(keys) else None

    def rows(self, firsts: pa.ChunkedArray, seconds: pa.ChunkedArray) -> Ints:
        """The row each (first, second) names, -1 where a part is missing or no row has it."""
        return _slots(_pair_numbers(firsts, seconds, self.firsts, self.seconds), self.keys)


def _pair_numbers(
    firsts: pa.ChunkedArray,
    seconds: pa.ChunkedArray,
    first_values: pa.Array,
    second_values: pa.Array,
) -> pa.Array:
    """Each (first, second) as a whole number (see _Keyed), -1 where a part is missing or not
    among its values."""
    first, second = _slots(firsts, first_values), _slots(seconds, second_values)
    both = (first >= 0) & (second >= 0)
    return pa.array(np.where(both, first * len(second_values) + second, -1))


def _unique(keys: pa.Array) -> bool:
    return len(pc.unique(keys)) == len(keys) and keys.null_count == 0


def _slots(wanted: pa.ChunkedArray | pa.Array, keys: pa.Array) -> Ints:
    """The position of each wanted key among `keys` (unique), -1 where it is missing or not
    among them: one hash lookup in C."""
    found = pc.fill_null(pc.index_in(wanted, value_set=keys), -1)
    slots: Ints = found.to_numpy().astype(np.int64)
    return slots


def _among(column: pa.ChunkedArray, allowed: pa.ChunkedArray) -> bool:
    return bool(pc.all(pc.is_in(_arrow(column), value_set=_arrow(allowed)), min_count=0).as_py())


def compile_columns(columns: EstateColumns) -> EstateArrays | None:
    """`compile_estate` of an estate read as columns (no scenario exits), or None when any
    reference does not resolve, a key repeats or a value breaks a rule compile_estate checks:
    the caller then compiles the records, which names the record and the field."""
    systems, contracts, lots = columns["systems"], columns["contracts"], columns["lots"]
    deps = columns["dependencies"]
    n, m = len(systems), len(contracts)
    given = columns.positions  # references its source resolved: their keys are unique
    resolved = {"dependencies.system", "dependencies.needs_system", "systems.target_system"}
    by_name = not resolved <= given.keys()
    system_keys = _Keyed.of(systems["council"], systems["name"]) if by_name else None
    if by_name and system_keys is None:
        return None

    def systems_named(reference: str, council: pa.ChunkedArray, name: pa.ChunkedArray) -> Ints:
        """The position of the system each row names, as its source resolved it or by name."""
        if system_keys is None:
            return np.asarray(given[reference], dtype=np.int64)
        return system_keys.rows(council, name)

    councils = columns["councils"]["code"]
    if len(councils) and not _among(systems["council"], councils):
        return None
    if not _among(systems["tower"], columns["towers"]["code"]):
        return None
    duration = _numbers(systems["transition_days"], np.int64)
    state = _slots(_arrow(systems["state"]), pa.array(STATE_CODES, pa.large_string()))
    recorded = np.where(state == CONVERGED, _numbers(systems["cutover"], np.int64), NONE)
    if (duration < 0).any() or ((state == CONVERGED) & (recorded == NONE)).any():
        return None

    has_contract = _given(systems["contract"])
    if "systems.contract" in given:
        which = np.asarray(given["systems.contract"], dtype=np.int64)
    else:
        contract_keys = _Keyed.of(contracts["council"], contracts["reference"])
        if contract_keys is None:
            return None
        which = contract_keys.rows(systems["council"], systems["contract"])
    if (has_contract & (which < 0)).any():
        return None
    sharing = np.bincount(which[which >= 0], minlength=m)
    per_system = _numbers(contracts["annual_value"], np.float64) / np.maximum(sharing, 1)
    tacit = pc.equal(contracts["renewal"], "tacit").to_numpy(zero_copy_only=False)
    renewal_months = _numbers(contracts["renewal_months"], np.int64)
    slot = np.where(which >= 0, which, 0)

    def gather(column: str, missing: int = NONE) -> Ints:
        values = _numbers(contracts[column], np.int64)
        return np.where(which >= 0, values[slot] if m else missing, missing)

    lot_names = _arrow(lots["name"])
    if not _unique(lot_names):
        return None
    has_lot = _given(systems["lot"])
    lot_slot = _slots(_arrow(systems["lot"]), lot_names)
    if (has_lot & (lot_slot < 0)).any():
        return None
    safe_lot = np.where(lot_slot >= 0, lot_slot, 0)

    def lot_gather(column: str) -> Ints:
        values = _numbers(lots[column], np.int64)
        return np.where(lot_slot >= 0, values[safe_lot] if len(lots) else NONE, NONE)

    src = systems_named("dependencies.needs_system", deps["needs_council"], deps["needs_system"])
    dst = systems_named("dependencies.system", deps["council"], deps["system"])
    if (src < 0).any() or (dst < 0).any():
        return None
    wants_target = _given(systems["target_system"])
    target = np.full(n, -1, dtype=np.int64)
    if wants_target.any():
        onto = systems_named(
            "systems.target_system", systems["target_council"], systems["target_system"]
        )
        target = np.where(wants_target, onto, -1)
        if not _targets_hold(target, wants_target, state):
            return None
    serving = _serving(columns)
    if serving is None:
        return None
    src, dst, lag, onto_edges = _with_targets(
        src, dst, _numbers(deps["lag_days"], np.int64), target
    )
    council = _numbered_column(systems["council"])
    tower = _numbered_column(systems["tower"])
    rules = _rules(columns, council, tower)
    if rules is None:
        return None
    renewal = np.where(renewal_months == NONE, 12, renewal_months)
    return EstateArrays(
        systems=(),
        duration=duration,
        state=state,
        recorded_cutover=recorded,
        lot_label=_words(lots["name"], lot_slot, ""),
        lot_open=lot_gather("calloffs_open"),
        lot_expiry=lot_gather("framework_expiry"),
        contract_ref=_texts(contracts["reference"].take(pa.array(which, mask=which < 0))),
        supplier=_words(contracts["supplier"], which, ""),
        contract_end=gather("end"),
        exit_on=np.full(n, NONE),
        max_end=gather("max_end"),
        notice_months=gather("notice_months"),
        notice_served=gather("notice_served"),
        renewal_tacit=np.where(which >= 0, tacit[slot] if m else False, False),
        renewal_months=np.where(which >= 0, renewal[slot] if m else 12, 12),
        termination_notice_days=np.full(n, NONE),
        annual_value=np.where(which >= 0, per_system[slot] if m else np.nan, np.nan),
        src=src,
        dst=dst,
        lag=lag,
        onto=onto_edges,
        target=target,
        successor=serving[0],
        vesting=serving[1],
        day_one=_numbers(systems["day_one"], bool),
        hosted_until=_numbers(systems["hosted_until"], np.int64),
        rules=rules,
        council=council[0],
        council_name=_spelled(council),
        system_name=_texts(systems["name"]),
        tower=_spelled(tower),
    )


def _targets_hold(target: Ints, wanted: Bools, state: Ints) -> bool:
    """Whether each system naming a target names another system of the estate, not retained
    (as `_reorganisation` checks)."""
    onto = target[target >= 0]
    return not (
        (wanted & (target < 0)).any()
        or (target == np.arange(target.size)).any()
        or (state[onto] == RETAINED).any()
    )


def _serving(columns: EstateColumns) -> tuple[Objects, Ints] | None:
    """Per system of an estate read as columns: the successor it serves, its own or its
    council's ("" for none), and that successor's vesting day (as `_reorganisation`); None
    when a system names an unknown successor, or successors' or councils' codes repeat."""
    systems, councils, successors = columns["systems"], columns["councils"], columns["successors"]
    n = len(systems)
    own = _arrow(systems["successor"])
    if not (len(successors) or own.null_count < n or _given(councils["successor"]).any()):
        return np.full(n, "", dtype=object), np.full(n, NONE, dtype=np.int64)
    codes, council_codes = _arrow(successors["code"]), _arrow(councils["code"])
    if not (_unique(codes) and _unique(council_codes)):
        return None
    council = _slots(_arrow(systems["council"]), council_codes)
    of_council = _arrow(councils["successor"]).take(pa.array(council, mask=council < 0))
    serves = pc.coalesce(own, of_council, pa.scalar("", pa.large_string()))
    slot = _slots(serves, codes)
    if (pc.is_valid(own).to_numpy(zero_copy_only=False) & (slot < 0)).any():
        return None
    vesting_days = np.append(_numbers(successors["vesting_day"], np.int64), NONE)
    return _spelled(_numbered_column(serves)), vesting_days[slot]  # -1: the last, NONE


def _rules(columns: EstateColumns, councils: Numbered, towers: Numbered) -> Rules | None:
    """`Rules.of` an estate read as columns, its few freeze windows and capacity rules made
    records; None when a window's day is none (scheduling the records says so)."""
    freezes = tuple(Freeze(**row) for row in columns["freezes"].to_pylist())
    capacities = tuple(Capacity(**row) for row in columns["capacities"].to_pylist())
    try:
        return Rules.of(freezes, capacities, councils, towers)
    except ValueError:
        return None
