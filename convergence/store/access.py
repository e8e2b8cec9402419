"""Who may change what. Checked by storage on every write, whatever screen or command it
comes from; the screens only hide what a role cannot do.

- Viewer (programme board members, CIOs): read everything, change nothing.
- Editor (IT managers): change the contracts, systems and dependencies of the councils
  assigned to them (a dependency belongs to the council of the system that waits); save
  scenarios; read the rest.
- Admin (programme office): everything — users, councils, towers, framework lots, adopting
  scenarios, freezing baselines.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from convergence.errors import ConvergenceError
from convergence.records.estate import (
    Capacity,
    Contract,
    Council,
    Dependency,
    Freeze,
    Lot,
    Successor,
    System,
    Tower,
)

Role = Literal["viewer", "editor", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "editor", "admin")
_hasher = PasswordHasher()


class NotAllowed(ConvergenceError):
    """The acting user's role does not allow this change."""


@dataclass(frozen=True)
class Actor:
    """The person (or command) making a change."""

    name: str
    role: Role
    councils: frozenset[str] = field(default_factory=frozenset)

    def __str__(self) -> str:
        return self.name


SYSTEM = Actor("system", "admin")


def check_write(actor: Actor, record: object) -> None:
    """Raise NotAllowed, in words, when `actor` may not change `record`."""
    if actor.role == "admin":
        return
    if actor.role != "editor":
        raise NotAllowed(f"{actor.name} can view the estate but not change it")
    match record:
        case Contract() | System():
            council = record.council
        case Dependency():
            council = record.council
        case Successor() | Council() | Tower() | Lot() | Freeze() | Capacity():
            raise NotAllowed(
                "Only the programme office (admin) changes successor authorities, councils, "
                "towers, framework lots, freeze windows and capacity rules"
            )
        case _:
            raise NotAllowed(f"{actor.name} may not make this change")
    if council not in actor.councils:
        mine = ", ".join(sorted(actor.councils)) or "no council"
        raise NotAllowed(
            f"{actor.name} edits the records of {mine} only; this belongs to {council}"
        )


def may_write(actor: Actor, record: object) -> bool:
    """Whether `actor` may change `record` (see check_write)."""
    try:
        check_write(actor, record)
    except NotAllowed:
        return False
    return True


def check_admin(actor: Actor, action: str) -> None:
    """Raise NotAllowed unless `actor` is an admin."""
    if actor.role != "admin":
        raise NotAllowed(f"Only the programme office (admin) can {action}")


def check_can_edit(actor: Actor) -> None:
    """Raise NotAllowed for viewers."""
    if actor.role not in ("editor", "admin"):
        raise NotAllowed(f"{actor.name} can view the estate but not change it")


def hash_password(password: str) -> str:
    """An argon2 hash; refuses passwords shorter than 10 characters."""
    if len(password) < 10:
        raise ConvergenceError("A password needs at least 10 characters")
    return str(_hasher.hash(password))


@cache
def dummy_hash() -> str:
    """A hash no password matches, checked in place of a missing one, so that signing in
    under a name nobody has takes as long as under a real one."""
    return str(_hasher.hash(secrets.token_urlsafe(32)))


def password_matches(stored_hash: str, password: str) -> bool:
    """True when `password` matches the stored argon2 hash."""
    if not stored_hash:
        return False
    try:  # a password from the environment may hold bytes that are not UTF-8
        return bool(_hasher.verify(stored_hash, password.encode("utf-8", "surrogatepass")))
    except (VerificationError, InvalidHashError):
        return False
