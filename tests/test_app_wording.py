"""What every screen says, in words a board reads: towers by name, not code; a count agrees
with its noun ('1 system moves'); nothing written 'None'; no emoji (Chromium on the
council's machines shows them as empty boxes); good news green whichever way its arrow
points."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from convergence.records.estate import Estate
from convergence.store import storage
from convergence.store.access import SYSTEM, Actor
from convergence.store.db import prepare_database
from tests.test_app_text import SCREENS, texts

APP = str(Path(__file__).resolve().parent.parent / "app.py")
ADMIN, VIEWER = Actor("kim", "admin"), Actor("viewer", "viewer")
ONE_MANY = re.compile(r"\b1 (systems|contracts|records|changes|problems|decisions|days)\b")


@pytest.fixture(autouse=True)
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate) -> Iterator[str]:
    st.cache_data.clear()
    st.cache_resource.clear()
    url = f"sqlite:///{tmp_path / 'wording.sqlite'}"
    engine = prepare_database(url)
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
    engine.dispose()
    monkeypatch.setenv("CONVERGENCE_DATABASE_URL", url)
    monkeypatch.setenv("CONVERGENCE_TODAY", "2026-11-22")
    yield url
    st.cache_data.clear()
    st.cache_resource.clear()


def screen(page: str, actor: Actor = ADMIN) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["common_actor"] = actor
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def everything_said(at: AppTest) -> list[str]:
    """Every text on the screen, and every choice its lists offer."""
    said = [text for _, text in texts(at._tree)]
    for kind in ("selectbox", "multiselect", "radio"):
        for widget in at.get(kind):
            said += [str(option) for option in widget.proto.options]
    return said


def assert_in_words(said: list[str], estate: Estate, where: str) -> None:
    codes = [t.code for t in estate.towers if "_" in t.code]  # "network" is also a word
    for text in said:
        for code in codes:
            assert not re.search(rf"\b{code}\b", text), f"{where}: tower code in {text!r}"
        assert not re.search(r"\b(None|nan|NaT)\b", text), f"{where}: {text!r}"
        assert not ONE_MANY.search(text), f"{where}: {text!r}"
        emoji = [c for c in text if unicodedata.category(c) == "So"]
        assert not emoji, f"{where}: {emoji} in {text!r}"


EDITORS_ONLY = ("pages/records.py", "pages/imports.py", "pages/scenarios.py")


@pytest.mark.parametrize(
    ("page", "actor"),
    [(page, ADMIN) for page in SCREENS]
    + [(page, VIEWER) for page in SCREENS if page not in EDITORS_ONLY],
    ids=lambda v: v.role if isinstance(v, Actor) else v,
)
def test_every_screen_speaks_in_words(page: str, actor: Actor, sample_estate: Estate) -> None:
    at = screen(page, actor)
    assert_in_words(everything_said(at), sample_estate, page)


@pytest.mark.parametrize(
    "kind",
    ["Add a freeze window", "Add a migration team (capacity rule)"],
)
def test_a_scenarios_freeze_or_team_names_towers(kind: str, sample_estate: Estate) -> None:
    at = screen("pages/scenarios.py")
    at.selectbox(key="scenarios_kind").set_value(kind).run()
    towers = next(s for s in at.selectbox if s.label == "Tower")
    assert "Line-of-business applications" in towers.options
    assert towers.options[0] == "All towers"
    assert_in_words(everything_said(at), sample_estate, kind)


@pytest.mark.parametrize("form", ["Systems", "Framework lots"])
def test_the_record_forms_name_towers(form: str, sample_estate: Estate) -> None:
    at = screen("pages/records.py")
    at.radio(key="records_kind").set_value(form).run()
    towers = next(s for s in at.selectbox if s.label == "Tower")
    assert "Desktop (end-user computing)" in towers.options
    assert_in_words(everything_said(at), sample_estate, form)


def test_a_system_needing_no_extension_says_so_in_words(sample_estate: Estate) -> None:
    at = screen("pages/roadmap.py")
    at.selectbox(key="roadmap_system").set_value("Customer portal (LBHF)").run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Extension needed"] == "Not needed"
    assert_in_words(everything_said(at), sample_estate, "a system chosen")


def add_change(at: AppTest, kind: str, **values: Any) -> None:
    at.selectbox(key="scenarios_kind").set_value(kind).run()
    for key, value in values.items():
        widget = at.selectbox(key=key) if key.endswith(("contract", "system")) else None
        if widget is not None:
            widget.set_value(next(o for o in widget.options if str(value) in o))
        elif isinstance(value, date):
            at.date_input(key=key).set_value(value)
        else:
            at.number_input(key=key).set_value(value)
    next(b for b in at.button if b.label == "Add this change").click().run()
    assert not at.exception


def test_one_system_moving_is_said_in_the_singular() -> None:
    at = screen("pages/scenarios.py")
    add_change(
        at, "Change a transition", scenarios_system="Customer portal (LBHF)", scenarios_days=90
    )
    assert any(m.value == "1 system moves." for m in at.markdown)


def arrow(at: AppTest, label: str) -> tuple[str, str]:
    """The metric's arrow and colour, as the browser draws them."""
    metric = next(m for m in at.metric if m.label.startswith(label)).proto
    return (
        MetricProto.MetricDirection.Name(metric.direction),
        MetricProto.MetricColor.Name(metric.color),
    )


def test_good_news_is_green_and_bad_news_red_whichever_way_its_arrow_points() -> None:
    later = screen("pages/scenarios.py")
    add_change(
        later, "Extend a contract", scenarios_contract="RBKC-HM-013", scenarios_on=date(2031, 3, 31)
    )
    assert arrow(later, "Programme convergence") == ("UP", "RED")  # later: bad
    assert arrow(later, "Saved by") == ("DOWN", "RED")  # less saved: bad
    sooner = screen("pages/scenarios.py")
    add_change(
        sooner,
        "Leave a contract early",
        scenarios_contract="RBKC-HM-013",
        scenarios_on=date(2029, 6, 30),
        scenarios_fee=0.0,
    )
    assert arrow(sooner, "Programme convergence") == ("DOWN", "GREEN")  # sooner: good
    assert arrow(sooner, "Saved by") == ("UP", "GREEN")  # more saved: good
