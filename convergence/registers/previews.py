"""Importing the contract registers councils already publish, and our own estate files.

    files.read_table(data, filename)       CSV or XLSX bytes -> a frame of text, one row per row
    columns.detect_format(columns)         "transparency", "contracts-finder", "estate-systems" ...
    columns.propose_mapping(columns, kind) {our field: their column, or None}
    (cells: the parsers of a register's dates, amounts, suppliers and towers)
    preview_contracts(frame, mapping, council=..., tower=...)    -> ImportPreview
    preview_estate_table(frame, kind)                            -> ImportPreview

OCDS 1.1 JSON is read by `convergence.registers.ocds.read_ocds` into the same ImportPreview.

The contract: nothing here writes anything, and the only exception raised is EstateFileError,
for a file that cannot be read at all (empty, binary, cut short, wrongly encoded, too large,
or built to exhaust memory), with the reason in words. A problem with one row is returned,
never raised, as RowProblem(row, column, problem), rows numbered as a spreadsheet shows them
(the header is row 1). A preview with any problem writes nothing unless the person importing
asks for the valid rows only: `ImportPreview.to_estate(valid_only=True)`.

Formats recognised by their headers:
- our estate files (contracts.csv, systems.csv, lots.csv, dependencies.csv, councils.csv);
- Local Government Transparency Code 2015 registers, whose column names vary from council to
  council ("Reference Number", "Contract Ref", "Title of Agreement", "Directorate" ...);
- the Contracts Finder CSV export (fixed headers, dd/mm/yyyy dates, a byte-order mark, several
  "[Name|Address|...]" suppliers in one cell, joined here with " / ").

Values: a register's annual value is taken as given; a whole-life value alone is spread over
the contract's term (months from start to the day after the end, at least one year), so
£10m over 1 April 2022 - 31 March 2027 is £2m a year. A value of 0 (frameworks) means no value.

Over 400 lines: the two previews, a register's rows and our estate files' rows, share
their row reader and checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from convergence.errors import EstateFileError
from convergence.records.estate import (
    Contract,
    Council,
    Dependency,
    Estate,
    Lot,
    System,
    Tower,
)
from convergence.records.estate_files import (
    COLUMNS,
    REQUIRED,
    carried_fields,
    record_from_cells,
)
from convergence.records.fields import KIND_OF_FILE
from convergence.records.validation import implausible, plausible_date, problems_of
from convergence.registers.cells import (
    LENGTHS,
    NO_VALUE,
    DateOrder,
    annual_from_whole_life,
    guess_tower,
    parse_pounds,
    parse_register_date,
    supplier_names,
    text_of,
)
from convergence.registers.columns import ESTATE_FILES, ESTATE_KEYS, FIELDS
from convergence.spreadsheets import unguard


@dataclass(frozen=True)
class RowProblem:
    """A problem with one row: the row as a spreadsheet numbers it (header = 1), the column
    (theirs when mapped, else our field), and the problem in words."""

    row: int
    column: str
    problem: str


@dataclass(frozen=True)
class ImportPreview:
    """What an import would write, and what stops the rest, before anything is written."""

    contracts: tuple[Contract, ...] = ()
    problems: tuple[RowProblem, ...] = ()
    rows: int = 0
    warnings: tuple[str, ...] = ()
    councils: tuple[Council, ...] = ()
    lots: tuple[Lot, ...] = ()
    systems: tuple[System, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    towers: tuple[Tower, ...] = ()  # only market data adds one: the tower "unknown"
    # the fields of its records the file carries (a file holds one kind of record); the rest
    # are defaults, so a caller updating a record it already holds keeps its own values for
    # them. A tower told from CPV codes or a title, or chosen for the file, is not carried:
    # only a tower column is.
    fields: tuple[str, ...] = ()

    @property
    def bad_rows(self) -> int:
        """How many rows have at least one problem."""
        return len({p.row for p in self.problems})

    def to_estate(self, *, valid_only: bool = False) -> Estate:
        """The records to write. All or nothing: with any problem this refuses, unless the
        person importing chose to import only the valid rows.

        >>> bad = ImportPreview(problems=(RowProblem(2, "End", "not a date"),))
        >>> bad.to_estate()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        convergence.errors.EstateFileError: 1 row has problems: nothing was imported ...
        >>> bad.to_estate(valid_only=True).contracts
        ()
        """
        if self.problems and not valid_only:
            rows = self.bad_rows
            raise EstateFileError(
                f"{rows:,} row{'s' if rows != 1 else ''} {'have' if rows != 1 else 'has'} "
                "problems: nothing was imported (or choose to import only the valid rows)"
            )
        return Estate(
            councils=self.councils,
            towers=self.towers,
            lots=self.lots,
            contracts=self.contracts,
            systems=self.systems,
            dependencies=self.dependencies,
        )


def _row_numbers(frame: pd.DataFrame) -> list[int]:
    if frame.index.name == "row":
        return [int(n) for n in frame.index]
    return list(range(2, len(frame) + 2))


def storage_problems(contract: Contract, estate: Estate | None) -> dict[str, str]:
    """{field: problem} for the rules storage applies to a contract before saving it
    (validation.problems), against `estate`; without one, only the rules that need
    no estate (its own council and tower are taken as known)."""
    if estate is None:
        estate = Estate(
            councils=(Council(contract.council, contract.council),),
            towers=(Tower(contract.tower, contract.tower),),
        )
    return problems_of(contract, estate)


def date_problems(
    dates: dict[str, date | None], column: Callable[[str], str]
) -> Iterator[tuple[str, str]]:
    """The date rules every contract keeps, as (column, problem) pairs: dates between 1990
    and 2100, the end after the start, the maximum end not before the end."""
    for field, value in dates.items():
        if value is not None and not plausible_date(value):
            yield column(field), implausible(value, lambda d: f"{d:%d/%m/%Y}")
    start, end, max_end = dates.get("start"), dates.get("end"), dates.get("max_end")
    if start and end and end <= start:
        yield column("end"), f"the end date {end:%d/%m/%Y} is not after the start {start:%d/%m/%Y}"
    if end and max_end and max_end < end:
        yield column("max_end"), f"the maximum end date {max_end:%d/%m/%Y} is before the end date"


# --- previewing a register --------------------------------------------------------------------


def preview_contracts(
    frame: pd.DataFrame,
    mapping: dict[str, str | None],
    *,
    council: str,
    tower: str | None = None,
    date_order: DateOrder = "dmy",
    towers: Iterable[str] | None = None,
    council_for: Callable[[str], str | None] | None = None,
    any_buyer: bool = False,
    progress: Callable[[float], None] | None = None,
    estate: Estate | None = None,
) -> ImportPreview:
    """Contracts from a register table, and every problem by row, column and words.

    `mapping` names, for each of our FIELDS, the column that holds it (see propose_mapping).
    Rules per row: a reference, unique in the file; dates readable (`date_order`), plausible
    (1990-2100), the end after the start, the maximum end not before the end; amounts readable
    and not negative; a tower. A row's tower is its tower column, else the tower of the contract
    `estate` holds under the same council and reference, else told from its CPV codes or title
    (when `towers` lists it), else `tower`; only a tower column counts as carried (see
    ImportPreview.fields). Its council is the importing `council` unless a council column
    names one that `council_for` knows; a row naming a buyer `council_for` does not know is a
    problem ("not a council of the estate: left out") unless `any_buyer` files it under
    `council`. Each contract also meets the rules storage applies
    (see `storage_problems`), against `estate` when given (whose towers are then the known
    ones), so a preview without problems saves.

    >>> frame = pd.DataFrame({"Ref": ["C-1"], "End": ["31/03/2027"]})
    >>> preview_contracts(frame, {"reference": "Ref", "end": "End"}, council="WCC",
    ...                   tower="desktop").contracts[0].end
    datetime.date(2027, 3, 31)
    """
    rows = len(frame)
    absent = [c for c in mapping.values() if c and c not in frame.columns]
    if absent or not mapping.get("reference"):
        column = absent[0] if absent else "reference"
        problem = "no such column in the file" if absent else "no column holds the reference"
        return ImportPreview(problems=(RowProblem(1, column, f"{problem}: choose one"),), rows=rows)
    if towers is None and estate is not None:
        towers = (t.code for t in estate.towers)
    known = set(towers) if towers is not None else None
    held = {(c.council, c.reference): c.tower for c in estate.contracts} if estate else {}
    register = _Register(
        mapping, council, tower, date_order, known, council_for, any_buyer, estate, held
    )
    used = {f: c for f, c in mapping.items() if c and f in FIELDS}
    cells = {f: [text_of(v) for v in frame[c].tolist()] for f, c in used.items()}
    numbers = _row_numbers(frame)
    overlong: dict[int, int] = frame.attrs.get("overlong_rows", {})
    on_rows: dict[str, list[int]] = {}
    for number, reference in zip(numbers, cells["reference"], strict=True):
        on_rows.setdefault(reference, []).append(number)
    contracts: list[Contract] = []
    found: list[RowProblem] = []
    for i, number in enumerate(numbers):
        if progress and i % 2_000 == 0:
            progress(i / rows)
        read = _RowReader({f: values[i] for f, values in cells.items()}, (), register.column)
        if number in overlong:
            words = f"{overlong[number]} cells where the header has {len(frame.columns)}"
            read.problem("(whole row)", f"{words}: a value may hold an unquoted comma")
        others = [n for n in on_rows[read.cells["reference"]] if n != number]
        contract = register.contract(read, others)
        if contract is None:
            found.extend(RowProblem(number, c, p) for c, p in read.problems)
        else:
            contracts.append(contract)
    if progress:
        progress(1.0)
    found.sort(key=lambda p: p.row)
    warnings = tuple(frame.attrs.get("warnings", ()))
    fields = {"council", "reference", *used} - {"whole_life_value", "cpv"}
    if "whole_life_value" in used:
        fields.add("annual_value")
    return ImportPreview(
        tuple(contracts), tuple(found), rows, warnings, fields=tuple(sorted(fields))
    )


class _RowReader:
    """One row's cells, read with a parser each; a bad or missing cell becomes a problem
    (column, words) instead of stopping the row."""

    def __init__(
        self, cells: dict[str, str], required: Iterable[str], column: Callable[[str], str] = str
    ) -> None:
        self.cells, self.required, self.column = cells, set(required), column
        self.problems: list[tuple[str, str]] = []

    def __call__(self, name: str, parse: Callable[[str], Any] = str) -> Any:
        text = self.cells.get(name, "")
        if not text and name in self.required:
            self.problems.append((self.column(name), "must not be empty"))
            return None
        try:
            return parse(text)
        except ValueError as exc:
            self.problems.append((self.column(name), str(exc)))
            return None

    def problem(self, name: str, words: str) -> None:
        self.problems.append((self.column(name), words))


@dataclass(frozen=True)
class _Register:
    """What every row of one register shares: its columns and the importer's choices."""

    mapping: dict[str, str | None]
    council: str
    tower: str | None
    date_order: DateOrder
    towers: set[str] | None
    council_for: Callable[[str], str | None] | None
    any_buyer: bool
    estate: Estate | None
    # the tower of each contract the estate holds, by council and reference
    held: dict[tuple[str, str], str]

    def column(self, field: str) -> str:
        return self.mapping.get(field) or field

    def contract(self, read: _RowReader, others: list[int]) -> Contract | None:
        """The contract on one row, or None with the row's problems in `read`."""
        reference = read("reference")
        if not reference:
            read.problem("reference", "no contract reference")
        elif others:
            rows = ", ".join(str(n) for n in others)
            read.problem("reference", f"reference {reference} is also on row {rows}")
        dates: dict[str, date | None] = {
            f: read(f, lambda t: parse_register_date(t, self.date_order))
            for f in ("start", "end", "max_end", "review_date")
        }
        read.problems.extend(date_problems(dates, self.column))
        annual = read("annual_value", parse_pounds)
        whole = read("whole_life_value", parse_pounds)
        if annual is None:
            annual = annual_from_whole_life(whole, dates["start"], dates["end"])
        named = read("council")
        found = self.council_for(named) if self.council_for and named else None
        if named and self.council_for and found is None and not self.any_buyer:
            read.problem("council", f"buyer '{named}' is not a council of the estate: left out")
        council = found or self.council
        # a contract the estate holds keeps its tower unless the row names one: a guess from
        # CPV codes or the title, or the tower chosen for the file, never replaces it
        named_tower = read("tower").lower().replace(" ", "_")
        guessed = guess_tower(read("title"), read("cpv"))
        if guessed and self.towers is not None and guessed not in self.towers:
            guessed = None
        tower = named_tower or self.held.get((council, reference)) or guessed or self.tower
        if not tower:
            read.problem("tower", "tower not known: choose one for the file")
        elif named_tower and self.towers is not None and named_tower not in self.towers:
            read.problem("tower", f"tower '{named_tower}' is not in the estate")
        if not council:
            read.problem("council", "council not known: choose one for the file")
        supplier = read("supplier")
        texts = {
            "reference": reference,
            "title": read("title"),
            "supplier": supplier_names(supplier) if "[" in supplier else supplier,
            "department": read("department"),
            "council": council,
            "notice": read("notice"),
        }
        for field, text in texts.items():
            if len(text) > LENGTHS[field]:
                read.problem(field, f"longer than {LENGTHS[field]} characters")
        notice_months = read("notice_months", _parse_months)
        if read.problems or not tower:
            return None
        contract = Contract(
            council=council,
            reference=reference,
            title=texts["title"],
            supplier=texts["supplier"],
            tower=tower,
            department=texts["department"],
            start=dates["start"],
            end=dates["end"],
            max_end=dates["max_end"],
            notice_months=notice_months,
            annual_value=annual,
            review_date=dates["review_date"],
            notice=texts["notice"],
        )
        for field, words in storage_problems(contract, self.estate).items():
            read.problem(field, words)
        return None if read.problems else contract


