"""Estate files: a folder of CSV files that IT managers can keep in a spreadsheet.

One file per kind of record (see README, "Estate files"). Dates are ISO (YYYY-MM-DD), money is
in pounds without symbols, empty cells mean "not known". Extra columns are allowed and ignored.
Reading checks each cell and reports the file, row and column of the first bad value;
cross-references (an unknown contract, say) are checked by the engine and by storage.
Writing is canonical (fixed column order, rows sorted by their keys), so writing what was read
reproduces a canonical folder byte for byte.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from convergence.errors import EstateFileError
from convergence.records.estate import Estate, Record, Tower
from convergence.records.fields import (
    KIND_OF_FILE,
    KINDS,
    LARGEST_WHOLE,
    MOST_MONEY,
    TOWERS,
    Field,
    Kind,
)
from convergence.spreadsheets import unguard, write_csv

# each file's columns, in order, and those that must be filled (see convergence.records.fields)
COLUMNS: dict[str, tuple[str, ...]] = {k.file: k.columns for k in KINDS}
REQUIRED: dict[str, tuple[str, ...]] = {k.file: k.required_columns for k in KINDS}


def carried_fields(name: str, headers: Iterable[str]) -> tuple[str, ...]:
    """The fields of its records that estate file `name` carries, given its headers: a record
    the estate already holds keeps its own value for every other field (a column the file does
    not have is not "empty" in every row).

    >>> carried_fields("systems.csv", ["Council", "System", "Tower", "state"])
    ('council', 'name', 'tower', 'state')
    """
    present = {str(h).strip().lower() for h in headers}
    return tuple(f.name for f in KIND_OF_FILE[name].fields if f.file_column in present)


# --- cell parsers: text in, value out, ValueError with a message in words ------------------


def parse_date(text: str) -> date | None:
    """An ISO date (YYYY-MM-DD), or None for an empty cell."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date in the form YYYY-MM-DD") from None


def parse_int(text: str) -> int | None:
    """A whole number, or None for an empty cell."""
    if not text:
        return None
    try:
        number = int(text.replace(",", ""))
    except ValueError:
        raise ValueError(f"'{text[:40]}' is not a whole number") from None
    if abs(number) > LARGEST_WHOLE:
        raise ValueError(f"'{text[:40]}' is too large a number (at most {LARGEST_WHOLE:,})")
    return number


