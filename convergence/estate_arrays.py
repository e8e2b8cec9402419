"""The estate as arrays: one slot per system, one per dependency, dates as day numbers.

`compile_estate` checks every reference (raising EstateError naming the record and the field)
and flattens what the engine needs into numpy arrays, so that the date pass does no per-record
Python work. Missing dates and numbers are NONE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from convergence.errors import EstateError
from convergence.estate import Estate, System

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

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


def _day(value: date | None) -> int:
    return value.toordinal() if value is not None else NONE


def _count(value: int | None) -> int:
    return NONE if value is None else value


NO_CONTRACT = (None, "", NONE, NONE, NONE, NONE, NONE, False, 12, NONE, np.nan)
NO_LOT = ("", NONE, NONE)


def compile_estate(estate: Estate, exits: Mapping[tuple[str, str], date]) -> EstateArrays:
    """Check every reference and flatten the estate into arrays."""
    systems = estate.systems
    index = {(s.council, s.name): i for i, s in enumerate(systems)}
    if len(index) != len(systems):
        seen: set[tuple[str, str]] = set()
        for s in systems:
            if s.key in seen:
                raise EstateError(f"System '{s.name}' appears twice in council {s.council}")
            seen.add(s.key)
    councils = {c.code for c in estate.councils}
    towers = {t.code for t in estate.towers}
    sharing: dict[tuple[str, str], int] = {}
    for s in systems:
        if s.contract is not None:
            sharing[(s.council, s.contract)] = sharing.get((s.council, s.contract), 0) + 1
    contracts = {
        (c.council, c.reference): (
            c.reference,
            c.supplier,
            _day(c.end),
            _day(exits.get((c.council, c.reference))),
            _day(c.max_end),
            _count(c.notice_months),
            _day(c.notice_served),
            c.renewal == "tacit",
            c.renewal_months or 12,
            _count(c.termination_notice_days),
            # a contract's value is shared equally by the systems it supplies
            float(c.annual_value) / sharing.get((c.council, c.reference), 1)
            if c.annual_value is not None
            else np.nan,
        )
        for c in estate.contracts
    }
    lots = {
        lot.name: (lot.name, lot.calloffs_open.toordinal(), lot.framework_expiry.toordinal())
        for lot in estate.lots
    }

    rows = []
    for s in systems:
        where = f"System '{s.name}' ({s.council})"
        if councils and s.council not in councils:
            raise EstateError(f"{where}, field council: no council with code '{s.council}'")
        if s.tower not in towers:
            raise EstateError(f"{where}, field tower: no tower '{s.tower}'")
        if s.transition_days < 0:
            raise EstateError(f"{where}, field transition_days: must not be negative")
        contract: tuple[Any, ...] = NO_CONTRACT
        if s.contract is not None:
            found = contracts.get((s.council, s.contract))
            if found is None:
                raise EstateError(
                    f"{where}, field contract: no contract '{s.contract}' in council {s.council}"
                )
            contract = found
        lot = NO_LOT
        if s.lot is not None:
            found_lot = lots.get(s.lot)
            if found_lot is None:
                raise EstateError(f"{where}, field lot: no framework lot '{s.lot}'")
            lot = found_lot
        state = STATE_CODES[s.state]
        recorded = NONE
        if state == CONVERGED:
            if s.cutover is None:
                raise EstateError(f"{where}, field cutover: a converged system needs its date")
            recorded = s.cutover.toordinal()
        rows.append((s.transition_days, state, recorded, *lot, *contract))

    by_council: dict[str, dict[str, int]] = {}
    for (council, name), i in index.items():
        by_council.setdefault(council, {})[name] = i
    empty: dict[str, int] = {}
    find = by_council.get
    deps = estate.dependencies
    src_list = [find(d.needs_council, empty).get(d.needs_system, -1) for d in deps]
    dst_list = [find(d.council, empty).get(d.system, -1) for d in deps]
    src = np.asarray(src_list, dtype=np.int64).reshape(-1)
    dst = np.asarray(dst_list, dtype=np.int64).reshape(-1)
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

    columns = list(zip(*rows, strict=True)) if rows else [()] * 17

    def ints(k: int) -> Ints:
        return np.asarray(columns[k], dtype=np.int64).reshape(-1)

    return EstateArrays(
        systems=systems,
        duration=ints(0),
        state=ints(1),
        recorded_cutover=ints(2),
        lot_label=list(columns[3]),
        lot_open=ints(4),
        lot_expiry=ints(5),
        contract_ref=list(columns[6]),
        supplier=list(columns[7]),
        contract_end=ints(8),
        exit_on=ints(9),
        max_end=ints(10),
        notice_months=ints(11),
        notice_served=ints(12),
        renewal_tacit=np.asarray(columns[13], dtype=bool).reshape(-1),
        renewal_months=ints(14),
        termination_notice_days=ints(15),
        annual_value=np.asarray(columns[16], dtype=np.float64).reshape(-1),
        src=src,
        dst=dst,
        lag=np.asarray([d.lag_days for d in deps], dtype=np.int64).reshape(-1),
    )
