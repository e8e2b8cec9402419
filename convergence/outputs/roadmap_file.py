"""The roadmap as `convergence schedule` writes it: one row per system, as CSV, JSON or a
text table.

Built from the plan's columns (see convergence.planning.engine.plan_columns) without pandas,
so the command starts at once: a large roadmap's CSV by Arrow's writer (160,000 rows in a
fraction of a second), a small one's by Python's, with no Arrow loaded (the same text: see
convergence.spreadsheets.csv_text_of_columns); JSON from the columns as Python values.
`roadmap_table` also takes a Roadmap's `plans`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from convergence.formatting import uk_dates
from convergence.planning.engine import WholeNumbers

if TYPE_CHECKING:
    import pyarrow as pa

FileFormat = Literal["csv", "json", "table"]

# the report's columns, each from the plan's column of the same name (binding_rule from
# binding_kind)
COLUMNS = ("council", "successor", "system", "tower", "state", "start", "cutover",
           "binding_rule", "binding", "extension_days", "extension_covered", "notice_deadline",
           "calloff_in_window", "slack_council_days", "misses_vesting_day",
           "misses_hosting_end", "rag", "reasons")  # fmt: skip
DATES = ("start", "cutover", "notice_deadline")
WHOLE = ("extension_days", "slack_council_days")
YES_NO = ("extension_covered", "calloff_in_window", "misses_vesting_day", "misses_hosting_end")


def roadmap_table(plans: Mapping[str, Any], *, uk_dates: bool = False) -> pa.Table:
    """One row per system with the figures a roadmap report shows; ISO dates unless `uk_dates`.

    Columns: council, successor, system, tower, state, start, cutover, binding_rule (one word:
    contract, lot, planning_date, dependency, surviving_system; or converged, retained,
    surviving for systems not moving), binding (in words), extension_days, extension_covered,
    notice_deadline, calloff_in_window, slack_council_days, misses_vesting_day,
    misses_hosting_end, rag, reasons.
    """
    import pyarrow as pa

    columns = []
    for name in COLUMNS:
        values = plans["binding_kind" if name == "binding_rule" else name]
        if name in DATES:
            columns.append(pa.array(_written_dates(np.asarray(values), uk_dates), pa.string()))
        elif name in WHOLE:
            columns.append(_whole(values))
        elif name in YES_NO:
            columns.append(pa.array(np.asarray(values, dtype=bool)))
        else:
            columns.append(pa.array(np.asarray(values, dtype=object), pa.string()))
    return pa.table(columns, names=list(COLUMNS))


def roadmap_columns(plans: Mapping[str, Any]) -> dict[str, list[Any]]:
    """`roadmap_table`'s columns (ISO dates) as Python values, from the plan's numpy columns:
    texts, dates as text ("" for none), whole numbers (None where the plan has none) and
    yes/no as booleans."""
    columns: dict[str, list[Any]] = {}
    for name in COLUMNS:
        values = plans["binding_kind" if name == "binding_rule" else name]
        if name in DATES:
            columns[name] = _written_dates(np.asarray(values), uk=False)
        elif name in WHOLE:
            columns[name] = (
                values.tolist()  # None where missing
                if isinstance(values, WholeNumbers)
                else np.asarray(values, dtype=np.int64).tolist()
            )
        elif name in YES_NO:
            columns[name] = np.asarray(values, dtype=bool).tolist()
        else:
            columns[name] = np.asarray(values, dtype=object).tolist()
    return columns


def roadmap_text(plans: Mapping[str, Any], file_format: FileFormat, *, arrow: bool = True) -> str:
    """The roadmap report as the text of a CSV or JSON file, or a table for people (UK dates),
    from the plan's numpy columns. A CSV file is written by Arrow's writer unless `arrow` is
    false (a small roadmap, planned without Arrow): then by Python's, to the same text."""
    if file_format == "json":
        columns = roadmap_columns(plans)
        rows = zip(*columns.values(), strict=True)
        named = [dict(zip(columns, row, strict=True)) for row in rows]
        return json.dumps(named, indent=2, ensure_ascii=False) + "\n"
    if file_format == "csv":
        from convergence.spreadsheets import csv_text, csv_text_of_columns

        if not arrow:
            return csv_text_of_columns(roadmap_columns(plans))
        return csv_text(roadmap_table(plans))  # yes/no as true/false, as JSON writes them
    import pandas as pd  # a table for people: pandas lays it out
    import pyarrow as pa

    table = roadmap_table(plans, uk_dates=True)
    shown = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    return str(shown.to_string(index=False)) + "\n"


def _written_dates(values: np.ndarray[Any, Any], uk: bool) -> list[str]:
    """Each date as 2027-03-31 (or 31 Mar 2027, see formatting.uk_dates), empty for none."""
    days = values.astype("datetime64[D]")
    if uk:
        return uk_dates(days)
    written: list[str] = np.where(np.isnat(days), "", np.datetime_as_string(days)).tolist()
    return written


def _whole(values: Any) -> pa.Array:
    """A column of whole numbers, missing where the plan has none."""
    import pyarrow as pa

    if isinstance(values, WholeNumbers):
        return pa.array(values.values, pa.int64(), mask=values.missing)
    return pa.array(values, pa.int64(), from_pandas=True)