def parse_money(text: str) -> Decimal | None:
    """An amount in pounds ('1250000', '£1,250,000.50'), or None for an empty cell."""
    cleaned = text.replace("£", "").replace(",", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not an amount in pounds") from None
    if not value.is_finite():
        raise ValueError(f"'{text[:40]}' is not an amount in pounds")
    if abs(value) >= MOST_MONEY:
        raise ValueError(f"'{text[:40]}' is not below £{MOST_MONEY:,.0f}")
    return value


def parse_share(text: str) -> Decimal | None:
    """A percentage ('25', '25%', '33.3'), or None for an empty cell."""
    cleaned = text.replace("%", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a percentage") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValueError(f"'{text}' is not a percentage between 0 and 100")
    return value


YES_NO = {"": False, "no": False, "n": False, "false": False, "0": False,
          "yes": True, "y": True, "true": True, "1": True}  # fmt: skip


def parse_yes_no(text: str) -> bool:
    """`yes` or `no` (also y/n, true/false, 1/0); an empty cell is no."""
    answer = YES_NO.get(text.strip().lower())
    if answer is None:
        raise ValueError(f"'{text[:40]}' is not yes or no")
    return answer


def parse_choice(choices: tuple[str, ...], default: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower().replace(" ", "_") or default
        if value not in choices:
            raise ValueError(f"'{text}' is not one of: {', '.join(choices)}")
        return value

    return parse


def parser_of(kind: Kind, field: Field) -> Callable[[str], Any]:
    """The cell parser of one field of an estate file."""
    if field.type == "choice":
        return parse_choice(field.values, kind.empty_value(field.name))
    if field.type == "yes_no":  # an empty cell is the field's default
        default = kind.empty_value(field.name)
        return lambda text: default if not text.strip() else parse_yes_no(text)
    return _PARSERS[field.type]


_PARSERS: dict[str, Callable[[str], Any]] = {
    "text": str,
    "date": parse_date,
    "whole": parse_int,
    "money": parse_money,
    "share": parse_share,
}


def record_from_cells(kind: Kind, cell: Callable[[str, Callable[[str], Any]], Any]) -> Record:
    """One record of an estate file; `cell(column, parser)` reads a checked cell. An empty
    cell means the field's empty value (see Kind.empty_value); a tower without a name is
    named by its code."""
    data: dict[str, Any] = {}
    for name, column, parse, empty in _reading(kind):
        value = cell(column, parse)
        data[name] = empty if value in ("", None) else value
    return _made(kind, data)


def _made(kind: Kind, data: dict[str, Any]) -> Record:
    """The record of `kind` holding the values read (a tower without a name named by its code)."""
    if kind is TOWERS and not data["name"]:
        data["name"] = data["code"]
    record: Record = kind.record(**data)
    return record


@cache
def _reading(kind: Kind) -> tuple[tuple[str, str, Callable[[str], Any], Any], ...]:
    """(field, column, parser, empty value) of each field of a kind's file."""
    return tuple(
        (f.name, f.file_column, parser_of(kind, f), kind.empty_value(f.name)) for f in kind.fields
    )


def format_cell(value: Any) -> str:
    """The canonical text of a value in an estate file (written through
    convergence.spreadsheets, which guards text a spreadsheet would run as a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- reading ----------------------------------------------------------------------------------


def _cells_by_line(path: Path, columns: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Rows of one CSV file as (line number, the cleaned cells of `columns` in their order,
    "" for a column the file lacks), checking the required headers; blank rows are skipped. A
    header given twice reads its last column."""
    required = REQUIRED[path.name]
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            headers = [h.strip().lower() for h in next(reader, [])]
            missing = [c for c in required if c not in headers]
            if missing:
                raise EstateFileError(f"{path.name}: missing column(s) {', '.join(missing)}")
            position = {h: i for i, h in enumerate(headers)}
            at = [position.get(c, len(headers)) for c in columns]  # past the headers: ""
            width = len(headers)
            for line, row in enumerate(reader, start=2):
                if len(row) != width:  # cells past the headers are not read; missing ones are ""
                    row = (row + [""] * width)[:width]
                text = "".join(row)
                if not text.strip():
                    continue
                row.append("")
                cells = [row[i].strip() for i in at]
                yield line, [unguard(c) for c in cells] if "'" in text else cells
    except UnicodeDecodeError:
        raise EstateFileError(f"{path.name}: not UTF-8 text; save it as CSV UTF-8") from None
    except csv.Error as exc:
        raise EstateFileError(f"{path.name}: not a readable CSV file ({exc})") from None


def _read(folder: Path, kind: Kind) -> tuple[Any, ...]:
    """Records of one file, each cell read by its field's parser (as `record_from_cells`, a
    row at a time)."""
    name = kind.file
    path = folder / name
    if not path.exists():
        return ()
    reading = _reading(kind)
    needed = [column in REQUIRED[name] for _, column, _, _ in reading]
    records = []
    for line, cells in _cells_by_line(path, [column for _, column, _, _ in reading]):
        data: dict[str, Any] = {}
        for (field, column, parse, empty), required, text in zip(
            reading, needed, cells, strict=True
        ):
            if not text and required:
                raise EstateFileError(f"{name}, row {line}, column {column}: must not be empty")
            try:
                value = text if parse is str else parse(text)
            except ValueError as exc:
                raise EstateFileError(f"{name}, row {line}, column {column}: {exc}") from None
            data[field] = empty if value in ("", None) else value
        records.append(_made(kind, data))
    return tuple(records)


def read_estate(folder: Path | str) -> Estate:
    """Read an estate folder; raise EstateFileError naming file, row and column on bad input.

    >>> read_estate("data/sample").councils[0].code
    'LBHF'
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise EstateFileError(f"{folder}: no such folder")
    if not any((folder / name).exists() for name in COLUMNS):
        raise EstateFileError(f"{folder}: no estate files found (expected {', '.join(COLUMNS)})")
    read = {kind.plural: _read(folder, kind) for kind in KINDS}
    if not read["towers"]:
        used = (*read["lots"], *read["contracts"], *read["systems"])
        codes = sorted({r.tower for r in used})
        read["towers"] = tuple(Tower(code, code.replace("_", " ").capitalize()) for code in codes)
    return Estate(**read)


def carried_in(folder: Path | str) -> dict[str, tuple[str, ...]]:
    """For each estate file in a folder that read_estate has read, the fields of its records
    it carries (see carried_fields). Towers read_estate makes up from the codes in use, when
    the folder has no towers.csv, carry only their code: their names are guesses."""
    folder = Path(folder)
    carried: dict[str, tuple[str, ...]] = {"towers.csv": ("code",)}
    for name in COLUMNS:
        path = folder / name
        if path.exists():
            with path.open(newline="", encoding="utf-8-sig") as handle:
                carried[name] = carried_fields(name, next(csv.reader(handle), []))
    return carried


# --- writing ----------------------------------------------------------------------------------


def estate_rows(estate: Estate) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of each estate file, in canonical order, as Python values."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for kind in KINDS:
        names = [f.name for f in kind.fields]
        order = itemgetter(*(names.index(name) for name in kind.order))
        table = [tuple(getattr(r, n) for n in names) for r in getattr(estate, kind.plural)]
        rows[kind.file] = sorted(table, key=order)
    return rows


def write_estate(estate: Estate, folder: Path | str) -> list[Path]:
    """Write the estate as canonical estate files into `folder`; return the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in estate_rows(estate).items():
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            write_csv(handle, COLUMNS[name], ([format_cell(v) for v in row] for row in rows))
        written.append(path)
    return written
