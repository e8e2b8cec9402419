"""The estate as columns: each estate file read whole by Arrow's CSV reader and each column
parsed at once by Arrow's compute functions, for the engine to compile without an object per
record (see convergence.planning.arrays_from_columns). At national scale, reading the
folder record by record took 24 of the 25 seconds `convergence schedule --estate` spent, and
pandas' reader with its column methods 4.5 s; Arrow reads it in about a second (its reader and
compute functions run in C on every core, and texts stay in Arrow's buffers rather than
becoming 3 million Python strings).

Only a folder without problems is read this way. At the first thing the record reader
(convergence.records.estate_files) might refuse or read differently — a cell that does not
parse here, a missing column, an empty required cell — `read_estate_columns` returns None,
and the caller reads the folder record by record: every problem is then reported by the same
code, in the same words (file, row, column), so reading columns loses no check. A small
folder is read record by record from the start (see convergence.cli.SMALL_FOLDER_BYTES):
loading Arrow would take longer than reading it.
"""

from __future__ import annotations

import csv
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as arrow_csv

from convergence.records.estate_files import YES_NO
from convergence.records.fields import KINDS, LARGEST_WHOLE, MOST_MONEY, TOWERS, Field, Kind
from convergence.spreadsheets import FORMULA_START

NONE = -(10**9)  # as convergence.planning.arrays: no date, no number
EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()
WHOLE = r"^\d+$"  # after a sign is taken off
AMOUNT = r"^\d+(?:\.\d+)?$"
GUARDED = "^'" + FORMULA_START  # as writing guards formula-like text


@dataclass(frozen=True)
class EstateColumns:
    """One Arrow table per kind of record (by the Estate attribute: "systems" ...), one column
    per field (by the record's field name): texts as strings (missing for a reference left
    empty), dates as day numbers (`date.toordinal`, NONE when empty), whole numbers as int64
    (NONE when empty), amounts as float64 (nan when empty), yes/no as booleans.

    `positions` may give, for a reference ("systems.contract", "dependencies.system",
    "dependencies.needs_system"), each row's position in the table it names (-1 for none):
    its source, the database, has resolved it already and holds every key once, so the engine
    takes it as given rather than looking the names up (as `Links` for records)."""

    tables: dict[str, pa.Table]
    positions: dict[str, npt.NDArray[np.intp]] = dataclasses.field(default_factory=dict)

    def __getitem__(self, kind: str) -> pa.Table:
        return self.tables[kind]


def read_estate_columns(folder: Path | str) -> EstateColumns | None:
    """The estate folder as columns, or None when the record reader must read it instead."""
    folder = Path(folder)
    if not folder.is_dir() or not any((folder / k.file).exists() for k in KINDS):
        return None
    tables: dict[str, pa.Table] = {}
    for kind in KINDS:
        table = _read_table(folder / kind.file, kind)
        if table is None:
            return None
        tables[kind.plural] = table
    if not len(tables["towers"]):
        used = [tables[k]["tower"] for k in ("lots", "contracts", "systems")]
        codes = sorted(pc.unique(pa.chunked_array(used, pa.string())).to_pylist())
        names = [code.replace("_", " ").capitalize() for code in codes]
        tables["towers"] = pa.table({"code": codes, "name": names}, table_schema(TOWERS))
    return EstateColumns(tables)


