"""One way in for every file a council brings: an estate CSV, a register (CSV or XLSX) or an
OCDS JSON package. Preview first, then commit all or nothing (or, when asked, only the valid
rows). Used by the import screen and by `convergence import`.

A record the estate already holds (a contract with the same council and reference, a system
with the same council and name, a lot or council of the same name or code ...) is updated,
never replaced: it keeps its own value for every field the file does not carry (a register
has no notice served, termination fee or renewal type; a systems.csv may have no
transition_cost column), and the preview says, record by record, whether it is new or an
update and what changes, in words. One function, `updated`, does this for every kind of
record, for files (`preview_file`) and estate folders (`over_held`) alike.

Over 400 lines: the one way in for every kind of file, and the comparison with what is
held, which every format shares.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

import pandas as pd

from convergence.formatting import money, uk_date
from convergence.records import validation
from convergence.records.estate import (
    CHARGE_BASIS_LABELS,
    STATE_LABELS,
    Contract,
    Council,
    Dependency,
    Estate,
    Lot,
    Record,
    System,
    Tower,
)
from convergence.records.fields import KIND_OF_RECORD, Field, title_of
from convergence.registers.columns import ESTATE_FILES, ESTATE_KEYS, detect_format, propose_mapping
from convergence.registers.files import read_table
from convergence.registers.ocds import read_ocds
from convergence.registers.previews import (
    ImportPreview,
    RowProblem,
    preview_contracts,
    preview_estate_table,
)

R = TypeVar("R", Council, Tower, Lot, Contract, System, Dependency)

# the fields that identify a record, as the editing forms mark them
KEYS: dict[type, tuple[str, ...]] = {cls: kind.keys for cls, kind in KIND_OF_RECORD.items()}
SPECS: dict[type, dict[str, Field]] = {
    cls: {f.name: f for f in kind.fields} for cls, kind in KIND_OF_RECORD.items()
}
# each kind of record in words, one and many, by the format of the file that gives it
NOUNS: dict[str, tuple[str, str]] = {
    "estate-councils": ("council", "councils"),
    "estate-lots": ("framework lot", "framework lots"),
    "estate-systems": ("system", "systems"),
    "estate-dependencies": ("dependency", "dependencies"),
}


def key_of(record: Record) -> tuple[str, ...]:
    """What identifies a record: (council, reference) for a contract, (council, name) for a
    system, the name of a lot, the code of a council or tower, both systems of a dependency."""
    return tuple(getattr(record, name) for name in KEYS[type(record)])


def updated(record: R, held: R | None, carried: Collection[str]) -> R:
    """The record importing `record` writes: `record` itself when the estate holds nothing
    under its key (`held` is None), else the held record with only the `carried` fields, those
    the file gives, taken from the file. The file's record has defaults in every other field
    (no transition cost, no share, charged per council ...); they are not values to write.

    >>> held = System("WCC", "Desktop", "desktop", transition_days=90, state="legacy")
    >>> kept = updated(System("WCC", "Desktop", "desktop", state="in_transition"), held,
    ...                ("council", "name", "tower", "state"))  # a file without transition_days
    >>> kept.transition_days, kept.state
    (90, 'in_transition')
    """
    if held is None:
        return record
    return replace(held, **{name: getattr(record, name) for name in carried})


def over_held(found: Estate, held: Estate, carried: Mapping[str, Collection[str]]) -> Estate:
    """The records of estate files (`found`) as importing them over the estate as stored
    (`held`) writes them, each through `updated`. `carried` names, for each estate file
    ("systems.csv"), the fields its records carry (see estate_files.carried_in); records of a
    file it does not name are written as they are."""
    written: dict[str, tuple[Any, ...]] = {}
    for kind in KIND_OF_RECORD.values():  # each kind's estate file: capacity.csv, say
        name = kind.plural
        records: tuple[Any, ...] = getattr(found, name)
        fields_of = carried.get(kind.file)
        if fields_of is not None:
            stored = {key_of(r): r for r in getattr(held, name)}
            records = tuple(updated(r, stored.get(key_of(r)), fields_of) for r in records)
        written[name] = records
    return Estate(**written)


@dataclass(frozen=True)
class RecordChange:
    """What importing does to one record. `record` is the record written: a new one as the
    file gives it, or the stored one with only the fields the file carries replaced;
    `changes` names each field that changes, in words ("Supplier: Civica → Civica UK Ltd")."""

    record: Record
    new: bool
    changes: tuple[str, ...] = ()

    @property
    def action(self) -> str:
        return "New" if self.new else "Update" if self.changes else "No change"

    @property
    def name(self) -> str:
        """The record in words: "WCC-PK-014 (WCC)", "Desktop (WCC)", "Lot 5 Network"."""
        return _named(self.record)


@dataclass(frozen=True)
class ContractChange(RecordChange):
    """What importing does to one contract (`contract`, the contract written)."""

    record: Contract

    @property
    def contract(self) -> Contract:
        return self.record


@dataclass(frozen=True)
class FilePreview:
    """What importing a file would do: its format, the column mapping used, the records that
    would be written (`checked`, with every problem and warning), and for each record the
    estate already holds or not whether it is new or an update and what changes (`changes`;
    `contracts` for the contracts alone)."""

    format: str
    checked: ImportPreview
    changes: tuple[RecordChange, ...] = ()
    columns: tuple[str, ...] = ()
    mapping: dict[str, str | None] = field(default_factory=dict)

    @property
    def contracts(self) -> tuple[ContractChange, ...]:
        return tuple(c for c in self.changes if isinstance(c, ContractChange))

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
        kinds = (c.councils, c.towers, c.lots, c.contracts, c.systems, c.dependencies)
        return sum(len(r) for r in kinds)

    @property
    def kind(self) -> str:
        """The records the file gives, in words: "contracts", "systems", "framework lots"."""
        return NOUNS.get(self.format, ("contract", "contracts"))[1]

    @property
    def summary(self) -> str:
        """The records in words: '1 new contract, 2 updated, 3 unchanged'."""
        one, many = NOUNS.get(self.format, ("contract", "contracts"))
        listed = [c for c in self.changes if not isinstance(c.record, Tower)]
        organisations = 0
        if self.format != "estate-councils":  # market data: its buyers become organisations
            organisations = sum(isinstance(c.record, Council) for c in listed)
            listed = [c for c in listed if not isinstance(c.record, Council)]
        new = sum(c.new for c in listed)
        changed = sum(c.action == "Update" for c in listed)
        unchanged = len(listed) - new - changed
        said = (
            f"{new:,} new {one if new == 1 else many}, {changed:,} updated, {unchanged:,} unchanged"
        )
        if organisations:
            s = "" if organisations == 1 else "s"
            said = f"{organisations:,} new organisation{s} outside the programme, " + said
        return said

    def listing(self, most: int) -> pd.DataFrame:
        """The changes as a table of at most `most` rows, changes first: a contract by council,
        reference and title, any other record by name; then "Import as" and "What changes"."""
        listed = sorted(self.changes, key=lambda c: c.action == "No change")[:most]
        return pd.DataFrame(map(_listed, listed))

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
    any_buyer: bool = False,
) -> FilePreview:
    """Read a file and say what importing it over `estate` (the estate as stored now) would
    write; EstateFileError when the file is unreadable. A contract whose buyer is not a
    council of the estate (an NHS trust in a Contracts Finder file, say) is listed as a
    problem and left out, unless `any_buyer` files it under `council`."""
    codes = {c.code for c in estate.councils}
    names = {" ".join(c.name.lower().split()): c.code for c in estate.councils}

    def council_for(name: str) -> str | None:  # case and spacing ignored
        return names.get(" ".join(name.lower().split())) or (name if name in codes else None)

    if filename.lower().endswith(".json"):
        found = read_ocds(
            data,
            council_code_for_buyer=council_for,
            council=council,
            tower=tower,
            estate=estate,
            any_buyer=any_buyer,
        )
        return _compared("ocds", found, estate, lambda record: 0)
    frame = read_table(data, filename)
    kind = detect_format(list(frame.columns))
    if kind in ESTATE_FILES:
        columns = propose_mapping(list(frame.columns), kind)
        keys = _row_of_key(frame, [columns.get(c) for c in ESTATE_KEYS[ESTATE_FILES[kind]]])
        found = preview_estate_table(frame, kind)
        return _compared(kind, found, estate, lambda record: keys.get(key_of(record), 0))
    chosen = mapping or propose_mapping(list(frame.columns))
    found = preview_contracts(
        frame,
        chosen,
        council=council,
        tower=tower,
        council_for=council_for,
        any_buyer=any_buyer,
        progress=progress,
        estate=estate,
    )
    references = _row_of_key(frame, [chosen.get("reference")])
    return _compared(
        kind,
        found,
        estate,
        lambda record: references.get(key_of(record)[-1:], 0),  # (council, reference)
        tuple(frame.columns),
        chosen,
    )


def _same_notice(
    name: str,
    record: Record,
    held: Record | None,
    by_notice: dict[tuple[str, str], Contract],
) -> tuple[str, Record, Record | None]:
    """A contract the estate holds under another reference but from the same published notice
    (the same award read from a Contracts Finder CSV and from OCDS) is that contract: it keeps
    its reference and takes the file's other fields."""
    if held is not None or not isinstance(record, Contract) or not record.notice:
        return name, record, held
    same = by_notice.get((record.council, record.notice))
    if same is None:
        return name, record, held
    return name, replace(record, reference=same.reference), same


