"""Scenarios never touch the live estate; comparisons and the calendar on hand-computed cases."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest
from icalendar import Calendar

from convergence.errors import EstateError
from convergence.outputs.calendar_export import roadmap_calendar
from convergence.planning.checks import assert_valid_schedule
from convergence.planning.engine import schedule
from convergence.planning.scenarios import (
    Override,
    apply_overrides,
    compare,
    overrides_from_json,
    overrides_to_json,
)
from convergence.records.estate import Contract, Council, Dependency, Estate, Lot, System, Tower

TODAY = date(2026, 11, 22)

LIVE = Estate(
    councils=(Council("WCC", "Westminster"), Council("LBHF", "Hammersmith & Fulham")),
    towers=(Tower("desktop", "Desktop"), Tower("identity", "Identity")),
    lots=(Lot("Lot 1 Desktop", "desktop", "F", date(2026, 10, 1), date(2029, 12, 31)),),
    contracts=(
        Contract(
            "WCC",
            "WCC-DT-004",
            "Desktop",
            "Capgemini",
            "desktop",
            end=date(2027, 3, 31),
            max_end=date(2028, 3, 31),
            notice_months=6,
            annual_value=Decimal(365000),
        ),
        Contract(
            "LBHF",
            "LBHF-DT-001",
            "Desktop",
            "HFBP",
            "desktop",
            end=date(2028, 10, 31),
            notice_months=6,
            termination_notice_days=30,
            termination_fee=Decimal(250000),
            annual_value=Decimal(730000),
        ),
    ),
    systems=(
        System("WCC", "Identity", "identity", transition_days=120),
        System("WCC", "Desktop", "desktop", "WCC-DT-004", "Lot 1 Desktop", 60),
        System("LBHF", "Desktop", "desktop", "LBHF-DT-001", "Lot 1 Desktop", 90),
    ),
    dependencies=(Dependency("WCC", "Desktop", "WCC", "Identity", 0),),
)


def test_overrides_never_touch_the_live_estate() -> None:
    before = copy.deepcopy(LIVE)
    overrides = (
        Override("extend_contract", council="WCC", reference="WCC-DT-004", on=date(2027, 9, 30)),
        Override(
            "exit_early",
            council="LBHF",
            reference="LBHF-DT-001",
            on=date(2027, 6, 30),
            fee=Decimal(250000),
        ),
        Override("move_lot_opening", lot="Lot 1 Desktop", on=date(2027, 1, 1)),
        Override("change_transition", council="WCC", system="Identity", days=30),
        Override(
            "remove_dependency",
            council="WCC",
            system="Desktop",
            needs_council="WCC",
            needs_system="Identity",
        ),
        Override("retain_system", council="WCC", system="Identity"),
    )
    changed, exits = apply_overrides(LIVE, overrides)
    assert LIVE == before
    assert exits == {("LBHF", "LBHF-DT-001"): date(2027, 6, 30)}
    assert changed != LIVE
    assert_valid_schedule(changed, schedule(changed, TODAY, exits=exits), exits)


def test_early_exit_brings_lbhf_forward_and_costs_its_fee() -> None:
    live = schedule(LIVE, TODAY)
    overrides = (
        Override(
            "exit_early",
            council="LBHF",
            reference="LBHF-DT-001",
            on=date(2027, 6, 30),
            fee=Decimal(250000),
        ),
    )
    changed, exits = apply_overrides(LIVE, overrides)
    result = compare(live, schedule(changed, TODAY, exits=exits), overrides)
    lbhf = result.systems.set_index(["council", "system"]).loc[("LBHF", "Desktop")]
    # live: cutover 1 Nov 2028; scenario: 1 Jul 2027
    assert lbhf["change_days"] == (date(2027, 7, 1) - date(2028, 11, 1)).days
    councils = result.councils.set_index("council")
    assert councils.loc["LBHF", "change_days"] == -489
    assert councils.loc["WCC", "change_days"] == 0
    assert result.programme_change_days == (date(2027, 7, 1) - date(2028, 11, 1)).days
    assert result.termination_fees == 250000


def test_longer_identity_transition_slips_wcc_desktop_and_prices_the_extension() -> None:
    live = schedule(LIVE, TODAY)
    overrides = (Override("change_transition", council="WCC", system="Identity", days=220),)
    changed, exits = apply_overrides(LIVE, overrides)
    result = compare(live, schedule(changed, TODAY, exits=exits), overrides)
    desktop = result.systems.set_index(["council", "system"]).loc[("WCC", "Desktop")]
    # live: identity cuts over 22 Mar 2027, desktop waits for it: cutover 21 May 2027
    # scenario: identity 30 Jun 2027, desktop 29 Aug 2027: 100 days later, 100 more extension
    assert desktop["change_days"] == 100
    assert result.extension_cost == pytest.approx(100 * 365000 / 365)
    assert result.towers.set_index("tower").loc["identity", "change_days"] == 100


def test_bad_override_is_named() -> None:
    with pytest.raises(EstateError, match="no contract NOPE in WCC"):
        apply_overrides(
            LIVE,
            (Override("extend_contract", council="WCC", reference="NOPE", on=date(2027, 1, 1)),),
        )


def test_overrides_round_trip_through_json() -> None:
    overrides = (
        Override(
            "exit_early",
            council="LBHF",
            reference="LBHF-DT-001",
            on=date(2027, 6, 30),
            fee=Decimal("250000.50"),
        ),
        Override(
            "add_dependency",
            council="WCC",
            system="Desktop",
            needs_council="LBHF",
            needs_system="Desktop",
            days=7,
        ),
    )
    assert overrides_from_json(overrides_to_json(overrides)) == overrides


def test_calendar_has_the_expected_events() -> None:
    roadmap = schedule(LIVE, TODAY)
    calendar = Calendar.from_ical(roadmap_calendar(roadmap))
    events = {str(e["summary"]): e["dtstart"].dt for e in calendar.walk("VEVENT")}
    assert events["Serve notice on HFBP (LBHF-DT-001)"] == date(2028, 4, 30)
    assert events["Cutover: Desktop (LBHF)"] == date(2028, 11, 1)
    assert events["Call off Lot 1 Desktop for Desktop (WCC)"] == date(2027, 3, 22)
    assert events["Cutover: Identity (WCC)"] == date(2027, 3, 22)
    only_wcc = Calendar.from_ical(roadmap_calendar(roadmap, "WCC"))
    assert all("LBHF" not in str(e["summary"]) for e in only_wcc.walk("VEVENT"))
    uids = [str(e["uid"]) for e in calendar.walk("VEVENT")]
    assert len(uids) == len(set(uids))


def test_calendar_events_of_names_differing_only_by_spaces_keep_apart() -> None:
    from dataclasses import replace as changed

    systems = tuple(
        changed(s, name=name)
        for s, name in zip(LIVE.systems[:2], ("Payroll HR", "Payroll_HR"), strict=False)
    )
    estate = changed(LIVE, systems=(*systems, *LIVE.systems[2:]), dependencies=())
    calendar = Calendar.from_ical(roadmap_calendar(schedule(estate, TODAY)))
    uids = [str(e["uid"]) for e in calendar.walk("VEVENT")]
    assert len(uids) == len(set(uids))
