"""Costs and savings: what convergence saves each council, month by month.

Pure: an `Estate`, its `Roadmap` and a setting in, a `Savings` out; no database, no Streamlit.

The rules (also in the README, "Costs and savings"):

- Money is counted by calendar month from the planning date's month to the horizon (at least
  five years, and always three years past the last cutover). An annual amount costs a twelfth of
  itself in each whole month, pro rata by days in a part month.
- **Legacy contracts, planned.** A contract that supplies a system still to move is paid from
  the planning date (or its start, if later) until it is left: the latest leaving date of its
  systems in the roadmap (its current end; the end of the extension a late cutover needs; the
  end of the tacit renewal period the cutover falls in; a scenario's early exit date). With no
  end date it is paid until the day before its last system cuts over.
- **Framework charges** begin on each system's cutover (or on its transition start: the
  `charges_from` setting) and run on: `per_system` lots charge each system; `per_council` lots
  charge each council from its first system on the lot; `shared` lots charge once, from the
  first system of any council, split between the councils that have joined so far (a council
  joins with its first system on the lot) by their shares, or equally when any of them has
  none; the parts always add up to the charge.
- **One-off costs**: a system's transition cost in the month its transition starts; a
  termination fee in the month of a scenario's early exit.
- **Do-nothing baseline**: every contract renewed at its current annual value for the whole
  horizon; framework charges only for systems already converged.
- Contracts that supply no system still to move are paid the same in plan and baseline (to
  their end date when every system they supply has converged, renewed otherwise), so they
  count in spend and never in savings.
- **Savings** = baseline − plan, per month, council and tower; cumulative savings; the payback
  month (from which cumulative savings stay at or above zero); annual savings once converged
  (the horizon's last twelve months) as a share of the annual contract spend, beside the NLGN
  marks of 1.8% (realistic) and 3.6% (best).
- **Double running**: legacy spend on a contract after one of its systems began paying
  framework charges (included in legacy, shown on its own).

Legacy spend and fees count against the contract's tower, framework charges against the lot's
tower, transition costs against the system's tower.

Over 400 lines: one calculation, the monthly streams of legacy, framework and one-off
money sharing one ledger; tables for people and realised savings live in tables.py and
realised.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from convergence.planning import roadmap as rm
from convergence.planning.arrays import NONE
from convergence.planning.calendar_months import to_datetime64
from convergence.planning.engine import Roadmap
from convergence.records.estate import Estate, Outline

if TYPE_CHECKING:
    from convergence.records.columns import EstateColumns

ChargesFrom = Literal["cutover", "start"]
CHARGES_FROM: dict[str, str] = {
    "cutover": "From cutover",
    "start": "From transition start",
}
NLGN_REALISTIC = 0.018
NLGN_BEST = 0.036
MIN_HORIZON_MONTHS = 60
MONTHS_AFTER_LAST_CUTOVER = 36

MONEY_COLUMNS = ("baseline", "legacy", "framework", "one_off", "plan", "savings", "double_running")
MONEY_LABELS: dict[str, str] = {
    "baseline": "Do nothing (£)",
    "legacy": "Legacy contracts (£)",
    "framework": "Framework charges (£)",
    "one_off": "One-off costs (£)",
    "plan": "Plan (£)",
    "savings": "Savings (£)",
    "double_running": "Of which double running (£)",
}

Floats = npt.NDArray[np.float64]
Months = npt.NDArray[np.datetime64]
NAT = np.datetime64("NaT", "D")
BEYOND = np.datetime64("9999-12-31", "D")  # after any month counted


@dataclass(frozen=True, eq=False)
class Savings:
    """Money month by month. `monthly` has one row per month × council × tower with the
    columns in MONEY_COLUMNS (pounds, floats); `contracts` one row per contract with what it
    costs in plan and baseline and the extension the roadmap needs."""

    monthly: pd.DataFrame  # month, council, tower, baseline, legacy, framework, one_off, ...
    contracts: pd.DataFrame  # council, contract, tower, paid_from, paid_until, ..., extension
    annual_spend: pd.Series  # annual contract value by council, £
    charges_from: ChargesFrom

    def by(self, *keys: str) -> pd.DataFrame:
        """Totals per month and `keys` (council, tower, or neither for the programme), with
        cumulative savings."""
        frame = self.monthly.groupby(["month", *keys], as_index=False)[list(MONEY_COLUMNS)].sum()
        frame = frame.sort_values([*keys, "month"], kind="stable").reset_index(drop=True)
        if keys:
            frame["cumulative"] = frame.groupby(list(keys))["savings"].cumsum()
        else:
            frame["cumulative"] = frame["savings"].cumsum()
        return frame

    def by_successor(self, successor_of: dict[str, str]) -> pd.DataFrame:
        """`by("council")` summed per successor authority, as `successor_of` maps each council
        (a council not reorganised, or a split county, keeps its own code), in a column named
        "council" so the council charts draw it."""
        monthly = self.monthly.assign(
            council=[successor_of.get(c) or c for c in self.monthly["council"]]
        )
        return replace(self, monthly=monthly).by("council")

    def total(self, council: str | None = None) -> dict[str, float]:
        """Each money column summed over the horizon (for one council, or the programme)."""
        if council is not None:
            return {c: float(self._of(council, c, 0.0)) for c in MONEY_COLUMNS}
        return {c: float(self.monthly[c].sum()) for c in MONEY_COLUMNS}

    def payback(self, council: str | None = None) -> pd.Timestamp | None:
        """The month from which cumulative savings stay at or above zero; None if they end
        below zero (or there is nothing to pay back)."""
        if council is not None:
            payback: pd.Timestamp | None = self._of(council, "payback", None)
            return payback
        return _payback(self.monthly.groupby("month")["savings"].sum())

    @cached_property
    def councils(self) -> pd.DataFrame:
        """Per council (the index): each money column's total, the annual savings once
        converged and the payback month, worked out for every council at once (asked council
        by council, a few milliseconds each: at 40 councils, a screen's worth)."""
        m = self.monthly
        frame = m.groupby("council")[list(MONEY_COLUMNS)].sum()
        monthly = m.groupby(["council", "month"])["savings"].sum()  # by council, then month
        frame["annual_savings"] = monthly.groupby(level=0).tail(12).groupby(level=0).sum()
        frame["payback"] = pd.Series(
            {c: _payback(months.droplevel(0)) for c, months in monthly.groupby(level=0)},
            dtype=object,
        )
        return frame

    def _of(self, council: str, column: str, missing: Any) -> Any:
        """One council's figure from `councils`; `missing` for a council with no money."""
        return self.councils.at[council, column] if council in self.councils.index else missing

    def annual_savings(self, council: str | None = None) -> float:
        """Savings over the horizon's last twelve months, when every system has moved."""
        if council is not None:
            return float(self._of(council, "annual_savings", 0.0))
        last = sorted(self.monthly["month"].unique())[-12:]
        return float(self.monthly.loc[self.monthly["month"].isin(last), "savings"].sum())

    def share_of_spend(self, council: str | None = None) -> float | None:
        """Annual savings once converged as a share of the annual contract spend."""
        spend = float(self.annual_spend.sum() if council is None else self.annual_spend[council])
        return self.annual_savings(council) / spend if spend else None


def _payback(monthly: pd.Series) -> pd.Timestamp | None:
    """The month from which the cumulative sum of `monthly` savings (indexed by month) stays
    at or above zero; None if it ends below zero, or is zero throughout."""
    cumulative = monthly.sort_index().cumsum().round(2)
    if cumulative.empty or cumulative.iloc[-1] < 0 or (cumulative == 0).all():
        return None
    below = cumulative[cumulative < 0]
    if below.empty:
        return pd.Timestamp(cumulative.index[0])
    later = cumulative.index[cumulative.index > below.index[-1]]
    return pd.Timestamp(later[0]) if len(later) else None


@dataclass(frozen=True, eq=False)
class Costs:
    """What costs and savings read of the estate besides its outline and roadmap: one row per
    contract in `contracts` (council, contract, title, tower, annual_value, start,
    current_end, termination_fee: pounds as floats, 0 for none; dates as `date`, None for
    none) and each system's one-off transition cost in `transition_cost` (£, 0 for none), in
    the order of the estate's systems (the roadmap's rows)."""

    contracts: pd.DataFrame
    transition_cost: Floats

    @classmethod
    def of(cls, estate: Estate) -> Costs:
        """From the estate's records."""
        contracts = pd.DataFrame(
            [
                (c.council, c.reference, c.title, c.tower, _money(c.annual_value))
                + (c.start, c.end, _money(c.termination_fee))
                for c in estate.contracts
            ],
            columns=_CONTRACT_TERMS,
        )
        cost = [_money(s.transition_cost) for s in estate.systems]
        return cls(_plain_texts(contracts), np.asarray(cost, dtype=np.float64))

    @classmethod
    def of_columns(cls, columns: EstateColumns) -> Costs:
        """From the estate's columns (convergence.records.columns), with no object per
        record."""
        table = columns["contracts"]

        def texts(field: str) -> npt.NDArray[np.object_]:
            values: npt.NDArray[np.object_] = table[field].to_numpy(zero_copy_only=False)
            return values.astype(object)

        contracts = pd.DataFrame(
            {
                "council": texts("council"),
                "contract": texts("reference"),
                "title": texts("title"),
                "tower": texts("tower"),
                "annual_value": _pounds(table["annual_value"]),
                "start": _dates(table["start"]),
                "current_end": _dates(table["end"]),
                "termination_fee": _pounds(table["termination_fee"]),
            },
            columns=_CONTRACT_TERMS,
        )
        return cls(_plain_texts(contracts), _pounds(columns["systems"]["transition_cost"]))


_CONTRACT_TERMS = [
    "council",
    "contract",
    "title",
    "tower",
    "annual_value",
    "start",
    "current_end",
    "termination_fee",
]


def _plain_texts(contracts: pd.DataFrame) -> pd.DataFrame:
    """The contracts' texts as plain Python strings, which iterate fast (pandas makes Arrow
    strings of them, each turned into a Python string again as it is read)."""
    return contracts.astype({term: object for term in ("council", "contract", "title", "tower")})


def _pounds(amounts: Any) -> Floats:
    """A column of amounts (nan for none) as pounds, 0 for none."""
    return np.nan_to_num(np.asarray(amounts.to_numpy(), dtype=np.float64))


def _dates(day_numbers: Any) -> npt.NDArray[np.object_]:
    """A column of day numbers (`date.toordinal`, NONE for none) as dates, None for none."""
    numbers = np.asarray(day_numbers.to_numpy(), dtype=np.int64)
    dates: npt.NDArray[np.object_] = to_datetime64(numbers).astype(object)
    dates[numbers == NONE] = None
    return dates


# --- months and streams -----------------------------------------------------------------------


def month_starts(first: date, count: int) -> Months:
    """The first day of `count` months, from the month of `first`."""
    start = np.datetime64(first, "M")
    months: Months = (start + np.arange(count)).astype("datetime64[D]")
    return months


def month_times(days: Months, months: Months) -> Floats:
    """Each day as a time in months from the first of `months`: the whole months before its
    own, and the part of its own month before it (the 16th of a 30-day second month is 1.5).
    Days before the months are at 0, days after them at their count.

    >>> month_times(np.array(["2027-04-16", "2030-01-01"], dtype="datetime64[D]"),
    ...             month_starts(date(2027, 3, 1), 2)).tolist()
    [1.5, 2.0]
    """
    ends = (months.astype("datetime64[M]") + 1).astype("datetime64[D]")  # exclusive
    lengths = (ends - months).astype(np.int64)
    days = np.maximum(np.minimum(days, ends[-1]), months[0])
    month = np.minimum(np.searchsorted(months, days, side="right") - 1, months.size - 1)
    times: Floats = month + (days - months[month]).astype(np.int64) / lengths[month]
    return times


def _paid_times(paid_from: Months, paid_until: Months, months: Months) -> tuple[Floats, Floats]:
    """When streams paid from `paid_from` to `paid_until` (inclusive; NaT: from the first
    month, beyond the last) begin and end, as month times (an end never before its start)."""
    begin = month_times(np.where(np.isnat(paid_from), months[0], paid_from), months)
    after = paid_until + np.timedelta64(1, "D")
    end = month_times(np.where(np.isnat(after), BEYOND, after), months)
    return begin, np.maximum(end, begin)


def paid_in_total(annual: Floats, paid_from: Months, paid_until: Months, months: Months) -> Floats:
    """What each stream of an annual amount pays over the months, from `paid_from` to
    `paid_until` (inclusive; NaT: from the first month, beyond the last): a twelfth for each
    whole month and pro rata by days in a part."""
    begin, end = _paid_times(paid_from, paid_until, months)
    total: Floats = annual / 12.0 * (end - begin)
    return total


def _day(value: object) -> np.datetime64:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return NAT
    if isinstance(value, pd.Timestamp):
        return np.datetime64(value.to_datetime64(), "D")
    day: np.datetime64 = np.datetime64(value, "D")  # type: ignore[call-overload]
    return day


def _money(value: Decimal | None) -> float:
    return float(value) if value is not None else 0.0


@dataclass
class _Ledger:
    """Money by (council, tower) × month, for one column."""

    keys: list[tuple[str, str]]
    months: Months

    def __post_init__(self) -> None:
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.columns: dict[str, Floats] = {}

    def add_streams(
        self,
        column: str,
        keys: list[tuple[str, str]],
        annual: Floats,
        paid_from: Months,
        paid_until: Months,
    ) -> None:
        """Annual amounts paid from `paid_from` to `paid_until` (inclusive; NaT: from the first
        month, beyond the last): a twelfth for each whole month, pro rata by days in a part.

        Each stream adds its twelfth to the months from the one it begins in up to the one it
        ends in, as two steps summed along the months, and corrects the two part months: no
        array of streams × months is made (at national scale it took gigabytes)."""
        count = len(self.months)
        if column not in self.columns:
            self.columns[column] = np.zeros((len(self.keys), count))
        if not keys:
            return
        rows = np.array([self.index[k] for k in keys])
        twelfth = annual / 12.0
        begin, end = _paid_times(paid_from, paid_until, self.months)
        first, last = np.floor(begin).astype(np.int64), np.floor(end).astype(np.int64)
        steps = np.zeros((len(self.keys), count + 1))
        np.add.at(steps, (rows, first), twelfth)
        np.add.at(steps, (rows, last), -twelfth)
        parts = np.zeros((len(self.keys), count + 1))
        np.add.at(parts, (rows, last), twelfth * (end - last))
        np.add.at(parts, (rows, first), -twelfth * (begin - first))
        self.columns[column] += (np.cumsum(steps, axis=1) + parts)[:, :count]

    def add_one_offs(
        self, column: str, keys: list[tuple[str, str]], days: Months, amounts: Floats
    ) -> None:
        """Amounts paid once, each in the month of its day (before the first month: the first
        month; after the last: not counted)."""
        if column not in self.columns:
            self.columns[column] = np.zeros((len(self.keys), len(self.months)))
        if not keys:
            return
        position = np.maximum(np.searchsorted(self.months, days, side="right") - 1, 0)
        inside = position < len(self.months)
        rows = np.array([self.index[k] for k in keys])
        np.add.at(self.columns[column], (rows[inside], position[inside]), amounts[inside])

    def frame(self) -> pd.DataFrame:
        n, m = len(self.keys), len(self.months)
        frame = pd.DataFrame(
            {
                "month": np.tile(self.months, n).astype("datetime64[ns]"),
                "council": np.repeat([k[0] for k in self.keys], m).astype(object),
                "tower": np.repeat([k[1] for k in self.keys], m).astype(object),
            }
        )
        for column in ("baseline", "legacy", "framework", "one_off", "double_running"):
            frame[column] = self.columns.get(column, np.zeros((n, m))).ravel()
        frame["plan"] = frame["legacy"] + frame["framework"] + frame["one_off"]
        frame["savings"] = frame["baseline"] - frame["plan"]
        return frame[["month", "council", "tower", *MONEY_COLUMNS]]


# --- the calculation --------------------------------------------------------------------------


def horizon_months(roadmap: Roadmap) -> int:
    """Months to count: at least five years, and three years past the last cutover."""
    plans = roadmap.plans
    moving = rm.moving(plans)
    last = moving["cutover"].max() if len(moving) else pd.NaT
    if pd.isna(last):
        return MIN_HORIZON_MONTHS
    span = (last.year - roadmap.today.year) * 12 + last.month - roadmap.today.month
    return max(MIN_HORIZON_MONTHS, int(span) + 1 + MONTHS_AFTER_LAST_CUTOVER)


def savings(
    estate: Outline,
    roadmap: Roadmap,
    *,
    costs: Costs | None = None,
    charges_from: ChargesFrom = "cutover",
    exits: Mapping[tuple[str, str], date] | None = None,
    fees: Mapping[tuple[str, str], Decimal] | None = None,
    horizon: int | None = None,
) -> Savings:
    """What the roadmap costs and saves, month by month (see the module docstring).

    exits, fees: a scenario's early exits and their termination fees, by (council, contract).
    horizon: months to count (default `horizon_months(roadmap)`), to line up two roadmaps.
    costs: the contracts' terms and the systems' transition costs, when `estate` is only the
    outline (the app's, whose records stay in columns); read from an estate's records
    otherwise.
    """
    if costs is None:
        if not isinstance(estate, Estate):
            raise TypeError("the savings of an estate in outline need its costs")
        costs = Costs.of(estate)
    exits = exits or {}
    fees = fees or {}
    today = roadmap.today
    text = ["council", "system", "tower", "contract", "lot", "state"]
    plans = roadmap.plans.astype({c: object for c in text})  # plain strings iterate fast
    plans["transition_cost"] = costs.transition_cost
    moving = rm.moving(plans)
    months = month_starts(today, horizon or horizon_months(roadmap))

    lots = {lot.name: lot for lot in estate.lots}
    keys = sorted(
        set(zip(costs.contracts["council"], costs.contracts["tower"], strict=True))
        | set(zip(plans["council"], plans["tower"], strict=True))
        | {
            (council, lots[lot].tower)
            for council, lot in zip(plans["council"], plans["lot"], strict=True)
            if lot in lots
        }
        | {(c.code, t.code) for c in estate.councils for t in estate.towers}
    )
    ledger = _Ledger(keys, months)
    charge_start = _charge_starts(plans, charges_from)

    contracts = _contract_spend(
        costs.contracts, plans, exits, fees, charge_start, np.datetime64(today, "D")
    )
    annual = contracts["annual_value"].to_numpy(dtype=float)
    paid_from = contracts["paid_from"].to_numpy(dtype="datetime64[D]")
    paid_until = contracts["paid_until"].to_numpy(dtype="datetime64[D]")
    renewed = contracts["renewed_until"].to_numpy(dtype="datetime64[D]")
    contract_keys = list(zip(contracts["council"], contracts["tower"], strict=True))
    ledger.add_streams("legacy", contract_keys, annual, paid_from, paid_until)
    ledger.add_streams("baseline", contract_keys, annual, paid_from, renewed)
    overlap_from = contracts["framework_from"].to_numpy(dtype="datetime64[D]")
    double = np.isnat(overlap_from)
    ledger.add_streams(
        "double_running",
        contract_keys,
        np.where(double, 0.0, annual),
        np.where(double, paid_from, overlap_from),
        paid_until,
    )
    contracts["plan_cost"] = paid_in_total(annual, paid_from, paid_until, months)
    contracts["baseline_cost"] = paid_in_total(annual, paid_from, renewed, months)
    ext_from = contracts["extension_from"].to_numpy(dtype="datetime64[D]")
    extends = ~np.isnat(ext_from)
    contracts["extension_cost"] = paid_in_total(
        np.where(extends, annual, 0.0), np.where(extends, ext_from, paid_from), paid_until, months
    )

    for stream in ("plan", "baseline"):
        on_lot = (
            charge_start if stream == "plan" else charge_start[charge_start["state"] == "converged"]
        )
        charge_keys, charge_annual, charge_from, charge_until = _framework_streams(estate, on_lot)
        column = "framework" if stream == "plan" else "baseline"
        ledger.add_streams(column, charge_keys, charge_annual, charge_from, charge_until)

    paying = moving[(moving["transition_cost"] > 0) & moving["start"].notna()]
    exiting = contracts[contracts["early_exit"].notna()]
    ledger.add_one_offs(
        "one_off",
        [
            *zip(paying["council"], paying["tower"], strict=True),
            *zip(exiting["council"], exiting["tower"], strict=True),
        ],
        np.concatenate(
            [
                paying["start"].to_numpy(dtype="datetime64[D]"),
                pd.to_datetime(exiting["early_exit"]).to_numpy(dtype="datetime64[D]"),
            ]
        ),
        np.array(
            [
                *paying["transition_cost"],
                *exiting["exit_fee"],
            ],
            dtype=float,
        ),
    )

    spend = pd.Series({c.code: 0.0 for c in estate.councils}, dtype=float).add(
        pd.Series(annual, index=contracts["council"].to_numpy()).groupby(level=0).sum(),
        fill_value=0.0,
    )
    return Savings(
        monthly=ledger.frame(),
        contracts=contracts.drop(columns=["framework_from"]),
        annual_spend=spend,
        charges_from=charges_from,
    )


def _charge_starts(plans: pd.DataFrame, charges_from: ChargesFrom) -> pd.DataFrame:
    """Systems on a lot that pay framework charges, and from when."""
    on = plans[plans["state"].isin(["legacy", "in_transition", "converged"]) & plans["lot"].notna()]
    frame = on[["council", "system", "lot", "state"]].copy()
    when = on["start"] if charges_from == "start" else on["cutover"]
    frame["from"] = when.where(on["state"] != "converged", on["cutover"])
    return frame[frame["from"].notna()]


def _framework_streams(
    estate: Outline, on_lot: pd.DataFrame
) -> tuple[list[tuple[str, str]], Floats, Months, Months]:
    """(council, tower) keys, annual amounts, first and last days (NaT: open) of every
    framework charge."""
    keys: list[tuple[str, str]] = []
    amounts: list[Floats] = []
    starts: list[Months] = []
    ends: list[Months] = []
    shares = {c.code: c.share for c in estate.councils}
    for lot in estate.lots:
        systems = on_lot[on_lot["lot"] == lot.name]
        if not lot.annual_charge or systems.empty:
            continue
        charge = float(lot.annual_charge)
        if lot.charge_basis != "shared":  # each system, or each council from its first
            joining = systems if lot.charge_basis == "per_system" else _first_of_each(systems)
            keys.extend((str(council), lot.tower) for council in joining["council"])
            amounts.append(np.full(len(joining), charge))
            starts.append(joining["from"].to_numpy(dtype="datetime64[D]"))
            ends.append(np.full(len(joining), NAT))
            continue
        # shared: from each council's joining day to the next, split among those joined so far
        joined = list(systems.groupby("council")["from"].min().items())
        joined.sort(key=lambda pair: pair[1])
        all_shares = [shares.get(str(c)) for c, _ in joined]
        by_share = all(x is not None and x > 0 for x in all_shares)
        for k, (_, start) in enumerate(joined):
            until = _day(joined[k + 1][1]) - 1 if k + 1 < len(joined) else NAT
            members = [str(c) for c, _ in joined[: k + 1]]
            weights = [float(shares[c] or 0) if by_share else 1.0 for c in members]
            keys.extend((council, lot.tower) for council in members)
            amounts.append(charge * np.asarray(weights) / sum(weights))
            starts.append(np.full(len(members), _day(start)))
            ends.append(np.full(len(members), until))
    return (
        keys,
        np.concatenate([np.zeros(0), *amounts]),
        np.concatenate([np.zeros(0, dtype="datetime64[D]"), *starts]),
        np.concatenate([np.zeros(0, dtype="datetime64[D]"), *ends]),
    )


def _first_of_each(systems: pd.DataFrame) -> pd.DataFrame:
    """Each council's first day among `systems` (council, from)."""
    return systems.groupby("council", as_index=False)["from"].min()


def _contract_spend(
    terms: pd.DataFrame,
    plans: pd.DataFrame,
    exits: Mapping[tuple[str, str], date],
    fees: Mapping[tuple[str, str], Decimal],
    charge_start: pd.DataFrame,
    today: np.datetime64,
) -> pd.DataFrame:
    """One row per contract: annual value, paid from, paid until (plan), renewed until
    (baseline), when framework charges for its systems begin, and its extension."""
    keys = ["council", "contract"]
    frame = terms.drop(columns=["termination_fee"])
    moving = rm.moving(plans)
    moving = moving[moving["contract"].notna()]
    moving = moving.assign(leaving=moving["leave_on"].fillna(moving["cutover"] - timedelta(days=1)))
    per_contract = moving.groupby(keys).agg(
        leaving=("leaving", "max"), extension_covered=("extension_covered", "all")
    )
    with_contract = plans[plans["contract"].notna()]
    converged = (with_contract["state"] == "converged").groupby(
        [with_contract["council"], with_contract["contract"]]
    )
    starts = charge_start.merge(plans[["council", "system", "contract"]], on=["council", "system"])
    starts = starts[starts["contract"].notna() & starts["state"].ne("converged")]
    frame = (
        frame.merge(per_contract, left_on=keys, right_index=True, how="left")
        .merge(converged.all().rename("converged_only"), left_on=keys, right_index=True, how="left")
        .merge(
            starts.groupby(keys)["from"].min().rename("framework_from"),
            left_on=keys,
            right_index=True,
            how="left",
        )
    )
    exit_on = [exits.get(k) for k in zip(frame["council"], frame["contract"], strict=True)]
    frame["early_exit"] = exit_on
    frame["exit_fee"] = [
        (_money(fees[(c, r)]) if fees.get((c, r)) else fee) if (c, r) in exits else 0.0
        for c, r, fee in zip(
            frame["council"], frame["contract"], terms["termination_fee"], strict=True
        )
    ]

    def days(column: pd.Series) -> Months:
        result: Months = pd.to_datetime(column).to_numpy(dtype="datetime64[D]")
        return result

    in_play = frame["leaving"].notna().to_numpy()
    end = days(frame["current_end"])
    start = days(frame["start"])
    paid_from = np.where(np.isnat(start) | (start < today), today, start)
    leaving = np.where(
        pd.isna(frame["early_exit"]).to_numpy(), days(frame["leaving"]), days(frame["early_exit"])
    )
    converged_only = frame["converged_only"].fillna(False).to_numpy(dtype=bool)
    finished = np.where(converged_only, end, NAT)
    paid_until = np.where(in_play, leaving, finished)
    extends = in_play & ~np.isnat(end) & ~np.isnat(paid_until) & (paid_until > end)
    frame["paid_from"] = paid_from
    frame["paid_until"] = paid_until
    frame["renewed_until"] = np.where(in_play, NAT, finished)
    frame["framework_from"] = days(frame["framework_from"])
    frame["extension_from"] = np.where(extends, np.maximum(end + 1, paid_from), NAT)
    frame["extension_days"] = np.where(extends, (paid_until - end).astype(np.int64), 0)
    frame["extension_covered"] = frame["extension_covered"].fillna(True).astype(bool)
    return frame[
        [
            *keys,
            "title",
            "tower",
            "annual_value",
            "current_end",
            "paid_from",
            "paid_until",
            "renewed_until",
            "framework_from",
            "extension_from",
            "extension_days",
            "extension_covered",
            "early_exit",
            "exit_fee",
        ]
    ]