def _compared(
    kind: str,
    found: ImportPreview,
    estate: Estate,
    row_of: Callable[[Record], int],
    columns: tuple[str, ...] = (),
    mapping: dict[str, str | None] | None = None,
) -> FilePreview:
    """The file's records against the stored ones: a stored record takes only the fields the
    file carries (`found.fields`), and must still meet every rule once it has. `row_of` gives
    the row a record is on (0 when not known)."""
    towers = {t.code: t.name for t in estate.towers}
    changes: list[RecordChange] = []
    problems = list(found.problems)
    written: dict[str, list[Any]] = {}
    seen: list[tuple[str, Record, Record | None]] = []  # (kind, file's record, as held)
    for name in ("councils", "lots", "contracts", "systems", "dependencies"):  # no towers
        stored = {key_of(r): r for r in getattr(estate, name)}
        written[name] = []
        seen += [(name, record, stored.get(key_of(record))) for record in getattr(found, name)]
    by_notice = {(c.council, c.notice): c for c in estate.contracts if c.notice}
    seen = [_same_notice(name, record, old, by_notice) for name, record, old in seen]
    merged_of: dict[int, Record] = {
        i: updated(record, old, found.fields)  # type: ignore[type-var]  # same kind, held and new
        for i, (_, record, old) in enumerate(seen)
        if old
    }
    # A dependency held is not checked again: every field of one but its lag identifies it, so
    # taking the stored lag (which met the rules) breaks none, nor closes a cycle; storage
    # checks the file's own lags, and cycles, as it saves.
    checked = [i for i, merged in merged_of.items() if not isinstance(merged, Dependency)]
    found_problems = validation.problems([merged_of[i] for i in checked], estate, cycles=False)
    broken_of = dict(zip(checked, found_problems, strict=True))
    # a new record meets the same rules against the estate it would join (the file's own new
    # records included), so a preview without problems saves; cycles are storage's to find
    joined = Estate(
        **{
            kind: (*getattr(estate, kind), *(r for n, r, old in seen if n == kind and not old))
            for kind in ("councils", "lots", "contracts", "systems")
        },
        towers=estate.towers,
        dependencies=estate.dependencies,
    )
    new = [i for i, (_, _, old) in enumerate(seen) if old is None]
    new_problems = validation.problems([seen[i][1] for i in new], joined, cycles=False)
    broken_of |= dict(zip(new, new_problems, strict=True))
    for i, (name, record, old) in enumerate(seen):
        if old is None:
            if broken_of.get(i):
                problems.extend(
                    RowProblem(row_of(record), _label(type(record), f), f"{_short(record)}: {w}")
                    for f, w in broken_of[i].items()
                )
                continue
            changes.append(_change(record, new=True))
            written[name].append(record)
            continue
        merged = merged_of[i]
        broken = broken_of.get(i, {})
        for field_name, words in broken.items():
            if field_name not in found.fields:
                shown = _shown(merged, field_name, towers)
                stays = f"the stored {shown} stays" if shown else "it stays empty"
                words += f" (the file does not give it, so {stays})"
            label = _label(type(merged), field_name)
            problems.append(RowProblem(row_of(record), label, f"{_short(merged)}: {words}"))
        if not broken:
            said = tuple(
                f"{_label(type(old), f.name)}: {_shown(old, f.name, towers) or 'not set'} → "
                f"{_shown(merged, f.name, towers) or 'not set'}"
                for f in fields(old)
                if getattr(old, f.name) != getattr(merged, f.name)
            )
            changes.append(_change(merged, new=False, changes=said))
            written[name].append(merged)
    result = replace(
        found,
        councils=tuple(written["councils"]),
        lots=tuple(written["lots"]),
        contracts=tuple(written["contracts"]),
        systems=tuple(written["systems"]),
        dependencies=tuple(written["dependencies"]),
        problems=tuple(sorted(problems, key=lambda p: p.row)),
    )
    return FilePreview(kind, result, tuple(changes), columns, mapping or {})


