"""The roadmap's dates as an iCalendar file an IT manager can subscribe to.

All-day events for notice deadlines, extension decisions (the contract's current end when the
roadmap needs an extension), call-offs (transition starts), cutovers and each successor
authority's vesting day (naming its day-one systems at risk), for one council or all.
Each event has a stable UID, so a calendar that re-subscribes updates events instead of
duplicating them.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from icalendar import Calendar, Event

from convergence.formatting import days
from convergence.planning.engine import Roadmap


def _uid(kind: str, *names: str) -> str:
    """A stable event ID from the exact names it is about: names differing only by spaces or
    line breaks give different IDs (a hash of the names, not a cleaned-up copy of them)."""
    digest = hashlib.sha256("\x1f".join(names).encode("utf-8")).hexdigest()[:32]
    return f"{kind}-{digest}@convergence"


def _event(uid: str, day: date, summary: str, description: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("categories", ["Convergence"])
    return event


def roadmap_calendar(roadmap: Roadmap, council: str | None = None) -> bytes:
    """The iCalendar (.ics) text of the roadmap's decisions and cutovers.

    >>> from convergence.planning.engine import schedule
    >>> from convergence.records.estate import Estate
    >>> roadmap_calendar(schedule(Estate(), date(2026, 11, 22))).startswith(b"BEGIN:VCALENDAR")
    True
    """
    calendar = Calendar()
    calendar.add("prodid", "-//convergence//roadmap//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Convergence roadmap{f' ({council})' if council else ''}")
    stamp = datetime.combine(roadmap.today, datetime.min.time(), tzinfo=UTC)
    plans = roadmap.plans
    if council is not None:
        plans = plans[plans["council"] == council]
    notices: set[tuple[str, str]] = set()
    for r in plans[plans["state"].isin(("legacy", "in_transition"))].itertuples():
        who = f"{r.system} ({r.council})"
        contract = f"{r.supplier} ({r.contract})" if r.contract else ""
        if (
            r.contract
            and pd.notna(r.notice_deadline)
            and pd.isna(r.notice_served)
            and (r.council, r.contract) not in notices
        ):
            notices.add((r.council, r.contract))
            calendar.add_component(
                _event(
                    _uid("notice", r.council, r.contract),
                    r.notice_deadline.date(),
                    f"Serve notice on {contract}",
                    f"Last day to serve notice on {contract} to leave for the framework.",
                    stamp,
                )
            )
        if r.contract and r.extension_days > 0 and pd.notna(r.contract_end):
            cover = "within its options" if r.extension_covered else "BEYOND its options"
            calendar.add_component(
                _event(
                    _uid("extension", r.council, r.system),
                    r.contract_end.date(),
                    f"Agree extension of {contract}",
                    f"{who} needs {days(int(r.extension_days))} extension, {cover}.",
                    stamp,
                )
            )
        if pd.notna(r.start) and r.lot:
            calendar.add_component(
                _event(
                    _uid("calloff", r.council, r.system),
                    r.start.date(),
                    f"Call off {r.lot} for {who}",
                    f"Transition starts; {r.binding}.",
                    stamp,
                )
            )
        if pd.notna(r.cutover):
            calendar.add_component(
                _event(
                    _uid("cutover", r.council, r.system),
                    r.cutover.date(),
                    f"Cutover: {who}",
                    f"{who} runs on {r.consolidates_onto or 'the framework'} from today.",
                    stamp,
                )
            )
    served = plans[(plans["successor"] != "") & plans["vesting_day"].notna()]
    for successor, systems in served.groupby("successor", sort=True):
        late = systems[systems["misses_vesting_day"]]
        at_risk = "; ".join(f"{r.system} ({r.council})" for r in late.itertuples())
        calendar.add_component(
            _event(
                _uid("vesting", str(successor)),
                systems["vesting_day"].iloc[0].date(),
                f"Vesting day: {successor}",
                f"{successor} comes into being. "
                + (
                    f"Day-one systems not on their target by today: {at_risk}."
                    if at_risk
                    else "Every day-one system is on its target."
                ),
                stamp,
            )
        )
    return bytes(calendar.to_ical())
