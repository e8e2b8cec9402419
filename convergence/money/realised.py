"""Savings promised and realised: what each board's baseline promised, what the plan says
now, and what finance reports as achieved, per council and month, and rolled up for a screen."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd

from convergence.money.savings import Savings


@dataclass(frozen=True)
class RealisedSaving:
    """What finance reports as saved by one council in one month (`month`: any day in it)."""

    council: str
    month: date
    amount: Decimal
    note: str = ""
    recorded_by: str = ""


def promised_json(result: Savings) -> str:
    """The savings a plan promises, per council and month, as JSON for a baseline."""
    frame = result.by("council")
    return json.dumps(
        [
            {"council": c, "month": m.date().isoformat(), "amount": round(float(a), 2)}
            for c, m, a in zip(frame["council"], frame["month"], frame["savings"], strict=True)
        ]
    )


def promised_frame(text: str) -> pd.DataFrame:
    """A baseline's promised savings back as a frame: month, council, amount."""
    frame = pd.DataFrame(json.loads(text or "[]"), columns=["council", "month", "amount"])
    frame["month"] = pd.to_datetime(frame["month"])
    frame["amount"] = frame["amount"].astype(float)
    return frame[["month", "council", "amount"]]


def realised_frame(realised: list[RealisedSaving]) -> pd.DataFrame:
    """Realised savings as a frame: month (first day), council, amount."""
    return pd.DataFrame(
        {
            "month": pd.to_datetime([r.month.replace(day=1) for r in realised]),
            "council": [r.council for r in realised],
            "amount": [float(r.amount) for r in realised],
        },
        columns=["month", "council", "amount"],
    )


def planned_against_realised(
    promised: pd.DataFrame, current: Savings, realised: pd.DataFrame
) -> pd.DataFrame:
    """Per council and month: what a baseline promised, what the plan now says and what finance
    reports as realised, each also cumulative. `promised` and `realised` have columns month,
    council and amount."""
    plan = current.by("council")[["month", "council", "savings"]].rename(
        columns={"savings": "plan"}
    )
    frame = plan.merge(
        promised.rename(columns={"amount": "promised"}), on=["month", "council"], how="outer"
    ).merge(realised.rename(columns={"amount": "realised"}), on=["month", "council"], how="outer")
    frame = frame.sort_values(["council", "month"]).reset_index(drop=True)
    for column in ("promised", "plan", "realised"):
        frame[column] = frame[column].astype(float)
        frame[f"{column}_cumulative"] = frame.groupby("council")[column].cumsum()
    return frame


def cumulative_for(compared: pd.DataFrame, council: str | None = None) -> pd.DataFrame:
    """`planned_against_realised` for one council (None: the programme), month by month, with
    each figure also cumulative; a month with no figure of a kind stays empty, not zero."""
    if council is not None:
        compared = compared[compared["council"] == council]
    figures = ["promised", "plan", "realised"]
    rolled = compared.groupby("month", as_index=False)[figures].sum(min_count=1)
    for column in figures:
        rolled[f"{column}_cumulative"] = rolled[column].cumsum()
        rolled.loc[rolled[column].isna(), f"{column}_cumulative"] = None
    return rolled
