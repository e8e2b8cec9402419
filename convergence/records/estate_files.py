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
from pathlib import Path
from typing import Any

from convergence.errors import EstateFileError
from convergence.records.estate import (
    CHARGE_BASES,
    RENEWAL_TYPES,
    SYSTEM_STATES,
    Contract,
    Council,
    Dependency,
    Estate,
    Lot,
    System,
    Tower,
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "councils.csv": ("code", "name", "share"),
    "towers.csv": ("code", "name"),
    "lots.csv": (
        "lot",
        "tower",
        "supplier",
        "calloffs_open",
        "framework_expiry",
        "max_calloff_months",
        "charge_basis",
        "annual_charge",
    ),
    "contracts.csv": (
        "council",
        "reference",
        "title",
        "supplier",
        "tower",
        "department",
        "start",
        "end",
        "max_end",
        "renewal",
        "renewal_months",
        "notice_months",
        "notice_served",
        "termination_notice_days",
        "termination_fee",
        "annual_value",
        "review_date",
    ),
    "systems.csv": (
        "council",
        "system",
        "tower",
        "contract",
        "lot",
        "transition_days",
        "state",
        "cutover",
        "transition_cost",
    ),
    "dependencies.csv": ("council", "system", "needs_council", "needs_system", "lag_days"),
}

# the record field a column fills, where its name is not the column's
RENAMED: dict[str, dict[str, str]] = {
    "lots.csv": {"lot": "name"},
    "systems.csv": {"system": "name"},
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "councils.csv": ("code", "name"),
    "towers.csv": ("code",),
    "lots.csv": ("lot", "tower", "calloffs_open", "framework_expiry"),
    "contracts.csv": ("council", "reference", "tower"),
    "systems.csv": ("council", "system", "tower"),
    "dependencies.csv": ("council", "system", "needs_council", "needs_system"),
}


def carried_fields(name: str, headers: Iterable[str]) -> tuple[str, ...]:
    """The fields of its records that estate file `name` carries, given its headers: a record
    the estate already holds keeps its own value for every other field (a column the file does
    not have is not "empty" in every row).

    >>> carried_fields("systems.csv", ["Council", "System", "Tower", "state"])
    ('council', 'name', 'tower', 'state')
    """
    present = {str(h).strip().lower() for h in headers}
    renamed = RENAMED.get(name, {})
    return tuple(renamed.get(column, column) for column in COLUMNS[name] if column in present)


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
        return int(text.replace(",", ""))
    except ValueError:
        raise ValueError(f"'{text}' is not a whole number") from None


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
        raise ValueError(f"'{text}' is not an amount in pounds")
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


