"""One set of rules at every size: a record is refused for the same reason whether it is saved
alone or among thousands, by storage, by `convergence import` and by the import preview."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from convergence.cli import main
from convergence.errors import ValidationError
from convergence.records.estate import Dependency, Estate, System
from convergence.records.estate_files import read_estate, write_estate
from convergence.records.generate import generate_estate
from convergence.records.validation import LIMITS, Limit, problems, refusals
from convergence.store import storage
from convergence.store.access import SYSTEM
from convergence.store.db import prepare_database

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = prepare_database(f"sqlite:///{tmp_path / 'estate.sqlite'}")
    yield engine
    engine.dispose()


def _with_systems(count: int) -> Estate:
    """An estate of `count` systems and half as many dependencies, every record valid."""
    return generate_estate(
        councils=4, systems_per_council=count // 4, dependencies=count // 2, seed=3
    )


def _refusal(engine: Engine, estate: Estate) -> dict[str, str]:
    with Session(engine) as session:
        with pytest.raises(ValidationError) as refused:
            storage.save_estate(session=session, estate=estate, actor=SYSTEM)
        assert storage.is_empty(session=session), "a refused save writes nothing"
    return refused.value.problems


@pytest.mark.parametrize("count", [0, 600, 6_000])
def test_the_same_bad_records_get_the_same_refusal_at_any_size(sqlite: Engine, count: int) -> None:
    estate = _with_systems(max(count, 40))
    first, second = estate.systems[0], estate.systems[1]
    slow = replace(first, transition_days=99_999)
    backwards = Dependency(second.council, second.name, first.council, first.name, -5)
    if count == 0:  # alone: only what the two bad records refer to
        estate = replace(
            estate,
            systems=(slow, second),
            contracts=tuple(
                c for c in estate.contracts if c.reference in (first.contract, second.contract)
            ),
            dependencies=(backwards,),
        )
    else:
        kept = tuple(
            d
            for d in estate.dependencies
            if {d.dependant, d.prerequisite}
            != {
                first.key,
                second.key,
            }
        )
        estate = replace(
            estate, systems=(slow, *estate.systems[1:]), dependencies=(*kept, backwards)
        )
    assert len(estate.systems) >= count and len(estate.dependencies) >= count // 2 - 1
    assert _refusal(sqlite, estate) == {
        f"System {first.name} ({first.council}), transition_days": (
            "A transition takes between 0 and 3,650 days"
        ),
        f"Dependency {second.name} ({second.council}) needs {first.name} ({first.council}), "
        "lag_days": "A lag is between 0 and 3,650 days",
    }


def test_a_dependency_closing_a_circle_is_named_alone_and_among_many() -> None:
    estate = _with_systems(600)
    waiting = estate.dependencies[0]
    back = Dependency(waiting.needs_council, waiting.needs_system, waiting.council, waiting.system)
    alone = problems([back], estate)[0]
    assert alone["needs_system"].startswith("This would close a circle: ")
    together = replace(estate, dependencies=(*estate.dependencies, back))
    among = problems(together.dependencies, together)
    assert among[-1] == alone
    assert among[0]["needs_system"].startswith("This would close a circle: ")  # its partner
    assert not any(among[1:-1]), "no other dependency is on the circle"


def test_the_issue_reproductions_are_refused_by_convergence_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """650 dependencies with one lag of -5 days; 5,200 systems with one transition of 99,999
    days: both were once imported without a word."""
    url = f"sqlite:///{tmp_path / 'estate.sqlite'}"
    lagging = generate_estate(councils=5, systems_per_council=200, dependencies=650, seed=5)
    lagging = replace(
        lagging,
        dependencies=(replace(lagging.dependencies[0], lag_days=-5), *lagging.dependencies[1:]),
    )
    slow = generate_estate(councils=10, systems_per_council=520, dependencies=100, seed=6)
    slow = replace(
        slow, systems=(*slow.systems[:-1], replace(slow.systems[-1], transition_days=99_999))
    )
    for name, estate, words in (
        ("lagging", lagging, "A lag is between 0 and 3,650 days"),
        ("slow", slow, "A transition takes between 0 and 3,650 days"),
    ):
        write_estate(estate, tmp_path / name)
        code = main(["--database", url, "import", str(tmp_path / name)])
        out, err = capsys.readouterr()
        assert code == 2 and words in err, (name, out, err)
    engine = prepare_database(url)
    with Session(engine) as session:
        assert storage.is_empty(session=session)
    engine.dispose()


def test_refusals_name_a_dependency_council_once() -> None:
    estate = _with_systems(40)
    s = estate.systems[0]
    found = refusals([Dependency(s.council, s.name, s.council, s.name, 0)], estate)
    assert found == {
        f"Dependency {s.name} ({s.council}) needs {s.name} ({s.council}), needs_system": (
            "A system cannot wait for itself"
        )
    }


def test_a_limit_is_one_entry_in_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    system = _with_systems(40).systems[0]
    assert problems([system], _with_systems(40))[0] == {}
    monkeypatch.setitem(LIMITS[System], "name", Limit("A name takes at most 3 letters", longest=3))
    assert problems([system], _with_systems(40))[0] == {"name": "A name takes at most 3 letters"}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"annual_value": Decimal("9" * 400)}, "annual_value", "between £0 and £10,000,000,000"),
        ({"termination_fee": Decimal(-1)}, "termination_fee", "between £0 and"),
        ({"notice_months": 10**27}, "notice_months", "between 0 and 120 months"),
        ({"title": "t" * 501}, "title", "Title is 501 characters long; at most 500"),
        ({"supplier": "Acme\x00Ltd"}, "supplier", "control character"),
    ],
)
def test_every_number_and_text_is_bounded(
    change: dict[str, object], field: str, words: str
) -> None:
    estate = read_estate(SAMPLE)
    contract = replace(estate.contracts[0], **change)  # type: ignore[arg-type]
    (found,) = problems([contract], estate)
    assert words in found[field]


def test_a_dependency_lag_or_a_long_name_is_bounded_too() -> None:
    estate = read_estate(SAMPLE)
    lag = replace(estate.dependencies[0], lag_days=10**30)
    name = replace(estate.systems[0], name="n" * 201)
    assert problems([lag, name], estate) == [
        {"lag_days": "A lag is between 0 and 3,650 days"},
        {"name": "System name is 201 characters long; at most 200 are kept"},
    ]


def test_a_number_too_large_in_an_estate_file_is_named_by_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "estate"
    write_estate(read_estate(SAMPLE), folder)
    path = folder / "dependencies.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + "," + "9" * 30
    path.write_text("\n".join(lines) + "\n")
    assert main(["schedule", "--estate", str(folder), "--today", "2026-11-22"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: dependencies.csv, row 2, column lag_days: '999")
    assert "is too large a number (at most 999,999,999)" in err
