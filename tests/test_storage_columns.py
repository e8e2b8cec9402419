"""The estate loaded from the database as columns (storage.load_estate_columns), on SQLite and
PostgreSQL: the same columns as the same estate read from estate files, the same roadmap as its
records, the same columns through ADBC's Arrow as through the driver's plain rows, and
`convergence schedule` printing the same roadmap from the database as from its files, and the
partner finder's market made from the columns as from the records."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlmodel import Session, SQLModel

from convergence.cli import main
from convergence.planning.checks import assert_valid_schedule
from convergence.planning.engine import schedule, schedule_columns
from convergence.records.columns import (
    NONE,
    EstateColumns,
    programme_columns,
    read_estate_columns,
)
from convergence.records.estate import (
    Contract,
    Council,
    Dependency,
    Estate,
    Outline,
    System,
    programme,
)
from convergence.records.estate_files import read_estate, write_estate
from convergence.records.generate import generate_estate, generate_market
from convergence.store import reading_columns, storage
from convergence.store.access import SYSTEM
from convergence.store.db import prepare_database
from tests.conftest import ROOT, SAMPLE, fresh_postgres_database
from tests.test_columns import reorganised_with_rules

TODAY = date(2026, 11, 22)
COUNTY = ROOT / "data" / "county"


def saved(engine: Engine, estate: Estate) -> None:
    with Session(engine) as session:
        storage.save_estate(session=session, estate=estate, actor=SYSTEM)


def loaded(engine: Engine) -> tuple[EstateColumns, Estate]:
    with Session(engine) as session:
        return storage.load_estate_columns(session=session), storage.load_estate(session=session)


def assert_same_columns(columns: EstateColumns, folder: Path) -> None:
    from_files = read_estate_columns(folder)
    assert from_files is not None
    assert list(columns.tables) == list(from_files.tables)
    for kind, table in columns.tables.items():
        assert table.schema == from_files[kind].schema, kind
        # as pandas frames, whose comparison takes two empty amounts (nan) as equal
        pd.testing.assert_frame_equal(table.to_pandas(), from_files[kind].to_pandas(), obj=kind)


def assert_same_roadmap(columns: EstateColumns, estate: Estate) -> None:
    by_columns = schedule_columns(columns, TODAY)
    assert by_columns is not None
    assert len(by_columns.plans) == len(estate.systems) > 0
    pd.testing.assert_frame_equal(by_columns.plans, schedule(estate, TODAY).plans)
    assert_valid_schedule(estate, by_columns)


@pytest.mark.parametrize("which", ["sample", "generated", "county", "reorganised under rules"])
def test_columns_from_the_database_are_the_columns_from_its_files(
    which: str, engine: Engine, tmp_path: Path
) -> None:
    if which in ("sample", "county"):
        estate = read_estate(SAMPLE if which == "sample" else COUNTY)
    elif which == "generated":
        estate = generate_estate(councils=6, systems_per_council=120, dependencies=1_500, seed=11)
    else:
        estate = reorganised_with_rules(councils=6, per_council=120, dependencies=1_500)
    write_estate(estate, tmp_path)
    saved(engine, read_estate(tmp_path))  # stored in the files' order
    columns, records = loaded(engine)
    assert_same_columns(columns, tmp_path)
    assert len(columns["dependencies"]) == len(records.dependencies) > 0
    assert set(columns.positions) >= {
        "systems.contract",
        "dependencies.system",
        "systems.target_system",
    }
    assert_same_roadmap(columns, records)
    by_names = EstateColumns(columns.tables)  # the references looked up by name instead
    assert_same_roadmap(by_names, records)


def test_an_amended_estate_loads_as_its_records_read(engine: Engine) -> None:
    """After edits (an id order unlike the files', a system's contract taken away, a deleted
    system), the columns still hold exactly what the records hold."""
    estate = read_estate(SAMPLE)
    saved(engine, estate)
    system = next(s for s in estate.systems if s.contract is not None)
    with Session(engine) as session:
        version = storage.record_version(session=session, record=system)
        storage.save_record(
            session=session,
            record=replace(system, contract=None, transition_days=7),
            actor=SYSTEM,
            version=version,
        )
    columns, records = loaded(engine)
    systems = columns["systems"].to_pandas()
    row = systems[(systems["council"] == system.council) & (systems["name"] == system.name)]
    assert row["contract"].tolist() == [None] or row["contract"].isna().all()
    assert row["transition_days"].tolist() == [7]
    assert [tuple(r) for r in systems[["council", "name"]].itertuples(index=False)] == [
        (s.council, s.name) for s in records.systems
    ]
    assert_same_roadmap(columns, records)


def awkward(estate: Estate) -> Estate:
    """The estate with values SQLite's ADBC driver types by the first rows it reads: amounts
    of whole pounds in the first thousand and more systems and with pence after them, a date
    empty in those first rows and given after them."""
    first = 1_100
    systems = [
        replace(
            s,
            transition_cost=Decimal(1000 + i) if i < first else Decimal(1000 + i) + Decimal("0.57"),
            hosted_until=None if i < first else date(2028, 3, 31),
        )
        for i, s in enumerate(estate.systems)
    ]
    return replace(estate, systems=tuple(systems))


def assert_same_estate_columns(given: EstateColumns, expected: EstateColumns) -> None:
    """The same tables (schemas, values, missing values) and the same positions."""
    assert list(given.tables) == list(expected.tables)
    for kind, table in given.tables.items():
        assert table.schema == expected[kind].schema, kind
        pd.testing.assert_frame_equal(table.to_pandas(), expected[kind].to_pandas(), obj=kind)
        # pandas reads a missing amount as nan, as it reads an empty one: Arrow tells them apart
        missing = [column.null_count for column in expected[kind].columns]
        assert [column.null_count for column in table.columns] == missing, kind
    assert list(given.positions) == list(expected.positions)
    for name, positions in given.positions.items():
        assert np.array_equal(positions, expected.positions[name]), name


@pytest.mark.parametrize("which", ["sample", "generated", "awkward"])
def test_columns_through_adbc_are_the_columns_of_the_plain_rows(which: str, engine: Engine) -> None:
    if which == "sample":
        estate = read_estate(SAMPLE)
    elif which == "generated":
        estate = generate_estate(councils=6, systems_per_council=120, dependencies=1_500, seed=11)
    else:
        estate = awkward(
            generate_estate(councils=6, systems_per_council=200, dependencies=1_500, seed=11)
        )
    saved(engine, estate)
    with Session(engine) as session:
        assert reading_columns._adbc_source(session) is not None  # loaded by ADBC
        by_adbc = reading_columns._columns_by_adbc(session=session)
    with Session(engine) as session:
        by_rows = reading_columns._columns_by_rows(session=session)
    assert_same_estate_columns(by_adbc, by_rows)
    assert len(by_adbc["systems"]) == len(estate.systems) > 0
    assert len(by_adbc["freezes"]) == 0 or which == "sample"
    if which == "awkward":
        costs = by_adbc["systems"]["transition_cost"].to_pylist()
        assert costs[0] == 1000 and costs[-1] == len(costs) - 1 + 1000.57
        hosted = by_adbc["systems"]["hosted_until"].to_pylist()
        assert hosted[0] == NONE and hosted[-1] == date(2028, 3, 31).toordinal()
    with Session(engine) as session:
        assert_same_estate_columns(storage.load_estate_columns(session=session), by_rows)


def test_a_value_arrow_does_not_read_loads_from_the_plain_rows(tmp_path: Path) -> None:
    """A date SQLite holds as an ISO week date ('2028-W13-5'), which Python reads and Arrow does
    not: the plain rows are read instead, never a wrong answer."""
    engine = prepare_database(f"sqlite:///{tmp_path / 'estate.sqlite'}")
    saved(engine, read_estate(SAMPLE))
    with Session(engine) as session:
        session.execute(text("UPDATE system SET hosted_until = '2028-W13-5' WHERE id = 1"))
        session.commit()
    with Session(engine) as session:
        with pytest.raises(pa.ArrowInvalid):
            reading_columns._columns_by_adbc(session=session)
        columns = storage.load_estate_columns(session=session)
    with Session(engine) as session:
        by_rows = reading_columns._columns_by_rows(session=session)
    assert_same_estate_columns(columns, by_rows)
    assert columns["systems"]["hosted_until"][0].as_py() == date(2028, 3, 31).toordinal()
    engine.dispose()


def test_an_estate_in_memory_loads_from_the_plain_rows() -> None:
    """SQLite in memory is the session's own: no other connection would see it."""
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    saved(engine, read_estate(SAMPLE))
    with Session(engine) as session:
        assert reading_columns._adbc_source(session) is None
        with pytest.raises(LookupError):
            reading_columns._columns_by_adbc(session=session)
        columns = storage.load_estate_columns(session=session)
    with Session(engine) as session:
        assert_same_estate_columns(columns, reading_columns._columns_by_rows(session=session))
    engine.dispose()


