"""Editing single records: validation, history, and no lost updates, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from convergence.errors import RecordConflict, ValidationError
from convergence.records.estate import Contract, Dependency, Estate, System
from convergence.records.validation import (
    validate_contract,
    validate_dependencies,
    validate_dependency,
    validate_system,
)
from convergence.store import storage
from convergence.store.access import Actor, NotAllowed


@pytest.fixture
def loaded(engine: Engine, sample_estate: Estate) -> Engine:
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=Actor("loader", "admin"))
    return engine


def contract(estate: Estate, reference: str) -> Contract:
    return next(c for c in estate.contracts if c.reference == reference)


def test_an_edit_is_saved_and_recorded_field_by_field(
    loaded: Engine, sample_estate: Estate
) -> None:
    original = contract(sample_estate, "WCC-DT-004")
    changed = replace(original, end=date(2027, 6, 30), annual_value=Decimal(2200000))
    with Session(loaded) as session:
        version = storage.record_version(session=session, record=original)
        assert version == 1
        storage.save_record(
            session=session, record=changed, actor=Actor("alice", "admin"), version=version
        )
        assert storage.record_version(session=session, record=original) == 2
        lines = storage.history(session=session, record=original)
    fields = {(c.field, c.old, c.new, c.user, c.action) for c in lines if c.action == "changed"}
    assert ("end", "2027-03-31", "2027-06-30", "alice", "changed") in fields
    assert ("annual_value", "2150000.00", "2200000", "alice", "changed") in fields or (
        "annual_value",
        "2150000",
        "2200000",
        "alice",
        "changed",
    ) in fields
    assert any(c.action == "created" and c.user == "loader" for c in lines)


def test_the_second_of_two_concurrent_edits_is_refused_with_the_first_change(
    loaded: Engine, sample_estate: Estate
) -> None:
    original = contract(sample_estate, "RBKC-DT-002")
    with Session(loaded) as alice, Session(loaded) as bob:
        opened = datetime.now(UTC)
        a_version = storage.record_version(session=alice, record=original)
        b_version = storage.record_version(session=bob, record=original)
        storage.save_record(
            session=alice,
            record=replace(original, notice_months=9),
            actor=Actor("alice", "admin"),
            version=a_version,
            loaded_at=opened,
        )
        with pytest.raises(RecordConflict) as refused:
            storage.save_record(
                session=bob,
                record=replace(original, supplier="Dell UK"),
                actor=Actor("bob", "admin"),
                version=b_version,
                loaded_at=opened,
            )
        assert [(c.user, c.field, c.old, c.new) for c in refused.value.changes] == [
            ("alice", "notice_months", "6", "9")
        ]
    with Session(loaded) as session:
        kept = contract(storage.load_estate(session=session), "RBKC-DT-002")
    assert kept.notice_months == 9 and kept.supplier == "Dell Technologies"


def test_invalid_records_are_refused_with_every_problem_and_nothing_written(
    loaded: Engine, sample_estate: Estate
) -> None:
    original = contract(sample_estate, "LBHF-HF-001")
    bad = replace(original, end=date(2017, 1, 1), max_end=date(2016, 1, 1), notice_months=-1)
    with Session(loaded) as session:
        with pytest.raises(ValidationError) as refused:
            storage.save_record(
                session=session, record=bad, actor=Actor("alice", "admin"), version=1
            )
        assert storage.record_version(session=session, record=original) == 1
        assert not [c for c in storage.history(session=session, user="alice")]
    problems = refused.value.problems
    assert any(k.endswith(", end") for k in problems)
    assert any(k.endswith(", max_end") for k in problems)


def test_creating_a_duplicate_reference_is_refused(loaded: Engine, sample_estate: Estate) -> None:
    with Session(loaded) as session, pytest.raises(ValidationError, match="already a contract"):
        storage.save_record(
            session=session,
            record=contract(sample_estate, "WCC-PK-014"),
            actor=Actor("alice", "admin"),
            version=None,
        )


def test_deleting_a_system_takes_its_dependencies_and_is_recorded(
    loaded: Engine, sample_estate: Estate
) -> None:
    desktop = next(s for s in sample_estate.systems if s.key == ("WCC", "Desktop"))
    with Session(loaded) as session:
        storage.delete_record(
            session=session, record=desktop, actor=Actor("carol", "admin"), version=1
        )
        after = storage.load_estate(session=session)
        gone = storage.history(session=session, user="carol")
    assert ("WCC", "Desktop") not in {s.key for s in after.systems}
    assert all(("WCC", "Desktop") not in (d.dependant, d.prerequisite) for d in after.dependencies)
    assert {c.kind for c in gone} == {"system", "dependency"}
    assert all(c.action == "deleted" for c in gone)


def test_an_editor_cannot_delete_a_system_other_councils_depend_on(
    loaded: Engine, sample_estate: Estate
) -> None:
    directory = next(
        s for s in sample_estate.systems if s.key == ("WCC", "Active Directory & Exchange")
    )
    editor = Actor("wcc-editor", "editor", frozenset({"WCC"}))
    with Session(loaded) as session:
        before = storage.load_estate(session=session)
        with pytest.raises(NotAllowed, match=r"Email & identity \(LBHF\)"):
            storage.delete_record(session=session, record=directory, actor=editor, version=1)
        session.rollback()
        assert storage.load_estate(session=session) == before
        storage.delete_record(
            session=session, record=directory, actor=Actor("office", "admin"), version=1
        )
        after = storage.load_estate(session=session)
    assert directory.key not in {s.key for s in after.systems}
    assert all(directory.key != d.prerequisite for d in after.dependencies)


def test_a_contract_in_use_cannot_be_deleted(loaded: Engine, sample_estate: Estate) -> None:
    with Session(loaded) as session, pytest.raises(ValidationError, match="Still used by"):
        storage.delete_record(
            session=session,
            record=contract(sample_estate, "WCC-DT-004"),
            actor=Actor("carol", "admin"),
            version=1,
        )


def test_a_dependency_closing_a_cycle_is_named(loaded: Engine) -> None:
    loop = Dependency("WCC", "Active Directory & Exchange", "WCC", "Desktop", 0)
    with Session(loaded) as session, pytest.raises(ValidationError) as refused:
        storage.save_record(
            session=session, record=loop, actor=Actor("alice", "admin"), version=None
        )
    message = str(refused.value)
    assert "Active Directory & Exchange (WCC) → Desktop (WCC)" in message or (
        "Desktop (WCC) → Active Directory & Exchange (WCC)" in message
    )


def test_history_is_append_only_in_the_application(loaded: Engine) -> None:
    store = Path(storage.__file__ or "").parent
    code = "".join(path.read_text(encoding="utf-8") for path in store.glob("*.py"))
    assert "delete(m.HistoryEntry" not in code and "update(m.HistoryEntry" not in code
    with loaded.connect() as connection:
        count = connection.execute(text("SELECT COUNT(*) FROM history")).scalar()
    assert count and count > 40


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end": date(2019, 1, 1)}, "end"),
        ({"max_end": date(2026, 1, 1)}, "max_end"),
        ({"notice_months": 200}, "notice_months"),
        ({"start": date(1890, 1, 1)}, "start"),
        ({"council": "XYZ"}, "council"),
        ({"annual_value": Decimal(-5)}, "annual_value"),
    ],
)
def test_contract_rules(change: dict[str, object], field: str, sample_estate: Estate) -> None:
    good = contract(sample_estate, "WCC-DT-004")
    assert validate_contract(good, sample_estate) == {}
    assert field in validate_contract(replace(good, **change), sample_estate)  # type: ignore[arg-type]


def test_system_lot_must_serve_its_tower(sample_estate: Estate) -> None:
    desktop = next(s for s in sample_estate.systems if s.key == ("WCC", "Desktop"))
    assert validate_system(desktop, sample_estate) == {}
    wrong = replace(desktop, lot="Lot 2 Hosting")
    assert "choose a lot for the system's tower" in validate_system(wrong, sample_estate)["lot"]
    assert "transition_days" in validate_system(replace(desktop, transition_days=-3), sample_estate)
    assert System  # the record type under test


def test_dependencies_checked_together_find_what_each_check_finds(sample_estate: Estate) -> None:
    """Storage checks a save's dependencies together (one graph for the cycle searches); the
    answers are those of checking each on its own, cycles among the new ones included."""
    new = (
        Dependency("RBKC", "Parking", "RBKC", "Network", 7),  # fine
        Dependency("WCC", "Active Directory & Exchange", "WCC", "Service desk", 0),  # circle
        Dependency("WCC", "Desktop", "WCC", "Desktop", 0),  # itself
        Dependency("WCC", "Ghost", "WCC", "Desktop", -1),  # no such system, negative lag
    )
    merged = replace(sample_estate, dependencies=(*sample_estate.dependencies, *new))
    together = validate_dependencies(new, merged)
    assert together == [validate_dependency(d, merged) for d in new]
    assert together[0] == {}
    assert together[1]["needs_system"].startswith("This would close a circle: ")
    assert together[2] == {"needs_system": "A system cannot wait for itself"}
    assert set(together[3]) == {"system", "lag_days"}
    assert validate_dependencies(new, merged, cycles=False)[1] == {}
