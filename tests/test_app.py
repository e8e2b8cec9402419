"""Every screen, headless with Streamlit's AppTest, on the sample estate and an empty one."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from convergence.formatting import uk_date
from convergence.planning import roadmap as rm
from convergence.planning.baselines import freeze
from convergence.planning.engine import schedule, schedule_columns
from convergence.records.columns import EstateColumns
from convergence.records.estate import Dependency, Estate
from convergence.records.generate import generate_estate
from convergence.store import storage
from convergence.store.access import SYSTEM, Actor
from convergence.store.db import prepare_database
from pages import common
from pages.common import plain
from tests.conftest import shown

TODAY = "2026-11-22"
APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = [
    "pages/overview.py",
    "pages/roadmap.py",
    "pages/dependencies.py",
    "pages/grid.py",
    "pages/savings.py",
]
EDITING = [
    "pages/records.py",
    "pages/history.py",
    "pages/imports.py",
    "pages/scenarios.py",
    "pages/board.py",
    "pages/partners.py",
    "pages/decisions.py",
]


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, estate: Estate | None) -> str:
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    engine = prepare_database(url)
    if estate is not None:
        with Session(engine) as session:
            storage.save_estate(session=session, estate=estate, actor=SYSTEM)
    engine.dispose()
    monkeypatch.setenv("CONVERGENCE_DATABASE_URL", url)
    monkeypatch.setenv("CONVERGENCE_TODAY", TODAY)
    return url


TESTER = Actor("tester", "admin")


def app(actor: Actor = TESTER) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["common_actor"] = actor
    at.run()
    return at


def chart_rows(at: AppTest, index: int = 0) -> pd.DataFrame:
    element = at.get("vega_lite_chart")[index]
    frames = [
        pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in element.proto.datasets
    ]  # type: ignore[attr-defined]
    return pd.concat(frames, ignore_index=True)


def text_of(at: AppTest) -> str:
    """The text a person reads on the screen: Markdown's backslash escapes shown as the
    characters they escape (see pages.common.plain)."""
    parts = [m.value for m in at.markdown] + [str(m.value) for m in at.metric]
    parts += (
        [e.value for e in at.info] + [e.value for e in at.error] + [e.value for e in at.warning]
    )
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", "\n".join(parts))


@pytest.mark.parametrize("page", PAGES)
def test_every_screen_runs_on_the_sample(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    database(tmp_path, monkeypatch, sample_estate)
    at = app().switch_page(page).run()
    assert not at.exception
    assert at.get("vega_lite_chart"), "the screen draws its chart"


def test_overview_headlines_match_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    database(tmp_path, monkeypatch, sample_estate)
    roadmap = schedule(sample_estate, pd.Timestamp(TODAY).date())
    at = app()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Programme converged by"] == uk_date(rm.programme_date(roadmap))
    red = int((roadmap.plans["rag"] == "red").sum())
    assert metrics["At risk (red / amber)"].startswith(f"{red} / ")
    amber = int((roadmap.plans["rag"] == "amber").sum())
    exact = {m.label: m.proto.help for m in at.metric}  # shown on hovering, however large
    assert exact["At risk (red / amber)"] == f"{red:,} red, {amber:,} amber"
    scope = rm.in_scope(roadmap.plans)
    converged = int((scope["cutover"] <= pd.Timestamp(TODAY)).sum())
    assert metrics["On the framework today"] == f"{converged / len(scope):.0%}"
    in_words = f"{converged:,} of the {len(scope):,} systems in scope"
    assert exact["On the framework today"] == in_words
    assert metrics["Decisions due in 6 months"] == str(len(rm.decisions_due(roadmap, 6)))
    tables = [t.value for t in at.dataframe]
    assert any("Serve notice on" in " ".join(map(str, t.get("action", []))) for t in tables)


def test_roadmap_filters_change_what_is_drawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    database(tmp_path, monkeypatch, sample_estate)
    at = app().switch_page("pages/roadmap.py").run()
    assert set(chart_rows(at)["council"].dropna()) == {"WCC", "LBHF", "RBKC"}
    at.multiselect(key="roadmap_councils").set_value(["RBKC"]).run()
    assert set(chart_rows(at)["council"].dropna()) == {"RBKC"}
    at.multiselect(key="roadmap_rags").set_value(["red"]).run()
    systems = set(chart_rows(at)["system"].dropna()) - {""}
    assert systems == {"Geographic information system", "Pensions portal"}


def test_choosing_a_system_explains_its_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    database(tmp_path, monkeypatch, sample_estate)
    at = app().switch_page("pages/roadmap.py").run()
    at.selectbox(key="roadmap_system").set_value("Desktop (WCC)").run()
    shown = text_of(at)
    assert (
        "Desktop (WCC) cuts over 19 Jul 2027: waits for Active Directory & Exchange (WCC)" in shown
    )
    assert "Active Directory & Exchange (WCC) cuts over 5 Feb 2027" in shown
    assert {m.label: m.value for m in at.metric}["Serve notice by"] == "18 Jan 2027"
    # the chart brings the chosen system forward
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    rows = chart_rows(at).dropna(subset=["phase"])
    order = rows.loc[(rows.council == "WCC") & (rows.system == "Desktop"), "order"].iloc[0]
    opacity = spec["spec"]["layer"][1]["encoding"]["opacity"]  # behind the bars: freeze shading
    assert opacity["condition"]["test"] == {"field": "order", "equal": int(order)}
    at.selectbox(key="roadmap_system").set_value("—").run()
    assert not at.subheader


def test_dependencies_screen_lists_what_a_system_waits_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    database(tmp_path, monkeypatch, sample_estate)
    at = app().switch_page("pages/dependencies.py").run()
    at.selectbox(key="dependencies_system").set_value("Desktop (WCC)").run()
    waits, waited = (frame.value for frame in at.dataframe)
    assert list(waits["system"]) == ["Active Directory & Exchange"]
    assert set(waited["system"]) == {"Managed print", "Service desk"}


@pytest.mark.parametrize("page", PAGES)
def test_an_empty_estate_says_what_to_do(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database(tmp_path, monkeypatch, None)
    at = app().switch_page(page).run()
    assert not at.exception
    assert "Load the sample tri-borough estate" in text_of(at)


def test_loading_the_sample_from_the_empty_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database(tmp_path, monkeypatch, None)
    at = app()
    at.button(key="common_load_sample").click().run()
    assert not at.exception
    assert {m.label for m in at.metric} >= {"Programme converged by"}


def add_cycle(url: str) -> None:
    """Write a cycle straight into the table, as a faulty import from elsewhere might."""
    from sqlalchemy import text

    engine = prepare_database(url)
    with engine.begin() as connection:
        ids = dict(
            connection.execute(
                text(
                    "SELECT s.name, s.id FROM system s JOIN council c ON c.id = s.council_id "
                    "WHERE c.code = 'WCC'"
                )
            ).all()
        )
        connection.execute(
            text(
                "INSERT INTO dependency (system_id, needs_system_id, lag_days, version) "
                "VALUES (:a, :b, 0, 1)"
            ),
            {"a": ids["Active Directory & Exchange"], "b": ids["Service desk"]},
        )
        connection.execute(text("UPDATE estate_revision SET revision = revision + 1"))
    engine.dispose()


@pytest.mark.parametrize("page", PAGES)
def test_a_cycle_is_shown_in_words(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    add_cycle(database(tmp_path, monkeypatch, sample_estate))
    at = app().switch_page(page).run()
    assert not at.exception
    errors = shown(" ".join(e.value for e in at.error))
    assert "wait for each other in a circle" in errors
    assert "Service desk (WCC)" in errors and "Desktop (WCC)" in errors
    assert not at.get("vega_lite_chart"), "no chart of an impossible schedule"
    assert Dependency  # the record type the cycle is made of


@pytest.mark.parametrize("page", EDITING)
def test_editing_screens_run_on_sample_and_empty_estates(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    database(tmp_path, monkeypatch, sample_estate)
    assert not app().switch_page(page).run().exception
    (tmp_path / "empty").mkdir()
    database(tmp_path / "empty", monkeypatch, None)
    st.cache_data.clear()
    st.cache_resource.clear()
    assert not app().switch_page(page).run().exception


def test_roadmap_filters_by_tower_supplier_and_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    database(tmp_path, monkeypatch, sample_estate)
    at = app().switch_page("pages/roadmap.py").run()
    at.multiselect(key="roadmap_towers").set_value(["desktop"]).run()
    assert set(chart_rows(at)["tower"].dropna()) == {"desktop"}
    at.multiselect(key="roadmap_towers").set_value([]).run()
    plans = schedule(sample_estate, date.fromisoformat(TODAY)).plans
    at.multiselect(key="roadmap_suppliers").set_value(["Unit4"]).run()
    unit4 = plans[plans["supplier"] == "Unit4"]
    assert len(unit4) > 1
    assert set(chart_rows(at)["system"].dropna()) == set(unit4["system"])
    at.multiselect(key="roadmap_suppliers").set_value([]).run()
    at.date_input(key="roadmap_window").set_value((date(2027, 1, 1), date(2027, 6, 30))).run()
    expected = plans[
        (plans["state"] != "retained")
        & plans["cutover"].between(pd.Timestamp(2027, 1, 1), pd.Timestamp(2027, 6, 30))
    ]
    drawn = chart_rows(at).dropna(subset=["phase"])
    assert set(zip(drawn["council"], drawn["system"], strict=True)) == set(
        zip(expected["council"], expected["system"], strict=True)
    )
    assert f"{len(expected)} of 42 systems in the plan shown" in at.caption[0].value


def test_a_filter_that_matches_nothing_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    database(tmp_path, monkeypatch, sample_estate)
    at = app().switch_page("pages/roadmap.py").run()
    at.multiselect(key="roadmap_councils").set_value(["WCC"])
    at.multiselect(key="roadmap_suppliers").set_value(["Esri UK"]).run()
    assert not at.exception
    assert "No system matches these filters." in text_of(at)


def test_a_large_estate_is_summed_up_by_council_and_tower(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    estate = generate_estate(councils=2, systems_per_council=200, dependencies=300, seed=7)
    database(tmp_path, monkeypatch, estate)
    at = app().switch_page("pages/roadmap.py").run()
    assert not at.exception
    assert "Each row sums up a council's tower" in at.caption[0].value
    rows = chart_rows(at).dropna(subset=["phase"])
    assert (rows["system"] == "").all() and rows["row"].str.endswith("systems)").all()
    at.toggle(key="roadmap_by_system").set_value(True).run()  # every system, a page at a time
    rows = chart_rows(at).dropna(subset=["phase"])
    assert (
        rows["system"].nunique() == 100 and "systems 1–100 in reading order" in at.caption[0].value
    )
    at.number_input(key="roadmap_page").set_value(4).run()
    last = chart_rows(at).dropna(subset=["phase"])
    assert last["system"].nunique() == 84 and "systems 301–384" in at.caption[0].value
    at.toggle(key="roadmap_by_system").set_value(False)
    at.multiselect(key="roadmap_councils").set_value(["C001"])
    at.multiselect(key="roadmap_towers").set_value(["desktop"]).run()
    rows = chart_rows(at).dropna(subset=["phase"])
    assert (rows["system"] != "").all(), "a small view shows each system"


def test_the_gantt_shows_a_baselines_ghosts_the_critical_path_and_zooms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    url = database(tmp_path, monkeypatch, sample_estate)
    roadmap = schedule(sample_estate, date.fromisoformat(TODAY))
    plans = roadmap.plans
    earlier = plans.assign(cutover=plans["cutover"] - pd.Timedelta(days=90))
    with Session(prepare_database(url)) as session:
        storage.freeze_baseline(
            session=session,
            name="Board 1",
            planning_date=roadmap.today,
            plans=freeze(dataclasses.replace(roadmap, plans=earlier)),
            actor=SYSTEM,
        )
    at = app().switch_page("pages/roadmap.py").run()
    drawn = chart_rows(at)
    on_path = {(plans.at[r, "council"], plans.at[r, "system"]) for r in rm.critical_path(roadmap)}
    outlined = drawn[drawn["critical"] == True]  # noqa: E712 (a column of booleans and blanks)
    assert set(zip(outlined["council"], outlined["system"], strict=True)) == on_path
    assert "ghost" not in set(drawn["kind"])
    at.selectbox(key="roadmap_baseline").set_value("Board 1").run()
    ghosts = chart_rows(at).query("kind == 'ghost'")
    assert len(ghosts) == int(rm.in_scope(plans)["cutover"].notna().sum())
    assert set(ghosts["marker"]) == {"Baseline Board 1"}
    at.slider(key="roadmap_zoom").set_value((date(2027, 1, 1), date(2028, 12, 31))).run()
    assert not at.exception
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "2027-01-01" in json.dumps(spec)


def test_every_chart_offers_png_svg_and_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    database(tmp_path, monkeypatch, sample_estate)
    at = app()
    for page in PAGES:
        at.switch_page(page).run()
        labels = [b.proto.label for b in at.get("download_button")]
        charts = len(at.get("vega_lite_chart"))
        assert charts >= 1, page
        assert labels == ["Download PNG", "Download SVG", "Download data (CSV)"] * charts, page


def test_the_roadmap_is_worked_out_once_until_the_estate_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    url = database(tmp_path, monkeypatch, sample_estate)
    calls: list[date] = []

    def counting(columns: EstateColumns, today: date) -> Any:
        calls.append(today)
        return schedule_columns(columns, today)

    monkeypatch.setattr(common, "schedule_columns", counting)
    at = app().switch_page("pages/roadmap.py").run()
    at.selectbox(key="roadmap_system").set_value("HFBP hosting (LBHF)").run()
    at.multiselect(key="roadmap_councils").set_value(["LBHF"]).run()
    assert len(calls) == 1, "reruns without a change reuse the roadmap"
    assert "cuts over 1 Nov 2027" in text_of(at)
    later = tuple(
        dataclasses.replace(c, end=date(2028, 10, 31), max_end=date(2028, 10, 31))
        if c.reference == "LBHF-HF-001"
        else c
        for c in sample_estate.contracts
    )
    engine = prepare_database(url)
    with Session(engine) as session:
        storage.save_estate(
            session=session,
            estate=dataclasses.replace(sample_estate, contracts=later),
            actor=SYSTEM,
        )
    engine.dispose()
    at.run()
    assert len(calls) == 2, "a saved change is worked out at once"
    assert "HFBP hosting (LBHF) cuts over 1 Nov 2028" in text_of(at)


def test_the_roadmap_money_and_partner_screens_build_no_object_per_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    database(tmp_path, monkeypatch, sample_estate)
    loads: list[int] = []
    load_estate = storage.load_estate

    def counting(**given: Any) -> Estate:
        loads.append(1)
        return load_estate(**given)

    monkeypatch.setattr(storage, "load_estate", counting)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["common_actor"] = TESTER
    pages = ("overview", "roadmap", "grid", "dependencies", "decisions", "savings", "partners")
    for page in pages:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
        assert at.get("vega_lite_chart") or at.dataframe, page
    for page in ("board", "history", "users"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
    assert loads == [], "planned, costed and matched from the columns, named from the outline"
    at.switch_page("pages/records.py").run()
    assert not at.exception
    assert loads == [1], "the records screen checks each record: the records are loaded once"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Payroll & HR (LBHF)", "Payroll \\& HR \\(LBHF\\)"),
        ("[link](https://example.org)", "\\[link\\]\\(https\\:\\/\\/example\\.org\\)"),
        ("*bold* _it_ `code`", "\\*bold\\* \\_it\\_ \\`code\\`"),
        ("£5 or $5 <b>", "£5 or \\$5 \\<b\\>"),
        (":red[alarm]", "\\:red\\[alarm\\]"),
        ("![b](http://host/beacon.png)", "\\!\\[b\\]\\(http\\:\\/\\/host\\/beacon\\.png\\)"),
        ("www.evil.example a@b.org", "www\\.evil\\.example a\\@b\\.org"),
    ],
)
def test_estate_text_is_never_formatting(typed: str, shown: str) -> None:
    assert plain(typed) == shown


def test_a_system_name_with_markdown_is_shown_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    odd = "Payroll *urgent* [see](https://example.org)"
    systems = tuple(
        dataclasses.replace(s, name=odd) if s.key == ("LBHF", "Payroll & HR") else s
        for s in sample_estate.systems
    )
    dependencies = tuple(
        dataclasses.replace(d, system=odd)
        if d.dependant == ("LBHF", "Payroll & HR")
        else dataclasses.replace(d, needs_system=odd)
        if d.prerequisite == ("LBHF", "Payroll & HR")
        else d
        for d in sample_estate.dependencies
    )
    renamed = dataclasses.replace(sample_estate, systems=systems, dependencies=dependencies)
    database(tmp_path, monkeypatch, renamed)
    at = app().switch_page("pages/roadmap.py").run()
    at.selectbox(key="roadmap_system").set_value(f"{odd} (LBHF)").run()
    assert not at.exception
    assert at.subheader[0].value == plain(f"{odd} (LBHF)")
    assert any(plain(odd) in m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("page", "column"),
    [
        ("pages/overview.py", "forecast"),
        ("pages/overview.py", "cutover"),
        ("pages/overview.py", "due"),
        ("pages/savings.py", "current_end"),
        ("pages/savings.py", "paid_until"),
        ("pages/savings.py", "payback"),
        ("pages/grid.py", "holding_until"),
    ],
)
def test_dates_in_tables_are_dates(
    page: str, column: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    """Sorting a column of dates puts 28 Feb 2027 before 2 Apr 2027 (as text it came after)."""
    database(tmp_path, monkeypatch, sample_estate)
    at = app().switch_page(page).run()
    tables = [d.value for d in at.dataframe if column in d.value.columns]
    assert tables, f"no table with {column} on {page}"
    for table in tables:
        values = table[column]
        assert pd.api.types.is_datetime64_any_dtype(values) or all(
            isinstance(v, date) for v in values.dropna()
        ), values.dtype


WRITTEN_DATE = re.compile(r"(\d{1,2} )?[A-Z][a-z]{2} \d{4}")  # "2 Apr 2027", "Mar 2028"


@pytest.mark.parametrize("page", [*PAGES, *EDITING])
def test_no_table_holds_dates_written_as_text(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    """A date written as text sorts as text (2 Apr 2027, 2 May 2027, 28 Feb 2027): every
    table keeps dates as dates and leaves the writing to its column."""
    database(tmp_path, monkeypatch, sample_estate)
    at = app().switch_page(page).run()
    assert not at.exception
    for table in (d.value for d in at.dataframe):
        for column in table.select_dtypes(include=["object", "string"]).columns:
            written = [v for v in table[column] if WRITTEN_DATE.fullmatch(str(v))]
            assert not written, f"{page}: {column} holds {written[:3]}"


def test_the_overview_answers_the_cios_three_questions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    """What sets the programme's date (the critical path in words), what is overdue (a notice
    deadline passed with no notice served), and what is due in the next 90 days."""
    database(tmp_path, monkeypatch, sample_estate)
    at = app().switch_page("pages/overview.py").run()
    assert not at.exception
    text = text_of(at)
    assert (
        "Housing management (RBKC) cuts over 1 Oct 2030: contract RBKC-HM-013 ends 30 Sep 2030"
        in text
    )
    assert [t.label for t in at.tabs][0] == "Overdue (1)"
    assert [t.label for t in at.tabs][1].startswith("Next 90 days (")
    overdue = at.tabs[0].dataframe[0].value
    assert list(overdue["action"]) == [
        "Serve notice on Bytes Software Services (LBHF-ID-004): the deadline, 30 Sep 2026, "
        "has passed"
    ]


def test_a_large_estate_draws_the_graph_around_a_chosen_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    estate = generate_estate(councils=2, systems_per_council=300, dependencies=500, seed=7)
    database(tmp_path, monkeypatch, estate)
    at = app().switch_page("pages/dependencies.py").run()
    assert not at.get("vega_lite_chart")
    assert any("Pick a system" in i.value for i in at.info)
    roadmap = schedule(estate, date.fromisoformat(TODAY))
    waiting = int(roadmap.edges[0, 1])
    at.selectbox(key="dependencies_system").set_value(rm.label(roadmap.plans, waiting)).run()
    assert not at.exception and at.get("vega_lite_chart"), "drawn around the system"
    at.radio(key="dependencies_view").set_value("Whole councils").run()
    assert any("too many to read" in shown(i.value) for i in at.info)