def _listed(change: RecordChange) -> dict[str, str]:
    """One line of the preview's table (see FilePreview.listing)."""
    record = change.record
    if isinstance(record, Contract):
        shown = {"Council": record.council, "Reference": record.reference, "Title": record.title}
    else:
        shown = {"Record": change.name}
    return {**shown, "Import as": change.action, "What changes": "; ".join(change.changes)}


def _change(record: Record, *, new: bool, changes: tuple[str, ...] = ()) -> RecordChange:
    if isinstance(record, Contract):
        return ContractChange(record, new, changes)
    return RecordChange(record, new, changes)


def _named(record: Record) -> str:
    """A record in words, as lists name it: "WCC-PK-014 (WCC)", "Desktop (WCC)"."""
    if isinstance(record, Contract):
        return f"{record.reference} ({record.council})"
    if isinstance(record, Tower):
        return record.name or record.code
    return title_of(record)


def _short(record: Record) -> str:
    """A record in words on a row of its file: a contract by its reference alone."""
    return record.reference if isinstance(record, Contract) else _named(record)


def _label(kind: type, name: str) -> str:
    """A field as the editing form names it, without the unit: "Annual value"."""
    spec = SPECS.get(kind, {}).get(name)
    return spec.label.removesuffix(" (£)").removesuffix(" (%)") if spec else name


