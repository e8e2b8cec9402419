"""Board figures read off a roadmap, on a small hand-computed estate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from convergence.formatting import uk_date, uk_dates
from convergence.outputs.roadmap_file import roadmap_table
from convergence.planning import roadmap as rm
from convergence.planning.engine import Roadmap, schedule
from convergence.records.estate import Contract, Council, Dependency, Estate, Lot, System, Tower
from convergence.records.generate import generate_estate

TODAY = date(2026, 11, 22)


@pytest.fixture
def roadmap() -> Roadmap:
    """WCC: Identity converged; Hosting waits for the lot (1 Feb 2027) and runs 100 days to
    13 May 2027; Desktop needs Hosting and runs 60 days, so cuts over 12 Jul 2027, which
    needs 102 days' extension of WCC-DT-004 (ends 31 Mar 2027, options only to 30 Jun 2027).
    RBKC: Desktop's contract ends 30 Apr 2027 with 3 months' notice (due 30 Jan 2027)."""
    estate = Estate(
        councils=(Council("WCC", "Westminster"), Council("RBKC", "Kensington and Chelsea")),
        towers=(
            Tower("desktop", "Desktop"),
            Tower("data_centre", "Data centre"),
            Tower("identity", "Identity"),
        ),
        lots=(
            Lot("Lot 1 Desktop", "desktop", "F", date(2026, 10, 1), date(2029, 12, 31)),
            Lot("Lot 2 Hosting", "data_centre", "S", date(2027, 2, 1), date(2029, 12, 31)),
        ),
        contracts=(
            Contract(
                "WCC",
                "WCC-DT-004",
                "Desktop",
                "Capgemini",
                "desktop",
                end=date(2027, 3, 31),
                max_end=date(2027, 6, 30),
                notice_months=6,
                annual_value=Decimal(300000),
            ),
            Contract(
                "RBKC",
                "RBKC-DT-001",
                "Desktop",
                "Dell",
                "desktop",
                end=date(2027, 4, 30),
                notice_months=3,
                annual_value=Decimal(100000),
            ),
        ),
        systems=(
            System("WCC", "Identity", "identity", state="converged", cutover=date(2026, 6, 1)),
            System("WCC", "Hosting", "data_centre", lot="Lot 2 Hosting", transition_days=101),
            System("WCC", "Desktop", "desktop", "WCC-DT-004", "Lot 1 Desktop", 60),
            System("RBKC", "Desktop", "desktop", "RBKC-DT-001", "Lot 1 Desktop", 30),
            System("RBKC", "Legacy mainframe", "data_centre", state="retained"),
        ),
        dependencies=(
            Dependency("WCC", "Desktop", "WCC", "Hosting", 0),
            Dependency("WCC", "Desktop", "WCC", "Identity", 0),
        ),
    )
    return schedule(estate, TODAY)


def row(roadmap: Roadmap, council: str, system: str) -> int:
    found = roadmap.row_of(council, system)
    assert found is not None
    return found


def test_convergence_dates_per_council(roadmap: Roadmap) -> None:
    table = rm.convergence_dates(roadmap).set_index("council")
    assert table.loc["WCC", "forecast"] == pd.Timestamp(2027, 7, 12)
    assert table.loc["WCC", "systems"] == 3
    assert table.loc["WCC", "share_converged"] == pytest.approx(1 / 3)
    assert table.loc["RBKC", "forecast"] == pd.Timestamp(2027, 5, 1)
    assert table.loc["RBKC", "systems"] == 1  # the retained mainframe is out of scope
    assert rm.programme_date(roadmap) == date(2027, 7, 12)


def test_critical_path_and_explanation(roadmap: Roadmap) -> None:
    path = rm.critical_path(roadmap)
    assert [roadmap.plans.at[r, "system"] for r in path] == ["Hosting", "Desktop"]
    assert rm.explain(roadmap, row(roadmap, "WCC", "Desktop")) == [
        "Hosting (WCC) cuts over 13 May 2027: Lot 2 Hosting opens 1 Feb 2027; "
        "then 101 days of transition",
        "Desktop (WCC) cuts over 12 Jul 2027: waits for Hosting (WCC), cutover 13 May 2027; "
        "then 60 days of transition",
    ]
    assert rm.explain(roadmap, row(roadmap, "RBKC", "Desktop")) == [
        "Desktop (RBKC) cuts over 1 May 2027: contract RBKC-DT-001 ends 30 Apr 2027, "
        "so it cuts over the day after"
    ]


def test_decisions_due_in_words(roadmap: Roadmap) -> None:
    six = rm.decisions_due(roadmap, 6)
    actions = list(six["action"])
    assert "Serve notice on Dell (RBKC-DT-001) by 30 Jan 2027" in actions
    # leaving at the end of the extension, 11 Jul 2027, needs six months' notice
    assert "Serve notice on Capgemini (WCC-DT-004) by 11 Jan 2027" in actions
    assert (
        "Agree a 102 days extension with Capgemini (WCC-DT-004), beyond its options, by 31 Mar 2027"
    ) in actions
    assert "Call off Lot 2 Hosting for Hosting (WCC) by 1 Feb 2027" in actions
    assert list(six["due"]) == sorted(six["due"])
    # Desktop (WCC) starts 13 May 2027: beyond three months, within six
    three = rm.decisions_due(roadmap, 3)
    assert not three["action"].str.contains("Desktop \\(WCC\\)").any()
    assert six["action"].str.contains("Desktop \\(WCC\\)").any()


def test_at_risk_lists_red_then_amber_with_reasons(roadmap: Roadmap) -> None:
    risks = rm.at_risk(roadmap)
    assert list(risks["system"]) == ["Desktop", "Desktop"]
    assert list(risks["council"]) == ["WCC", "RBKC"]
    assert list(risks["rag"]) == ["red", "amber"]
    assert "beyond its options (options end 30 Jun 2027)" in risks.iloc[0]["reasons"]
    assert risks.iloc[1]["reasons"] == "serve notice on RBKC-DT-001 by 30 Jan 2027"


def test_convergence_curve_shares(roadmap: Roadmap) -> None:
    curve = rm.convergence_curve(roadmap)
    wcc = curve[curve["council"] == "WCC"].set_index("month")
    assert wcc.loc[pd.Timestamp(2026, 11, 1), "share_systems"] == pytest.approx(1 / 3)
    assert wcc.loc[pd.Timestamp(2027, 5, 1), "share_systems"] == pytest.approx(2 / 3)
    assert wcc.loc[pd.Timestamp(2027, 7, 1), "share_systems"] == pytest.approx(1.0)
    # all WCC value sits with Desktop, on the framework from July 2027
    assert wcc.loc[pd.Timestamp(2027, 6, 1), "share_value"] == pytest.approx(0.0)
    assert wcc.loc[pd.Timestamp(2027, 7, 1), "share_value"] == pytest.approx(1.0)
    assert curve["share_systems"].between(0, 1).all()


def test_quarter_grid_names_the_system_holding_back(roadmap: Roadmap) -> None:
    grid = rm.quarter_grid(roadmap).set_index(["council", "tower", "quarter"])
    assert grid.loc[("WCC", "desktop", "Q2 2027"), "holding_back"] == "Desktop"
    assert grid.loc[("WCC", "desktop", "Q3 2027"), "share_converged"] == 1.0
    assert grid.loc[("WCC", "data_centre", "Q1 2027"), "holding_back"] == "Hosting"


def test_roadmap_table_has_a_row_per_system_in_iso_or_uk_dates(roadmap: Roadmap) -> None:
    iso = roadmap_table(roadmap.plans).to_pandas()
    assert len(iso) == 5
    assert iso.set_index("system").loc["Hosting", "cutover"] == "2027-05-13"
    uk = roadmap_table(roadmap.plans, uk_dates=True).to_pandas()
    assert uk.set_index("system").loc["Hosting", "cutover"] == "13 May 2027"


def test_empty_roadmap_gives_empty_frames() -> None:
    empty = schedule(Estate(), TODAY)
    assert rm.programme_date(empty) is None
    assert rm.critical_path(empty) == []
    for frame in (
        rm.convergence_dates(empty),
        rm.convergence_curve(empty),
        rm.decisions_due(empty),
        rm.at_risk(empty),
        rm.quarter_grid(empty),
    ):
        assert frame.empty


def test_labels_and_neighbours_follow_the_plans_and_the_dependencies(roadmap: Roadmap) -> None:
    plans = roadmap.plans
    assert rm.labels(plans) == [rm.label(plans, r) for r in plans.index]
    desktop, hosting = row(roadmap, "WCC", "Desktop"), row(roadmap, "WCC", "Hosting")
    needs, needed_by = rm.neighbours(roadmap, desktop)
    assert sorted(plans.loc[needs, "system"]) == ["Hosting", "Identity"] and needed_by == []
    assert rm.neighbours(roadmap, hosting) == ([], [desktop])
    for r in plans.index:
        pairs = roadmap.dependency_rows()
        assert rm.neighbours(roadmap, r) == (
            [a for a, b in pairs if b == r],
            [b for a, b in pairs if a == r],
        )


def test_uk_dates_write_each_date_as_uk_date_does() -> None:
    values = [pd.Timestamp(2027, 3, 31), pd.NaT, date(2026, 10, 1), None, pd.Timestamp(2027, 3, 31)]
    assert uk_dates(values) == [uk_date(v) if pd.notna(v) else "" for v in values]
    assert uk_dates(pd.Series([], dtype="datetime64[s]")) == []


def _grid_cell_by_cell(roadmap: Roadmap) -> pd.DataFrame:
    """The council × tower grid worked out one cell at a time, as a reference."""
    plans = roadmap.plans[roadmap.plans["state"].isin(rm.IN_SCOPE)]
    first = min(pd.Timestamp(roadmap.today), plans["cutover"].min()).to_period("Q")
    quarters = pd.period_range(first, plans["cutover"].max().to_period("Q"), freq="Q")
    ends = quarters.to_timestamp(how="end").normalize().to_numpy(dtype="datetime64[ns]")
    rows = []
    for (council, tower), cell in plans.groupby(["council", "tower"], sort=True):
        cutovers = cell["cutover"].to_numpy(dtype="datetime64[ns]")
        last = cell.loc[cell["cutover"].idxmax()]
        for quarter, end in zip(quarters, ends, strict=True):
            waiting = cutovers > end
            rows.append(
                (
                    council,
                    tower,
                    f"Q{quarter.quarter} {quarter.year}",
                    1 - waiting.mean(),
                    last["system"] if waiting.any() else "",
                    last["cutover"] if waiting.any() else pd.NaT,
                )
            )
    return pd.DataFrame(rows, columns=list(rm.quarter_grid(roadmap).columns))


@pytest.mark.parametrize("today", [TODAY, date(2028, 6, 30)])
def test_quarter_grid_matches_a_cell_by_cell_count(today: date) -> None:
    estate = generate_estate(councils=3, systems_per_council=40, dependencies=60, seed=5)
    roadmap = schedule(estate, today)
    grid, reference = rm.quarter_grid(roadmap), _grid_cell_by_cell(roadmap)
    assert list(grid.columns) == list(reference.columns) and len(grid) == len(reference)
    for column in ("council", "tower", "quarter", "holding_back"):
        assert list(grid[column]) == list(reference[column])
    assert list(grid["share_converged"]) == list(reference["share_converged"])
    assert list(grid["holding_until"]) == list(pd.to_datetime(reference["holding_until"]))


def test_decisions_due_picks_the_same_rows_as_reading_every_system() -> None:
    estate = generate_estate(councils=3, systems_per_council=40, dependencies=60, seed=5)
    roadmap = schedule(estate, TODAY)
    moving = roadmap.plans[roadmap.plans["state"].isin(("legacy", "in_transition"))]
    horizon = pd.Timestamp(TODAY) + pd.DateOffset(months=12)
    due = rm.decisions_due(roadmap, 12)
    calloffs = due[due["kind"] == "Place call-off"]
    expected = moving[moving["lot"].notna() & moving["start"].between(pd.Timestamp(TODAY), horizon)]
    assert sorted(calloffs["system"] + calloffs["council"]) == sorted(
        expected["system"] + expected["council"]
    )
    notices = due[due["kind"] == "Serve notice"]
    assert not notices.duplicated(["council", "contract"]).any()
    assert list(due["due"]) == sorted(due["due"])


def test_around_a_system_reaches_as_many_steps_as_asked(roadmap: Roadmap) -> None:
    desktop = row(roadmap, "WCC", "Desktop")
    needs, needed_by = rm.neighbours(roadmap, desktop)
    one = rm.around(roadmap, desktop, 1)
    assert set(one) == {desktop, *needs, *needed_by}
    two = rm.around(roadmap, desktop, 2)
    assert set(one) <= set(two)
    for r in set(two) - set(one):  # each a step from one of the first ring
        first_ring = set(one) - {desktop}
        assert any(r in (a, b) and ({a, b} & first_ring) for a, b in roadmap.dependency_rows())