def _read_table(path: Path, kind: Kind) -> pa.Table | None:
    if not path.exists():
        return table_schema(kind).empty_table()
    names = _header(path)
    if names is None or len(set(names)) < len(names):
        return None
    if any(c not in names for c in kind.required_columns):
        return None
    try:
        raw = arrow_csv.read_csv(
            path,
            read_options=arrow_csv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=arrow_csv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=_short_and_empty
            ),
            convert_options=arrow_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, OSError):  # a row of the wrong length, text not in UTF-8 ...
        return None
    cells = {name: pc.utf8_trim_whitespace(raw[name]) for name in names}
    given = [pc.not_equal(column, "") for column in cells.values()]
    if given:  # a row of empty cells is no record
        any_given = given[0]
        for column in given[1:]:
            any_given = pc.or_(any_given, column)
        if not _all(any_given):
            cells = {name: column.filter(any_given) for name, column in cells.items()}
    rows = len(raw) if not cells else len(next(iter(cells.values())))
    table: list[Any] = []
    for field in kind.fields:
        if field.file_column in cells:
            text = _unguarded(cells[field.file_column])
        else:
            text = pa.chunked_array([pa.array([""] * rows, pa.string())])
        empty = pc.equal(text, "")
        if field.required and _any(empty):
            return None
        try:
            values = _parsed(text, empty, kind, field)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a cell Arrow cannot parse
            return None
        if values is None:
            return None
        table.append(values)
    read = pa.table(table, schema=table_schema(kind))
    if kind is TOWERS:  # a tower without a name is called by its code
        named = pc.if_else(pc.equal(read["name"], ""), read["code"], read["name"])
        read = read.set_column(read.schema.get_field_index("name"), "name", named)
    return read


def _short_and_empty(row: arrow_csv.InvalidRow) -> str:
    """A row of the wrong length is skipped when it holds nothing ("" or ",,,"): as a row of
    empty cells, it is no record. Any other is left to the record reader."""
    return "skip" if not row.text.replace(",", "").strip() else "error"


_ARROW_TYPES = {"date": pa.int64(), "whole": pa.int64(), "money": pa.float64(),
                "share": pa.float64(), "yes_no": pa.bool_()}  # fmt: skip


def table_schema(kind: Kind) -> pa.Schema:
    """A kind of record's columns and their Arrow types (texts and choices as strings)."""
    return pa.schema([(f.name, _ARROW_TYPES.get(f.type, pa.string())) for f in kind.fields])


def _header(path: Path) -> list[str] | None:
    """The file's column names, trimmed and in lower case (None when it has none)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            header = next(csv.reader(file), None)
    except (UnicodeDecodeError, OSError, csv.Error):
        return None
    return None if not header else [name.strip().lower() for name in header]


def _unguarded(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Take off the apostrophe writing puts before formula-like text."""
    guarded = pc.match_substring_regex(text, GUARDED)
    if not _any(guarded):
        return text
    return pc.if_else(guarded, pc.utf8_slice_codeunits(text, 1), text)


def _all(flags: pa.ChunkedArray | pa.Array) -> bool:
    return bool(pc.all(flags, min_count=0).as_py())


def _any(flags: pa.ChunkedArray | pa.Array) -> bool:
    return bool(pc.any(flags, min_count=0).as_py())


