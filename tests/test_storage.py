"""Storage against SQLite and a real PostgreSQL server: migrations, round trips, all or nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session

from convergence.errors import ConfigurationError, ValidationError
from convergence.planning.engine import schedule
from convergence.records.estate import Dependency, Estate, System
from convergence.store import storage
from convergence.store.access import SYSTEM
from convergence.store.db import prepare_database
from tests.conftest import assert_links_hold


def same(a: Estate, b: Estate) -> bool:
    return all(
        set(getattr(a, kind)) == set(getattr(b, kind))
        for kind in ("councils", "towers", "lots", "contracts", "systems", "dependencies")
    )


def test_migrations_create_the_schema_and_rerun_as_a_no_op(
    engine: Engine, database_url: str
) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {
        "council",
        "tower",
        "framework_lot",
        "contract",
        "system",
        "dependency",
        "estate_revision",
        "decision",
        "alembic_version",
    } <= tables
    again = prepare_database(database_url)
    with again.connect() as connection:
        assert (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0011"
        )
    again.dispose()


def test_sample_round_trips(engine: Engine, sample_estate: Estate) -> None:
    with Session(engine) as session:
        assert storage.is_empty(session=session)
        summary = storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        assert summary.added["systems"] == len(sample_estate.systems)
        loaded = storage.load_estate(session=session)
    assert same(loaded, sample_estate)
    money = {c.reference: c.annual_value for c in loaded.contracts}
    assert money["WCC-DT-004"] == Decimal(2150000)
    assert_links_hold(loaded)


def test_links_follow_the_records_after_changes_and_deletions(
    engine: Engine, sample_estate: Estate
) -> None:
    """Records are read in the order they were added, so a system deleted and added again
    moves to the end: the links read with the records must still point at the right ones, and
    schedule alike."""
    system = next(s for s in sample_estate.systems if s.contract is not None)
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        for record in (
            *(d for d in sample_estate.dependencies if system.key in (d.dependant, d.prerequisite)),
            system,
        ):
            version = storage.record_version(session=session, record=record)
            assert version is not None
            storage.delete_record(session=session, record=record, actor=SYSTEM, version=version)
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        loaded = storage.load_estate(session=session)
    assert loaded.systems[-1] == system  # added again, so read last
    assert_links_hold(loaded)
    today = date(2026, 11, 22)
    by_names = schedule(replace(loaded), today)  # a copy has no links: looked up by name
    assert by_names.plans.equals(schedule(loaded, today).plans)


def test_saving_twice_updates_and_never_duplicates(engine: Engine, sample_estate: Estate) -> None:
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        revision = storage.estate_revision(session=session)
        second = storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        assert sum(second.added.values()) == 0 and sum(second.updated.values()) == 0
        changed = replace(sample_estate.contracts[0], end=date(2031, 3, 31))
        third = storage.save_estate(
            session=session, estate=Estate(contracts=(changed,)), actor=SYSTEM
        )
        assert third.updated["contracts"] == 1 and third.added["contracts"] == 0
        loaded = storage.load_estate(session=session)
        assert storage.estate_revision(session=session) > revision
    assert len(loaded.contracts) == len(sample_estate.contracts)
    by_ref = {(c.council, c.reference): c for c in loaded.contracts}
    assert by_ref[(changed.council, changed.reference)].end == date(2031, 3, 31)


def test_a_bad_reference_is_named_and_nothing_is_written(
    engine: Engine, sample_estate: Estate
) -> None:
    ghost = System("WCC", "Ghost", "desktop", contract="WCC-NOPE-1")
    broken = replace(sample_estate, systems=(*sample_estate.systems, ghost))
    with Session(engine) as session:
        with pytest.raises(
            ValidationError, match="System Ghost \\(WCC\\), contract: WCC has no contract"
        ):
            storage.save_estate(session=session, estate=broken, actor=SYSTEM)
        assert storage.is_empty(session=session)


def test_a_dependency_closing_a_cycle_is_refused(engine: Engine, sample_estate: Estate) -> None:
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        loop = Dependency("WCC", "Active Directory & Exchange", "WCC", "Service desk", 0)
        with pytest.raises(ValidationError, match="would close a circle: .*Service desk \\(WCC\\)"):
            storage.save_estate(session=session, estate=Estate(dependencies=(loop,)), actor=SYSTEM)
        assert len(storage.load_estate(session=session).dependencies) == len(
            sample_estate.dependencies
        )


def test_many_dependencies_closing_a_cycle_are_refused_as_one_is(
    engine: Engine, sample_estate: Estate
) -> None:
    """Among many dependencies, the one closing the circle is refused with the same words as
    when it is saved alone."""
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        relagged = tuple(replace(d, lag_days=d.lag_days + 1) for d in sample_estate.dependencies)
        loop = Dependency("WCC", "Active Directory & Exchange", "WCC", "Service desk", 0)
        assert len(relagged) > 20
        with pytest.raises(ValidationError, match="would close a circle: .*Service desk \\(WCC\\)"):
            storage.save_estate(
                session=session, estate=Estate(dependencies=(*relagged, loop)), actor=SYSTEM
            )
        assert storage.load_estate(session=session).dependencies == sample_estate.dependencies


def test_clear_estate_empties_it(engine: Engine, sample_estate: Estate) -> None:
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        storage.clear_estate(session=session)
        assert storage.is_empty(session=session)
        assert storage.load_estate(session=session) == Estate()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url", "CONVERGENCE_DATABASE_URL: 'not a url' is not a database URL"),
        ("nosuchdriver://x/y", "CONVERGENCE_DATABASE_URL: no database driver for 'nosuchdriver'"),
        (
            "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "CONVERGENCE_DATABASE_URL: cannot connect",
        ),
        ("sqlite:////proc/convergence/estate.sqlite", "cannot write to /proc/convergence"),
    ],
)
def test_a_wrong_setting_is_one_clear_line(url: str, words: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        prepare_database(url)
    assert words in str(raised.value)
    assert "\n" not in str(raised.value)


def test_an_upgrade_keeps_the_users_and_their_failed_sign_ins(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from convergence.store.db import MIGRATIONS, make_engine

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        connection.execute(
            text(
                'INSERT INTO "user" (name, email, role, councils, password_hash, '
                "failed_sign_ins, version) VALUES ('ada', '', 'admin', '', 'x', 2, 1)"
            )
        )
    engine.dispose()
    upgraded = prepare_database(database_url)
    with upgraded.connect() as connection:
        assert connection.execute(text('SELECT name, role FROM "user"')).all() == [("ada", "admin")]
        assert connection.execute(text("SELECT name, failures FROM sign_in_failure")).all() == [
            ("ada", 2)
        ]
    upgraded.dispose()


def test_each_text_column_holds_what_the_description_allows() -> None:
    """The records' description (fields.py) bounds each text as its database column does, so
    validation refuses what PostgreSQL would (SQLite would store anything)."""
    from convergence.records.fields import KINDS
    from convergence.store import models as m

    tables = {t.name: t for t in m.SQLModel.metadata.sorted_tables}
    table_of = {
        "successor": "successor",
        "council": "council",
        "tower": "tower",
        "framework lot": "framework_lot",
        "contract": "contract",
        "system": "system",
        "dependency": "dependency",
        "freeze": "freeze",
        "capacity rule": "capacity_rule",
    }
    for kind in KINDS:
        table = tables[table_of[kind.name]]
        for field in kind.fields:
            column = field.database_column
            if field.type != "text" or field.refers_to or column is None:
                continue
            assert table.c[column].type.length == field.longest, (kind.name, field.name)
