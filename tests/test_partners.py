"""The partner finder's matching, organisations outside the programme, and its command."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from convergence.cli import main
from convergence.planning.calendar_months import add_months
from convergence.planning.engine import schedule
from convergence.planning.partners import (
    Market,
    closest_pairs,
    every_partner,
    partner_pairs,
    partners,
)
from convergence.records.estate import Contract, Council, Estate, Tower, programme
from convergence.records.generate import generate_market

TOWERS = (Tower("desktop", "Desktop"), Tower("data_centre", "Data centre"), Tower("unknown", "?"))


def contract(council: str, ref: str, tower: str, end: date | None, supplier: str = "Dell",
             value: int = 100_000) -> Contract:  # fmt: skip
    return Contract(council, ref, ref, supplier, tower, end=end, annual_value=Decimal(value))


def market(*contracts: Contract) -> Market:
    councils = sorted({c.council for c in contracts} | {"X"})
    return Market.of(
        Estate(
            councils=tuple(Council(c, f"Council {c}", in_programme=c == "X") for c in councils),
            towers=TOWERS,
            contracts=contracts,
        )
    )


X_DESK = contract("X", "X-1", "desktop", date(2028, 3, 31))
X_DC = contract("X", "X-2", "data_centre", date(2028, 7, 31))


def test_partners_rank_by_towers_then_gap_then_value() -> None:
    m = market(
        X_DESK,
        X_DC,
        contract("A", "A-1", "desktop", date(2028, 4, 30)),  # 30 days
        contract("A", "A-2", "data_centre", date(2028, 9, 30)),  # 61 days
        contract("B", "B-1", "desktop", date(2028, 3, 31), value=50_000),  # 0 days, one tower
        contract("C", "C-1", "desktop", date(2028, 3, 31), value=900_000),  # 0 days, richer
    )
    table = partners(m, "X")
    assert list(table["partner"]) == ["A", "C", "B"]
    assert list(table["towers_matched"]) == [2, 1, 1]
    assert table["mean_gap_days"].iloc[0] == 45.5
    assert table["combined_annual_value"].iloc[0] == 400_000
    assert table["joint_call_off"].iloc[0] == (
        "both data_centre contracts end between Jul and Sep 2028; "
        "both desktop contracts end between Mar and Apr 2028"
    )


def test_the_window_edges_and_the_closest_pair_per_tower() -> None:
    far = contract("A", "A-1", "desktop", date(2029, 3, 31))  # exactly 12 months: in
    further = contract("B", "B-1", "desktop", date(2029, 4, 1))  # a day more: out
    near = contract("A", "A-2", "desktop", date(2028, 5, 1))
    table = partners(market(X_DESK, far, further), "X")
    assert list(table["partner"]) == ["A"]
    pairs = partner_pairs(market(X_DESK, far, near), "X", "A")
    assert list(pairs["partner_contract"]) == ["A-2"] and list(pairs["gap_days"]) == [31]
    assert partners(market(X_DESK, far), "X", window_months=6).empty


def test_same_supplier_towers_and_contracts_that_cannot_match() -> None:
    m = market(
        X_DESK,
        contract("A", "A-1", "desktop", date(2028, 3, 1), supplier=" dell "),
        contract("A", "A-2", "desktop", None),  # no end date
        contract("A", "A-3", "unknown", date(2028, 3, 31)),  # tower not known
    )
    assert m.unmatched == 2
    table = partners(m, "X")
    assert table["same_supplier_towers"].iloc[0] == "desktop"
    assert partners(m, "X", towers=["data_centre"]).empty


def test_a_planted_partner_comes_first_in_a_generated_market() -> None:
    e = generate_market(60, 6_000, seed=4)
    mine = [c for c in e.contracts if c.council == "O0000" and c.end and c.tower != "unknown"]
    planted = tuple(
        replace(c, council="O0059", reference=f"P-{n}", supplier="Planted Ltd")
        for n, c in enumerate(mine)
    )
    m = Market.of(replace(e, contracts=(*e.contracts, *planted)))
    table = partners(m, "O0000", top=3)
    assert table["partner"].iloc[0] == "O0059"
    assert table["mean_gap_days"].iloc[0] == 0
    matrix = every_partner(Market.of(generate_market(8, 400, seed=1)), top=2)
    assert set(matrix["council"]) <= {f"O{n:04d}" for n in range(8)}
    assert matrix.groupby("council").size().max() <= 2


@pytest.mark.parametrize("window", [1, 12])
def test_the_closest_pairs_are_those_found_among_every_pair(window: int) -> None:
    m = Market.of(generate_market(12, 900, seed=5))
    found = closest_pairs(m, None, window_months=window)
    c = m.contracts
    ends = c["end"].to_numpy()
    months = np.full(len(c), window)
    lows, highs = add_months(ends, -months), add_months(ends, months)
    brute: dict[tuple[str, str, str], int] = {}
    council = list(c["council"])
    for tower, rows in c.groupby("tower").indices.items():
        for i, j in itertools.permutations(rows, 2):
            if council[i] != council[j] and lows[i] <= ends[j] <= highs[i]:
                key = (council[i], council[j], tower)
                brute[key] = min(brute.get(key, 10**9), abs(int(ends[j] - ends[i])))
    keys = found[["council", "partner", "tower"]].itertuples(index=False, name=None)
    assert dict(zip(keys, found["gap_days"], strict=True)) == brute
    matrix = every_partner(m, window_months=window, top=3)
    for code in m.names:
        one = partners(m, code, window_months=window, top=3).reset_index(drop=True)
        theirs = matrix[matrix["council"] == code].drop(columns="council").reset_index(drop=True)
        pd.testing.assert_frame_equal(one, theirs, check_dtype=False)


def test_organisations_outside_the_programme_are_left_out_of_the_plan() -> None:
    e = Estate(
        councils=(Council("X", "Ours"), Council("A", "Theirs", in_programme=False)),
        towers=TOWERS,
        contracts=(X_DESK, contract("A", "A-1", "desktop", date(2028, 3, 1))),
    )
    planned = programme(e)
    assert [c.code for c in planned.councils] == ["X"]
    assert [c.council for c in planned.contracts] == ["X"]
    assert schedule(planned, date(2026, 12, 3)).plans.empty
    assert programme(planned) is planned  # nothing outside: the same estate


def test_the_partners_command(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["partners", "--estate", "data/sample", "--council", "WCC", "--format", "csv"])
    out = capsys.readouterr().out
    assert code == 0
    header = out.splitlines()[0].split(",")
    for column in ("partner", "partner_name", "towers_matched", "mean_gap_days",
                   "combined_annual_value", "same_supplier_towers"):  # fmt: skip
        assert column in header
    assert main(["partners", "--estate", "data/sample", "--council", "NOPE"]) == 2
    assert "no council or organisation with code 'NOPE'" in capsys.readouterr().err
    assert main(["partners", "--estate", "data/sample", "--all", "--top", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4  # a header and one row per council
