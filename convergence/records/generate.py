"""Synthetic estates for tests and benchmarks: deterministic for a seed, acyclic, plausible.

Each council gets systems across the six towers of the sample, most supplied by a contract
ending between 2026 and 2032 (some with extension options, some renewing tacitly), a few
converged, in transition or retained. Dependencies only ever point from a system to one earlier
in a fixed global order (infrastructure towers first), so the graph is acyclic by construction;
about one in ten crosses councils, and none needs a retained system.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from convergence.records.estate import (
    Contract,
    Council,
    Dependency,
    Estate,
    Links,
    Lot,
    Successor,
    System,
    SystemState,
    Tower,
    linked,
)

TOWERS = (
    Tower("data_centre", "Data centre (hosting)"),
    Tower("identity", "Identity & email"),
    Tower("network", "Network"),
    Tower("desktop", "Desktop (end-user computing)"),
    Tower("service_desk", "Service desk"),
    Tower("line_of_business", "Line-of-business applications"),
)
LOTS = (
    Lot(
        "Lot 2 Hosting", "data_centre", "Ark Data Centres", date(2026, 1, 5), date(2030, 3, 31), 84
    ),
    Lot(
        "Lot 4 Identity & collaboration",
        "identity",
        "Softcat",
        date(2025, 10, 1),
        date(2029, 9, 30),
        60,
    ),
    Lot("Lot 5 Network", "network", "BT", date(2026, 10, 1), date(2028, 12, 31), 48),
    Lot(
        "Lot 1 End-user computing",
        "desktop",
        "Computacenter",
        date(2026, 4, 1),
        date(2030, 3, 31),
        60,
    ),
    Lot("Lot 3 Service desk", "service_desk", "Agilisys", date(2026, 7, 1), date(2029, 6, 30), 60),
    Lot(
        "Lot 6 Application management",
        "line_of_business",
        "Civica",
        date(2026, 4, 1),
        date(2030, 12, 31),
        84,
    ),
)
# framework charges: contracts average about £1m a year, so a system on the framework costs
# somewhat less; the service desk is one shared contract
CHARGES: dict[str, dict[str, Any]] = {
    "Lot 2 Hosting": {"charge_basis": "per_system", "annual_charge": Decimal(850_000)},
    "Lot 4 Identity & collaboration": {
        "charge_basis": "per_system",
        "annual_charge": Decimal(800_000),
    },
    "Lot 5 Network": {"charge_basis": "per_system", "annual_charge": Decimal(880_000)},
    "Lot 1 End-user computing": {"charge_basis": "per_system", "annual_charge": Decimal(900_000)},
    "Lot 3 Service desk": {"charge_basis": "shared", "annual_charge": Decimal(40_000_000)},
    "Lot 6 Application management": {
        "charge_basis": "per_system",
        "annual_charge": Decimal(870_000),
    },
}
SUPPLIERS = (
    "Capgemini",
    "BT",
    "Agilisys",
    "Sungard",
    "Dell",
    "Computacenter",
    "Civica",
    "Northgate",
    "Capita",
    "Idox",
    "Unit4",
    "Softcat",
)
# share of a council's systems in each tower: a few infrastructure systems, many applications
TOWER_WEIGHTS = (0.06, 0.04, 0.04, 0.06, 0.04, 0.76)
EPOCH = date(2026, 1, 1)


def generate_estate(
    *, councils: int, systems_per_council: int, dependencies: int, seed: int = 42
) -> Estate:
    """A synthetic estate of `councils` × `systems_per_council` systems and `dependencies`
    dependency edges in total.

    Raises ValueError when more dependencies are asked for than the systems can hold.

    >>> e = generate_estate(councils=3, systems_per_council=10, dependencies=12, seed=1)
    >>> len(e.councils), len(e.systems), len(e.dependencies)
    (3, 30, 12)
    """
    rng = random.Random(seed)
    total = councils * systems_per_council
    if dependencies > total * (total - 1) // 2:
        raise ValueError(f"{dependencies:,} dependencies do not fit among {total:,} systems")
    council_rows = tuple(
        Council(f"C{n:03d}", f"Synthetic Borough {n:03d}") for n in range(1, councils + 1)
    )
    contracts: list[Contract] = []
    systems: list[System] = []
    retained: list[bool] = []
    tower_of: list[int] = []
    contract_of: list[int] = []  # each system's position in contracts, -1 for none
    randint, choice, rand = rng.randint, rng.choice, rng.random
    money_rng = random.Random(seed + 1)  # its own stream, so dates and names stay as they were
    for council in council_rows:
        for k in range(systems_per_council):
            tower = _tower_index(k, systems_per_council)
            lot = LOTS[tower]
            name = f"{TOWERS[tower].name.split(' ')[0]} system {k + 1:04d}"
            state: SystemState = "legacy"
            roll = rand()
            if roll < 0.04:
                state = "retained"
            elif roll < 0.08:
                state = "converged"
            elif roll < 0.10:
                state = "in_transition"
            reference = None
            contract_of.append(-1)
            if rand() < 0.85:
                contract_of[-1] = len(contracts)
                reference = f"{council.code}-{k + 1:05d}"
                start = EPOCH - timedelta(days=randint(365, 6 * 365))
                end = EPOCH + timedelta(days=randint(300, 4 * 365))
                renewal = choice(("none", "none", "tacit", "express"))
                contracts.append(
                    Contract(
                        council=council.code,
                        reference=reference,
                        title=name,
                        supplier=choice(SUPPLIERS),
                        tower=lot.tower,
                        start=start,
                        end=end,
                        max_end=end + timedelta(days=choice((0, 365, 730, 1095))),
                        renewal=renewal,  # type: ignore[arg-type]
                        renewal_months=12 if renewal == "tacit" else None,
                        notice_months=choice((3, 6, 6, 9, 12)),
                        annual_value=Decimal(randint(20, 2_000) * 1_000),
                    )
                )
            cutover = EPOCH + timedelta(days=randint(0, 300)) if state == "converged" else None
            systems.append(
                System(
                    council.code,
                    name,
                    lot.tower,
                    reference,
                    lot.name,
                    randint(30, 240),
                    state,
                    cutover,
                    Decimal(money_rng.randint(10, 250) * 1_000) if state != "converged" else None,
                )
            )
            retained.append(state == "retained")
            tower_of.append(tower)

    # a global order in which every dependency points backwards: tower first, then council
    per_council = systems_per_council
    order = sorted(range(total), key=lambda i: (tower_of[i], i))
    position = [0] * total
    for rank, i in enumerate(order):
        position[i] = rank
    # prerequisites are mostly infrastructure in the same council (hosting, identity, network,
    # desktop, service desk), sometimes any system of the council, sometimes another council's
    infrastructure = [
        [
            i
            for i in range(c * per_council, (c + 1) * per_council)
            if tower_of[i] < 5 and not retained[i]
        ]
        for c in range(councils)
    ]
    everywhere = [i for i in range(total) if tower_of[i] < 5 and not retained[i]]
    capacity = total * (total - 1) // 2
    edges: dict[tuple[int, int], None] = {}  # (needed, waiting), in the order made
    result: list[Dependency] = []
    attempts = 0
    while len(result) < dependencies and attempts < 50 * dependencies + 1_000:
        attempts += 1
        then = rng.randrange(total)
        council_no = then // per_council
        roll = rand()
        if roll < 0.7 and infrastructure[council_no]:
            first = choice(infrastructure[council_no])
        elif roll < 0.9 or not everywhere:
            first = council_no * per_council + rng.randrange(per_council)
        else:
            first = choice(everywhere)
        if first == then:
            continue
        if position[first] > position[then]:
            first, then = then, first
        if retained[first] or (first, then) in edges:
            continue
        if tower_of[then] < 5 and rand() < 0.9:  # infrastructure rarely waits on itself
            continue
        edges[first, then] = None
        need, wait = systems[first], systems[then]
        result.append(
            Dependency(
                wait.council, wait.name, need.council, need.name, choice((0, 0, 0, 7, 14, 30))
            )
        )
    if len(result) < dependencies:
        raise ValueError(
            f"{dependencies:,} dependencies do not fit among {total:,} systems "
            f"(at most {min(capacity, len(result)):,} found)"
        )
    lots = tuple(replace(lot, **CHARGES[lot.name]) for lot in LOTS)
    estate = Estate(
        councils=council_rows,
        towers=TOWERS,
        lots=lots,
        contracts=tuple(contracts),
        systems=tuple(systems),
        dependencies=tuple(result),
    )
    needs, waits = np.array(list(edges), dtype=np.int64).reshape(-1, 2).T.copy()  # two rows
    return linked(estate, Links(needs, waits, np.array(contract_of, dtype=np.int64)))


def _tower_index(k: int, per_council: int) -> int:
    """Tower of a council's k-th system, following TOWER_WEIGHTS."""
    share = (k + 0.5) / per_council
    cumulative = 0.0
    for tower, weight in enumerate(TOWER_WEIGHTS):
        cumulative += weight
        if share < cumulative:
            return tower
    return len(TOWER_WEIGHTS) - 1