def parse_choice(choices: tuple[str, ...], default: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower().replace(" ", "_") or default
        if value not in choices:
            raise ValueError(f"'{text}' is not one of: {', '.join(choices)}")
        return value

    return parse


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def format_cell(value: Any) -> str:
    """The canonical text of a value in an estate file. Text a spreadsheet would run as a
    formula gets a leading apostrophe, which reading takes off again."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- reading ----------------------------------------------------------------------------------


def _unguard(text: str) -> str:
    """Undo the apostrophe that writing puts before formula-like text."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of one CSV file as (line number, cleaned cells), checking the required headers."""
    required = REQUIRED[path.name]
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            headers = [h.strip().lower() for h in (reader.fieldnames or [])]
            missing = [c for c in required if c not in headers]
            if missing:
                raise EstateFileError(f"{path.name}: missing column(s) {', '.join(missing)}")
            reader.fieldnames = headers
            for line, row in enumerate(reader, start=2):
                cells = {k: _unguard((v or "").strip()) for k, v in row.items() if k is not None}
                if any(cells.values()):
                    yield line, cells
    except UnicodeDecodeError:
        raise EstateFileError(f"{path.name}: not UTF-8 text; save it as CSV UTF-8") from None
    except csv.Error as exc:
        raise EstateFileError(f"{path.name}: not a readable CSV file ({exc})") from None


def _read(folder: Path, name: str, build: Callable[[Callable[..., Any]], Any]) -> tuple[Any, ...]:
    """Records of one file; `build(cell)` makes a record, `cell(column, parser)` reads a value."""
    path = folder / name
    if not path.exists():
        return ()
    records = []
    for line, cells in _rows(path):

        def cell(
            column: str,
            parse: Callable[[str], Any] = str,
            *,
            _c: dict[str, str] = cells,
            _line: int = line,
        ) -> Any:
            text = _c.get(column, "")
            if not text and column in REQUIRED[name]:
                raise EstateFileError(f"{name}, row {_line}, column {column}: must not be empty")
            try:
                return parse(text)
            except ValueError as exc:
                raise EstateFileError(f"{name}, row {_line}, column {column}: {exc}") from None

        records.append(build(cell))
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
    renewal = parse_choice(RENEWAL_TYPES, "none")
    state = parse_choice(SYSTEM_STATES, "legacy")
    basis = parse_choice(CHARGE_BASES, "per_council")

    councils = _read(
        folder,
        "councils.csv",
        lambda c: Council(c("code"), c("name"), share=c("share", parse_share)),
    )
    towers = _read(folder, "towers.csv", lambda c: Tower(c("code"), c("name") or c("code")))
    lots = _read(
        folder,
        "lots.csv",
        lambda c: Lot(
            name=c("lot"),
            tower=c("tower"),
            supplier=c("supplier"),
            calloffs_open=c("calloffs_open", parse_date),
            framework_expiry=c("framework_expiry", parse_date),
            max_calloff_months=c("max_calloff_months", parse_int),
            charge_basis=c("charge_basis", basis),
            annual_charge=c("annual_charge", parse_money),
        ),
    )
    contracts = _read(
        folder,
        "contracts.csv",
        lambda c: Contract(
            council=c("council"),
            reference=c("reference"),
            title=c("title"),
            supplier=c("supplier"),
            tower=c("tower"),
            department=c("department"),
            start=c("start", parse_date),
            end=c("end", parse_date),
            max_end=c("max_end", parse_date),
            renewal=c("renewal", renewal),
            renewal_months=c("renewal_months", parse_int),
            notice_months=c("notice_months", parse_int),
            notice_served=c("notice_served", parse_date),
            termination_notice_days=c("termination_notice_days", parse_int),
            termination_fee=c("termination_fee", parse_money),
            annual_value=c("annual_value", parse_money),
            review_date=c("review_date", parse_date),
        ),
    )
    systems = _read(
        folder,
        "systems.csv",
        lambda c: System(
            council=c("council"),
            name=c("system"),
            tower=c("tower"),
            contract=c("contract") or None,
            lot=c("lot") or None,
            transition_days=c("transition_days", parse_int) or 0,
            state=c("state", state),
            cutover=c("cutover", parse_date),
            transition_cost=c("transition_cost", parse_money),
        ),
    )
    dependencies = _read(
        folder,
        "dependencies.csv",
        lambda c: Dependency(
            council=c("council"),
            system=c("system"),
            needs_council=c("needs_council"),
            needs_system=c("needs_system"),
            lag_days=c("lag_days", parse_int) or 0,
        ),
    )
    if not towers:
        codes = sorted({r.tower for r in (*lots, *contracts, *systems)})
        towers = tuple(Tower(code, code.replace("_", " ").capitalize()) for code in codes)
    return Estate(councils, towers, lots, contracts, systems, dependencies)


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
    return {
        "councils.csv": sorted((c.code, c.name, c.share) for c in estate.councils),
        "towers.csv": sorted((t.code, t.name) for t in estate.towers),
        "lots.csv": sorted(
            (
                (
                    lot.name,
                    lot.tower,
                    lot.supplier,
                    lot.calloffs_open,
                    lot.framework_expiry,
                    lot.max_calloff_months,
                    lot.charge_basis,
                    lot.annual_charge,
                )
                for lot in estate.lots
            ),
            key=lambda r: (r[1], r[0]),
        ),
        "contracts.csv": sorted(
            (
                (
                    c.council,
                    c.reference,
                    c.title,
                    c.supplier,
                    c.tower,
                    c.department,
                    c.start,
                    c.end,
                    c.max_end,
                    c.renewal,
                    c.renewal_months,
                    c.notice_months,
                    c.notice_served,
                    c.termination_notice_days,
                    c.termination_fee,
                    c.annual_value,
                    c.review_date,
                )
                for c in estate.contracts
            ),
            key=lambda r: (r[0], r[1]),
        ),
        "systems.csv": sorted(
            (
                (
                    s.council,
                    s.name,
                    s.tower,
                    s.contract,
                    s.lot,
                    s.transition_days,
                    s.state,
                    s.cutover,
                    s.transition_cost,
                )
                for s in estate.systems
            ),
            key=lambda r: (r[0], r[1]),
        ),
        "dependencies.csv": sorted(
            (d.council, d.system, d.needs_council, d.needs_system, d.lag_days)
            for d in estate.dependencies
        ),
    }


def write_estate(estate: Estate, folder: Path | str) -> list[Path]:
    """Write the estate as canonical estate files into `folder`; return the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in estate_rows(estate).items():
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            quoted = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)
            writer.writerow(COLUMNS[name])
            for row in rows:
                cells = [format_cell(v) for v in row]
                # a carriage return is not a line end here, so the row is quoted in full
                (quoted if any("\r" in c for c in cells) else writer).writerow(cells)
        written.append(path)
    return written
