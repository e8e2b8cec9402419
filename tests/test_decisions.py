"""The decision log: owners, statuses, due dates and notes for the decisions the roadmap says
are due; kept per council, in the history, and in the board pack. Storage against SQLite and
PostgreSQL; the screen headless."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session

from convergence.errors import RecordConflict, ValidationError
from convergence.outputs.board_pack import board_pack_pdf, pack_content
from convergence.planning import roadmap as rm
from convergence.planning.decision_log import LoggedDecision, still_open, subject_of, with_log
from convergence.planning.engine import schedule
from convergence.records.estate import Estate
from convergence.store import storage
from convergence.store.access import SYSTEM, Actor, NotAllowed
from tests.conftest import shown
from tests.test_app import app, database, fresh_caches, text_of  # noqa: F401

TODAY = date(2026, 11, 22)
WCC_EDITOR = Actor("wendy", "editor", frozenset({"WCC"}))


@pytest.fixture(scope="module")
def due(sample_estate: Estate) -> pd.DataFrame:
    return rm.decisions_due(schedule(sample_estate, TODAY), 12)


def first_of(due: pd.DataFrame, council: str) -> LoggedDecision:
    row = due[due["council"] == council].iloc[0]
    subject = subject_of(row["kind"], row["system"], row["contract"])
    return LoggedDecision(council, row["kind"], subject)


def test_the_log_adds_owner_status_and_due_date_to_the_roadmaps_decisions(
    due: pd.DataFrame,
) -> None:
    wcc = first_of(due, "WCC")
    done = first_of(due, "LBHF")
    log = [
        LoggedDecision(wcc.council, wcc.kind, wcc.subject, "Ann Lee", "agreed", date(2026, 12, 1)),
        LoggedDecision(done.council, done.kind, done.subject, "Bo", "done"),
    ]
    table = with_log(due, log)
    mine = table[(table["council"] == "WCC") & (table["subject"] == wcc.subject)].iloc[0]
    assert (mine["owner"], mine["status"]) == ("Ann Lee", "agreed")
    assert mine["due"] == pd.Timestamp("2026-12-01") and mine["deadline"] != mine["due"]
    untouched = table[table["owner"] == ""]
    assert (
        set(untouched["status"]) == {"open"} and (untouched["due"] == untouched["deadline"]).all()
    )
    assert len(still_open(table)) == len(table) - 1  # the done one drops out
    assert list(table["due"]) == sorted(table["due"])


def test_editors_keep_their_own_councils_decisions_and_every_change_is_history(
    engine: Engine, due: pd.DataFrame
) -> None:
    wcc, lbhf = first_of(due, "WCC"), first_of(due, "LBHF")
    with Session(engine) as session:
        version = storage.save_decision(
            session=session,
            decision=LoggedDecision(wcc.council, wcc.kind, wcc.subject, "Ann Lee", "agreed"),
            actor=WCC_EDITOR,
        )
        assert version == 1
        with pytest.raises(NotAllowed, match="keeps the decisions of WCC only"):
            storage.save_decision(session=session, decision=lbhf, actor=WCC_EDITOR)
        with pytest.raises(NotAllowed):
            storage.save_decision(session=session, decision=wcc, actor=Actor("v", "viewer"))
        with pytest.raises(RecordConflict, match="wendy changed this decision"):
            storage.save_decision(session=session, decision=wcc, actor=SYSTEM)  # opened at 0
        with pytest.raises(ValidationError):
            bad = LoggedDecision(wcc.council, wcc.kind, wcc.subject, status="maybe", version=1)
            storage.save_decision(session=session, decision=bad, actor=SYSTEM)
        storage.save_decision(
            session=session,
            decision=LoggedDecision(
                wcc.council, wcc.kind, wcc.subject, "Ann Lee", "done", note="Served", version=1
            ),
            actor=SYSTEM,
        )
        [held] = storage.decision_log(session=session)
        changes = storage.history(session=session)
    assert (held.owner, held.status, held.note, held.version) == ("Ann Lee", "done", "Served", 2)
    said = [(c.user, c.action, c.field, c.new) for c in changes if c.kind == "decision"]
    assert ("wendy", "created", "", None) in said
    assert ("wendy", "changed", "owner", "Ann Lee") in said
    assert ("system", "changed", "status", "done") in said


def test_the_board_pack_lists_open_decisions_with_their_owners(sample_estate: Estate) -> None:
    roadmap = schedule(sample_estate, TODAY)
    due = pd.concat([rm.overdue_decisions(roadmap), rm.decisions_due(roadmap, 6)])
    first, second = (
        LoggedDecision(r.council, r.kind, subject_of(r.kind, r.system, r.contract or ""))
        for r in due.head(2).itertuples()
    )
    log = [
        LoggedDecision(first.council, first.kind, first.subject, "Ann Lee", "agreed"),
        LoggedDecision(second.council, second.kind, second.subject, "Bo Diaz", "rejected"),
    ]
    content = pack_content(roadmap, log=log)
    assert list(content.decisions.columns) == ["due", "action", "owner", "status"]
    assert "Ann Lee" in set(content.decisions["owner"])
    assert "Bo Diaz" not in set(content.decisions["owner"])  # rejected: not listed
    pdf = " ".join(
        " ".join(p.extract_text().split())
        for p in PdfReader(io.BytesIO(board_pack_pdf(content))).pages
    )
    assert "Owner" in pdf and "Ann Lee" in pdf and "not yet given" in pdf


def test_the_decision_log_screen_saves_for_an_admin_and_only_shows_to_a_viewer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_estate: Estate
) -> None:
    url = database(tmp_path, monkeypatch, sample_estate)
    at = app().switch_page("pages/decisions.py").run()
    assert not at.exception
    at.text_input(key="decisions_owner").set_value("Ann Lee")
    at.selectbox(key="decisions_status").set_value("agreed")
    at.text_area(key="decisions_note").set_value("Notice drafted")
    next(b for b in at.button if b.label == "Save").click()
    at.run()
    assert not at.exception
    assert any("Saved: Serve notice" in shown(s.value) for s in at.success)
    with Session(storage_engine(url)) as session:
        [held] = storage.decision_log(session=session)
    assert (held.owner, held.status, held.note) == ("Ann Lee", "agreed", "Notice drafted")
    table = next(d.value for d in at.dataframe if "owner" in d.value.columns)
    assert "Ann Lee" in set(table["owner"])
    viewer = app(Actor("vic", "viewer")).switch_page("pages/decisions.py").run()
    assert not viewer.exception
    assert not [t for t in viewer.text_input if t.key == "decisions_owner"]


def storage_engine(url: str) -> Engine:
    from convergence.store.db import prepare_database

    return prepare_database(url)