def reorganised(estate: Estate, successors: int, *, seed: int = 1) -> Estate:
    """The generated `estate` as a reorganisation: its councils grouped into `successors`
    successor authorities vesting on 1 Apr 2028; in each successor and tower the first
    system (in the generator's dependency order, so no circle can close) survives — half stay
    as they are, half re-platform onto their lot first — and about a third of the others
    consolidate onto it instead of a lot, half of them day-one; one in fifty is hosted until
    31 Mar 2028. Links are kept: the systems stay where they were."""
    rng = random.Random(seed)
    codes = [f"S{n + 1:03d}" for n in range(successors)]
    per_successor = -(-len(estate.councils) // successors)
    successor_of = {c.code: codes[i // per_successor] for i, c in enumerate(estate.councils)}
    tower_rank = {t.code: i for i, t in enumerate(TOWERS)}
    order = sorted(
        range(len(estate.systems)), key=lambda i: (tower_rank[estate.systems[i].tower], i)
    )
    systems = list(estate.systems)
    surviving: dict[tuple[str, str], tuple[str, str]] = {}
    for i in order:
        s = systems[i]
        if s.state not in ("legacy", "in_transition"):
            continue
        group = (successor_of[s.council], s.tower)
        if group not in surviving:
            surviving[group] = s.key
            if rng.random() < 0.5:
                systems[i] = replace(s, state="surviving", lot=None)
        elif rng.random() < 0.33:
            council, name = surviving[group]
            systems[i] = replace(
                s,
                lot=None,
                target_council=council,
                target_system=name,
                day_one=rng.random() < 0.5,
            )
        if rng.random() < 0.02:
            systems[i] = replace(systems[i], hosted_until=date(2028, 3, 31))
    links = estate.links
    changed = replace(
        estate,
        councils=tuple(replace(c, successor=successor_of[c.code]) for c in estate.councils),
        successors=tuple(Successor(code, f"Unitary {code}", date(2028, 4, 1)) for code in codes),
        systems=tuple(systems),
    )
    return changed if links is None else linked(changed, links)


def generate_market(organisations: int, contracts: int, *, seed: int = 1) -> Estate:
    """A market of `organisations` (the first a council of the programme, the rest outside
    it) holding `contracts` contracts between them over the generator's towers, ending over
    the next six years; one in twenty has no end date and one in twenty no known tower."""
    rng = random.Random(seed)
    codes = [f"O{n:04d}" for n in range(organisations)]
    councils = tuple(
        Council(code, f"Organisation {code}", in_programme=n == 0) for n, code in enumerate(codes)
    )
    towers = (*TOWERS, Tower("unknown", "Tower not known"))
    start = date(2027, 1, 1).toordinal()
    made = []
    for k in range(contracts):
        roll = rng.random()
        made.append(
            Contract(
                council=codes[k % organisations],
                reference=f"M-{k:07d}",
                title="Market contract",
                supplier=rng.choice(SUPPLIERS),
                tower="unknown" if roll < 0.05 else rng.choice(TOWERS).code,
                end=None if 0.05 <= roll < 0.1 else date.fromordinal(start + rng.randrange(2190)),
                annual_value=Decimal(rng.randint(10, 2_000) * 1_000),
            )
        )
    return Estate(councils=councils, towers=towers, contracts=tuple(made))
