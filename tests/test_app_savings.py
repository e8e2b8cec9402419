"""The savings screen and the money on other screens, headless on the sample estate: figures
match the calculation, a realised saving is recorded by the right people, a baseline keeps its
promise, and a scenario's early exit is judged against its fee."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from convergence.formatting import money, money_short
from convergence.money.realised import promised_frame
from convergence.money.savings import savings
from convergence.planning.engine import schedule
from convergence.records.estate import Estate
from convergence.store import storage
from convergence.store.access import Actor
from convergence.store.db import prepare_database
from tests.conftest import shown

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TODAY = date(2026, 11, 22)


@pytest.fixture(autouse=True)
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate) -> Iterator[str]:
    st.cache_data.clear()
    st.cache_resource.clear()
    url = f"sqlite:///{tmp_path / 'savings.sqlite'}"
    engine = prepare_database(url)
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=Actor("loader", "admin"))
    engine.dispose()
    monkeypatch.setenv("CONVERGENCE_DATABASE_URL", url)
    monkeypatch.setenv("CONVERGENCE_TODAY", TODAY.isoformat())
    yield url
    st.cache_data.clear()
    st.cache_resource.clear()


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the screen with this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def screen(page: str, actor: Actor) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["common_actor"] = actor
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def test_headline_figures_are_the_calculations(sample_estate: Estate) -> None:
    result = savings(sample_estate, schedule(sample_estate, TODAY))
    at = screen("pages/savings.py", Actor("viewer", "viewer"))
    metrics = {m.label: m.value for m in at.metric}
    # a headline figure shortened (£3.1m), the amount in full in its help
    assert metrics["Saves a year once converged"] == money_short(result.annual_savings())
    saves = next(m for m in at.metric if m.label == "Saves a year once converged")
    assert saves.help == money(result.annual_savings())
    assert metrics["Pays back"] == f"{result.payback():%b %Y}"
    share = result.share_of_spend()
    assert share is not None and metrics["Share of contract spend"] == f"{share:.1%}"
    summary = table_with(at, "annual_savings")
    assert list(summary["name"])[-1] == "Programme"
    assert len(at.get("vega_lite_chart")) == 4
    assert not at.get("form")  # viewers record nothing
    overview = screen("pages/overview.py", Actor("viewer", "viewer"))
    assert {m.label: m.value for m in overview.metric}[
        "Saves a year once converged"
    ] == money_short(result.annual_savings())


def test_charges_from_the_transition_start_cost_more_double_running() -> None:
    at = screen("pages/savings.py", Actor("kim", "admin"))
    at_cutover = {m.label: m.help for m in at.metric}["Saved by Oct 2033"]  # in full
    at.radio(key="savings_charges_from").set_value("start").run()
    assert not at.exception
    at_start = {m.label: m.help for m in at.metric}["Saved by Oct 2033"]
    as_number = [
        int(v.replace("£", "").replace(",", "").replace("−", "-")) for v in (at_cutover, at_start)
    ]
    assert as_number[1] < as_number[0]


def test_an_editor_records_a_realised_saving_for_their_council(fresh: str) -> None:
    at = screen("pages/savings.py", Actor("wcc-editor", "editor", frozenset({"WCC"})))
    assert at.selectbox(key="savings_council").options == ["Westminster City Council"]
    at.date_input(key="savings_month").set_value(date(2026, 10, 15))
    at.number_input(key="savings_amount").set_value(42_500.0)
    at.text_input(key="savings_note").set_value("Period 7 outturn")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    assert any("Recorded £42,500 saved by WCC in Oct 2026" in shown(s.value) for s in at.success)
    with Session(prepare_database(fresh)) as session:
        [saved] = storage.realised_savings(session=session)
        lines = storage.history(session=session, user="wcc-editor")
    assert (saved.council, saved.month, saved.amount) == ("WCC", date(2026, 10, 1), 42_500)
    assert any(line.kind == "saving" and line.new == "42500.0" for line in lines)
    at.run()
    table = table_with(at, "Recorded by")
    assert list(table["Saved"]) == [42_500]
    assert list(table["Month"]) == [pd.Timestamp(2026, 10, 1)], "a month that sorts as a date"


def test_a_frozen_baseline_keeps_the_savings_it_promised(fresh: str, sample_estate: Estate) -> None:
    board = screen("pages/board.py", Actor("kim", "admin"))
    board.text_input(key="board_baseline_name").set_value("Board Nov 2026")
    board.button(key="board_freeze").click().run()
    assert not board.exception
    with Session(prepare_database(fresh)) as session:
        [kept] = storage.baselines(session=session)
    promised = promised_frame(kept.savings)
    result = savings(sample_estate, schedule(sample_estate, TODAY))
    assert promised["amount"].sum() == pytest.approx(result.total()["savings"], abs=1)
    at = screen("pages/savings.py", Actor("kim", "admin"))
    assert at.selectbox(key="savings_baseline").value == "Board Nov 2026"


def test_a_scenario_shows_whether_leaving_early_pays() -> None:
    at = screen("pages/scenarios.py", Actor("kim", "admin"))
    at.selectbox(key="scenarios_kind").set_value("Leave a contract early").run()
    contract = at.selectbox(key="scenarios_contract")
    contract.set_value(next(o for o in contract.options if "RBKC-SD-003" in o))
    at.number_input(key="scenarios_fee").set_value(50_000.0)
    at.date_input(key="scenarios_on").set_value(date(2027, 12, 31))
    next(b for b in at.button if b.label == "Add this change").click().run()
    assert not at.exception
    exits = table_with(at, "verdict")
    assert list(exits["contract"]) == ["RBKC-SD-003"]
    assert exits["fee"].iloc[0] == 50_000
    assert exits["verdict"].iloc[0] in ("Pays", "Does not pay")
    savings_table = table_with(at, "scenario_savings")
    assert list(savings_table["council"])[-1] == "Programme"
    for payback in ("live_payback", "scenario_payback"):
        assert pd.api.types.is_datetime64_any_dtype(savings_table[payback]), "sorts as dates"


def test_a_viewer_is_not_sent_to_a_form_they_do_not_have(fresh: str) -> None:
    viewer = screen("pages/savings.py", Actor("viewer", "viewer"))
    (said,) = [i.value for i in viewer.info if "No realised savings" in i.value]
    assert "form below" not in said and not viewer.get("form")
    assert "Each council's editors record finance's actuals here" in said
    editor = screen("pages/savings.py", Actor("wcc-editor", "editor", frozenset({"WCC"})))
    assert any("form below" in i.value for i in editor.info)
