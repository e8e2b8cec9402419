"""Shared fixtures: a throwaway PostgreSQL server, databases of both kinds, the sample estate."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import app_test

from convergence.records.estate import Estate
from convergence.records.estate_files import read_estate
from convergence.store.db import prepare_database
from tests.postgres_server import throwaway_postgres

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


class _ServerPagesManager(PagesManager):
    """Pages as a running server sees them once app.py has called st.navigation: the router's
    list, not the files in pages/ (AppTest forgets this before every run)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        PagesManager.uses_pages_directory = False
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _screens_through_the_router(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every AppTest run goes through app.py, as on the server (a fresh server's first run, when
    Streamlit may run a file in pages/ on its own, is tested in a real browser)."""
    monkeypatch.setattr(app_test, "PagesManager", _ServerPagesManager)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server of our own on a loopback port, for the whole test run."""
    try:
        with throwaway_postgres() as url:
            yield url
    except FileNotFoundError as missing:
        pytest.fail(str(missing))


def fresh_postgres_database(server_url: str) -> str:
    """Create an empty database on the test server and return its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'estate.sqlite'}"
    return fresh_postgres_database(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = prepare_database(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sample_estate() -> Estate:
    return read_estate(SAMPLE)


def assert_links_hold(estate: Estate) -> None:
    """The estate carries links, and each points where its record's names say."""
    links = estate.links
    assert links is not None
    for d, needs, waits in zip(
        estate.dependencies, links.needs.tolist(), links.waits.tolist(), strict=True
    ):
        assert estate.systems[needs].key == d.prerequisite, d
        assert estate.systems[waits].key == d.dependant, d
    for s, slot in zip(estate.systems, links.contract.tolist(), strict=True):
        if s.contract is None:
            assert slot == -1, s
        else:
            c = estate.contracts[slot]
            assert (c.council, c.reference) == (s.council, s.contract), s


def shown(markdown: str) -> str:
    """Markdown source as a person reads it: each backslash escape shown as the character it
    escapes (the screens escape people's text with pages.common.plain)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)
