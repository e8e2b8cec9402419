"""Benchmarks: print medians over several runs, with peak memory, at growing estate sizes.

    python -m benchmarks.run             # every size, up to national scale (several minutes)
    python -m benchmarks.run --smallest  # the sample and 1,500 systems only (CI runs this)

Figures are wall-clock medians on this machine; peak memory is the largest traced allocation
(Python and numpy) during one extra run. Nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import logging
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from convergence.planning.engine import dependency_graph, schedule, schedule_columns
from convergence.planning.partners import Market, every_partner, partners
from convergence.records.columns import EstateColumns
from convergence.records.estate import Capacity, Estate, Freeze, linked
from convergence.records.estate_files import read_estate, write_estate
from convergence.records.generate import generate_estate, generate_market, reorganised
from convergence.registers.importing import preview_file
from convergence.store import storage
from convergence.store.access import SYSTEM, Actor
from convergence.store.db import prepare_database
from tests.conftest import fresh_postgres_database
from tests.postgres_server import throwaway_postgres

TODAY = date(2026, 11, 22)
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
COUNTY = Path(__file__).resolve().parent.parent / "data" / "county"

# name, councils, systems per council, dependencies, runs
SIZES = [
    ("tri-borough sample", 0, 0, 0, 7),
    ("1,500 / 4,000", 3, 500, 4_000, 7),
    ("20,000 / 80,000", 40, 500, 80_000, 5),
    ("160,000 / 640,000", 320, 500, 640_000, 5),
]


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_mib(action: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def estate_for(councils: int, per_council: int, dependencies: int) -> Estate:
    if councils == 0:
        return read_estate(SAMPLE)
    return generate_estate(
        councils=councils, systems_per_council=per_council, dependencies=dependencies, seed=7
    )


def engine_rows(sizes: list[tuple[str, int, int, int, int]]) -> list[str]:
    rows = []
    for name, councils, per_council, dependencies, runs in sizes:
        estate = estate_for(councils, per_council, dependencies)
        # as the app schedules it: loaded from the database, references linked by position
        seconds = median_seconds(lambda e=estate: schedule(e, TODAY), runs)
        # as from estate files: every reference looked up by name (a copy carries no links)
        by_name = median_seconds(lambda e=estate: schedule(replace(e), TODAY), runs)
        graph = median_seconds(lambda e=estate: dependency_graph(e), max(runs // 2, 1))
        memory = peak_mib(lambda e=estate: schedule(e, TODAY))
        rows.append(
            f"| engine: build + schedule | {name} | {seconds * 1000:,.0f} ms | "
            f"{memory:,.0f} MiB | references looked up by name {by_name * 1000:,.0f} ms; "
            f"networkx graph alone {graph * 1000:,.0f} ms |"
        )
        print(rows[-1], flush=True)
    return rows


def command_rows(sizes: list[tuple[str, int, int, int, int]]) -> list[str]:
    """`convergence --help` and `convergence schedule --estate DIR --format csv`, each as a
    whole process (Python starting, imports, reading, scheduling, writing), with the largest
    memory the process held."""
    command = str(Path(sys.executable).parent / "convergence")
    bytecode_compiled()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        runs: list[tuple[str, str, list[str]]] = [("convergence --help", "—", ["--help"])]
        for name, councils, per_council, dependencies, _ in sizes:
            where = Path(folder) / f"estate-{councils}"
            write_estate(estate_for(councils, per_council, dependencies), where)
            schedule_args = ["schedule", "--estate", str(where), "--today", TODAY.isoformat()]
            out = ["--format", "csv", "--out", str(Path(folder) / "roadmap.csv")]
            runs.append(
                ("`convergence schedule --estate DIR --format csv`", name, schedule_args + out)
            )
        for what, name, args in runs:
            measured = [_whole_process([command, *args]) for _ in range(3)]
            times = [seconds for seconds, _ in measured]
            rows.append(
                f"| {what}, whole process | {name} | {statistics.median(times):.2f} s | "
                f"{max(peak for _, peak in measured):,.0f} MiB | min {min(times):.2f} s of 3 |"
            )
            print(rows[-1], flush=True)
    return rows


# run by a small Python of its own, so that the command's peak memory is the command's alone
_TIMED = """
import resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, capture_output=True)
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def bytecode_compiled() -> None:
    """The package's modules compiled to bytecode, as installing a package compiles them: a
    whole-process timing then measures the command, not Python compiling its source afresh on
    every run (as it does where PYTHONDONTWRITEBYTECODE is set and the package is installed
    editable, 0.03 s of a small schedule's 0.25 s)."""
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "convergence", quiet=1)


