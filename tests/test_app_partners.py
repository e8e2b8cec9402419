"""The Partners screen, headless: a council's partners among organisations known from market
data, a partner's contracts side by side, and a scenario started with a partner."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from convergence.planning.partners import Market, partners
from convergence.records.estate import Estate, System
from convergence.registers.market import preview_market
from convergence.store.access import Actor
from tests.test_app import (  # noqa: F401 (fresh_caches: the same autouse fixture)
    app,
    chart_rows,
    database,
    fresh_caches,
    text_of,
)

MARKET = Path(__file__).resolve().parent / "fixtures" / "registers" / "contracts-finder-market.csv"


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The table on the screen with `column`."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


@pytest.fixture()
def with_market(sample_estate: Estate) -> Estate:
    """The sample and the organisations of a Contracts Finder file, one with a system."""
    found = preview_market(MARKET.read_bytes(), MARKET.name, estate=sample_estate).to_estate()
    kent = System("KCC", "Desktop", "desktop", "m0000000-0000", "Lot 1 End-user computing", 150)
    joined = Estate(
        councils=(*sample_estate.councils, *found.councils),
        towers=(*sample_estate.towers, *found.towers),
        lots=sample_estate.lots,
        contracts=(*sample_estate.contracts, *found.contracts),
        systems=sample_estate.systems,
        dependencies=sample_estate.dependencies,
    )
    return replace(joined, systems=(*joined.systems, kent))


def test_the_partners_screen_ranks_a_councils_partners_and_shows_a_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_market: Estate
) -> None:
    database(tmp_path, monkeypatch, with_market)
    at = app().switch_page("pages/partners.py").run()
    assert not at.exception
    at.selectbox(key="partners_council").set_value("WCC").run()
    expected = partners(Market.of(with_market), "WCC")
    shown = table_with(at, "partner_name")
    assert list(shown["partner"]) == list(expected["partner"])
    assert "Medway Council" in set(shown["partner_name"])
    at.selectbox(key="partners_partner").set_value("MC").run()
    assert not at.exception
    timeline = chart_rows(at)
    assert {"Westminster City Council", "Medway Council"} <= set(timeline["organisation"])
    pairs = table_with(at, "partner_contract")
    assert list(pairs["tower"]) == ["Identity & email"]  # tower names, not codes
    assert "is left out: it cannot be matched" in "\n".join(c.value for c in at.caption)


def test_a_scenario_started_with_a_partner_brings_it_into_the_programme(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_market: Estate
) -> None:
    database(tmp_path, monkeypatch, with_market)
    at = app().switch_page("pages/partners.py").run()
    at.selectbox(key="partners_council").set_value("RBKC").run()
    at.selectbox(key="partners_partner").set_value("KCC").run()
    at.button(key="partners_scenario").click().run()
    assert not at.exception
    assert "Kent County Council (KCC) joins the programme" in text_of(at)
    assert at.text_input(key="scenarios_name_(a new scenario)").value == (
        "With Kent County Council"
    )
    joining = next(d.value for d in at.dataframe if "live_cutover" not in d.value.columns
                   and "scenario_cutover" in d.value.columns)  # fmt: skip
    assert list(zip(joining["council"], joining["system"], strict=True)) == [("KCC", "Desktop")]
    assert "1 system joins the plan." in text_of(at)


def test_a_viewer_reads_partners_but_starts_no_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_market: Estate
) -> None:
    database(tmp_path, monkeypatch, with_market)
    at = app(Actor("reader", "viewer")).switch_page("pages/partners.py").run()
    assert not at.exception
    assert "MC" in set(table_with(at, "partner_name")["partner"])
    assert not [b for b in at.button if b.key == "partners_scenario"]
