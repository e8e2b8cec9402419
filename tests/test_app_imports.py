"""The import screen: uploading a register over contracts already held shows, per contract,
whether it is new or an update and what changes, shows the reader's warnings, and keeps what
the register does not carry. Headless with AppTest against SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from convergence.records.estate import Contract, Estate
from convergence.store import storage
from convergence.store.access import Actor
from convergence.store.db import prepare_database
from tests.conftest import shown

APP = str(Path(__file__).resolve().parent.parent / "app.py")
REGISTER = Path(__file__).resolve().parent / "fixtures" / "registers" / "transparency-wcc.csv"


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate) -> str:
    url = f"sqlite:///{tmp_path / 'imports.sqlite'}"
    engine = prepare_database(url)
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=Actor("loader", "admin"))
    engine.dispose()
    monkeypatch.setenv("CONVERGENCE_DATABASE_URL", url)
    monkeypatch.setenv("CONVERGENCE_TODAY", "2026-11-22")
    return url


def uploaded(data: bytes) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["common_actor"] = Actor("ida", "admin")
    at.run()
    at.switch_page("pages/imports.py").run()
    at.file_uploader(key="imports_file").set_value((REGISTER.name, data, "text/csv")).run()
    at.selectbox(key="imports_council").set_value("WCC")
    at.selectbox(key="imports_tower").set_value("line_of_business").run()
    assert not at.exception
    return at


def stored(url: str) -> dict[str, Contract]:
    with Session(prepare_database(url)) as session:
        return {c.reference: c for c in storage.load_estate(session=session).contracts}


def test_the_preview_says_what_changes_and_the_import_keeps_the_rest(url: str) -> None:
    before = stored(url)
    at = uploaded(REGISTER.read_bytes())
    ready = next(d.value for d in at.dataframe if "Import as" in d.value.columns)
    parking = ready.set_index("Reference").loc["WCC-PK-014"]
    assert parking["Import as"] == "Update"
    assert parking["What changes"] == "Supplier: Civica → Civica UK Ltd"
    assert any("0 new contracts, 2 updated, 0 unchanged" in shown(m.value) for m in at.markdown)
    at.button(key="imports_valid").click().run()
    assert any("Imported: contracts 0 added, 2 changed" in shown(s.value) for s in at.success)
    after = stored(url)
    assert after["WCC-PK-014"] == replace(before["WCC-PK-014"], supplier="Civica UK Ltd")


def test_the_readers_warnings_are_shown(url: str) -> None:
    windows = REGISTER.read_bytes().decode().encode("cp1252")
    at = uploaded(windows)
    assert any("read as Windows-1252 text" in shown(w.value) for w in at.warning)


def test_an_estate_file_without_a_column_keeps_what_the_estate_holds(url: str) -> None:
    at = uploaded(b"council,system,tower,transition_days\r\nLBHF,Corporate network,network,150\r\n")
    ready = next(d.value for d in at.dataframe if "Import as" in d.value.columns)
    network = ready.set_index("Record").loc["Corporate network (LBHF)"]
    assert network["Import as"] == "Update"
    assert network["What changes"] == "Transition (days): 120 → 150"
    assert any(
        "Systems: 0 new systems, 1 updated, 0 unchanged" in shown(m.value) for m in at.markdown
    )
    at.button(key="imports_all").click().run()
    assert any("Imported: systems 0 added, 1 changed" in shown(s.value) for s in at.success)
    with Session(prepare_database(url)) as session:
        systems = {s.key: s for s in storage.load_estate(session=session).systems}
    network = systems[("LBHF", "Corporate network")]
    assert (network.transition_days, network.transition_cost) == (150, Decimal("200000"))
    assert network.lot == "Lot 5 Network" and network.contract == "LBHF-NW-005"


def test_an_admin_imports_market_data_whose_buyers_become_organisations(url: str) -> None:
    market = REGISTER.parent / "contracts-finder-market.csv"
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["common_actor"] = Actor("ida", "admin")
    at.run()
    at.switch_page("pages/imports.py").run()
    at.radio(key="imports_holds").set_value("Market data for the partner finder").run()
    assert not [s for s in at.selectbox if s.key == "imports_council"]  # no council to choose
    at.file_uploader(key="imports_file").set_value((market.name, market.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception
    said = "3 new organisations outside the programme, 7 new contracts"
    assert any(said in shown(m.value) for m in at.markdown)
    at.button(key="imports_all").click().run()
    assert any("Imported:" in shown(s.value) for s in at.success)
    with Session(prepare_database(url)) as session:
        councils = storage.load_estate(session=session).councils
    assert {c.code for c in councils if not c.in_programme} == {"KCC", "MC", "DBC"}


def test_an_editor_is_not_offered_market_data(url: str) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["common_actor"] = Actor("ed", "editor", frozenset({"WCC"}))
    at.run()
    at.switch_page("pages/imports.py").run()
    assert not at.exception
    assert not [r for r in at.radio if r.key == "imports_holds"]
