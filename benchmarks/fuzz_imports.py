"""Fuzz every importer with 10,000 files each and print how long it took: registers and
estate CSVs, OCDS JSON, and raw bytes as CSV, XLSX and JSON. A case that breaks the rule of
tests/test_fuzz_imports.py (refused in words, or every record written meets every rule)
stops the run with the file that broke it.

    python -m benchmarks.fuzz_imports [--cases 10000]
"""

from __future__ import annotations

import argparse
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz_files import csv_files, ocds_files, raw_bytes
from tests.test_fuzz_imports import imports_or_refuses

IMPORTERS: list[tuple[str, st.SearchStrategy[bytes], str]] = [
    ("register / estate CSV", csv_files(), "register.csv"),
    ("OCDS JSON", ocds_files(), "package.json"),
    ("raw bytes as CSV", raw_bytes, "register.csv"),
    ("raw bytes as XLSX", raw_bytes, "register.xlsx"),
    ("raw bytes as JSON", raw_bytes, "package.json"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    cases = parser.parse_args().cases
    print(f"{'importer':<24} {'cases':>7} {'seconds':>8}")
    for label, files, name in IMPORTERS:
        count = 0
        checked = name

        @settings(
            max_examples=cases,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(files)
        def run(data: bytes) -> None:
            nonlocal count
            count += 1
            imports_or_refuses(data, checked)  # noqa: B023  (run is called at once, below)

        started = time.perf_counter()
        run()
        print(f"{label:<24} {count:>7,} {time.perf_counter() - started:>8.1f}")


if __name__ == "__main__":
    main()