def _whole_process(command: list[str]) -> tuple[float, float]:
    """Seconds and peak memory (MiB) of one run of `command`."""
    timed = subprocess.run(
        [sys.executable, "-c", _TIMED, *command], check=True, capture_output=True
    )
    seconds, kib = timed.stdout.split()
    return float(seconds), int(kib) / 1024


def reorganisation_rows(sizes: list[tuple[str, int, int, int, int]]) -> list[str]:
    """The engine on reorganised estates: the county sample, and generated estates whose
    councils are grouped into successors (one per four councils), with surviving systems and
    a third of the rest consolidating onto them."""
    rows = []
    for name, councils, per_council, dependencies, runs in sizes:
        if councils == 0:
            name, estate = "county sample", read_estate(COUNTY)
        else:
            estate = reorganised(
                estate_for(councils, per_council, dependencies), max(councils // 4, 1)
            )
        targets = sum(s.target is not None for s in estate.systems)
        seconds = median_seconds(lambda e=estate: schedule(e, TODAY), runs)
        memory = peak_mib(lambda e=estate: schedule(e, TODAY))
        rows.append(
            f"| engine, reorganised: build + schedule | {name} | {seconds * 1000:,.0f} ms | "
            f"{memory:,.0f} MiB | {len(estate.successors)} successors, {targets:,} systems "
            "consolidating onto a surviving one |"
        )
        print(rows[-1], flush=True)
    return rows


def pack_rows(sizes: list[tuple[str, int, int, int, int]]) -> list[str]:
    """The board pack, from a scheduled plan to the file: working out what it shows and
    rendering its charts (the PDF's as vector drawings, the deck's as images)."""
    import io

    from pypdf import PdfReader

    from convergence.money.savings import savings
    from convergence.outputs.board_pack import board_pack_pdf, board_pack_pptx, pack_content

    rows = []
    for name, councils, per_council, dependencies, _ in sizes:
        if councils > 40:
            continue
        estate = estate_for(councils, per_council, dependencies)
        roadmap = schedule(estate, TODAY)
        content = partial(pack_content, roadmap, estate=estate, result=savings(estate, roadmap))
        pages = len(PdfReader(io.BytesIO(board_pack_pdf(content()))).pages)
        for kind, render, note in (
            ("PDF", board_pack_pdf, f"{pages} pages"),
            ("PowerPoint", board_pack_pptx, ""),
        ):
            seconds = median_seconds(lambda r=render, c=content: r(c()), 3)
            rows.append(f"| board pack ({kind}) | {name} | {seconds:,.1f} s | | {note} |")
            print(rows[-1], flush=True)
    return rows


def with_rules(estate: Estate, count: int) -> Estate:
    """`estate` with `count` capacity rules — half a migration team of 3 for one council,
    half a national team per tower (one at once per council) — and two freeze windows: the
    year end for everyone, annual billing for the last tower."""
    towers = [t.code for t in estate.towers]
    codes = [c.code for c in estate.councils]
    rules = tuple(
        Capacity(
            f"{codes[k % len(codes)]} migration team", council=codes[k % len(codes)], at_once=3
        )
        if k % 2
        else Capacity(
            f"{towers[k % len(towers)]} national team",
            tower=towers[k % len(towers)],
            at_once=len(codes),
        )  # fmt: skip
        for k in range(count)
    )
    freezes = (
        Freeze("year end", "12-18", "01-06"),
        Freeze("annual billing", "03-01", "04-30", tower=towers[-1]),
    )
    ruled = replace(estate, capacities=rules, freezes=freezes)
    # as the app schedules it: the same systems and dependencies, still linked by position
    return ruled if estate.links is None else linked(ruled, estate.links)


def placement_rows(sizes: list[tuple[str, int, int, int, int]]) -> list[str]:
    """The engine placing systems one at a time under freezes and capacity rules."""
    rows = []
    for name, councils, per_council, dependencies, runs in sizes:
        if councils == 0:
            name, estate = "county sample", read_estate(COUNTY)
        else:
            count = 3 if councils < 10 else (10 if councils <= 40 else 50)
            estate = with_rules(estate_for(councils, per_council, dependencies), count)
        seconds = median_seconds(lambda e=estate: schedule(e, TODAY), max(runs // 2, 1))
        by_name = median_seconds(lambda e=estate: schedule(replace(e), TODAY), max(runs // 2, 1))
        memory = peak_mib(lambda e=estate: schedule(e, TODAY))
        rows.append(
            f"| engine, freezes and capacity: place + schedule | {name} | {seconds * 1000:,.0f} ms "
            f"| {memory:,.0f} MiB | {len(estate.capacities)} capacity rules, "
            f"{len(estate.freezes)} freeze windows; references looked up by name "
            f"{by_name * 1000:,.0f} ms |"
        )
        print(rows[-1], flush=True)
    return rows


def partner_rows(smallest: bool) -> list[str]:
    """The partner finder: one council's partners and the national matrix."""
    organisations, contracts = (30, 3_000) if smallest else (350, 150_000)
    market = Market.of(generate_market(organisations, contracts, seed=3))
    name = f"{organisations} organisations, {contracts:,} contracts"
    rows = []
    for what, action in (
        ("partners of one council", lambda: partners(market, "O0007", top=5)),
        ("every organisation's five best partners", lambda: every_partner(market, top=5)),
    ):
        seconds = median_seconds(action, 5)
        rows.append(
            f"| {what}, in-process | {name} | {seconds * 1000:,.0f} ms "
            f"| {peak_mib(action):,.0f} MiB | market built once |"
        )
        print(rows[-1], flush=True)
    return rows


def load_rows(sizes: list[tuple[str, int, int, int, int]], postgres: str | None) -> list[str]:
    rows = []
    for name, councils, per_council, dependencies, runs in sizes:
        if councils > 40:
            continue  # loading national scale into a database is a separate, slower exercise
        estate = estate_for(councils, per_council, dependencies)
        for kind in ("SQLite", "PostgreSQL") if postgres else ("SQLite",):
            rows.extend(_load_row(kind, name, estate, runs, postgres))
    return rows


def _load_row(kind: str, name: str, estate: Estate, runs: int, postgres: str | None) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        if kind == "SQLite":
            url = f"sqlite:///{folder}/bench.sqlite"
        else:
            assert postgres is not None
            url = fresh_postgres_database(postgres)
        engine = prepare_database(url)
        with Session(engine) as session:
            started = time.perf_counter()
            storage.save_estate(session=session, estate=estate, actor=SYSTEM)
            saved = time.perf_counter() - started

        def load(engine: Engine = engine) -> Estate:
            with Session(engine) as session:
                return storage.load_estate(session=session)

        seconds = median_seconds(load, runs)
        columns, memory = _columns_loaded(engine, runs)
        changes = iter(range(1, 1_000))

        def save_one(engine: Engine = engine) -> None:
            """What saving one edited contract costs: the checks run over the whole estate."""
            contract = replace(estate.contracts[0], notice_months=next(changes) % 12 + 1)
            with Session(engine) as session:
                version = storage.record_version(session=session, record=contract)
                storage.save_record(session=session, record=contract, actor=SYSTEM, version=version)

        one = median_seconds(save_one, runs)
        engine.dispose()
    rows = [
        f"| load estate from {kind} | {name} | {seconds * 1000:,.0f} ms | | "
        f"first save {saved:,.1f} s; saving one contract {one * 1000:,.0f} ms |",
        f"| load estate from {kind} as columns | {name} | {columns * 1000:,.0f} ms | "
        f"{memory:,.0f} MiB | as records {seconds * 1000:,.0f} ms |",
    ]
    print("\n".join(rows), flush=True)
    return rows


def _columns_loaded(engine: Engine, runs: int) -> tuple[float, float]:
    """The median seconds and peak MiB of loading the estate as columns."""

    def load() -> EstateColumns:
        with Session(engine) as session:
            return storage.load_estate_columns(session=session)

    return median_seconds(load, runs), peak_mib(load)


def national_columns_rows(size: tuple[str, int, int, int, int]) -> list[str]:
    """National scale saved into SQLite once (minutes), then loaded as columns and scheduled
    in-process: the way `convergence schedule` plans the database."""
    name, councils, per_council, dependencies, runs = size
    estate = estate_for(councils, per_council, dependencies)
    with tempfile.TemporaryDirectory() as folder:
        engine = prepare_database(f"sqlite:///{folder}/bench.sqlite")
        with Session(engine) as session:
            started = time.perf_counter()
            storage.save_estate(session=session, estate=estate, actor=SYSTEM)
            saved = time.perf_counter() - started
        del estate
        seconds, memory = _columns_loaded(engine, runs)
        with Session(engine) as session:
            columns = storage.load_estate_columns(session=session)
        engine.dispose()
    planned = median_seconds(lambda: schedule_columns(columns, TODAY), runs)
    planned_memory = peak_mib(lambda: schedule_columns(columns, TODAY))
    rows = [
        f"| load estate from SQLite as columns | {name} | {seconds:,.2f} s | {memory:,.0f} MiB "
        f"| first save {saved:,.0f} s |",
        f"| engine: schedule the columns loaded from SQLite | {name} | {planned * 1000:,.0f} ms "
        f"| {planned_memory:,.0f} MiB | |",
    ]
    print("\n".join(rows), flush=True)
    return rows


SCREENS = [
    "overview",
    "roadmap",
    "dependencies",
    "grid",
    "savings",
    "board",
    "scenarios",
    "partners",
    "records",
]


def screen_rows(sizes: list[tuple[str, int, int, int, int]]) -> list[str]:
    """Each screen's server-side run (AppTest, signed in as an admin), and what its charts send
    to the browser."""
    import os

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from convergence.store.access import SYSTEM

    app = str(Path(__file__).resolve().parent.parent / "app.py")
    rows = []
    for name, councils, per_council, dependencies, _ in sizes:
        if councils > 40:
            continue
        estate = estate_for(councils, per_council, dependencies)
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/screens.sqlite"
            engine = prepare_database(url)
            with Session(engine) as session:
                storage.save_estate(session=session, estate=estate, actor=SYSTEM)
            engine.dispose()
            os.environ["CONVERGENCE_DATABASE_URL"] = url
            os.environ["CONVERGENCE_TODAY"] = TODAY.isoformat()
            for screen in SCREENS:
                logging.disable(logging.WARNING)  # setting up outside a running app warns
                st.cache_data.clear()
                st.cache_resource.clear()
                at = AppTest.from_file(app, default_timeout=300)
                at.session_state["common_actor"] = SYSTEM
                logging.disable(logging.NOTSET)
                started = time.perf_counter()
                at.switch_page(f"pages/{screen}.py").run()  # first run: loads and caches
                first = time.perf_counter() - started
                seconds = median_seconds(lambda at=at: at.run(), 3)
                payload = max(
                    (
                        len(c.proto.spec) + sum(len(d.data.data) for d in c.proto.datasets)
                        for c in at.get("vega_lite_chart")
                    ),
                    default=0,
                )
                row = (
                    f"| screen '{screen}' (rerun, server side) | {name} | "
                    f"{seconds * 1000:,.0f} ms | | largest chart sends "
                    f"{payload / 1024:,.0f} KB; first run {first:,.1f} s |"
                )
                print(row, flush=True)
                rows.append(row)
    return rows


def register_rows(count: int) -> bytes:
    """A Transparency Code style register of `count` contracts, as CSV bytes."""
    lines = [
        "Reference Number,Title of Agreement,Directorate,Supplier Name,Value of Contract,"
        "Start Date,End Date,Review Date"
    ]
    for n in range(count):
        start_year = 2020 + n % 6
        lines.append(
            f"C001-{n:06d},Managed desktop service {n},Digital,Supplier {n % 97} Ltd,"
            f'"£{(n % 500 + 1) * 10_000:,}",01/04/{start_year},31/03/{start_year + 5},'
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def import_rows(count: int) -> list[str]:
    data = register_rows(count)
    base = generate_estate(councils=1, systems_per_council=10, dependencies=5, seed=1)
    with tempfile.TemporaryDirectory() as folder:
        engine = prepare_database(f"sqlite:///{folder}/bench.sqlite")
        with Session(engine) as session:
            storage.save_estate(session=session, estate=base, actor=SYSTEM)
        started = time.perf_counter()
        preview = preview_file(data, "register.csv", estate=base, council="C001", tower="desktop")
        previewed = time.perf_counter() - started
        with Session(engine) as session:
            storage.save_estate(
                session=session,
                estate=preview.to_estate(valid_only=True),
                actor=Actor("benchmark", "admin"),
            )
        total = time.perf_counter() - started
        engine.dispose()
    row = (
        f"| import a contract register (CSV → preview → SQLite) | {count:,} rows | "
        f"{total:,.1f} s | | preview {previewed:,.1f} s, {len(preview.problems)} problems |"
    )
    print(row, flush=True)
    return [row]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smallest", action="store_true", help="sample and 1,500 only")
    args = parser.parse_args()
    sizes = SIZES[:2] if args.smallest else SIZES
    print("| what | estate (systems / dependencies) | median | peak memory | note |")
    print("|---|---|---|---|---|")
    engine_rows(sizes)
    command_rows(sizes)
    reorganisation_rows(sizes)
    placement_rows(sizes)
    partner_rows(args.smallest)
    with throwaway_postgres() as postgres:
        load_rows(sizes[:3], postgres)
    if not args.smallest:
        national_columns_rows(SIZES[3])
    screen_rows(sizes[:3])
    pack_rows(sizes[:3])
    import_rows(2_000 if args.smallest else 50_000)


if __name__ == "__main__":
    main()
