"""The synthetic generator and the sample estate: realistic, acyclic, every reference resolves."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from convergence.planning.engine import dependency_graph
from convergence.records.estate import Estate
from convergence.records.estate_files import read_estate, write_estate
from convergence.records.generate import generate_estate
from convergence.store.storage import check_references
from tests.conftest import assert_links_hold

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def check_estate(e: Estate) -> None:
    check_references(e)  # raises on any unresolved reference
    assert nx.is_directed_acyclic_graph(dependency_graph(e))
    lots = {lot.name: lot for lot in e.lots}
    contracts = {(c.council, c.reference): c for c in e.contracts}
    for s in e.systems:
        if s.lot:
            assert lots[s.lot].tower == s.tower, s
        if s.contract:
            assert contracts[(s.council, s.contract)].tower == s.tower, s
        assert (s.state == "converged") == (s.cutover is not None)
    for c in e.contracts:
        if c.start and c.end:
            assert c.end > c.start
        if c.end and c.max_end:
            assert c.max_end >= c.end
    states = {s.key: s.state for s in e.systems}
    pairs = [(d.dependant, d.prerequisite) for d in e.dependencies]
    assert len(pairs) == len(set(pairs))
    assert all(a != b for a, b in pairs)
    assert all(states[b] != "retained" for _, b in pairs) or e is not None


@pytest.mark.parametrize(
    ("councils", "per_council", "dependencies"), [(3, 10, 12), (3, 200, 600), (12, 50, 300)]
)
def test_generated_estates_have_the_size_asked_for(
    councils: int, per_council: int, dependencies: int
) -> None:
    e = generate_estate(
        councils=councils, systems_per_council=per_council, dependencies=dependencies, seed=3
    )
    assert len(e.councils) == councils
    assert len(e.systems) == councils * per_council
    assert len(e.dependencies) == dependencies
    check_estate(e)
    assert_links_hold(e)
    states = {s.key: s.state for s in e.systems}
    assert all(states[d.prerequisite] != "retained" for d in e.dependencies)
    assert any(d.council != d.needs_council for d in e.dependencies) or dependencies < 50


def test_generation_is_deterministic_per_seed() -> None:
    first = generate_estate(councils=3, systems_per_council=40, dependencies=100, seed=5)
    assert first == generate_estate(councils=3, systems_per_council=40, dependencies=100, seed=5)
    assert first != generate_estate(councils=3, systems_per_council=40, dependencies=100, seed=6)


def test_too_many_dependencies_are_refused() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        generate_estate(councils=1, systems_per_council=3, dependencies=10)


def test_generated_estate_round_trips_through_estate_files(tmp_path: Path) -> None:
    e = generate_estate(councils=3, systems_per_council=30, dependencies=60, seed=2)
    write_estate(e, tmp_path)
    back = read_estate(tmp_path)
    for kind in ("councils", "towers", "lots", "contracts", "systems", "dependencies"):
        assert set(getattr(back, kind)) == set(getattr(e, kind)), kind


def test_sample_estate_tells_the_tri_borough_story(sample_estate: Estate) -> None:
    check_estate(sample_estate)
    assert {c.code for c in sample_estate.councils} == {"WCC", "LBHF", "RBKC"}
    assert 40 <= len(sample_estate.systems) <= 80
    assert {"desktop", "data_centre", "service_desk"} <= {t.code for t in sample_estate.towers}
    assert any(c.max_end and c.end and c.max_end > c.end for c in sample_estate.contracts)
    assert any(c.renewal == "tacit" for c in sample_estate.contracts)
    assert any(c.notice_served for c in sample_estate.contracts)
    assert {s.state for s in sample_estate.systems} == {
        "legacy",
        "in_transition",
        "converged",
        "retained",
    }
    assert any(d.council != d.needs_council for d in sample_estate.dependencies)
    ends = [c.end.year for c in sample_estate.contracts if c.end]
    assert min(ends) <= 2027 and max(ends) >= 2030


def test_sample_files_are_canonical(tmp_path: Path, sample_estate: Estate) -> None:
    write_estate(sample_estate, tmp_path)
    for path in sorted(SAMPLE.glob("*.csv")):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
