"""Editing in the app: a save, a refused invalid value, a conflict between two sessions, the
history screen. Headless with AppTest against SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
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
RECORD = "WCC-DT-004 — Desktop managed service (WCC)"


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate) -> str:
    url = f"sqlite:///{tmp_path / 'edit.sqlite'}"
    engine = prepare_database(url)
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=Actor("loader", "admin"))
    engine.dispose()
    monkeypatch.setenv("CONVERGENCE_DATABASE_URL", url)
    monkeypatch.setenv("CONVERGENCE_TODAY", "2026-11-22")
    return url


def editor(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["common_actor"] = Actor(name, "admin")
    at.run()
    at.switch_page("pages/records.py").run()
    at.selectbox(key="records_pick_Contracts").set_value(RECORD).run()
    return at


def field(at: AppTest, name: str, kind: str = "number_input"):  # type: ignore[no-untyped-def]
    widgets = getattr(at, kind)
    return next(w for w in widgets if w.key.endswith(f"_{name}"))


def save(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Save").click().run()
    return at


def stored(url: str) -> Estate:
    with Session(prepare_database(url)) as session:
        return storage.load_estate(session=session)


def test_an_edit_saves_and_enters_the_history(url: str) -> None:
    at = editor("alice")
    field(at, "notice_months").set_value(9)
    save(at)
    assert not at.exception
    assert any("Saved" in shown(s.value) for s in at.success)
    contract = next(c for c in stored(url).contracts if c.reference == "WCC-DT-004")
    assert contract.notice_months == 9
    at.switch_page("pages/history.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert ((table["user"] == "alice") & (table["field"] == "notice_months")).any()


def test_an_invalid_value_is_shown_next_to_its_field_and_not_saved(url: str) -> None:
    at = editor("alice")
    field(at, "annual_value").set_value(-10)
    save(at)
    assert any("between £0 and £10,000,000,000" in shown(e.value) for e in at.error)
    contract = next(c for c in stored(url).contracts if c.reference == "WCC-DT-004")
    assert contract.annual_value == 2150000


def test_the_second_editor_is_refused_and_sees_the_first_change(url: str) -> None:
    alice, bob = editor("alice"), editor("bob")
    field(alice, "notice_months").set_value(9)
    save(alice)
    field(bob, "supplier", "text_input").set_value("Capgemini UK")
    save(bob)
    message = " ".join(e.value for e in bob.error)
    assert "Someone else changed this contract" in message
    shown = bob.dataframe[0].value
    assert list(shown["user"]) == ["alice"] and list(shown["field"]) == ["notice_months"]
    contract = next(c for c in stored(url).contracts if c.reference == "WCC-DT-004")
    assert contract.supplier == "Capgemini" and contract.notice_months == 9


def test_a_name_with_links_and_images_is_never_a_link_in_an_error(
    url: str, sample_estate: Estate
) -> None:
    payload = "**B** [phish](https://evil.example) ![b](http://host/beacon.png)"
    renamed = next(s for s in sample_estate.systems if s.contract == "WCC-DT-004")
    engine = prepare_database(url)
    with Session(engine) as session:
        storage.save_record(
            session=session,
            record=replace(renamed, name=payload),
            actor=Actor("mallory", "admin"),
            version=None,
        )
    engine.dispose()
    at = editor("ada")
    next(c for c in at.checkbox if c.key.endswith("_sure")).check().run()
    next(b for b in at.button if b.label == "Delete").click().run()
    (refusal,) = [e.value for e in at.error if "Not deleted" in e.value]
    assert "Still used by" in refusal and "phish" in refusal
    for live in ("](", "![", "https://", "**B**"):
        assert live not in refusal, f"{live!r} would render as Markdown"


def test_a_save_that_changes_nothing_says_so_and_writes_nothing(url: str) -> None:
    """A date typed outside 1990-2100 is not taken by the date box, so the form comes back
    unchanged: the screen says nothing was saved, and why, instead of "Saved"."""
    at = save(editor("alice"))
    (said,) = [w.value for w in at.warning if "Nothing changed" in w.value]
    assert "01/01/1990 to 31/12/2100" in said
    assert not [s for s in at.success if "Saved" in s.value]
    with Session(prepare_database(url)) as session:
        assert not [c for c in storage.history(session=session) if c.user == "alice"]
