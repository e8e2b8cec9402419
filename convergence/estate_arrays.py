"""The estate as arrays: one slot per system, one per dependency, dates as day numbers.

`compile_estate` checks every reference (raising EstateError naming the record and the field)
and flattens what the engine needs into numpy arrays, so that the date pass does no per-record
Python work. Missing dates and numbers are NONE.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from convergence.errors import EstateError
from convergence.estate import Estate, System

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

EPOCH = date(1970, 1, 1).toordinal()
NONE = -(10**9)  # "no bound" / "no date" / "not known" as a day number or count
STATE_CODES = {"legacy": 0, "in_transition": 1, "converged": 2, "retained": 3}
CONVERGED, RETAINED = 2, 3


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
    termination_notice_days: Ints
    annual_value: npt.NDArray[np.float64]
    contract_ref: list[str | None]
    supplier: list[str]
    lot_label: list[str]
    src: Ints  # prerequisite of each dependency
    dst: Ints  # dependant of each dependency
    lag: Ints

    @property
    def planned(self) -> Bools:
        """Systems still to move: legacy or in transition."""
        return self.state <= 1


def _column(records: Sequence[Any], field: str) -> list[Any]:
    """One field of every record, gathered at C speed."""
    return list(map(attrgetter(field), records))


def _days(values: Sequence[date | None]) -> Ints:
    """Dates as day numbers (NONE for no date)."""
    return np.array([NONE if d is None else d.toordinal() for d in values], dtype=np.int64).reshape(
        -1
    )


def _counts(values: Sequence[int | None]) -> Ints:
    """Whole numbers, NONE where unknown."""
    as_floats = np.array(values, dtype=np.float64).reshape(-1)  # None becomes nan
    return np.where(np.isnan(as_floats), NONE, as_floats).astype(np.int64)


def _find(keys: Sequence[Hashable], index: Mapping[Any, int]) -> Ints:
    """Position of each key in `index`, -1 when absent."""
    found = list(map(index.get, keys))
    return np.array(
        [-1 if f is None else f for f in found] if None in found else found, dtype=np.int64
    ).reshape(-1)


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


def _known(systems: Sequence[System], field: str, known: set[str], problem: str) -> None:
    """Raise EstateError for the first system whose `field` is not among `known`."""
    values = _column(systems, field)
    if set(values) - known:
        bad = np.array([v not in known for v in values], dtype=bool)
        _first_bad(systems, bad, field, problem + " '{value}'")


def compile_estate(estate: Estate, exits: Mapping[tuple[str, str], date]) -> EstateArrays:
    """Check every reference and flatten the estate into arrays."""
    systems = estate.systems
    n = len(systems)
    keys = list(map(attrgetter("council", "name"), systems))
    index = {key: i for i, key in enumerate(keys)}
    if len(index) != n:
        seen: set[tuple[str, str]] = set()
        for council, name in keys:
            if (council, name) in seen:
                raise EstateError(f"System '{name}' appears twice in council {council}")
            seen.add((council, name))

    if estate.councils:
        _known(systems, "council", {c.code for c in estate.councils}, "no council with code")
    _known(systems, "tower", {t.code for t in estate.towers}, "no tower")
    duration = np.array(_column(systems, "transition_days"), dtype=np.int64).reshape(-1)
    _first_bad(systems, duration < 0, "transition_days", "must not be negative")
    state = np.array(
        list(map(STATE_CODES.__getitem__, _column(systems, "state"))), dtype=np.int64
    ).reshape(-1)
    recorded = _days(_column(systems, "cutover"))
    recorded = np.where(state == CONVERGED, recorded, NONE)
    _first_bad(
        systems,
        (state == CONVERGED) & (recorded == NONE),
        "cutover",
        "a converged system needs its date",
    )

    # contracts: one slot each, then gathered per system
    contracts = estate.contracts
    contract_keys = list(map(attrgetter("council", "reference"), contracts))
    contract_index = {key: i for i, key in enumerate(contract_keys)}
    wanted = list(map(attrgetter("council", "contract"), systems))
    has_contract = np.array([ref is not None for _, ref in wanted], dtype=bool).reshape(-1)
    which = _find(wanted, contract_index)
    _first_bad(
        systems,
        has_contract & (which < 0),
        "contract",
        "no contract '{value}' in council {council}",
    )
    m = len(contracts)
    sharing = np.bincount(which[which >= 0], minlength=m)
    values = np.array(
        [np.nan if v is None else float(v) for v in _column(contracts, "annual_value")],
        dtype=np.float64,
    ).reshape(-1)
    per_system = values / np.maximum(sharing, 1)  # shared equally by the systems it supplies
    exit_days = _days([exits.get(key) for key in contract_keys]) if exits else np.full(m, NONE)
    renewal = np.array(_column(contracts, "renewal"), dtype=object).reshape(-1)
    renewal_months = _counts(_column(contracts, "renewal_months"))
    slot = np.where(which >= 0, which, 0)

    def gather(column: Ints, missing: int = NONE) -> Ints:
        return np.where(which >= 0, column[slot] if m else missing, missing)

    # lots
    lots = estate.lots
    lot_index = {lot.name: i for i, lot in enumerate(lots)}
    lot_names = _column(systems, "lot")
    has_lot = np.array([name is not None for name in lot_names], dtype=bool).reshape(-1)
    lot_slot = _find(lot_names, lot_index)
    _first_bad(systems, has_lot & (lot_slot < 0), "lot", "no framework lot '{value}'")
    lot_open = _days(_column(lots, "calloffs_open"))
    lot_expiry = _days(_column(lots, "framework_expiry"))
    safe_lot = np.where(lot_slot >= 0, lot_slot, 0)

    def lot_gather(column: Ints) -> Ints:
        return np.where(lot_slot >= 0, column[safe_lot] if lots else NONE, NONE)

    # dependencies
    deps = estate.dependencies
    src = _find(list(map(attrgetter("needs_council", "needs_system"), deps)), index)
    dst = _find(list(map(attrgetter("council", "system"), deps)), index)
    for k in np.flatnonzero((src < 0) | (dst < 0))[:1].tolist():
        d = deps[k]
        where = (
            f"Dependency of '{d.system}' ({d.council}) on '{d.needs_system}' ({d.needs_council})"
        )
        if dst[k] < 0:
            raise EstateError(f"{where}, field system: no system '{d.system}' in {d.council}")
        raise EstateError(
            f"{where}, field needs_system: no system '{d.needs_system}' in {d.needs_council}"
        )

    references = _column(contracts, "reference")
    suppliers = _column(contracts, "supplier")
    picked = which.tolist()
    lot_picked = lot_slot.tolist()
    return EstateArrays(
        systems=systems,
        duration=duration,
        state=state,
        recorded_cutover=recorded,
        lot_label=["" if i < 0 else lots[i].name for i in lot_picked],
        lot_open=lot_gather(lot_open),
        lot_expiry=lot_gather(lot_expiry),
        contract_ref=[None if i < 0 else references[i] for i in picked],
        supplier=["" if i < 0 else suppliers[i] for i in picked],
        contract_end=gather(_days(_column(contracts, "end"))),
        exit_on=gather(exit_days),
        max_end=gather(_days(_column(contracts, "max_end"))),
        notice_months=gather(_counts(_column(contracts, "notice_months"))),
        notice_served=gather(_days(_column(contracts, "notice_served"))),
        renewal_tacit=np.where(which >= 0, (renewal == "tacit")[slot] if m else False, False),
        renewal_months=gather(np.where(renewal_months == NONE, 12, renewal_months), 12),
        termination_notice_days=gather(_counts(_column(contracts, "termination_notice_days"))),
        annual_value=np.where(which >= 0, per_system[slot] if m else np.nan, np.nan),
        src=src,
        dst=dst,
        lag=np.array(_column(deps, "lag_days"), dtype=np.int64).reshape(-1),
    )
