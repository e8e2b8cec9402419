"""The estate as columns: each estate file read whole by pandas' C parser, each column parsed
at once, for the engine to compile without an object per record (see
convergence.planning.arrays.compile_columns). At national scale, reading the folder record by
record took 24 of the 25 seconds `convergence schedule --estate` spent.

Only a folder without problems is read this way. At the first thing the record reader
(convergence.records.estate_files) might refuse or read differently — a cell that does not
parse here, a missing column, an empty required cell — `read_estate_columns` returns None,
and the caller reads the folder record by record: every problem is then reported by the same
code, in the same words (file, row, column), so reading columns loses no check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from convergence.records.estate_files import YES_NO
from convergence.records.fields import KINDS, LARGEST_WHOLE, MOST_MONEY, TOWERS, Field, Kind
from convergence.spreadsheets import FORMULA_STARTS

NONE = -(10**9)  # as convergence.planning.arrays: no date, no number
EPOCH = np.datetime64("1970-01-01", "D")
EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()
WHOLE = r"[+-]?\d+"
AMOUNT = r"\d+(?:\.\d+)?"


@dataclass(frozen=True)
class EstateColumns:
    """One table per kind of record (by the Estate attribute: "systems" ...), one column per
    field (by the record's field name): texts as Python strings (None for a reference left
    empty), dates as day numbers (`date.toordinal`, NONE when empty), whole numbers as int64
    (NONE when empty), amounts as float64 (nan when empty)."""

    tables: dict[str, pd.DataFrame]

    def __getitem__(self, kind: str) -> pd.DataFrame:
        return self.tables[kind]


def read_estate_columns(folder: Path | str) -> EstateColumns | None:
    """The estate folder as columns, or None when the record reader must read it instead."""
    folder = Path(folder)
    if not folder.is_dir() or not any((folder / k.file).exists() for k in KINDS):
        return None
    tables: dict[str, pd.DataFrame] = {}
    for kind in KINDS:
        table = _read_table(folder / kind.file, kind)
        if table is None:
            return None
        tables[kind.plural] = table
    if tables["towers"].empty:
        used = pd.concat([tables[k]["tower"] for k in ("lots", "contracts", "systems")])
        codes = sorted(set(used))
        names = [code.replace("_", " ").capitalize() for code in codes]
        tables["towers"] = pd.DataFrame({"code": codes, "name": names}, dtype=object)
    return EstateColumns(tables)


def _read_table(path: Path, kind: Kind) -> pd.DataFrame | None:
    if not path.exists():
        return pd.DataFrame({f.name: pd.Series([], dtype=object) for f in kind.fields})
    try:
        raw = pd.read_csv(
            path,
            dtype="string[pyarrow]",  # texts in Arrow: each column's text work runs in C
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8-sig",
        )
    except (ValueError, UnicodeDecodeError, OSError):  # pandas' ParserError is a ValueError
        return None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    if not raw.columns.is_unique or any(c not in raw.columns for c in kind.required_columns):
        return None
    cells = raw.fillna("").apply(lambda column: column.str.strip())
    cells = cells[(cells != "").any(axis=1)]  # a row of empty cells is no record
    table: dict[str, object] = {}
    for field in kind.fields:
        if field.file_column in cells.columns:
            text = _unguarded(cells[field.file_column])
        else:
            text = pd.Series("", index=cells.index, dtype="string[pyarrow]")
        if field.required and (text == "").any():
            return None
        values = _parsed(text, kind, field)
        if values is None:
            return None
        table[field.name] = values
    frame = pd.DataFrame(table, index=cells.index)
    if kind is TOWERS:
        frame["name"] = frame["name"].where(frame["name"] != "", frame["code"])
    return frame.reset_index(drop=True)


def _unguarded(text: pd.Series) -> pd.Series:
    """Take off the apostrophe writing puts before formula-like text."""
    guarded = text.str.startswith("'") & text.str[1:].str.startswith(FORMULA_STARTS)
    unguarded: pd.Series = text.where(~guarded, text.str[1:])
    return unguarded


def _parsed(text: pd.Series, kind: Kind, field: Field) -> npt.NDArray[Any] | None:
    """A column's values (see EstateColumns), or None when any cell needs the record reader."""
    empty = text == ""
    if field.type == "text":
        texts: npt.NDArray[Any] = text.where(~empty, None).to_numpy(dtype=object)
        # a reference left empty is none; other texts are empty
        return texts if kind.empty_value(field.name) is None else text.to_numpy(dtype=object)
    if field.type == "yes_no":
        answer = text.str.lower().map({**YES_NO, "": kind.empty_value(field.name)})
        return answer.to_numpy(dtype=bool) if answer.notna().all() else None
    if field.type == "choice":
        chosen = text.str.lower().str.replace(" ", "_").where(~empty, kind.empty_value(field.name))
        return chosen.to_numpy(dtype=object) if chosen.isin(field.values).all() else None
    if field.type == "date":
        days = pd.to_datetime(text.where(~empty, None), format="%Y-%m-%d", errors="coerce")
        if (days.isna() & ~empty).any() or not text[~empty].str.fullmatch(r"\d{4}-\d\d-\d\d").all():
            return None
        numbers = (days.to_numpy(dtype="datetime64[D]") - EPOCH).astype(np.int64)
        return np.where(empty.to_numpy(), NONE, numbers + EPOCH_ORDINAL)
    if field.type == "whole":
        digits = text.str.replace(",", "", regex=False)
        given = digits[~empty]
        if not given.str.fullmatch(WHOLE).all() or (given.str.len() > 10).any():
            return None  # not a whole number, or too large for one: the record reader says
        numbers = pd.to_numeric(digits.where(~empty, "0")).to_numpy(dtype=np.int64)
        if (np.abs(numbers) > LARGEST_WHOLE).any():
            return None
        default = kind.empty_value(field.name)
        return np.where(empty.to_numpy(), NONE if default is None else default, numbers)
    cleaned = text.str.replace("£", "", regex=False).str.replace(",", "", regex=False)
    if field.type == "share":
        cleaned = cleaned.str.replace("%", "", regex=False)
    cleaned = cleaned.str.strip()
    present = cleaned != ""
    given = cleaned[present]
    if not given.str.fullmatch(AMOUNT).all() or (given.str.len() > 20).any():
        return None  # a sign, an exponent, words, a huge number: the record reader decides
    amounts = pd.to_numeric(cleaned.where(present, "0")).to_numpy(dtype=np.float64)
    amounts[~present.to_numpy()] = np.nan
    given = amounts[present.to_numpy()]
    too_large = given > 100 if field.type == "share" else given >= float(MOST_MONEY)
    if too_large.any():
        return None
    result: npt.NDArray[Any] = amounts
    return result


def programme_columns(columns: EstateColumns) -> EstateColumns:
    """`convergence.records.estate.programme` of an estate read as columns: without the
    organisations outside the programme and their contracts, systems and dependencies."""
    councils = columns["councils"]
    outside = set(councils["code"][~councils["in_programme"].to_numpy(dtype=bool)])
    if not outside:
        return columns
    tables = dict(columns.tables)
    deps = tables["dependencies"]
    kept = {
        "councils": ~councils["code"].isin(outside),
        "contracts": ~tables["contracts"]["council"].isin(outside),
        "systems": ~tables["systems"]["council"].isin(outside),
        "dependencies": ~(deps["council"].isin(outside) | deps["needs_council"].isin(outside)),
    }
    for kind, rows in kept.items():
        tables[kind] = tables[kind][rows.to_numpy(dtype=bool)].reset_index(drop=True)
    return EstateColumns(tables)
