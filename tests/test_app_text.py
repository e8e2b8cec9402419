"""People's text is never Markdown on any screen: an estate whose every name, title and
supplier carries a link, an image and bold text is shown, on every screen and in every
message, label and tooltip, with nothing live."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from convergence.records.estate import Council, Estate
from convergence.store import storage
from convergence.store.access import SYSTEM, Actor
from convergence.store.db import prepare_database

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAYLOAD = " **B** [phish](https://evil.example) ![b](http://host/beacon.png)"
CODE = "![c](https://e.x)"  # a council code that is an image
LIVE = ("](", "![", "https://", "**B**")  # what would render as a link, an image or bold
SCREENS = [
    "pages/overview.py",
    "pages/roadmap.py",
    "pages/dependencies.py",
    "pages/grid.py",
    "pages/savings.py",
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


def hostile(estate: Estate) -> Estate:
    """Every name, title, supplier and department of the estate with PAYLOAD after it."""

    def more(text: str | None) -> Any:
        return None if text is None else text + PAYLOAD

    r = dataclasses.replace
    return r(
        estate,
        councils=(*(r(c, name=more(c.name)) for c in estate.councils), Council(CODE, CODE)),
        towers=tuple(r(t, name=more(t.name)) for t in estate.towers),
        lots=tuple(r(lot, name=more(lot.name), supplier=more(lot.supplier)) for lot in estate.lots),
        contracts=tuple(
            r(c, title=more(c.title), supplier=more(c.supplier), department=more(c.department))
            for c in estate.contracts
        ),
        systems=tuple(r(s, name=more(s.name), lot=more(s.lot)) for s in estate.systems),
        dependencies=tuple(
            r(d, system=more(d.system), needs_system=more(d.needs_system))
            for d in estate.dependencies
        ),
    )


def texts(node: Any) -> Iterator[tuple[str, str]]:
    """(element type, text) of every text field Streamlit renders as Markdown: bodies of
    markdown and alerts, labels, tooltips, metric values, tab and expander names."""
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "DESCRIPTOR"):
        for field in ("body", "label", "help", "value", "caption"):
            if field in proto.DESCRIPTOR.fields_by_name:
                value = getattr(proto, field)
                if isinstance(value, str):
                    yield type(node).__name__, value
    for child in getattr(node, "children", {}).values():
        yield from texts(child)


@pytest.mark.parametrize("screen", SCREENS)
def test_no_screen_renders_peoples_text_as_markdown(
    screen: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    engine = prepare_database(url)
    with Session(engine) as session:
        storage.save_estate(session=session, estate=hostile(sample_estate), actor=SYSTEM)
    engine.dispose()
    monkeypatch.setenv("CONVERGENCE_DATABASE_URL", url)
    monkeypatch.setenv("CONVERGENCE_TODAY", "2026-11-22")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["common_actor"] = Actor("tester" + PAYLOAD, "admin", frozenset({"WCC", CODE}))
    at.run()
    at.switch_page(screen).run()
    assert not at.exception
    found = list(texts(at._tree))
    assert any("phish" in text for _, text in found) or screen in (
        "pages/grid.py",
        "pages/history.py",
        "pages/savings.py",
    ), "the screen shows some of the estate's text"
    for kind, text in found:
        for live in LIVE:
            assert live not in text, f"{screen}: {kind} {text[:120]!r} renders {live!r}"
