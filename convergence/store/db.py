"""Connecting to the database: one engine per URL, migrated to the newest schema on start.

No engine is made at import time; the app, the CLI and each test call `prepare_database(url)`.
A wrong setting raises ConfigurationError with one line naming the setting and the problem.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session

from convergence.errors import ConfigurationError

SETTING = "CONVERGENCE_DATABASE_URL"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _enable_sqlite_foreign_keys(connection: Any, _record: Any) -> None:
    if isinstance(connection, sqlite3.Connection):
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def begin_writing(session: Session) -> None:
    """Take SQLite's write lock now, before the reads a write relies on, so two writers never
    both read what they compare against before either writes: the second waits for the first
    to commit. Reads elsewhere take no lock (the driver begins a transaction only before a
    write). On PostgreSQL, writers lock the rows they rely on instead (see writing.py)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.dbapi_connection
        if isinstance(driver, sqlite3.Connection) and not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for `url`, checked by connecting once."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(f"{SETTING}: '{url}' is not a database URL") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = Path(parsed.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".convergence-write-test"
            probe.touch()
            probe.unlink()
        except OSError as exc:
            raise ConfigurationError(
                f"{SETTING} / CONVERGENCE_DATA_DIR: cannot write to {folder} ({exc.strerror})"
            ) from None
    try:
        sqlite = parsed.get_backend_name() == "sqlite"
        waits = {"connect_args": {"timeout": 60}} if sqlite else {}  # writers queue, not fail
        engine = create_engine(parsed, pool_pre_ping=True, **waits)
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise ConfigurationError(
            f"{SETTING}: no database driver for '{parsed.drivername}' ({exc})"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        shown = parsed.render_as_string(hide_password=True)
        raise ConfigurationError(f"{SETTING}: cannot connect to {shown}: {reason}") from None
    return engine


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (creates it on an empty database)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def prepare_database(url: str) -> Engine:
    """An engine on `url` whose schema is up to date."""
    engine = make_engine(url)
    upgrade(engine)
    return engine
