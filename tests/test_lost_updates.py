"""Nothing lost when people save at the same moment, on SQLite and PostgreSQL: two saves of one
record (one wins, the other is told), an import against an edit made since its preview, a
scenario adopted over an edit made since it was opened."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from threading import Barrier

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from convergence.errors import RecordConflict
from convergence.planning.scenarios import Override, adoptable
from convergence.records.estate import Contract, Estate
from convergence.registers.importing import preview_file
from convergence.store import storage
from convergence.store.access import SYSTEM, Actor

REGISTER = Path(__file__).resolve().parent / "fixtures" / "registers" / "transparency-wcc.csv"
ADMIN = Actor("ada", "admin")
WCC_EDITOR = Actor("wendy", "editor", frozenset({"WCC"}))


@pytest.fixture
def loaded(engine: Engine, sample_estate: Estate) -> Engine:
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
    return engine


def stored_contract(engine: Engine, council: str, reference: str) -> Contract:
    with Session(engine) as session:
        return next(
            c
            for c in storage.load_estate(session=session).contracts
            if (c.council, c.reference) == (council, reference)
        )


def test_saves_of_one_record_at_the_same_moment_one_wins(
    loaded: Engine, sample_estate: Estate
) -> None:
    target = next(c for c in sample_estate.contracts if c.reference == "WCC-DT-004")
    people = 4

    def save(round_: int, together: Barrier, n: int) -> str:
        with Session(loaded) as session:
            together.wait(timeout=30)  # all at the same moment, each with the version it read
            try:
                storage.save_record(
                    session=session,
                    record=replace(target, department=f"Team {round_}.{n}"),
                    actor=Actor(f"user{n}", "admin"),
                    version=round_ + 1,
                )
                return f"Team {round_}.{n}"
            except RecordConflict:
                return "refused"

    for round_ in range(8):
        together = Barrier(people)
        with ThreadPoolExecutor(max_workers=people) as pool:
            results = list(pool.map(save, [round_] * people, [together] * people, range(people)))
        winners = [r for r in results if r != "refused"]
        assert len(winners) == 1, (round_, results)
        with Session(loaded) as session:
            assert storage.record_version(session=session, record=target) == round_ + 2
        assert stored_contract(loaded, "WCC", "WCC-DT-004").department == winners[0]
    with Session(loaded) as session:
        changes = [c for c in storage.history(session=session, record=target) if c.field]
    assert len(changes) == 8


def test_an_import_never_reverts_an_edit_made_since_its_preview(
    loaded: Engine, sample_estate: Estate
) -> None:
    with Session(loaded) as session:
        previewed = storage.load_estate(session=session)
    preview = preview_file(
        REGISTER.read_bytes(),
        REGISTER.name,
        estate=previewed,
        council="WCC",
        tower="line_of_business",
    )
    imported = preview.to_estate(valid_only=True)
    held = {(c.council, c.reference) for c in previewed.contracts}
    edited = next(c for c in imported.contracts if (c.council, c.reference) in held)
    before = next(c for c in previewed.contracts if c.reference == edited.reference)
    with Session(loaded) as session:  # meanwhile an editor serves notice on one of them
        storage.save_record(
            session=session,
            record=replace(before, notice_served=date(2026, 12, 1)),
            actor=WCC_EDITOR,
            version=1,
        )
    with Session(loaded) as session, pytest.raises(RecordConflict) as refused:
        storage.save_estate(session=session, estate=imported, actor=ADMIN, based_on=previewed)
    assert edited.reference in str(refused.value)
    after = stored_contract(loaded, "WCC", edited.reference)
    assert after.notice_served == date(2026, 12, 1)
    assert after.title == before.title  # nothing of the import was written


def test_adopting_a_scenario_never_reverts_an_edit_made_since_it_was_opened(
    loaded: Engine, sample_estate: Estate
) -> None:
    with Session(loaded) as session:
        live = storage.load_estate(session=session)
    target = next(c for c in live.contracts if c.reference == "LBHF-HF-001")
    overrides = (
        Override(
            "extend_contract", council="LBHF", reference=target.reference, on=date(2029, 3, 31)
        ),
    )
    adopted = adoptable(live, overrides)
    with Session(loaded) as session:  # meanwhile someone serves notice on the same contract
        storage.save_record(
            session=session,
            record=replace(target, notice_served=date(2026, 12, 1)),
            actor=ADMIN,
            version=1,
        )
    with Session(loaded) as session, pytest.raises(RecordConflict) as refused:
        storage.adopt(session=session, live=live, adopted=adopted, actor=ADMIN)
    assert "LBHF-HF-001" in str(refused.value)
    after = stored_contract(loaded, "LBHF", "LBHF-HF-001")
    assert after.notice_served == date(2026, 12, 1) and after.end == target.end
