"""The roadmap as `convergence schedule` writes it: one row per system, as CSV, JSON or a
text table.

Built from the plan's columns with Arrow and numpy, without pandas (see
convergence.planning.engine.plan_columns), so the command starts at once and writes a
160,000-row roadmap in a fraction of a second. The columns may also come from a Roadmap's
`plans` (an estate read record by record).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from convergence.formatting import uk_dates

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


def roadmap_text(plans: Mapping[str, Any], file_format: FileFormat) -> str:
    """The roadmap report as the text of a CSV or JSON file, or a table for people (UK dates)."""
    table = roadmap_table(plans, uk_dates=file_format == "table")
    if file_format == "csv":
        from convergence.spreadsheets import csv_text

        return csv_text(table)  # yes/no as true/false, as JSON writes them
    if file_format == "json":
        return json.dumps(table.to_pylist(), indent=2, ensure_ascii=False) + "\n"
    import pandas as pd  # a table for people: pandas lays it out

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
    if isinstance(values, np.ma.MaskedArray):
        return pa.array(values.data, pa.int64(), mask=np.ma.getmaskarray(values))
    return pa.array(values, pa.int64(), from_pandas=True)
