"""The screens on the county sample: two successor authorities, vesting day, surviving systems,
day-one systems and hosting."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from convergence.formatting import counted
from convergence.planning import roadmap as rm
from convergence.planning.engine import schedule
from convergence.records.estate import Estate
from convergence.records.estate_files import read_estate
from tests.test_app import (  # noqa: F401 (fresh_caches: the same autouse fixture)
    EDITING,
    PAGES,
    TODAY,
    app,
    chart_rows,
    database,
    fresh_caches,
    text_of,
)

COUNTY = Path(__file__).resolve().parent.parent / "data" / "county"


@pytest.fixture(scope="module")
def county() -> Estate:
    return read_estate(COUNTY)


@pytest.mark.parametrize("page", PAGES + EDITING)
def test_every_screen_runs_on_the_county_sample(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, county: Estate
) -> None:
    database(tmp_path, monkeypatch, county)
    at = app().switch_page(page).run()
    assert not at.exception


def test_the_overview_has_a_row_per_successor_with_its_day_one_systems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, county: Estate
) -> None:
    database(tmp_path, monkeypatch, county)
    roadmap = schedule(county, pd.Timestamp(TODAY).date())
    expected = rm.successors_at_vesting(roadmap)
    at = app()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "day_one_on_time" in d.value.columns)
    assert list(table["name"]) == [
        "North Kestrelshire Council (illustrative)",
        "South Kestrelshire Council (illustrative)",
    ]
    assert list(table["day_one_late"]) == list(expected["day_one_late"])
    assert list(table["day_one"]) == list(expected["day_one"]) and expected["day_one"].min() > 0
    metrics = {m.label: m.value for m in at.metric}
    days = (pd.Timestamp("2028-04-01") - pd.Timestamp(TODAY)).days
    assert metrics["Days to vesting day (North Kestrelshire Council (illustrative))"] == f"{days:,}"
    late = rm.day_one_at_risk(roadmap)
    assert f"{counted(len(late), 'day-one system')} will not be on their target by vesting day" in (
        text_of(at)
    )


def test_the_roadmap_draws_vesting_day_and_filters_by_successor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, county: Estate
) -> None:
    database(tmp_path, monkeypatch, county)
    at = app().switch_page("pages/roadmap.py").run()
    rows = chart_rows(at)
    vesting = rows[rows["kind"] == "vesting"]
    assert set(vesting["marker"]) == {"NKU", "SKU"}
    assert set(pd.to_datetime(vesting["begin"], unit="ms").dt.date.astype(str)) == {"2028-04-01"}
    assert (rows["marker"] == "Day one: due by vesting day").any()
    assert rows["row"].str.contains("→ Oracle finance \\(North\\) \\(KCC\\)").any()
    at.multiselect(key="roadmap_successors").set_value(["SKU"]).run()
    shown = chart_rows(at)
    bars = shown[shown["kind"] == "bar"]
    assert set(bars["council"]) == {"CVDC", "DDC", "EDC", "KCC"}
    assert set(shown.loc[shown["kind"] == "vesting", "marker"]) == {"SKU"}


def test_choosing_a_consolidating_system_says_onto_what_and_for_whom(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, county: Estate
) -> None:
    database(tmp_path, monkeypatch, county)
    at = app().switch_page("pages/roadmap.py").run()
    at.selectbox(key="roadmap_system").set_value("Finance system (ADC)").run()
    words = text_of(at)
    assert "consolidates onto Oracle finance (North) (KCC), which cuts over" in words
    assert "Consolidates onto the surviving system Oracle finance (North) (KCC)." in words
    assert "a day-one system, due on its target by then" in words


def test_an_admin_edits_successor_authorities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, county: Estate
) -> None:
    database(tmp_path, monkeypatch, county)
    at = app().switch_page("pages/records.py").run()
    at.radio(key="records_kind").set_value("Successor authorities").run()
    assert not at.exception
    titles = at.selectbox(key="records_pick_Successor authorities").options
    assert any(t.startswith("NKU — North Kestrelshire") for t in titles)


def test_the_grid_and_savings_are_viewed_by_successor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, county: Estate
) -> None:
    database(tmp_path, monkeypatch, county)
    at = app().switch_page("pages/grid.py").run()
    at.radio(key="grid_rows").set_value("Successor authorities").run()
    assert not at.exception
    assert set(chart_rows(at)["council"]) == {"NKU", "SKU"}
    at = app().switch_page("pages/savings.py").run()
    assert not at.exception
    titles = [s.value for s in at.subheader]
    assert "Cumulative savings by successor authority" in titles


def test_a_scenario_moves_a_council_to_a_new_successor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, county: Estate
) -> None:
    database(tmp_path, monkeypatch, county)
    at = app().switch_page("pages/scenarios.py").run()
    at.selectbox(key="scenarios_kind").set_value("Weigh a new successor authority").run()
    at.text_input(key="scenarios_successor_code").set_value("EKU")
    at.text_input(key="scenarios_successor_name").set_value("East Kestrelshire")
    at.button[0].click().run()  # the form's "Add this change"
    at.selectbox(key="scenarios_kind").set_value("Move a council to another successor").run()
    at.selectbox(key="scenarios_council").set_value("EDC")
    at.selectbox(key="scenarios_into").set_value("EKU")
    at.button[0].click().run()
    assert not at.exception
    structures = next(d.value for d in at.dataframe if "day_one_late_scenario" in d.value.columns)
    assert set(structures["successor"]) == {"NKU", "SKU", "EKU"}
    assert "2. EDC becomes part of EKU" in text_of(at)
