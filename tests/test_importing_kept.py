"""Nothing lost on bad input: importing a file of systems, lots, councils or dependencies over
records already held replaces only the fields the file has a column for, as contracts always
did; a present column's empty cell still means what it always meant (not known, or the
default). A tower guessed from a register's titles or CPV codes, or chosen for the file, never
replaces a held contract's tower; a tower column does. On the command line too, for files and
for estate folders."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from convergence.cli import main
from convergence.records.estate import Contract, Estate, Lot, System
from convergence.records.estate_files import write_estate
from convergence.registers.importing import FilePreview, preview_file
from convergence.registers.previews import RowProblem
from convergence.store import storage
from convergence.store.access import SYSTEM, Actor
from convergence.store.db import prepare_database


def preview(estate: Estate, text: str, name: str, **choices: str) -> FilePreview:
    return preview_file(
        text.encode(), name, estate=estate, council=choices.pop("council", "WCC"), **choices
    )


def held_system(estate: Estate, council: str, name: str) -> System:
    return next(s for s in estate.systems if s.key == (council, name))


def held_lot(estate: Estate, name: str) -> Lot:
    return next(lot for lot in estate.lots if lot.name == name)


# --- systems ------------------------------------------------------------------------------------


def test_a_systems_file_without_a_column_keeps_what_each_system_holds(
    sample_estate: Estate,
) -> None:
    network = held_system(sample_estate, "LBHF", "Corporate network")
    assert network.transition_cost == Decimal("200000") and network.lot == "Lot 5 Network"
    found = preview(
        sample_estate,
        "council,system,tower,transition_days,state\r\n"
        "LBHF,Corporate network,network,150,legacy\r\n"
        "LBHF,Customer portal,line_of_business,60,legacy\r\n",
        "systems.csv",
    )
    assert found.format == "estate-systems" and found.problems == ()
    changed, same = found.changes
    assert changed.record == replace(network, transition_days=150)  # cost, contract, lot kept
    assert changed.changes == ("Transition (days): 120 → 150",)
    assert same.record == held_system(sample_estate, "LBHF", "Customer portal")
    assert same.action == "No change"
    assert found.summary == "0 new systems, 1 updated, 1 unchanged"
    assert found.to_estate().systems == (changed.record, same.record)


def test_a_systems_file_with_the_column_changes_it_and_an_empty_cell_clears_it(
    sample_estate: Estate,
) -> None:
    found = preview(
        sample_estate,
        "council,system,tower,transition_days,state,transition_cost\r\n"
        "LBHF,Corporate network,network,120,legacy,250000\r\n"
        "LBHF,Customer portal,line_of_business,60,legacy,\r\n",
        "systems.csv",
    )
    network, portal = found.to_estate().systems
    assert network == replace(
        held_system(sample_estate, "LBHF", "Corporate network"), transition_cost=Decimal(250000)
    )
    assert portal.transition_cost is None  # an empty cell: not known, as ever
    assert [c.changes for c in found.changes] == [
        ("One-off transition cost: £200,000 → £250,000",),
        ("One-off transition cost: £80,000 → not set",),
    ]


def test_a_system_that_breaks_a_rule_with_its_stored_fields_is_a_problem(
    sample_estate: Estate,
) -> None:
    found = preview(
        sample_estate,
        "council,system,tower,state\r\nLBHF,Corporate network,network,converged\r\n",
        "systems.csv",
    )
    assert found.problems == (
        RowProblem(
            2,
            "Actual cutover (converged systems)",
            "Corporate network (LBHF): Give the date a converged system cut over (the file "
            "does not give it, so it stays empty)",
        ),
    )
    assert found.to_estate(valid_only=True).systems == ()


# --- framework lots, councils, dependencies ------------------------------------------------------


def test_a_lots_file_without_charges_keeps_each_lots_charge(sample_estate: Estate) -> None:
    desk = held_lot(sample_estate, "Lot 3 Service desk")
    assert (desk.charge_basis, desk.annual_charge) == ("shared", Decimal("1300000"))
    found = preview(
        sample_estate,
        "lot,tower,supplier,calloffs_open,framework_expiry\r\n"
        "Lot 3 Service desk,service_desk,Agilisys Ltd,2026-07-01,2029-06-30\r\n",
        "lots.csv",
    )
    assert found.problems == ()
    assert found.to_estate().lots == (replace(desk, supplier="Agilisys Ltd"),)
    assert found.changes[0].changes == ("Framework supplier: Agilisys → Agilisys Ltd",)
    assert found.summary == "0 new framework lots, 1 updated, 0 unchanged"


def test_a_lots_file_with_charges_changes_them_and_empty_cells_mean_the_defaults(
    sample_estate: Estate,
) -> None:
    header = "lot,tower,calloffs_open,framework_expiry,charge_basis,annual_charge\r\n"
    found = preview(
        sample_estate,
        header
        + "Lot 3 Service desk,service_desk,2026-07-01,2029-06-30,per_system,1400000\r\n"
        + "Lot 5 Network,network,2026-10-01,2028-12-31,,\r\n",
        "lots.csv",
    )
    desk, network = found.to_estate().lots
    assert (desk.charge_basis, desk.annual_charge) == ("per_system", Decimal("1400000"))
    assert desk.supplier == "Agilisys"  # no supplier column: kept
    assert (network.charge_basis, network.annual_charge) == ("per_council", None)
    assert found.changes[0].changes == (
        "Charged: One charge shared between the councils using the lot → Per system on the lot",
        "Annual charge: £1,300,000 → £1,400,000",
    )
    assert found.changes[1].changes == ("Annual charge: £560,000 → not set",)


def test_a_councils_file_without_shares_keeps_each_share(sample_estate: Estate) -> None:
    found = preview(
        sample_estate,
        "code,name\r\nWCC,Westminster City Council\r\nLBHF,Hammersmith & Fulham\r\n",
        "councils.csv",
    )
    assert found.format == "estate-councils" and found.problems == ()
    wcc, lbhf = found.to_estate().councils
    assert (wcc.share, lbhf.share) == (Decimal("40"), Decimal("30"))
    assert [c.action for c in found.changes] == ["No change", "Update"]
    assert found.changes[1].changes == (
        "Name: London Borough of Hammersmith & Fulham → Hammersmith & Fulham",
    )


def test_a_councils_file_with_shares_changes_them_and_an_empty_cell_clears_one(
    sample_estate: Estate,
) -> None:
    found = preview(
        sample_estate,
        "code,name,share\r\n"
        "WCC,Westminster City Council,45\r\n"
        "LBHF,London Borough of Hammersmith & Fulham,\r\n",
        "councils.csv",
    )
    wcc, lbhf = found.to_estate().councils
    assert (wcc.share, lbhf.share) == (Decimal("45"), None)
    assert [c.changes for c in found.changes] == [
        ("Share of shared framework charges: 40% → 45%",),
        ("Share of shared framework charges: 30% → not set",),
    ]


def test_a_dependencies_file_without_lags_keeps_each_lag(sample_estate: Estate) -> None:
    found = preview(
        sample_estate,
        "council,system,needs_council,needs_system\r\n"
        "WCC,Desktop,WCC,Active Directory & Exchange\r\n",
        "dependencies.csv",
    )
    assert found.problems == () and found.to_estate().dependencies[0].lag_days == 14


# --- saved, through the service and the command line -----------------------------------------


def test_imports_without_the_columns_save_nothing_over_the_stored_values(
    engine: Engine, sample_estate: Estate
) -> None:
    files = {
        "systems.csv": "council,system,tower\r\nLBHF,Corporate network,network\r\n",
        "lots.csv": "lot,tower,calloffs_open,framework_expiry\r\n"
        "Lot 3 Service desk,service_desk,2026-07-01,2029-06-30\r\n",
        "councils.csv": "code,name\r\nWCC,Westminster City Council\r\n",
    }
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
        for name, text in files.items():
            found = preview(storage.load_estate(session=session), text, name)
            saved = storage.save_estate(
                session=session, estate=found.to_estate(), actor=Actor("hal", "admin")
            )
            assert str(saved) == "nothing changed", name
        after = storage.load_estate(session=session)
        assert storage.history(session=session, user="hal") == []
    assert after.systems == sample_estate.systems
    assert after.lots == sample_estate.lots
    assert after.councils == sample_estate.councils


def test_the_command_line_keeps_what_an_estate_folder_does_not_give(
    tmp_path: Path, sample_estate: Estate, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'estate.sqlite'}"
    folder = tmp_path / "estate"
    write_estate(sample_estate, folder)
    assert main(["--database", url, "import", str(folder)]) == 0
    for name in ("contracts.csv", "dependencies.csv", "lots.csv", "towers.csv"):
        (folder / name).unlink()
    (folder / "councils.csv").write_text("code,name\nWCC,Westminster City Council\n")
    (folder / "systems.csv").write_text("council,system,tower,transition_days\n")
    with (folder / "systems.csv").open("a") as systems:  # every system, but only four columns
        systems.writelines(
            f"{s.council},{s.name},{s.tower},{s.transition_days}\n" for s in sample_estate.systems
        )
    assert main(["--database", url, "import", str(folder)]) == 0
    assert "nothing changed" in capsys.readouterr().out
    loose = tmp_path / "systems.csv"
    loose.write_text("council,system,tower,transition_days\nLBHF,Corporate network,network,150\n")
    assert main(["--database", url, "import", str(loose)]) == 0
    out = capsys.readouterr().out
    assert "Systems: 0 new systems, 1 updated, 0 unchanged" in out
    assert "update Corporate network (LBHF): Transition (days): 120 → 150\n" in out
    with Session(prepare_database(url)) as session:
        after = storage.load_estate(session=session)
    network = held_system(sample_estate, "LBHF", "Corporate network")
    assert held_system(after, "LBHF", "Corporate network") == replace(network, transition_days=150)
    assert after.councils == sample_estate.councils and after.towers == sample_estate.towers


# --- the tower of a contract already held --------------------------------------------------------

HELD = Contract(
    council="WCC",
    reference="WCC-IMP-001",
    title="Parking permits",
    supplier="Civica",
    tower="line_of_business",
    end=date(2027, 3, 31),
)


def test_a_guessed_or_chosen_tower_never_replaces_a_held_contracts_tower(
    sample_estate: Estate,
) -> None:
    estate = replace(sample_estate, contracts=(*sample_estate.contracts, HELD))
    register = (
        "Contract Reference,Contract Title,Supplier Name,End Date\r\n"
        "WCC-IMP-001,Desktop devices for parking wardens,Civica,31/03/2027\r\n"
        "WCC-IMP-002,Desktop devices for libraries,Civica,31/03/2027\r\n"
    )
    found = preview(estate, register, "register.csv", tower="network")
    assert found.problems == ()
    assert "tower" not in found.checked.fields
    held, new = found.contracts
    assert held.contract.tower == "line_of_business"  # the title says desktop: not carried
    assert held.changes == ("Title: Parking permits → Desktop devices for parking wardens",)
    assert new.contract.tower == "desktop"  # a new contract takes the guess


def test_a_tower_column_changes_a_held_contracts_tower(sample_estate: Estate) -> None:
    estate = replace(sample_estate, contracts=(*sample_estate.contracts, HELD))
    found = preview(
        estate,
        "Contract Reference,Contract Title,Supplier Name,Tower\r\n"
        "WCC-IMP-001,Parking permits,Civica,desktop\r\n"
        "WCC-DT-004,Desktop managed service (hosting),Capgemini,\r\n",
        "register.csv",
    )
    assert found.problems == () and "tower" in found.checked.fields
    moved, kept = found.contracts
    assert moved.contract.tower == "desktop"
    assert moved.changes == ("Tower: Line-of-business applications → Desktop (end-user computing)",)
    # an empty tower cell names no tower, so the held contract keeps its own, whatever its
    # title suggests (hosting: the data centre tower)
    assert kept.contract.tower == "desktop"
    assert kept.changes == ("Title: Desktop managed service → Desktop managed service (hosting)",)


def test_an_ocds_package_never_replaces_a_held_contracts_tower(sample_estate: Estate) -> None:
    estate = replace(sample_estate, contracts=(*sample_estate.contracts, HELD))
    package = {
        "releases": [
            {
                "ocid": "ocds-b5fd17-9",
                "date": "2026-03-01",
                "buyer": {"name": "Westminster City Council"},
                "awards": [
                    {
                        "id": "WCC-IMP-001",
                        "title": "Desktop devices",
                        "suppliers": [{"name": "Civica"}],
                        "items": [{"classification": {"scheme": "CPV", "id": "30213000"}}],
                        "contractPeriod": {"endDate": "2028-03-31"},
                    }
                ],
            }
        ]
    }
    found = preview_file(
        json.dumps(package).encode(), "p.json", estate=estate, council="WCC", tower="network"
    )
    assert found.problems == () and "tower" not in found.checked.fields
    (held,) = found.contracts
    assert held.contract.tower == "line_of_business"
    assert held.changes == (
        "Title: Parking permits → Desktop devices",
        "Current end date: 31 Mar 2027 → 31 Mar 2028",
        f"Published notice (ocid): not set → {package['releases'][0]['ocid']}",
    )