def _parse_months(text: str) -> int | None:
    """A notice period in months: "6", "6 months"."""
    if not text or text.lower() in NO_VALUE:
        return None
    found = re.fullmatch(r"(\d{1,3})\s*(months?)?", text.strip().lower())
    if not found:
        raise ValueError(f"'{text[:40]}' is not a number of months")
    return int(found[1])


# --- previewing our own estate files -------------------------------------------------------


def preview_estate_table(frame: pd.DataFrame, kind: str) -> ImportPreview:
    """Records from one of our estate files read as a table (`kind` as detect_format names
    it), checked cell by cell as `convergence.records.estate_files` checks them, plus the date rules
    of preview_contracts and unique keys; every problem by row and column."""
    if kind not in ESTATE_FILES:
        raise EstateFileError(f"'{kind}' is not one of our estate files")
    file = ESTATE_FILES[kind]
    columns = {str(c).strip().lower(): c for c in frame.columns}
    missing = [c for c in REQUIRED[file] if c not in columns]
    if missing:
        header = tuple(RowProblem(1, c, "this column is missing") for c in missing)
        return ImportPreview(problems=header, rows=len(frame))
    present = [name for name in COLUMNS[file] if name in columns]
    cells = {n: [unguard(text_of(v)) for v in frame[columns[n]].tolist()] for n in present}
    records: list[Any] = []
    found: list[RowProblem] = []
    first_row: dict[tuple[str, ...], int] = {}
    for i, number in enumerate(_row_numbers(frame)):
        read = _RowReader({n: values[i] for n, values in cells.items()}, REQUIRED[file])
        if number in frame.attrs.get("overlong_rows", {}):
            read.problem("(whole row)", "more cells than the header: a value may hold a comma")
        record = record_from_cells(KIND_OF_FILE[file], read)
        if isinstance(record, Contract):
            dates = {"start": record.start, "end": record.end, "max_end": record.max_end}
            read.problems.extend(date_problems(dates, str))
        key = tuple(read.cells.get(k, "") for k in ESTATE_KEYS[file])
        if key in first_row and all(key):
            words = f"the same record is also on row {first_row[key]}"
            read.problem(ESTATE_KEYS[file][-1], words)
        first_row.setdefault(key, number)
        if read.problems:
            found.extend(RowProblem(number, c, p) for c, p in read.problems)
        else:
            records.append(record)
    return ImportPreview(
        contracts=tuple(r for r in records if isinstance(r, Contract)),
        problems=tuple(found),
        rows=len(frame),
        warnings=tuple(frame.attrs.get("warnings", ())),
        councils=tuple(r for r in records if isinstance(r, Council)),
        lots=tuple(r for r in records if isinstance(r, Lot)),
        systems=tuple(r for r in records if isinstance(r, System)),
        dependencies=tuple(r for r in records if isinstance(r, Dependency)),
        fields=carried_fields(file, present),
    )
