"""Costs and savings, each rule on a case worked out by hand, plus the totals reconciling."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session

from convergence.cli import main
from convergence.errors import ValidationError
from convergence.formatting import money
from convergence.money.realised import (
    RealisedSaving,
    cumulative_for,
    planned_against_realised,
    promised_frame,
    promised_json,
    realised_frame,
)
from convergence.money.savings import (
    MONEY_COLUMNS,
    Costs,
    Floats,
    Months,
    Savings,
    _Ledger,
    month_starts,
    paid_in_total,
    savings,
)
from convergence.money.tables import early_exits
from convergence.planning.engine import schedule
from convergence.records.columns import programme_columns, read_estate_columns
from convergence.records.estate import (
    Contract,
    Council,
    Estate,
    Lot,
    Outline,
    System,
    Tower,
    programme,
)
from convergence.records.estate_files import read_estate, write_estate
from convergence.records.generate import generate_estate
from convergence.store import storage
from convergence.store.access import Actor, NotAllowed
from tests.conftest import ROOT

TODAY = date(2027, 1, 1)
DESKTOP = Tower("desktop", "Desktop")


def lot(opens: date = date(2026, 1, 1), basis: str = "per_council", charge: int = 60_000) -> Lot:
    return Lot(
        "Lot 1",
        "desktop",
        "Framework plc",
        opens,
        date(2030, 12, 31),
        None,
        basis,
        Decimal(charge),  # type: ignore[arg-type]
    )


def contract(end: date, council: str = "A", annual: int = 120_000, **terms: object) -> Contract:
    return Contract(
        council,
        f"{council}-1",
        "Desktop",
        "Old Supplier",
        "desktop",
        start=date(2020, 1, 1),
        end=end,
        annual_value=Decimal(annual),
        **terms,  # type: ignore[arg-type]
    )


def system(council: str = "A", contracted: bool = True, **fields: object) -> System:
    return System(
        council,
        "Desktop",
        "desktop",
        contract=f"{council}-1" if contracted else None,
        lot="Lot 1",
        **fields,  # type: ignore[arg-type]
    )


def estate(
    lots: tuple[Lot, ...],
    contracts: tuple[Contract, ...],
    systems: tuple[System, ...],
    councils: tuple[Council, ...] = (Council("A", "Council A"),),
) -> Estate:
    return Estate(
        councils=councils, towers=(DESKTOP,), lots=lots, contracts=contracts, systems=systems
    )


def month(frame: pd.DataFrame, year: int, number: int) -> pd.Series:
    row = frame[frame["month"] == pd.Timestamp(year, number, 1)]
    assert len(row) == 1
    return row.iloc[0]


def worked(e: Estate, **options: object) -> Savings:
    return savings(e, schedule(e, TODAY), **options)  # type: ignore[arg-type]


def test_one_contract_one_cutover_every_month_by_hand() -> None:
    # £120,000 a year to 30 Jun 2027; the lot charges £60,000 a year per council; the system
    # moves on 1 Jul 2027 with a £24,000 one-off transition cost.
    e = estate(
        (lot(),),
        (contract(date(2027, 6, 30)),),
        (system(transition_cost=Decimal(24_000)),),
    )
    result = worked(e)
    programme = result.by()
    assert len(programme) == 60  # five years from January 2027
    for number in range(1, 7):
        m = month(programme, 2027, number)
        assert (m["baseline"], m["legacy"], m["framework"], m["one_off"]) == (10_000, 10_000, 0, 0)
        assert m["savings"] == 0
    july = month(programme, 2027, 7)
    assert (july["legacy"], july["framework"], july["one_off"]) == (0, 5_000, 24_000)
    assert july["savings"] == pytest.approx(-19_000)
    for year, number in ((2027, 8), (2028, 1), (2031, 12)):
        m = month(programme, year, number)
        assert (m["baseline"], m["plan"], m["savings"]) == (10_000, 5_000, 5_000)
    assert month(programme, 2027, 10)["cumulative"] == pytest.approx(-4_000)
    assert result.payback() == pd.Timestamp(2027, 11, 1)
    assert result.annual_savings() == pytest.approx(60_000)
    assert result.share_of_spend() == pytest.approx(0.5)
    assert result.total()["double_running"] == 0


def test_an_extension_is_paid_pro_rata_and_priced() -> None:
    # The lot opens on 15 Aug 2027, so the contract ending 30 Jun 2027 runs on 45 days to
    # 14 Aug: all of July and 14 of August's 31 days.
    e = estate((lot(opens=date(2027, 8, 15)),), (contract(date(2027, 6, 30)),), (system(),))
    result = worked(e)
    programme = result.by()
    august = month(programme, 2027, 8)
    assert august["legacy"] == pytest.approx(10_000 * 14 / 31)
    assert august["framework"] == pytest.approx(5_000 * 17 / 31)
    row = result.contracts.iloc[0]
    assert row["extension_days"] == 45
    assert row["extension_cost"] == pytest.approx(10_000 + 10_000 * 14 / 31)
    assert row["paid_until"] == pd.Timestamp(2027, 8, 14)


def test_charges_can_begin_at_the_transition_start_with_double_running() -> None:
    # 61 days of transition: start 1 May 2027, cutover 1 Jul 2027.
    e = estate((lot(),), (contract(date(2027, 6, 30)),), (system(transition_days=61),))
    at_cutover = worked(e).by()
    at_start = worked(e, charges_from="start")
    may = month(at_start.by(), 2027, 5)
    assert (may["legacy"], may["framework"], may["double_running"]) == (10_000, 5_000, 10_000)
    assert month(at_cutover, 2027, 5)["framework"] == 0
    assert at_start.total()["double_running"] == pytest.approx(20_000)  # May and June


def test_an_early_exit_with_a_fee_against_the_spend_it_avoids() -> None:
    # The contract runs to 30 Jun 2028. Leaving on 31 Mar 2027 costs a £30,000 fee and avoids
    # April 2027 to June 2028: 15 months at £10,000.
    e = estate((lot(),), (contract(date(2028, 6, 30)),), (system(),))
    live = worked(e)
    exits = {("A", "A-1"): date(2027, 3, 31)}
    scenario = savings(
        e, schedule(e, TODAY, exits=exits), exits=exits, fees={("A", "A-1"): Decimal(30_000)}
    )
    march = month(scenario.by(), 2027, 3)
    assert (march["legacy"], march["one_off"]) == (10_000, 30_000)
    assert month(scenario.by(), 2027, 4)["framework"] == 5_000
    table = early_exits(live, scenario)
    assert len(table) == 1
    exit_row = table.iloc[0]
    assert exit_row["fee"] == 30_000
    assert exit_row["spend_avoided"] == pytest.approx(150_000)
    assert exit_row["net"] == pytest.approx(120_000)
    assert bool(exit_row["pays"])


def test_an_early_exit_without_a_fee_given_uses_the_contracts_termination_fee() -> None:
    e = estate(
        (lot(),), (contract(date(2028, 6, 30), termination_fee=Decimal(7_500)),), (system(),)
    )
    exits = {("A", "A-1"): date(2027, 3, 31)}
    scenario = savings(e, schedule(e, TODAY, exits=exits), exits=exits)
    assert scenario.total()["one_off"] == 7_500


@pytest.mark.parametrize(
    ("shares", "a_part", "b_part"),
    [((Decimal(75), Decimal(25)), 7_500, 2_500), ((None, None), 5_000, 5_000)],
)
def test_a_shared_lot_is_split_two_ways_and_nothing_is_lost(
    shares: tuple[Decimal | None, Decimal | None], a_part: float, b_part: float
) -> None:
    # £120,000 a year shared. A moves on 1 Jan 2027 (no contract); B on 1 Apr 2027.
    e = estate(
        (lot(basis="shared", charge=120_000),),
        (contract(date(2027, 3, 31), council="B"),),
        (system("A", contracted=False), system("B")),
        councils=(Council("A", "Council A", shares[0]), Council("B", "Council B", shares[1])),
    )
    result = worked(e)
    by_council = result.by("council")
    a, b = by_council[by_council.council == "A"], by_council[by_council.council == "B"]
    assert month(a, 2027, 2)["framework"] == 10_000  # A alone pays the whole charge
    assert month(b, 2027, 2)["framework"] == 0
    assert month(a, 2027, 5)["framework"] == pytest.approx(a_part)
    assert month(b, 2027, 5)["framework"] == pytest.approx(b_part)
    per_month = result.by()["framework"]
    assert per_month.to_numpy() == pytest.approx([10_000] * len(per_month))


def test_per_system_charges_and_converged_systems_save_nothing_new() -> None:
    e = estate(
        (lot(basis="per_system", charge=12_000),),
        (),
        (
            System("A", "Old", "desktop", lot="Lot 1", state="converged", cutover=date(2026, 5, 1)),
            System("A", "New", "desktop", lot="Lot 1", transition_days=31),
        ),
    )
    result = worked(e)
    january, february = month(result.by(), 2027, 1), month(result.by(), 2027, 2)
    assert (january["baseline"], january["framework"]) == (1_000, 1_000)  # Old, both ways
    assert (february["baseline"], february["framework"]) == (1_000, 2_000)


def test_the_sample_reconciles_month_by_month_and_in_sum() -> None:
    sample = read_estate("data/sample")
    result = worked(sample)
    m = result.monthly
    assert (m["baseline"] - m["plan"] - m["savings"]).abs().max() < 1e-6
    assert (m["legacy"] + m["framework"] + m["one_off"] - m["plan"]).abs().max() < 1e-6
    programme = result.total()
    councils = [result.total(c.code) for c in sample.councils]
    for column in MONEY_COLUMNS:
        assert sum(c[column] for c in councils) == pytest.approx(programme[column])
    assert programme["baseline"] - programme["plan"] == pytest.approx(programme["savings"])
    # transition costs: every system still to move pays its one-off cost once
    moving = [s for s in sample.systems if s.state in ("legacy", "in_transition")]
    assert programme["one_off"] == pytest.approx(sum(float(s.transition_cost or 0) for s in moving))
    # the do-nothing baseline pays every contract every month at a twelfth of its value
    first = result.by().iloc[0]
    spend = sum(float(c.annual_value or 0) for c in sample.contracts) / 12
    assert first["baseline"] <= spend + 1e-6
    assert result.annual_savings() > 0
    assert result.payback() is not None


def test_each_councils_figures_are_read_off_its_own_rows_only() -> None:
    sample = read_estate("data/sample")
    result = worked(sample)
    for council in [c.code for c in sample.councils]:
        rows = result.monthly[result.monthly["council"] == council]  # summed in another order
        assert result.total(council)["savings"] == pytest.approx(float(rows["savings"].sum()))
        last = sorted(rows["month"].unique())[-12:]
        annual = float(rows.loc[rows["month"].isin(last), "savings"].sum())
        assert result.annual_savings(council) == pytest.approx(annual, rel=1e-12)
        assert result.total(council) == pytest.approx(
            {c: float(rows[c].sum()) for c in MONEY_COLUMNS}, rel=1e-12
        )
        cumulative = rows.groupby("month")["savings"].sum().cumsum().round(2)
        last_below = cumulative.index[(cumulative < 0).to_numpy()].max()  # then at or above 0
        assert result.payback(council) == cumulative.index[cumulative.index > last_below][0]
    assert result.total("NONE") == {c: 0.0 for c in MONEY_COLUMNS}
    assert result.payback("NONE") is None


# --- realised savings in the database (SQLite and PostgreSQL) ---------------------------------


def test_realised_savings_are_recorded_corrected_and_guarded(
    engine: Engine, sample_estate: Estate
) -> None:
    admin, editor = Actor("kim", "admin"), Actor("jo", "editor", frozenset({"WCC"}))
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=admin)
        storage.record_realised_saving(
            session=session,
            saving=RealisedSaving("WCC", date(2027, 4, 30), Decimal("12000.50"), "P1"),
            actor=editor,
        )
        storage.record_realised_saving(  # the same month again corrects the figure
            session=session,
            saving=RealisedSaving("WCC", date(2027, 4, 1), Decimal(15_000), "P1 restated"),
            actor=editor,
        )
        with pytest.raises(NotAllowed, match="cannot record savings for RBKC"):
            storage.record_realised_saving(
                session=session,
                saving=RealisedSaving("RBKC", date(2027, 4, 1), Decimal(1)),
                actor=editor,
            )
        with pytest.raises(NotAllowed):
            storage.record_realised_saving(
                session=session,
                saving=RealisedSaving("WCC", date(2027, 4, 1), Decimal(1)),
                actor=Actor("viewer", "viewer"),
            )
        with pytest.raises(ValidationError, match="no council 'XYZ'"):
            storage.record_realised_saving(
                session=session,
                saving=RealisedSaving("XYZ", date(2027, 4, 1), Decimal(1)),
                actor=admin,
            )
        for amount, note, words in [
            (Decimal("9" * 400), "", "A saving is between -£10,000,000,000 and £10,000,000,000"),
            (Decimal("Infinity"), "", "A saving is between"),
            (Decimal(1), "x" * 501, "A note holds at most 500 characters"),
            (Decimal(1), "P1\x00", "A note cannot hold control characters"),
        ]:
            with pytest.raises(ValidationError, match=words):  # not a database error
                storage.record_realised_saving(
                    session=session,
                    saving=RealisedSaving("WCC", date(2027, 5, 1), amount, note),
                    actor=admin,
                )
            session.rollback()
        [kept] = storage.realised_savings(session=session)
        lines = storage.history(session=session, user="jo")
    assert (kept.month, kept.amount, kept.note, kept.recorded_by) == (
        date(2027, 4, 1),
        Decimal(15_000),
        "P1 restated",
        "jo",
    )
    assert [(x.action, x.old, x.new) for x in lines if x.kind == "saving"] == [
        ("changed", "12000.50", "15000"),
        ("created", None, "12000.50"),
    ]


def test_planned_against_realised_lines_up_promise_plan_and_actuals(sample_estate: Estate) -> None:
    result = worked(sample_estate)
    promised = promised_frame(promised_json(result))
    realised = realised_frame([RealisedSaving("WCC", date(2027, 2, 14), Decimal(1_000))])
    frame = planned_against_realised(promised, result, realised)
    february = frame[(frame["council"] == "WCC") & (frame["month"] == pd.Timestamp(2027, 2, 1))]
    assert february["realised"].iloc[0] == 1_000
    assert february["promised"].iloc[0] == pytest.approx(february["plan"].iloc[0], abs=0.01)
    wcc = frame[frame["council"] == "WCC"]
    assert wcc["promised_cumulative"].iloc[-1] == pytest.approx(result.total("WCC")["savings"])
    programme = cumulative_for(frame)
    assert programme["plan_cumulative"].iloc[-1] == pytest.approx(result.total()["savings"])
    assert programme["realised_cumulative"].dropna().tolist() == [1_000.0]  # one month known
    assert cumulative_for(frame, "LBHF")["realised"].isna().all()


def test_savings_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = "data/sample"
    assert main(["savings", "--estate", sample, "--today", "2027-01-01", "--by", "programme"]) == 0
    shown = capsys.readouterr().out
    result = worked(read_estate(sample))
    assert f"Programme: saves {money(result.annual_savings())} a year once converged" in shown
    assert "NLGN marks: 1.8% realistic, 3.6% best" in shown
    out = tmp_path / "savings.json"
    assert (
        main(
            [
                "savings",
                "--estate",
                sample,
                "--today",
                "2027-01-01",
                "--format",
                "json",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "Wrote savings month by month" in capsys.readouterr().out
    rows = json.loads(out.read_text())
    assert {r["council"] for r in rows} == {"LBHF", "RBKC", "WCC"}
    assert sum(r["savings"] for r in rows) == pytest.approx(result.total()["savings"], abs=1)
    assert main(["savings", "--estate", sample, "--format", "csv", "--by", "tower"]) == 0
    assert capsys.readouterr().out.startswith("month,tower,baseline,legacy,framework")


def test_an_estate_without_money_saves_nothing_and_pays_back_never() -> None:
    e = estate((lot(charge=0),), (Contract("A", "A-1", "Desktop", "S", "desktop"),), (system(),))
    result = worked(e)
    assert result.total() == dict.fromkeys(MONEY_COLUMNS, 0.0)
    assert result.payback() is None and result.share_of_spend() is None


@pytest.mark.parametrize("which", ["sample", "county", "generated"])
def test_costs_from_columns_are_the_costs_of_the_records(which: str, tmp_path: Path) -> None:
    """The app costs the roadmap from the estate's columns, with no object per record: the
    same money, to the penny and the day, as from its records."""
    if which == "generated":
        folder = tmp_path / "estate"
        write_estate(generate_estate(councils=4, systems_per_council=60, dependencies=100), folder)
    else:
        folder = ROOT / "data" / which
    estate = programme(read_estate(folder))
    columns = read_estate_columns(folder)
    assert columns is not None
    roadmap = schedule(estate, TODAY)
    by_records = savings(estate, roadmap, charges_from="start")
    costs = Costs.of_columns(programme_columns(columns))
    by_columns = savings(
        Outline(**{f.name: getattr(estate, f.name) for f in fields(Outline)}),
        roadmap,
        costs=costs,
        charges_from="start",
    )
    pd.testing.assert_frame_equal(by_columns.monthly, by_records.monthly)
    pd.testing.assert_frame_equal(by_columns.contracts, by_records.contracts)
    pd.testing.assert_series_equal(by_columns.annual_spend, by_records.annual_spend)
    assert by_records.annual_savings() != 0
    with pytest.raises(TypeError, match="need its costs"):
        savings(Outline(), roadmap)


def paid_by_month(annual: Floats, paid_from: Months, paid_until: Months, months: Months) -> Floats:
    """The rule, month by month for each stream: a twelfth of the annual amount for each whole
    month paid, pro rata by days in a part month."""
    month_end = (months.astype("datetime64[M]") + 1).astype("datetime64[D]")
    length = (month_end - months).astype(np.int64)
    last = np.where(np.isnat(paid_until), month_end[-1], paid_until + np.timedelta64(1, "D"))
    first = np.where(np.isnat(paid_from), months[0], paid_from)
    overlap = np.minimum(last[:, None], month_end[None, :]) - np.maximum(
        first[:, None], months[None, :]
    )
    days = np.clip(overlap.astype(np.int64), 0, None)
    paid: Floats = annual[:, None] / 12.0 * days / length[None, :]
    return paid


STREAM_DAY = st.one_of(st.none(), st.integers(-400, 2_400))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2),
            st.integers(0, 10_000_000).map(lambda pence: pence / 100),
            STREAM_DAY,
            STREAM_DAY,
        ),
        max_size=30,
    )
)
def test_streams_pay_a_twelfth_a_whole_month_and_pro_rata_a_part(
    streams: list[tuple[int, float, int | None, int | None]],
) -> None:
    keys = [("A", "desktop"), ("A", "hosting"), ("B", "desktop")]
    months = month_starts(date(2027, 1, 17), 60)

    def days(offsets: list[int | None]) -> Months:
        start = np.datetime64("2027-01-01", "D")
        return np.array(
            [np.datetime64("NaT", "D") if o is None else start + o for o in offsets],
            dtype="datetime64[D]",
        )

    annual = np.array([s[1] for s in streams], dtype=float)
    paid_from, paid_until = days([s[2] for s in streams]), days([s[3] for s in streams])
    ledger = _Ledger(keys, months)
    ledger.add_streams("legacy", [keys[s[0]] for s in streams], annual, paid_from, paid_until)
    by_month = paid_by_month(annual, paid_from, paid_until, months)
    expected = np.zeros((len(keys), len(months)))
    np.add.at(expected, [s[0] for s in streams], by_month)
    assert ledger.columns["legacy"] == pytest.approx(expected, rel=1e-9, abs=1e-6)
    totals = paid_in_total(annual, paid_from, paid_until, months)
    assert totals == pytest.approx(by_month.sum(axis=1), rel=1e-9, abs=1e-6)
