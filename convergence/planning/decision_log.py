"""The decision log: each decision the roadmap says is due — serve notice, agree an extension,
place a call-off, agree hosting, extend a surviving contract — with the owner, status, due
date and note a programme board gives it. The roadmap works out which decisions there are;
the log only adds what people said of them. Pure; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from convergence.planning.engine import Roadmap
from convergence.planning.roadmap import decisions_due, overdue_decisions

STATUSES = ("open", "agreed", "done", "rejected")
STILL_OPEN = ("open", "agreed")  # a pack lists these
# decisions about a contract (one per contract, whichever systems it supplies); the rest are
# about a system
ABOUT_A_CONTRACT = ("Serve notice", "Agree extension", "Extend surviving contract")
COLUMNS = ["owner", "status", "due", "deadline", "note", "subject", "version"]


@dataclass(frozen=True)
class LoggedDecision:
    """What the board said of one decision, named by council, kind and subject (the
    contract's reference, or the system's name). `due` is the board's date, when it set one
    sooner or later than the roadmap's deadline."""

    council: str
    kind: str
    subject: str
    owner: str = ""
    status: str = "open"
    due: date | None = None
    note: str = ""
    updated_by: str = ""
    updated_at: datetime | None = None
    version: int = 0  # 0: nothing logged yet

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.council, self.kind, self.subject)


def subject_of(kind: str, system: str, contract: str) -> str:
    """What a decision is about: its contract's reference, or its system's name.

    >>> subject_of("Serve notice", "Desktop", "WCC-DT-004")
    'WCC-DT-004'
    >>> subject_of("Place call-off", "Desktop", "")
    'Desktop'
    """
    return contract if kind in ABOUT_A_CONTRACT and contract else system


def overdue_and_due(roadmap: Roadmap, months: int) -> pd.DataFrame:
    """The decisions a log speaks of: those overdue, then those due in the next `months`
    (columns of `roadmap.decisions_due`)."""
    return pd.concat(
        [overdue_decisions(roadmap), decisions_due(roadmap, months)], ignore_index=True
    )


def with_log(decisions: pd.DataFrame, log: Iterable[LoggedDecision]) -> pd.DataFrame:
    """The roadmap's decisions (columns of `roadmap.decisions_due`) with what the log says of
    each: owner, status ("open" when nothing is logged), note, the board's due date (or the
    roadmap's, which stays as `deadline`), subject and the log's version; soonest due first."""
    logged = {d.key: d for d in log}
    subjects = [
        subject_of(k, s, c)
        for k, s, c in zip(
            decisions["kind"], decisions["system"], decisions["contract"].fillna(""), strict=True
        )
    ]
    found = [
        logged.get((council, kind, subject)) or LoggedDecision(council, kind, subject)
        for council, kind, subject in zip(
            decisions["council"], decisions["kind"], subjects, strict=True
        )
    ]
    frame = decisions.assign(
        deadline=decisions["due"],
        due=[
            pd.Timestamp(d.due) if d.due else deadline
            for d, deadline in zip(found, decisions["due"], strict=True)
        ],
        owner=[d.owner for d in found],
        status=[d.status for d in found],
        note=[d.note for d in found],
        subject=subjects,
        version=[d.version for d in found],
    )
    frame["due"] = pd.to_datetime(frame["due"])
    return frame.sort_values(["due", "council"], kind="stable").reset_index(drop=True)


def still_open(frame: pd.DataFrame) -> pd.DataFrame:
    """The decisions of `with_log` not yet done or rejected."""
    return frame[frame["status"].isin(STILL_OPEN)]
