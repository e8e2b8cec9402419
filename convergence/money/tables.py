"""Savings as tables for people: per council and programme, per group and month, and the
early exits a scenario makes, each with whether its fee pays back."""

from __future__ import annotations

import pandas as pd

from convergence.money.savings import MONEY_COLUMNS, MONEY_LABELS, Savings
from convergence.records.estate import Outline


def summary(result: Savings, estate: Outline) -> pd.DataFrame:
    """One row per council and one for the programme: annual contract spend, savings over the
    horizon, annual savings once converged, that as a share of spend, and the payback month."""
    rows = []
    for code, label in [*((c.code, c.name) for c in estate.councils), (None, "Programme")]:
        share = result.share_of_spend(code)
        rows.append(
            {
                "council": code or "Programme",
                "name": label,
                "annual_spend": float(
                    result.annual_spend.sum() if code is None else result.annual_spend[code]
                ),
                "savings_to_horizon": result.total(code)["savings"],
                "annual_savings": result.annual_savings(code),
                "share_of_spend": share,
                "payback": result.payback(code),
            }
        )
    return pd.DataFrame(rows)


def savings_table(
    result: Savings, by: str = "council", *, for_people: bool = False
) -> pd.DataFrame:
    """Month by month per council, per tower, or for the programme (`by`), with cumulative
    savings; `for_people` writes months as 'Jan 2027' and money as £."""
    keys = [] if by == "programme" else [by]
    frame = result.by(*keys)[["month", *keys, *MONEY_COLUMNS, "cumulative"]]
    if not for_people:
        frame = frame.assign(month=frame["month"].dt.strftime("%Y-%m"))
        money_columns = [*MONEY_COLUMNS, "cumulative"]
        return frame.assign(**{c: frame[c].round(2) for c in money_columns})
    from convergence.formatting import money

    shown = frame.assign(month=frame["month"].dt.strftime("%b %Y"))
    for column in [*MONEY_COLUMNS, "cumulative"]:
        shown[column] = [money(v) for v in shown[column]]
    return shown.rename(columns={**MONEY_LABELS, "cumulative": "Cumulative savings (£)"})


def early_exits(live: Savings, scenario: Savings) -> pd.DataFrame:
    """Each early exit a scenario proposes: its fee against the legacy spend it avoids, and
    whether leaving early pays."""
    chosen = scenario.contracts[scenario.contracts["early_exit"].notna()]
    both = chosen.merge(
        live.contracts[["council", "contract", "plan_cost"]],
        on=["council", "contract"],
        suffixes=("_scenario", "_live"),
    )
    frame = pd.DataFrame(
        {
            "council": both["council"],
            "contract": both["contract"],
            "exit_on": both["early_exit"],
            "fee": both["exit_fee"],
            "spend_avoided": both["plan_cost_live"] - both["plan_cost_scenario"],
        }
    )
    frame["net"] = frame["spend_avoided"] - frame["fee"]
    frame["pays"] = frame["net"] > 0
    return frame
