"""One way in for every file a council brings: an estate CSV, a register (CSV or XLSX) or an
OCDS JSON package. Preview first, then commit all or nothing (or, when asked, only the valid
rows). Used by the import screen and by `convergence import`.

A contract the estate already holds (same council and reference) is updated, never replaced:
it keeps its own value for every field the file does not carry (a register has no notice
served, termination fee or renewal type), and the preview says, contract by contract, whether
it is new or an update and what changes, in words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

import pandas as pd

from convergence.estate import Contract, Estate
from convergence.formatting import money, uk_date
from convergence.ocds import read_ocds
from convergence.record_fields import FORMS
from convergence.registers import (
    ESTATE_FILES,
    ImportPreview,
    RowProblem,
    detect_format,
    preview_contracts,
    preview_estate_table,
    propose_mapping,
    read_table,
)
from convergence.validation import validate_contract

CONTRACT_FIELDS = tuple(f.name for f in fields(Contract))
SPECS = {spec.name: spec for spec in FORMS["Contracts"][1]}


@dataclass(frozen=True)
class ContractChange:
    """What importing does to one contract. `contract` is the record written: a new contract
    as the file gives it, or the stored one with only the fields the file carries replaced;
    `changes` names each field that changes, in words ("Supplier: Civica → Civica UK Ltd")."""

    contract: Contract
    new: bool
    changes: tuple[str, ...] = ()

    @property
    def action(self) -> str:
        return "New" if self.new else "Update" if self.changes else "No change"


@dataclass(frozen=True)
class FilePreview:
    """What importing a file would do: its format, the column mapping used, the records that
    would be written (`checked`, with every problem and warning), and for each contract
    whether it is new or an update and what changes."""

    format: str
    checked: ImportPreview
    contracts: tuple[ContractChange, ...] = ()
    columns: tuple[str, ...] = ()
    mapping: dict[str, str | None] = field(default_factory=dict)

    @property
    def problems(self) -> tuple[RowProblem, ...]:
        return self.checked.problems

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.checked.warnings

    @property
    def rows(self) -> int:
        return self.checked.rows

    @property
    def records(self) -> int:
        """How many records importing the valid rows would write."""
        c = self.checked
        return sum(len(r) for r in (c.councils, c.lots, c.contracts, c.systems, c.dependencies))

    @property
    def summary(self) -> str:
        """The contracts in words: '1 new contract, 2 updated, 3 unchanged'."""
        new = sum(c.new for c in self.contracts)
        updated = sum(c.action == "Update" for c in self.contracts)
        unchanged = len(self.contracts) - new - updated
        return (
            f"{new:,} new contract{'s' if new != 1 else ''}, {updated:,} updated, "
            f"{unchanged:,} unchanged"
        )

    def to_estate(self, *, valid_only: bool = False) -> Estate:
        """The records to write; EstateFileError when any row has a problem, unless
        `valid_only`."""
        return self.checked.to_estate(valid_only=valid_only)


def preview_file(
    data: bytes,
    filename: str,
    *,
    estate: Estate,
    council: str,
    tower: str | None = None,
    mapping: dict[str, str | None] | None = None,
    progress: Callable[[float], None] | None = None,
) -> FilePreview:
    """Read a file and say what importing it over `estate` (the estate as stored now) would
    write; EstateFileError when the file is unreadable."""
    codes = {c.code for c in estate.councils}
    names = {c.name.lower(): c.code for c in estate.councils}

    def council_for(name: str) -> str | None:
        return names.get(name.strip().lower()) or (name if name in codes else None)

    if filename.lower().endswith(".json"):
        found = read_ocds(
            data, council_code_for_buyer=council_for, council=council, tower=tower, estate=estate
        )
        return _compared("ocds", found, estate, {})
    frame = read_table(data, filename)
    kind = detect_format(list(frame.columns))
    if kind in ESTATE_FILES:
        reference = propose_mapping(list(frame.columns), kind).get("reference")
        found = preview_estate_table(frame, kind)
        return _compared(kind, found, estate, _rows(frame, reference))
    chosen = mapping or propose_mapping(list(frame.columns))
    found = preview_contracts(
        frame,
        chosen,
        council=council,
        tower=tower,
        council_for=council_for,
        progress=progress,
        estate=estate,
    )
    rows = _rows(frame, chosen.get("reference"))
    return _compared(kind, found, estate, rows, tuple(frame.columns), chosen)


def _compared(
    kind: str,
    found: ImportPreview,
    estate: Estate,
    rows: dict[str, int],
    columns: tuple[str, ...] = (),
    mapping: dict[str, str | None] | None = None,
) -> FilePreview:
    """The file's contracts against the stored ones: a stored contract takes only the fields
    the file carries, and must still meet every rule once it has."""
    stored = {(c.council, c.reference): c for c in estate.contracts}
    towers = {t.code: t.name for t in estate.towers}
    changes: list[ContractChange] = []
    problems = list(found.problems)
    for contract in found.contracts:
        old = stored.get((contract.council, contract.reference))
        if old is None:
            changes.append(ContractChange(contract, new=True))
            continue
        merged = replace(old, **{name: getattr(contract, name) for name in found.fields})
        broken = validate_contract(merged, estate)
        for name, words in broken.items():
            if name not in found.fields:
                kept = _shown(name, getattr(merged, name), towers)
                stays = f"the stored {kept} stays" if kept else "it stays empty"
                words += f" (the file does not give it, so {stays})"
            row = rows.get(contract.reference, 0)
            problems.append(RowProblem(row, _label(name), f"{contract.reference}: {words}"))
        if not broken:
            said = tuple(
                f"{_label(n)}: {_shown(n, getattr(old, n), towers) or 'not set'} → "
                f"{_shown(n, getattr(merged, n), towers) or 'not set'}"
                for n in CONTRACT_FIELDS
                if getattr(old, n) != getattr(merged, n)
            )
            changes.append(ContractChange(merged, new=False, changes=said))
    checked = replace(
        found,
        contracts=tuple(c.contract for c in changes),
        problems=tuple(sorted(problems, key=lambda p: p.row)),
    )
    return FilePreview(kind, checked, tuple(changes), columns, mapping or {})


def _label(name: str) -> str:
    """A contract field as the editing form names it, without the unit: "Annual value"."""
    return SPECS[name].label.removesuffix(" (£)") if name in SPECS else name


def _shown(name: str, value: Any, towers: dict[str, str]) -> str:
    """A contract field's value for people: dates as 31 Mar 2027, money as £1,250,000."""
    if value is None or value == "":
        return ""
    kind = SPECS[name].input if name in SPECS else "text"
    if kind == "date":
        return uk_date(value)
    if kind == "money":
        return money(value)
    return towers.get(value, value) if name == "tower" else str(value)


def _rows(frame: pd.DataFrame, column: str | None) -> dict[str, int]:
    """The row each reference is on, as a spreadsheet numbers it."""
    if not column or column not in frame.columns:
        return {}
    return {str(value).strip(): int(row) for row, value in frame[column].items()}