def _shown(record: Record, name: str, towers: dict[str, str]) -> str:
    """A field's value for people: dates as 31 Mar 2027, money as £1,250,000, a share as 30%,
    a tower by its name, a state or charge basis in words."""
    value = getattr(record, name)
    if value is None or value == "":
        return ""
    spec = SPECS.get(type(record), {}).get(name)
    kind = spec.input if spec else "text"
    if kind == "date":
        return uk_date(value)
    if spec and spec.type == "share":
        number = f"{value:f}"
        return (number.rstrip("0").rstrip(".") if "." in number else number) + "%"
    if kind == "money":
        return money(value)
    if name == "tower":
        return towers.get(value, str(value))
    if name == "state" and isinstance(record, System):
        return STATE_LABELS.get(value, str(value))
    if name == "charge_basis":
        return CHARGE_BASIS_LABELS.get(value, str(value))
    return str(value)


def _row_of_key(frame: pd.DataFrame, columns: Sequence[str | None]) -> dict[tuple[str, ...], int]:
    """The row each record is on, as a spreadsheet numbers it, by the cells of the columns
    that identify it."""
    if not columns or not all(c and c in frame.columns for c in columns):
        return {}
    cells = zip(*(frame[c].tolist() for c in columns), strict=True)
    return {
        tuple(str(value).strip() for value in values): int(row)
        for row, values in zip(frame.index, cells, strict=True)
    }