def backends(session: Session) -> int:
    """Connections to the session's PostgreSQL database, its own among them."""
    sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    return int(session.execute(text(sql)).scalar_one())


def test_postgresql_reads_what_was_saved_since_the_last_load(postgres_url: str) -> None:
    """PostgreSQL's ADBC database is kept from load to load (looking up the server's types took
    most of opening a connection), its connections are not: a load after a change reads it,
    even when every other connection to the database was ended in between, and none is left
    open after it."""
    engine = prepare_database(fresh_postgres_database(postgres_url))
    estate = read_estate(SAMPLE)
    saved(engine, estate)
    with Session(engine) as session:
        before = backends(session)
        reading_columns._columns_by_adbc(session=session)
        kept = reading_columns._postgres_database.cache_info()
        system = next(s for s in estate.systems if s.contract is not None)
        storage.save_record(
            session=session,
            record=replace(system, transition_days=321),
            actor=SYSTEM,
            version=storage.record_version(session=session, record=system),
        )
        others = "pid <> pg_backend_pid() AND datname = current_database()"
        session.execute(
            text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {others}")
        )
        by_adbc = reading_columns._columns_by_adbc(session=session)
        assert reading_columns._postgres_database.cache_info().hits == kept.hits + 1
        for _ in range(50):  # a closed connection's server process ends a moment later
            if backends(session) <= before:
                break
            time.sleep(0.05)
        assert backends(session) <= before
    with Session(engine) as session:
        assert_same_estate_columns(by_adbc, reading_columns._columns_by_rows(session=session))
    systems = by_adbc["systems"].to_pandas()
    assert systems.loc[systems["name"] == system.name, "transition_days"].tolist() == [321]
    engine.dispose()


