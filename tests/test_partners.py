"""The partner finder's matching, organisations outside the programme, and its command."""

from __future__ import annotations

import csv
import io
import itertools
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlmodel import Session

from convergence.cli import main
from convergence.errors import EstateError
from convergence.planning.calendar_months import add_months
from convergence.planning.engine import schedule
from convergence.planning.partners import (
    Market,
    closest_pairs,
    every_partner,
    partner_pairs,
    partners,
)
from convergence.planning.scenarios import (
    Override,
    adoptable,
    compare_savings,
    scenario_roadmap,
)
from convergence.records.estate import Contract, Council, Estate, Tower, programme
from convergence.records.estate_files import read_estate
from convergence.records.generate import generate_estate, generate_market
from convergence.registers.market import preview_market
from convergence.store import storage
from convergence.store.db import make_engine

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
        "Data centre: both contracts end between Jul and Sep 2028; "
        "Desktop: both contracts end between Mar and Apr 2028"
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


MARKET = Path(__file__).resolve().parent / "fixtures" / "registers"


def test_market_data_makes_each_buyer_an_organisation_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    assert main(["--database", url, "import", "data/sample"]) == 0
    market_file = str(MARKET / "contracts-finder-market.csv")
    capsys.readouterr()
    assert main(["--database", url, "import", market_file, "--market"]) == 0
    out = capsys.readouterr().out
    assert "3 new organisations outside the programme, 7 new contracts" in out
    assert main(["--database", url, "import", market_file, "--market"]) == 0  # names now known
    assert "0 new contracts, 0 updated, 7 unchanged" in capsys.readouterr().out
    with Session(make_engine(url)) as session:
        held = storage.load_estate(session=session)
    outside = {c.name: c.code for c in held.councils if not c.in_programme}
    assert outside == {"Kent County Council": "KCC", "Medway Council": "MC",
                       "Dartford Borough Council": "DBC"}  # fmt: skip
    kent = {c.reference: c.tower for c in held.contracts if c.council == "KCC"}
    assert kent == {"m0000000-0000": "desktop", "m0000000-0002": "data_centre"}  # both spellings
    assert ("DBC", "unknown") in {(c.council, c.tower) for c in held.contracts}  # kept, not refused
    assert "KCC" not in {c.council for c in programme(held).contracts}
    assert main(["--database", url, "partners", "--council", "WCC", "--format", "csv"]) == 0
    found = capsys.readouterr()
    medway = next(r for r in csv.DictReader(io.StringIO(found.out)) if r["partner"] == "MC")
    assert (medway["partner_name"], medway["in_programme"], medway["towers_matched"]) == (
        "Medway Council", "false", "1")  # fmt: skip
    assert "1 contract without an end date or a known tower was left out" in found.err


def test_market_data_from_ocds_and_from_a_named_organisations_register(tmp_path: Path) -> None:
    sample = read_estate(Path("data/sample"))
    releases = [
        {"ocid": f"ocds-x-{n}", "date": "2024-03-01", "buyer": {"name": buyer},
         "awards": [{"id": f"A-{n}", "title": "Service desk",
                     "contractPeriod": {"endDate": "2029-03-31T00:00:00Z"}}]}
        for n, buyer in enumerate(["Surrey County Council", "surrey county council ", "NHS Surrey"])
    ]  # fmt: skip
    data = json.dumps({"releases": releases}).encode()
    preview = preview_market(data, "awards.json", estate=sample)
    assert not preview.problems
    made = preview.to_estate()
    assert [(c.code, c.name) for c in made.councils] == [
        ("SCC", "Surrey County Council"),
        ("NS", "NHS Surrey"),
    ]
    assert {c.council for c in made.contracts} == {"SCC", "NS"}
    register = (MARKET / "transparency-wcc.csv").read_bytes()
    named = preview_market(register, "register.csv", estate=sample, organisation="Testford BC")
    assert [c.code for c in named.to_estate(valid_only=True).councils] == ["TB"]
    assert {c.council for c in named.to_estate(valid_only=True).contracts} == {"TB"}


def test_a_folder_of_councils_towers_and_contracts_alone_imports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "market"
    folder.mkdir()
    for name in ("councils.csv", "towers.csv", "contracts.csv"):
        (folder / name).write_bytes((Path("data/sample") / name).read_bytes())
    url = f"sqlite:///{tmp_path / 'three.sqlite'}"
    assert main(["--database", url, "import", str(folder)]) == 0
    assert "contracts 40 added" in capsys.readouterr().out
    assert main(["--database", url, "partners", "--council", "WCC", "--top", "1"]) == 0
    assert "LBHF" in capsys.readouterr().out


def test_a_scenario_with_a_partner_plans_its_systems_and_adopting_it_keeps_the_rest() -> None:
    e = generate_estate(councils=3, systems_per_council=20, dependencies=30, seed=2)
    partner = e.councils[-1].code
    whole = replace(
        e,
        councils=tuple(replace(c, in_programme=c.code != partner) for c in e.councils),
    )
    live = schedule(programme(whole), date(2026, 12, 3))
    joins = (Override("join_programme", council=partner, name="Partner"),)
    what_if = scenario_roadmap(whole, joins, live.today)
    assert partner not in set(live.plans["council"]) and partner in set(what_if.plans["council"])
    money = compare_savings(whole, live, joins, what_if)
    assert partner in set(money.councils["council"])
    assert joins[0].describe() == f"Partner ({partner}) joins the programme"
    adopted = adoptable(whole, joins)
    assert {c.code for c in adopted.councils} == {c.code for c in whole.councils}  # none dropped
    assert all(c.in_programme for c in adopted.councils)
    with pytest.raises(EstateError, match="no organisation NOPE"):
        scenario_roadmap(whole, (Override("join_programme", council="NOPE"),), live.today)
