"""Links that keep their place, headless: a screen's filters and chosen system are read from
the address's query parameters and written back to it; a wrong value is left out in words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from convergence.records.estate import Estate
from convergence.store import storage
from convergence.store.access import SYSTEM, Actor
from convergence.store.db import prepare_database
from tests.conftest import shown

APP = str(Path(__file__).resolve().parent.parent / "app.py")
RED_IN_RBKC = {"Geographic information system", "Pensions portal"}


@pytest.fixture(autouse=True)
def sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    url = f"sqlite:///{tmp_path / 'links.sqlite'}"
    engine = prepare_database(url)
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        storage.add_user(
            session=session, name="ada", role="admin", password="admins-password", actor=None
        )
    engine.dispose()
    monkeypatch.setenv("CONVERGENCE_DATABASE_URL", url)
    monkeypatch.setenv("CONVERGENCE_TODAY", "2026-11-22")
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def opened(page: str, **query: str | list[str]) -> AppTest:
    """`page` opened by a signed-in admin at an address with these query parameters."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["common_actor"] = Actor("ada", "admin")
    at.run()
    at.switch_page(page)
    at.query_params.update(query)
    at.run()
    assert not at.exception
    return at


def drawn(at: AppTest, column: str) -> set[str]:
    """The values of `column` among the Gantt's rows."""
    element = at.get("vega_lite_chart")[0]
    frames = [
        pa.ipc.open_stream(d.data.data).read_all().to_pandas()
        for d in element.proto.datasets  # type: ignore[attr-defined]
    ]
    return set(pd.concat(frames)[column].dropna()) - {""}


def infos(at: AppTest) -> str:
    return "\n".join(shown(i.value) for i in at.info)


def test_a_link_opens_the_roadmap_filtered() -> None:
    at = opened("pages/roadmap.py", council="RBKC", rag="red")
    assert at.multiselect(key="roadmap_councils").value == ["RBKC"]
    assert at.multiselect(key="roadmap_rags").value == ["red"]
    assert drawn(at, "system") == RED_IN_RBKC
    assert at.query_params == {"council": "RBKC", "rag": "red"}, "the address keeps them"


def test_several_councils_and_a_chosen_system_come_from_the_link() -> None:
    at = opened("pages/roadmap.py", council=["WCC", "RBKC"], system="Pensions portal (RBKC)")
    assert at.multiselect(key="roadmap_councils").value == ["RBKC", "WCC"]
    assert at.selectbox(key="roadmap_system").value == "Pensions portal (RBKC)"
    assert any("Pensions portal (RBKC)" in shown(h.value) for h in at.subheader)


def test_changing_a_filter_writes_it_to_the_address() -> None:
    at = opened("pages/roadmap.py")
    assert at.query_params == {}
    at.multiselect(key="roadmap_councils").set_value(["LBHF"]).run()
    at.multiselect(key="roadmap_towers").set_value(["desktop", "identity"]).run()
    assert at.query_params == {"council": "LBHF", "tower": ["desktop", "identity"]}
    at.selectbox(key="roadmap_system").set_value("HFBP desktop (LBHF)").run()
    assert at.query_params["system"] == "HFBP desktop (LBHF)"
    at.multiselect(key="roadmap_councils").set_value([]).run()
    assert "council" not in at.query_params, "all councils: no council in the address"
    at.selectbox(key="roadmap_system").set_value("—").run()
    assert "system" not in at.query_params


def test_the_cutover_window_comes_from_the_link_and_goes_back_to_it() -> None:
    at = opened("pages/roadmap.py", **{"from": "2027-01-01", "until": "2027-06-30"})
    window = at.date_input(key="roadmap_window").value
    assert [str(day) for day in window] == ["2027-01-01", "2027-06-30"]
    assert "of 42 systems in the plan shown" in at.caption[0].value
    assert not at.caption[0].value.startswith("42 of")


def test_a_council_that_does_not_exist_is_left_out_in_words() -> None:
    at = opened(
        "pages/roadmap.py",
        council=["NOPE", "RBKC"],
        rag="purple",
        until="soon",
        tower="",
        system="",
    )
    assert at.multiselect(key="roadmap_councils").value == ["RBKC"]
    assert at.multiselect(key="roadmap_rags").value == []
    said = infos(at)
    assert "This link's council 'NOPE' is not on this screen" in said
    assert "This link's rag 'purple' is not on this screen" in said
    assert "This link's until 'soon' is not on this screen" in said
    assert "tower" not in said and "system" not in said, "an empty value names nothing"
    assert at.query_params == {"council": "RBKC"}, "the address is corrected"
    at.run()
    assert not infos(at), "said once"


def test_a_system_filtered_out_or_unknown_falls_back_to_none() -> None:
    at = opened("pages/roadmap.py", council="WCC", system="Pensions portal (RBKC)")
    assert at.selectbox(key="roadmap_system").value == "—"
    assert "system 'Pensions portal (RBKC)' is not on this screen" in infos(at)
    assert "system" not in at.query_params


def test_dependencies_open_on_the_linked_system() -> None:
    at = opened("pages/dependencies.py", system="Pensions portal (RBKC)")
    assert at.selectbox(key="dependencies_system").value == "Pensions portal (RBKC)"
    assert any("Pensions portal (RBKC)" in shown(m.value) for m in at.markdown)
    at.selectbox(key="dependencies_system").set_value("—").run()
    assert "system" not in at.query_params


def test_the_grid_opens_on_the_linked_quarter() -> None:
    at = opened("pages/grid.py", quarter="Q3 2027")
    assert at.selectbox(key="grid_quarter").value == "Q3 2027"
    assert any("end of Q3 2027" in h.value for h in at.subheader)
    at.selectbox(key="grid_quarter").set_value("Q4 2027").run()
    assert at.query_params["quarter"] == "Q4 2027"
    assert not opened("pages/grid.py", quarter="Q9 1999").exception


def test_partners_open_on_the_linked_council() -> None:
    at = opened("pages/partners.py", council="RBKC")
    assert at.selectbox(key="partners_council").value == "RBKC"
    partner = at.selectbox(key="partners_partner").value
    pair = [shown(h.value) for h in at.subheader if shown(h.value).startswith("Royal Borough")]
    assert pair and pair[0].startswith("Royal Borough of Kensington and Chelsea and ")
    linked = opened("pages/partners.py", council="RBKC", partner=partner)
    assert linked.selectbox(key="partners_partner").value == partner
    assert not opened("pages/partners.py", council="ZZZ", partner="ZZZ").exception


def test_signing_in_opens_the_address_asked_for_with_its_filters() -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/roadmap.py")  # the address asked for, before signing in
    at.query_params.update({"council": "RBKC", "rag": "red"})
    at.run()
    assert any("Sign in" in h.value for h in at.subheader)
    at.text_input(key="signin_name").set_value("ada")
    at.text_input(key="signin_password").set_value("admins-password")
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Roadmap"]
    assert drawn(at, "system") == RED_IN_RBKC
