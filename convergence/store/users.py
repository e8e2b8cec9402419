"""Users, their roles and councils, and signing in with lockout after repeated failures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from convergence.errors import ValidationError
from convergence.store import models as m
from convergence.store.access import (
    Actor,
    NotAllowed,
    check_admin,
    hash_password,
    password_matches,
)

# --- users and signing in ------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """A user as the users screen lists them (never the password hash)."""

    name: str
    email: str
    role: str
    councils: tuple[str, ...]


class SignInRefused(NotAllowed):
    """The name and password did not match, or the name is locked for a while."""


def has_users(*, session: Session) -> bool:
    return session.exec(select(m.User.id).limit(1)).first() is not None


def accounts(*, session: Session) -> list[Account]:
    return [
        Account(u.name, u.email, u.role, tuple(c for c in u.councils.split(",") if c))
        for u in session.exec(select(m.User).order_by(m.User.name)).all()
    ]


def _actor(user: m.User) -> Actor:
    return Actor(
        user.name,
        user.role,  # type: ignore[arg-type]
        frozenset(c for c in user.councils.split(",") if c),
    )


def add_user(
    *,
    session: Session,
    name: str,
    role: str,
    councils: Iterable[str] = (),
    password: str = "",
    email: str = "",
    actor: Actor | None,
) -> None:
    """Create or update a user. Only an admin may, except for the very first user, who
    must be an admin (actor None)."""
    if has_users(session=session):
        if actor is None:
            raise NotAllowed("Only the programme office (admin) can manage users")
        check_admin(actor, "manage users")
    elif role != "admin":
        raise ValidationError({"role": "The first user must be an admin"})
    if role not in ("viewer", "editor", "admin"):
        raise ValidationError({"role": "A role is viewer, editor or admin"})
    if not name.strip():
        raise ValidationError({"name": "Give the user a name"})
    known = {c for (c,) in session.execute(select(m.Council.code)).all()}
    unknown = [c for c in councils if c not in known]
    if unknown:
        raise ValidationError({"councils": f"No council with code {', '.join(unknown)}"})
    row = session.exec(select(m.User).where(m.User.name == name)).first() or m.User(
        name=name, role=role
    )
    row.role, row.email, row.councils = role, email, ",".join(sorted(set(councils)))
    if password:
        row.password_hash = hash_password(password)
    elif not row.password_hash and not email:
        raise ValidationError({"password": "Give a password (or an e-mail for single sign-on)"})
    session.add(row)
    session.commit()


def actor_named(*, session: Session, name: str) -> Actor | None:
    """The user called `name`, as an Actor; None when there is none."""
    row = session.exec(select(m.User).where(m.User.name == name)).first()
    return None if row is None else _actor(row)


def actor_by_email(*, session: Session, email: str) -> Actor | None:
    """The user with this e-mail (single sign-on); None when there is none."""
    row = session.exec(select(m.User).where(m.User.email == email.lower())).first()
    return None if row is None or not email else _actor(row)


def sign_in(*, session: Session, name: str, password: str) -> Actor:
    """Check a name and password. After three failures in a row the name is locked for a
    while that doubles with each further failure (up to 15 minutes)."""
    now = datetime.now(UTC)
    row = session.exec(select(m.User).where(m.User.name == name)).first()
    if row is not None and row.locked_until is not None:
        locked = row.locked_until.replace(tzinfo=row.locked_until.tzinfo or UTC)
        if locked > now:
            wait = int((locked - now).total_seconds()) + 1
            raise SignInRefused(f"Too many failed sign-ins for {name}: try again in {wait} s")
    if row is None or not password_matches(row.password_hash, password):
        if row is not None:
            row.failed_sign_ins += 1
            if row.failed_sign_ins >= 3:
                delay = min(2 ** (row.failed_sign_ins - 3) * 5, 900)
                row.locked_until = now + timedelta(seconds=delay)
            session.add(row)
            session.commit()
        raise SignInRefused("Name or password not recognised")
    row.failed_sign_ins, row.locked_until = 0, None
    session.add(row)
    session.commit()
    return _actor(row)
