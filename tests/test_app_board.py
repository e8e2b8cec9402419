"""The scenario and board screens, headless: a what-if recomputes at once beside the live plan;
a baseline is frozen and compared."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from convergence.records.estate import Estate
from convergence.store import storage
from convergence.store.access import Actor
from convergence.store.db import prepare_database
from tests.conftest import shown

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(autouse=True)
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate) -> Iterator[str]:
    st.cache_data.clear()
    st.cache_resource.clear()
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    engine = prepare_database(url)
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=Actor("loader", "admin"))
    engine.dispose()
    monkeypatch.setenv("CONVERGENCE_DATABASE_URL", url)
    monkeypatch.setenv("CONVERGENCE_TODAY", "2026-11-22")
    yield url
    st.cache_data.clear()
    st.cache_resource.clear()


def screen(page: str, user: str = "kim") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["common_actor"] = Actor(user, "admin")
    at.run()
    at.switch_page(page).run()
    return at


def test_a_what_if_shows_its_effect_and_saves_without_touching_live(fresh: str) -> None:
    at = screen("pages/scenarios.py")
    at.selectbox(key="scenarios_kind").set_value("Change a transition").run()
    at.selectbox(key="scenarios_system").set_value("Hosting (RBKC)")
    at.number_input(key="scenarios_days").set_value(400)
    next(b for b in at.button if b.label == "Add this change").click().run()
    assert not at.exception
    assert any("Transition of Hosting (RBKC) takes 400 days" in shown(m.value) for m in at.markdown)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Programme convergence"].startswith("+")
    at.text_input(key="scenarios_name_(a new scenario)").set_value("Slow RBKC hosting").run()
    at.button(key="scenarios_save").click().run()
    assert any("Saved the scenario" in shown(s.value) for s in at.success)
    with Session(prepare_database(fresh)) as session:
        live = storage.load_estate(session=session)
        assert [s.name for s in storage.scenarios(session=session)] == ["Slow RBKC hosting"]
    hosting = next(s for s in live.systems if s.key == ("RBKC", "Hosting"))
    assert hosting.transition_days == 210


def test_freezing_a_baseline_and_comparing(fresh: str) -> None:
    at = screen("pages/board.py")
    assert any("No baseline yet" in shown(i.value) for i in at.info)
    at.button(key="board_freeze").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}[
        "Programme convergence since the baseline"
    ] == "+0 days"
    at.button(key="board_freeze").click().run()
    assert any("never changed" in shown(e.value) for e in at.error)


def test_the_scenario_contract_picker_names_title_and_supplier(fresh: str) -> None:
    at = screen("pages/scenarios.py")
    at.selectbox(key="scenarios_kind").set_value("Extend a contract").run()
    options = at.selectbox(key="scenarios_contract").options
    assert "WCC-DT-004 — Desktop managed service, Capgemini (WCC)" in options


def test_comparing_with_a_scenario_that_no_longer_fits_says_why(fresh: str) -> None:
    """A scenario extending a contract since deleted: the board is told, in words."""
    from datetime import date

    from convergence.planning.scenarios import Override, overrides_to_json

    gone = (
        Override("extend_contract", council="WCC", reference="WCC-GONE-1", on=date(2030, 1, 1)),
    )
    with Session(prepare_database(fresh)) as session:
        storage.save_scenario(
            session=session,
            name="Old idea",
            description="",
            overrides=overrides_to_json(gone),
            actor=Actor("kim", "admin"),
        )
    at = screen("pages/board.py")
    at.button(key="board_freeze").click().run()
    at.selectbox(key="board_against").set_value("Old idea").run()
    assert not at.exception
    assert any("no longer fits the live records" in shown(e.value) for e in at.error)


def test_comparing_with_a_scenario_makes_the_pack_that_scenario(fresh: str) -> None:
    """The board's movements come from the scenario, caused by its change, and the screen says
    the pack it gives is that scenario's throughout."""
    from datetime import date

    from convergence.planning.scenarios import Override, overrides_to_json

    slower = (
        Override("extend_contract", council="RBKC", reference="RBKC-HM-013", on=date(2031, 3, 31)),
    )
    with Session(prepare_database(fresh)) as session:
        storage.save_scenario(
            session=session,
            name="Slow RBKC hosting",
            description="",
            overrides=overrides_to_json(slower),
            actor=Actor("kim", "admin"),
        )
    at = screen("pages/board.py")
    at.button(key="board_freeze").click().run()
    at.selectbox(key="board_against").set_value("Slow RBKC hosting").run()
    assert not at.exception
    assert any(
        "The pack shows the scenario 'Slow RBKC hosting' throughout" in shown(c.value)
        for c in at.caption
    )
    moved = next(d.value for d in at.dataframe if "cause" in d.value.columns)
    assert "scenario 'Slow RBKC hosting': Extend RBKC-HM-013 (RBKC) to 31 Mar 2031" in set(
        moved["cause"]
    )


def test_the_boards_risk_tables_head_their_columns_in_words(fresh: str) -> None:
    import json

    at = screen("pages/board.py")
    at.button(key="board_freeze").click().run()
    assert not at.exception
    risks = [d for d in at.dataframe if "reasons" in d.value.columns]  # new and resolved
    assert len(risks) == 2
    for table in risks:
        config = json.loads(table.proto.columns)
        labels = {c: v["label"] for c, v in config.items() if c != "_index"}
        assert labels == {
            "council": "Council",
            "system": "System",
            "rag": "Status",
            "reasons": "Why",
        }
