"""The estate's arrays (convergence.planning.arrays) made from an estate read as columns
(convergence.records.columns): `compile_columns` makes what `compile_estate` makes from
records, with Arrow's compute functions doing the lookups in C. Kept apart from the records'
way in so that planning a small folder read record by record loads no Arrow (see
convergence.cli).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from convergence.errors import EstateError
from convergence.planning.arrays import (
    CONVERGED,
    NONE,
    RETAINED,
    STATE_CODES,
    Bools,
    EstateArrays,
    Ints,
    Objects,
    _objects,
    _with_targets,
)
from convergence.planning.freezes_capacity import Numbered, Rules
from convergence.records.columns import EstateColumns
from convergence.records.estate import Capacity, Freeze


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

    def located(reference: str, texts: pa.ChunkedArray, keys: pa.ChunkedArray) -> Ints:
        """The row among `keys` each of `texts` names (-1 for none), as its source resolved it
        or looked up."""
        if reference in given:
            return np.asarray(given[reference], dtype=np.int64)
        return _slots(_arrow(texts), _arrow(keys))

    councils = columns["councils"]["code"]
    if len(councils) and (located("systems.council", systems["council"], councils) < 0).any():
        return None
    if (located("systems.tower", systems["tower"], columns["towers"]["code"]) < 0).any():
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
    lot_slot = located("systems.lot", systems["lot"], lots["name"])
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
    except EstateError:
        return None
