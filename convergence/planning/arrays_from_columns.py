"""The estate's arrays (convergence.planning.arrays) made from an estate read as columns
(convergence.records.columns): `compile_columns` makes what `compile_estate` makes from
records, with Arrow's compute functions doing the lookups in C. Kept apart from the records'
way in so that planning a small folder read record by record loads no Arrow (see
convergence.cli).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from convergence.planning.arrays import (
    CONVERGED,
    NONE,
    STATE_CODES,
    Bools,
    EstateArrays,
    Ints,
    Objects,
    Reorganisation,
)
from convergence.planning.freezes_capacity import Rules
from convergence.records.columns import EstateColumns


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


def _words(column: pa.ChunkedArray, slots: Ints | None = None, missing: Any = None) -> Objects:
    """A column of few distinct texts (councils, towers, suppliers, lots) as Python strings,
    each made once from the column's dictionary; with `slots`, the text at each slot of the
    column, `missing` where the slot is -1."""
    encoded = pc.dictionary_encode(_arrow(column))
    table = np.array([*encoded.dictionary.to_pylist(), missing], dtype=object)
    codes: Ints = pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64)
    if slots is not None:
        codes = np.where(slots >= 0, codes[np.maximum(slots, 0)] if codes.size else -1, -1)
    words: Objects = table[codes]  # -1: the last, `missing`
    return words


def _keys(*parts: pa.ChunkedArray) -> pa.Array:
    """Two-part names, such as a system's council and name, as one text each (missing where
    a part is)."""
    separator = pa.scalar("\x1f", pa.large_string())
    joined: pa.Array = pc.binary_join_element_wise(*map(_arrow, parts), separator)
    return joined


def _unique(keys: pa.Array) -> bool:
    return len(pc.unique(keys)) == len(keys) and keys.null_count == 0


def _slots(wanted: pa.Array, keys: pa.Array) -> Ints:
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
    if _reorganised(columns):
        return None  # read as records: the reorganisation's references are checked there
    given = columns.positions  # references its source resolved: their keys are unique
    system_key = (
        None if "dependencies.system" in given else _keys(systems["council"], systems["name"])
    )
    if system_key is not None and not _unique(system_key):
        return None
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
        contract_key = _keys(contracts["council"], contracts["reference"])
        if not _unique(contract_key):
            return None
        which = _slots(_keys(systems["council"], systems["contract"]), contract_key)
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

    if system_key is None:
        src = np.asarray(given["dependencies.needs_system"], dtype=np.int64)
        dst = np.asarray(given["dependencies.system"], dtype=np.int64)
    else:
        src = _slots(_keys(deps["needs_council"], deps["needs_system"]), system_key)
        dst = _slots(_keys(deps["council"], deps["system"]), system_key)
    if (src < 0).any() or (dst < 0).any():
        return None
    council_code = pc.dictionary_encode(_arrow(systems["council"])).indices
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
        lag=_numbers(deps["lag_days"], np.int64),
        onto=np.zeros(len(deps), dtype=bool),
        **vars(Reorganisation.none(n)),
        rules=Rules.none(n),
        council=council_code.to_numpy(zero_copy_only=False).astype(np.int64),
        council_name=_words(systems["council"]),
        system_name=_texts(systems["name"]),
        tower=_words(systems["tower"]),
    )


def _reorganised(columns: EstateColumns) -> bool:
    """Whether an estate read as columns names successors, targets, day-one systems,
    hosting, freeze windows or capacity rules (then its records are read instead)."""
    systems = columns["systems"]
    return bool(
        len(columns["successors"])
        or len(columns["freezes"])
        or len(columns["capacities"])
        or _given(columns["councils"]["successor"]).any()
        or _given(systems["successor"]).any()
        or _given(systems["target_system"]).any()
        or _numbers(systems["day_one"], bool).any()
        or (_numbers(systems["hosted_until"], np.int64) != NONE).any()
    )
