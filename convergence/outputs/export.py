"""Exports: the whole estate as an Excel workbook (one sheet per kind of record) and a
Transparency Code shaped contract register per council, each cell written as
convergence.spreadsheets says (never a formula; what Excel can hold)."""

from __future__ import annotations

import io
from decimal import Decimal

import pandas as pd

from convergence.records.estate import Estate
from convergence.records.estate_files import COLUMNS, estate_rows
from convergence.spreadsheets import csv_text, xlsx_cell


def estate_workbook(estate: Estate) -> bytes:
    """The estate as an .xlsx workbook: councils, towers, lots, contracts, systems,
    dependencies, one sheet each, with the estate-file columns."""
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, rows in estate_rows(estate).items():
            frame = pd.DataFrame(
                [[float(v) if isinstance(v, Decimal) else v for v in row] for row in rows],
                columns=list(COLUMNS[name]),
            )
            frame.map(xlsx_cell).to_excel(writer, sheet_name=name.removesuffix(".csv"), index=False)
    return out.getvalue()


def transparency_register(estate: Estate, council: str) -> pd.DataFrame:
    """A council's contracts in the shape of the Local Government Transparency Code 2015."""
    rows = []
    for c in sorted(
        (c for c in estate.contracts if c.council == council), key=lambda c: c.reference
    ):
        years = None
        if c.start and c.end:
            years = max((c.end - c.start).days / 365.25, 1.0)
        whole = float(c.annual_value) * years if c.annual_value is not None and years else None
        rows.append(
            {
                "Reference Number": c.reference,
                "Title of Agreement": c.title,
                "Department": c.department,
                "Supplier Name": c.supplier,
                "Value of Contract (£)": round(whole, 2) if whole is not None else None,
                "Estimated Annual Value (£)": float(c.annual_value) if c.annual_value else None,
                "Start Date": c.start.strftime("%d/%m/%Y") if c.start else "",
                "End Date": c.end.strftime("%d/%m/%Y") if c.end else "",
                "Maximum End Date": c.max_end.strftime("%d/%m/%Y") if c.max_end else "",
                "Review Date": c.review_date.strftime("%d/%m/%Y") if c.review_date else "",
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "Reference Number",
            "Title of Agreement",
            "Department",
            "Supplier Name",
            "Value of Contract (£)",
            "Estimated Annual Value (£)",
            "Start Date",
            "End Date",
            "Maximum End Date",
            "Review Date",
        ],
    )


def register_csv(estate: Estate, council: str) -> bytes:
    """The Transparency Code register as CSV (UTF-8 with a byte-order mark, for Excel)."""
    return csv_text(transparency_register(estate, council)).encode("utf-8-sig")
