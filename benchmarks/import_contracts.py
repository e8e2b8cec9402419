"""Benchmark: reading and previewing a large Transparency Code register, all in memory.

    python -m benchmarks.import_contracts [--rows 50000] [--runs 3] [--xlsx] [--ocds]

Builds a register with `--rows` contracts (seeded, so every run reads the same file), with
a council's own column names, £ amounts, dd/mm/yyyy dates and one bad row in a thousand, then
times read_table, detect_format + propose_mapping and preview_contracts. `--xlsx` times the
same register as a workbook, `--ocds` as an OCDS release package. Prints the median of the
runs; nothing here is a pass/fail test (the issue asks for 50,000 rows in under 30 s).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

from openpyxl import Workbook

from convergence.registers.columns import detect_format, propose_mapping
from convergence.registers.files import read_table
from convergence.registers.ocds import read_ocds
from convergence.registers.previews import preview_contracts

HEADER = [
    "Contract Reference",
    "Title of Agreement",
    "Directorate",
    "Description of Goods",
    "Supplier Name",
    "Supplier Companies House Number",
    "SME",
    "VCSE",
    "Value of Contract",
    "Irrecoverable VAT",
    "Start Date",
    "End Date",
    "Review Date",
    "Invitation to Quote or Tender",
]
TITLES = ("Desktop managed service", "Hosting", "IT service desk", "Parking system", "Catering")
TOWERS = {"desktop", "data_centre", "service_desk", "identity", "network", "line_of_business"}


def register_rows(rows: int) -> list[list[str]]:
    rand = random.Random(42)
    body = []
    for n in range(rows):
        start = date(2018, 1, 1) + timedelta(days=rand.randrange(3_000))
        end = start + timedelta(days=rand.randrange(365, 3_650))
        bad = n % 1_000 == 999
        body.append(
            [
                f"WCC-{n:06d}",
                rand.choice(TITLES),
                rand.choice(("Digital & IT", "City Management", "Resources")),
                "Goods and services",
                f"Supplier {rand.randrange(2_000)} Ltd",
                f"{rand.randrange(10**7):08d}",
                rand.choice(("Yes", "No")),
                "No",
                f"£{rand.randrange(5_000, 20_000_000):,}",
                "0",
                "31/02/2020" if bad else start.strftime("%d/%m/%Y"),
                end.strftime("%d/%m/%Y"),
                "",
                rand.choice(("Tender", "Quote")),
            ]
        )
    return body


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([HEADER, *rows])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def as_xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_ocds(rows: list[list[str]]) -> bytes:
    def iso(text: str) -> str:
        day, month, year = text.split("/")
        return f"{year}-{month}-{day}T00:00:00Z"

    releases = [
        {
            "ocid": f"ocds-b5fd17-{n}",
            "date": "2024-01-01T00:00:00Z",
            "buyer": {"name": "Westminster City Council"},
            "awards": [
                {
                    "id": row[0],
                    "title": row[1],
                    "suppliers": [{"name": row[4]}],
                    "value": {"amount": int(row[8].strip("£").replace(",", "")), "currency": "GBP"},
                    "contractPeriod": {"startDate": iso(row[10]), "endDate": iso(row[11])},
                }
            ],
        }
        for n, row in enumerate(rows)
    ]
    return json.dumps({"version": "1.1", "releases": releases}).encode()


def median_seconds(step: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def time_register(label: str, name: str, data: bytes, rows: int, runs: int) -> None:
    frame = read_table(data, name)
    kind = detect_format(list(frame.columns))
    mapping = propose_mapping(list(frame.columns), kind)
    preview = preview_contracts(frame, mapping, council="WCC", tower="desktop", towers=TOWERS)
    read = median_seconds(lambda: read_table(data, name), runs)
    mapped = median_seconds(lambda: propose_mapping(list(frame.columns)), runs)
    checked = median_seconds(
        lambda: preview_contracts(frame, mapping, council="WCC", tower="desktop"), runs
    )
    print(
        f"{label}, {rows:,} rows ({len(data) / 2**20:.1f} MB, {kind}): "
        f"read_table {read:.2f} s, mapping {mapped * 1000:.1f} ms, "
        f"preview_contracts {checked:.2f} s, total {read + mapped + checked:.2f} s; "
        f"{len(preview.contracts):,} contracts ready, {preview.bad_rows:,} rows with problems"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--xlsx", action="store_true", help="also time the register as XLSX")
    parser.add_argument("--ocds", action="store_true", help="also time it as OCDS JSON")
    args = parser.parse_args()
    rows = register_rows(args.rows)
    files = {"CSV": ("register.csv", as_csv(rows))}
    if args.xlsx:
        files["XLSX"] = ("register.xlsx", as_xlsx(rows))
    for label, (name, data) in files.items():
        time_register(label, name, data, args.rows, args.runs)
    if args.ocds:
        data = as_ocds(rows)
        preview = read_ocds(data, council="WCC", tower="desktop", towers=TOWERS)
        seconds = median_seconds(lambda: read_ocds(data, council="WCC", tower="desktop"), args.runs)
        print(
            f"OCDS, {args.rows:,} releases ({len(data) / 2**20:.1f} MB): "
            f"read_ocds {seconds:.2f} s; "
            f"{len(preview.contracts):,} contracts ready, {preview.bad_rows:,} with problems"
        )


if __name__ == "__main__":
    main()
