"""Many people at once on one shared PostgreSQL: saves of different records from ten
simultaneous sessions all land; saves of the same record lose nothing (one wins, the others
are told who changed it)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from threading import Barrier

import pytest
from sqlmodel import Session

from convergence.errors import RecordConflict
from convergence.records.estate import Estate
from convergence.store import storage
from convergence.store.access import SYSTEM, Actor
from convergence.store.db import prepare_database
from tests.conftest import fresh_postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def shared(postgres_url: str, sample_estate: Estate) -> str:
    url = fresh_postgres_database(postgres_url)
    engine = prepare_database(url)
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
    engine.dispose()
    return url


def test_ten_sessions_saving_different_records_all_land(shared: str, sample_estate: Estate) -> None:
    engine = prepare_database(shared)
    chosen = sample_estate.contracts[:10]
    together = Barrier(10)

    def save(n: int) -> None:
        with Session(engine) as session:
            session.connection()  # connected first
            together.wait(timeout=30)  # then all ten save at the same moment
            storage.save_record(
                session=session,
                record=replace(chosen[n], notice_months=11),
                actor=Actor(f"user{n}", "admin"),
                version=1,
            )

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(save, range(10)))
    with Session(engine) as session:
        after = {c.reference: c for c in storage.load_estate(session=session).contracts}
        for c in chosen:
            assert after[c.reference].notice_months == 11
            assert storage.record_version(session=session, record=c) == 2
    engine.dispose()


@pytest.mark.parametrize("reference", ["RBKC-DT-002", "WCC-DT-004", "LBHF-HF-001"])
def test_ten_sessions_saving_the_same_record_lose_nothing(
    shared: str, sample_estate: Estate, reference: str
) -> None:
    engine = prepare_database(shared)
    target = next(c for c in sample_estate.contracts if c.reference == reference)
    together = Barrier(10)

    def save(n: int) -> str:
        with Session(engine) as session:
            session.connection()  # connected first
            together.wait(timeout=30)  # then all ten save at the same moment
            try:
                storage.save_record(
                    session=session,
                    record=replace(target, department=f"Team {n}"),
                    actor=Actor(f"user{n}", "admin"),
                    version=1,
                )
                return f"won {n}"
            except RecordConflict:
                return "refused"

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(save, range(10)))
    winners = [r for r in results if r.startswith("won")]
    assert len(winners) == 1 and results.count("refused") == 9
    with Session(engine) as session:
        stored = next(
            c for c in storage.load_estate(session=session).contracts if c.reference == reference
        )
        changes = [
            c for c in storage.history(session=session, record=target) if c.action == "changed"
        ]
    assert stored.department == f"Team {winners[0].split()[1]}"
    assert len(changes) == 1 and changes[0].new == stored.department
    engine.dispose()