def _parsed(
    text: pa.ChunkedArray, empty: pa.ChunkedArray, kind: Kind, field: Field
) -> npt.NDArray[Any] | pa.ChunkedArray | None:
    """A column's values (see EstateColumns), or None when any cell needs the record reader."""
    default = kind.empty_value(field.name)
    any_empty = _any(empty)
    if field.type == "text":
        # a reference left empty is none; other texts are empty
        if default is None and any_empty:
            return pc.if_else(empty, pa.scalar(None, pa.string()), text)
        return text
    if field.type == "yes_no":
        answers = {**YES_NO, "": default}
        words = [word for word, answer in answers.items() if answer is not None]
        where = pc.index_in(pc.utf8_lower(text), value_set=pa.array(words, pa.string()))
        if where.null_count:
            return None
        meaning = np.array([answers[word] for word in words], dtype=bool)
        picked: npt.NDArray[Any] = meaning[where.to_numpy()]
        return picked
    if field.type == "choice":
        if any_empty and default is None:
            return None
        chosen = pc.replace_substring(pc.utf8_lower(text), " ", "_")
        if any_empty:
            chosen = pc.if_else(empty, pa.scalar(default, pa.string()), chosen)
        if not _all(pc.is_in(chosen, value_set=pa.array(field.values, pa.string()))):
            return None
        return chosen
    given = pc.invert(empty)
    if field.type == "date":
        dates = pc.if_else(empty, pa.scalar(None, pa.string()), text)
        if not _all(pc.match_substring_regex(dates.filter(given), r"^\d{4}-\d\d-\d\d$")):
            return None
        days = pc.fill_null(pc.cast(pc.cast(dates, pa.date32()), pa.int32()), 0)
        numbers = days.to_numpy().astype(np.int64) + EPOCH_ORDINAL
        empty_at = empty.to_numpy()
        if (numbers[~empty_at] < 1).any():  # the year 0 is none of the calendar's
            return None
        whole: npt.NDArray[Any] = np.where(empty_at, NONE, numbers)
        return whole
    if field.type == "whole":
        digits = pc.replace_substring(text.filter(given), ",", "")
        unsigned = pc.replace_substring_regex(digits, r"^[+-]", "")
        if not _all(pc.match_substring_regex(unsigned, WHOLE)):
            return None
        if _any(pc.greater(pc.utf8_length(digits), 10)):
            return None  # too large for a whole number: the record reader says
        signs = pc.replace_substring_regex(digits, r"^\+", "")
        numbers = np.full(len(text), NONE if default is None else default, dtype=np.int64)
        given_at = given.to_numpy(zero_copy_only=False)
        numbers[given_at] = pc.cast(signs, pa.int64()).to_numpy(zero_copy_only=False)
        if (np.abs(numbers[given_at]) > LARGEST_WHOLE).any():
            return None
        return numbers
    cleaned = pc.replace_substring(pc.replace_substring(text, "£", ""), ",", "")
    if field.type == "share":
        cleaned = pc.replace_substring(cleaned, "%", "")
    cleaned = pc.utf8_trim_whitespace(cleaned)
    present = pc.not_equal(cleaned, "")
    amounts_given = cleaned.filter(present)
    if not _all(pc.match_substring_regex(amounts_given, AMOUNT)):
        return None  # a sign, an exponent, words, a huge number: the record reader decides
    if _any(pc.greater(pc.utf8_length(amounts_given), 20)):
        return None
    amounts = np.full(len(text), np.nan)
    present_at = present.to_numpy(zero_copy_only=False)
    amounts[present_at] = pc.cast(amounts_given, pa.float64()).to_numpy(zero_copy_only=False)
    too_large = (
        amounts[present_at] > 100
        if field.type == "share"
        else amounts[present_at] >= float(MOST_MONEY)
    )
    if too_large.any():
        return None
    return amounts


def programme_columns(columns: EstateColumns) -> EstateColumns:
    """`convergence.records.estate.programme` of an estate read as columns: without the
    organisations outside the programme and their contracts, systems and dependencies."""
    councils = columns["councils"]
    outside = pc.filter(councils["code"], pc.invert(councils["in_programme"])).combine_chunks()
    if not len(outside):
        return columns

    def inside(*named: tuple[str, str]) -> pa.ChunkedArray:
        """Rows whose every named council is in the programme."""
        found = [pc.is_in(columns[kind][column], value_set=outside) for kind, column in named]
        return pc.invert(found[0] if len(found) == 1 else pc.or_(*found))

    kept = {
        "councils": inside(("councils", "code")),
        "contracts": inside(("contracts", "council")),
        "systems": inside(("systems", "council")),
        "dependencies": inside(("dependencies", "council"), ("dependencies", "needs_council")),
    }
    # rows left out move the others: the references are looked up by name again
    return EstateColumns({**columns.tables, **{k: columns[k].filter(r) for k, r in kept.items()}})


def systems_of(columns: EstateColumns, council: str) -> int:
    """How many systems an estate read as columns records for a council or organisation."""
    return int(pc.sum(pc.equal(columns["systems"]["council"], council)).as_py() or 0)