def test_loads_at_once_in_several_threads_each_read_the_whole_estate(engine: Engine) -> None:
    """As the app's pages run in threads: each load reads on a connection of its own."""
    saved(engine, generate_estate(councils=4, systems_per_council=100, dependencies=600, seed=3))
    with Session(engine) as session:
        by_rows = reading_columns._columns_by_rows(session=session)

    def load(_: int) -> EstateColumns:
        with Session(engine) as session:
            return reading_columns._columns_by_adbc(session=session)

    with ThreadPoolExecutor(max_workers=4) as threads:
        for columns in threads.map(load, range(8)):
            assert_same_estate_columns(columns, by_rows)


def test_postgresql_reads_every_table_as_of_one_moment(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A contract and a system naming it, saved after the load read the contracts and before
    it read the systems: the load reads neither (the system would otherwise name no contract)."""
    engine = prepare_database(fresh_postgres_database(postgres_url))
    estate = read_estate(SAMPLE)
    saved(engine, estate)
    with Session(engine) as session:
        before = reading_columns._columns_by_rows(session=session)
    council, tower = estate.systems[0].council, estate.systems[0].tower
    added = Estate(
        contracts=(Contract(council, "LATE-1", "Late", "Someone", tower),),
        systems=(System(council, "Late system", tower, contract="LATE-1", transition_days=30),),
    )
    read_table = reading_columns._arrow_columns

    def reading(connection: Any, dialect: Any, kind: Any, names: list[str]) -> Any:
        if kind.name == "system":
            saved(engine, added)
        return read_table(connection, dialect, kind, names)

    monkeypatch.setattr(reading_columns, "_arrow_columns", reading)
    with Session(engine) as session:
        by_adbc = reading_columns._columns_by_adbc(session=session)
    assert_same_estate_columns(by_adbc, before)
    with Session(engine) as session:
        assert (
            "Late system"
            in reading_columns._columns_by_rows(session=session)["systems"]["name"].to_pylist()
        )
    engine.dispose()


def with_outside_organisation(estate: Estate) -> Estate:
    """The estate with an organisation outside the programme: its contract and system, and a
    dependency of a programme council's system on it."""
    waiting = estate.systems[0]
    return replace(
        estate,
        councils=(*estate.councils, Council("OUT", "Outside the programme", in_programme=False)),
        contracts=(*estate.contracts, Contract("OUT", "OUT-1", "Hosting", "Elsewhere", "desktop")),
        systems=(
            *estate.systems,
            System("OUT", "Their desktop", "desktop", contract="OUT-1", transition_days=900),
        ),
        dependencies=(
            *estate.dependencies,
            Dependency(waiting.council, waiting.name, "OUT", "Their desktop", lag_days=30),
        ),
    )


def test_organisations_outside_the_programme_are_left_out_as_by_records(
    engine: Engine, tmp_path: Path
) -> None:
    estate = with_outside_organisation(read_estate(SAMPLE))
    saved(engine, estate)
    columns, records = loaded(engine)
    assert "OUT" in columns["systems"]["council"].to_pylist()  # loaded, as the records are
    planned = programme_columns(columns)
    assert "OUT" not in planned["systems"]["council"].to_pylist()
    assert "OUT" not in planned["dependencies"]["needs_council"].to_pylist()
    assert "OUT" not in planned["councils"]["code"].to_pylist()
    assert_same_roadmap(planned, programme(records))
    # from estate files too
    write_estate(estate, tmp_path)
    from_files = read_estate_columns(tmp_path)
    assert from_files is not None
    assert_same_roadmap(programme_columns(from_files), programme(read_estate(tmp_path)))


def roadmap_printed(
    capsys: pytest.CaptureFixture[str], database: str = "", estate: str = ""
) -> str:
    """`convergence schedule` of the database, or of the estate files in `estate`."""
    source = ["schedule", "--estate", estate] if estate else ["--database", database, "schedule"]
    code = main([*source, "--today", TODAY.isoformat(), "--format", "csv"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    return out


@pytest.mark.parametrize("folder", [SAMPLE, COUNTY], ids=["sample", "reorganised county"])
def test_schedule_from_the_database_prints_the_roadmap_of_its_files(
    folder: Path, database_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    estate = read_estate(folder)
    saved(engine, estate)
    columns, records = loaded(engine)
    assert_same_roadmap(columns, records)  # a reorganisation too
    printed = roadmap_printed(capsys, database=database_url)
    assert printed == roadmap_printed(capsys, estate=str(folder))
    assert printed.count("\n") == len(estate.systems) + 1


def test_schedule_from_the_database_leaves_out_organisations_outside_the_programme(
    database_url: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    estate = with_outside_organisation(read_estate(SAMPLE))
    saved(engine, estate)
    write_estate(estate, tmp_path)
    printed = roadmap_printed(capsys, database=database_url)
    assert printed == roadmap_printed(capsys, estate=str(tmp_path))
    assert "Their desktop" not in printed
    assert printed.count("\n") == len(programme(estate).systems) + 1


@pytest.mark.parametrize("folder", [SAMPLE, COUNTY], ids=["sample", "reorganised county"])
def test_the_outline_is_the_estate_without_its_contracts_systems_and_dependencies(
    folder: Path, engine: Engine
) -> None:
    estate = read_estate(folder)
    saved(engine, estate)
    with Session(engine) as session:
        outline = storage.load_outline(session=session)
        whole = storage.load_estate(session=session)
    assert outline == Outline(**{f.name: getattr(whole, f.name) for f in fields(Outline)})
    assert outline.councils and outline.towers and outline.lots
    assert bool(outline.successors) == (folder == COUNTY)


def test_the_partner_market_from_the_columns_is_the_market_from_the_records(
    engine: Engine,
) -> None:
    """The partner finder's market as the app makes it, from the columns and the outline,
    holds what the records' market holds: a generated market (contracts with no end date or
    no known tower among it) with the sample's councils, whose contracts have start dates."""
    from convergence.planning.partners import Market

    market = generate_market(6, 300, seed=2)
    sample = read_estate(SAMPLE)
    saved(
        engine,
        replace(
            sample,
            councils=(*sample.councils, *market.councils),
            towers=(*sample.towers, *(t for t in market.towers if t not in sample.towers)),
            contracts=(*sample.contracts, *market.contracts),
        ),
    )
    columns, estate = loaded(engine)
    with Session(engine) as session:
        outline = storage.load_outline(session=session)
    by_columns, by_records = Market.of_columns(outline, columns["contracts"]), Market.of(estate)
    pd.testing.assert_frame_equal(by_columns.contracts, by_records.contracts)
    assert by_columns.by_tower.keys() == by_records.by_tower.keys()
    for tower, (ends, rows) in by_records.by_tower.items():
        assert np.array_equal(by_columns.by_tower[tower][0], ends)
        assert np.array_equal(by_columns.by_tower[tower][1], rows)
    assert (by_columns.names, by_columns.tower_names, by_columns.in_programme) == (
        by_records.names,
        by_records.tower_names,
        by_records.in_programme,
    )
    assert by_columns.unmatched == by_records.unmatched > 0
    assert (by_records.contracts["start"] > 0).any()


@pytest.mark.parametrize("folder", [SAMPLE, COUNTY], ids=["sample", "reorganised county"])
@pytest.mark.parametrize("file_format", ["csv", "table"])
def test_savings_from_the_database_print_the_savings_of_its_files(
    folder: Path,
    file_format: str,
    database_url: str,
    engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Costed from the columns and the outline, with organisations outside the programme
    left out, as its files are costed from the records."""
    estate = with_outside_organisation(read_estate(folder))
    saved(engine, estate)
    write_estate(estate, tmp_path)
    printed = []
    for where in (["--database", database_url], []):
        at = [] if where else ["--estate", str(tmp_path)]
        args = [*where, "savings", *at, "--today", "2026-11-22", "--format", file_format]
        assert main(args) == 0
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1]
    assert printed[0].count("\n") > 12 and "OUT" not in printed[0]
