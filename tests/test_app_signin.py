"""Signing in to the app, headless: the first admin account, sign-in, pages per role,
sign-out after inactivity."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    st.cache_data.clear()
    st.cache_resource.clear()
    url = f"sqlite:///{tmp_path / 'signin.sqlite'}"
    prepare_database(url).dispose()
    monkeypatch.setenv("CONVERGENCE_DATABASE_URL", url)
    monkeypatch.setenv("CONVERGENCE_TODAY", "2026-11-22")
    yield url
    st.cache_data.clear()
    st.cache_resource.clear()


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception
    return at


def test_a_new_database_asks_for_the_first_admin_first(database: str) -> None:
    at = run(AppTest.from_file(APP, default_timeout=60))
    assert any("Create the first admin account" in h.value for h in at.subheader)
    at.text_input(key="signin_first_name").set_value("Ada")
    at.text_input(key="signin_first_password").set_value("a-long-password")
    at.text_input(key="signin_first_again").set_value("a-long-password")
    next(b for b in at.button if b.label == "Create the admin account").click()
    run(at)
    assert "Signed in as **Ada** (admin)" in " ".join(c.value for c in at.sidebar.caption)
    with Session(prepare_database(database)) as session:
        assert storage.actor_named(session=session, name="Ada") == Actor("Ada", "admin")


def users(database: str, sample_estate: Estate) -> None:
    with Session(prepare_database(database)) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        storage.add_user(
            session=session, name="ada", role="admin", password="admins-password", actor=None
        )
        storage.add_user(
            session=session,
            name="vic",
            role="viewer",
            password="viewer-password",
            actor=Actor("ada", "admin"),
        )


def sign_in(name: str, password: str) -> AppTest:
    at = run(AppTest.from_file(APP, default_timeout=60))
    at.text_input(key="signin_name").set_value(name)
    at.text_input(key="signin_password").set_value(password)
    next(b for b in at.button if b.label == "Sign in").click()
    return run(at)


def test_sign_in_with_a_wrong_password_is_refused(database: str, sample_estate: Estate) -> None:
    users(database, sample_estate)
    at = sign_in("vic", "not-the-password")
    assert any("not recognised" in shown(e.value) for e in at.error)
    assert not at.metric


def test_a_viewer_gets_no_editing_screens(database: str, sample_estate: Estate) -> None:
    users(database, sample_estate)
    at = sign_in("vic", "viewer-password")
    assert {m.label for m in at.metric} >= {"Programme converged by"}
    for page in (
        "pages/records.py",
        "pages/imports.py",
        "pages/users.py",
        "pages/scenarios.py",
    ):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page).run()
    at = sign_in("vic", "viewer-password")
    at.switch_page("pages/board.py").run()
    assert not at.exception
    assert not any(getattr(b, "key", "") == "board_freeze" for b in at.button)


def test_inactivity_signs_people_out(
    database: str, sample_estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    users(database, sample_estate)
    monkeypatch.setenv("CONVERGENCE_SESSION_MINUTES", "1")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["common_actor"] = Actor("ada", "admin")
    at.session_state["signin_last_active"] = time.time() - 120
    run(at)
    assert any("signed out after 1 minutes" in shown(i.value) for i in at.info)
    assert any("Sign in" in h.value for h in at.subheader)


def test_a_wrong_database_setting_is_one_line_on_the_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONVERGENCE_DATABASE_URL", "nosuchdriver://nowhere/estate")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert shown([e.value for e in at.error][0]).startswith(
        "CONVERGENCE_DATABASE_URL: no database driver for 'nosuchdriver'"
    )


def test_a_changed_role_takes_effect_at_once(database: str, sample_estate: Estate) -> None:
    users(database, sample_estate)
    at = sign_in("ada", "admins-password")
    assert "Signed in as **ada** (admin)" in " ".join(c.value for c in at.sidebar.caption)
    with Session(prepare_database(database)) as session:
        storage.add_user(session=session, name="ada", role="viewer", actor=Actor("ada", "admin"))
    at.run()
    assert "Signed in as **ada** (viewer)" in " ".join(c.value for c in at.sidebar.caption)


def test_an_admin_is_warned_while_a_demo_password_still_works(
    database: str, sample_estate: Estate
) -> None:
    with Session(prepare_database(database)) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        storage.add_demo_users(session=session)
    warned = sign_in("admin", "sample-admin-2026")
    (warning,) = [w.value for w in warned.warning if "demo accounts" in w.value]
    assert "accounts admin\\, wcc\\-editor\\, board still" in warning
    assert not [w for w in sign_in("board", "sample-board-2026").warning if "demo" in w.value]
    with Session(prepare_database(database)) as session:
        for name in ("wcc-editor", "board"):
            storage.add_user(
                session=session,
                name=name,
                role="viewer",
                password=f"{name}-changed-password",
                actor=Actor("admin", "admin"),
            )
    (warning,) = [w.value for w in sign_in("admin", "sample-admin-2026").warning]
    assert "accounts admin still" in warning


def cookie_written(at: AppTest) -> dict[str, object]:
    """What the session cookie's writer was last told to put in the browser."""
    (writer,) = [
        e
        for e in at.get("bidi_component")
        if e.proto.component_name == "convergence_session_cookie"  # type: ignore[attr-defined]
    ]
    written: dict[str, object] = json.loads(writer.proto.json)  # type: ignore[attr-defined]
    return written


def test_signing_in_writes_a_signed_session_cookie_and_signing_out_clears_it(
    database: str, sample_estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVERGENCE_SESSION_SECRET", "a-long-secret-for-the-test")
    users(database, sample_estate)
    at = sign_in("vic", "viewer-password")
    cookie = cookie_written(at)
    assert cookie["name"] == "convergence_session" and cookie["max_age"] == 30 * 60
    with Session(prepare_database(database)) as session:
        remembered = storage.actor_from_token(
            session=session,
            token=str(cookie["value"]),
            secret="a-long-secret-for-the-test",
            max_age=30 * 60,
            now=time.time(),
        )
    assert remembered == Actor("vic", "viewer")
    next(b for b in at.sidebar.button if b.label == "Sign out").click()
    run(at)
    assert any("Sign in" in h.value for h in at.subheader)
    assert cookie_written(at) == {"name": "convergence_session", "value": "", "max_age": 0}
