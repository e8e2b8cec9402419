"""Users, their roles and councils, signing in with lockout after repeated failures, and the
signed session cookie that keeps a person signed in across a reload."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, or_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from convergence.errors import ValidationError
from convergence.records.validation import CONTROL
from convergence.signing import opened, signed
from convergence.store import models as m
from convergence.store.access import (
    Actor,
    NotAllowed,
    check_admin,
    dummy_hash,
    hash_password,
    password_matches,
)

# --- users and signing in ------------------------------------------------------------------

# the sample's demo accounts (created only with the sample estate; their passwords are
# published in the README, so they must not outlive the sample)
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("admin", "admin", (), "sample-admin-2026"),
    ("wcc-editor", "editor", ("WCC",), "sample-wcc-2026"),
    ("board", "viewer", (), "sample-board-2026"),
)


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
    if len(name) > 200 or CONTROL.search(name + email):
        raise ValidationError({"name": "A name is at most 200 characters, with no control ones"})
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


def add_demo_users(*, session: Session) -> None:
    """Create the sample's demo accounts (see DEMO_USERS); an editor for a council the loaded
    sample does not have (the county sample has no WCC) is left out."""
    known = {c for (c,) in session.execute(select(m.Council.code)).all()}
    for name, role, councils, password in DEMO_USERS:
        if role == "editor" and not set(councils) <= known:
            continue
        add_user(
            session=session,
            name=name,
            role=role,
            councils=councils,
            password=password,
            actor=Actor("system", "admin"),
        )


def demo_accounts_open(*, session: Session) -> list[str]:
    """The demo accounts whose published sample password still works."""
    names = [name for name, *_ in DEMO_USERS]
    rows = {
        u.name: u
        for u in session.exec(select(m.User).where(m.User.name.in_(names))).all()  # type: ignore[attr-defined]
    }
    return [
        name
        for name, _, _, password in DEMO_USERS
        if name in rows and password_matches(rows[name].password_hash, password)
    ]


def remove_demo_accounts(*, session: Session) -> list[str]:
    """Delete the demo accounts whose published sample password still works; their names."""
    names = demo_accounts_open(session=session)
    for row in session.exec(select(m.User).where(m.User.name.in_(names))).all():  # type: ignore[attr-defined]
        session.delete(row)
    session.commit()
    return names


def actor_named(*, session: Session, name: str) -> Actor | None:
    """The user called `name`, as an Actor; None when there is none."""
    row = session.exec(select(m.User).where(m.User.name == name)).first()
    return None if row is None else _actor(row)


def actor_by_email(*, session: Session, email: str) -> Actor | None:
    """The user with this e-mail (single sign-on); None when there is none."""
    row = session.exec(select(m.User).where(m.User.email == email.lower())).first()
    return None if row is None or not email else _actor(row)


def sign_in(*, session: Session, name: str, password: str) -> Actor:
    """Check a name and password, the same way and in the same time whether or not the name
    exists. After three failures in a row a name is locked for a while that doubles with
    each further failure (up to 15 minutes). Each attempt is counted in the database before
    its password is checked, atomically, so attempts made at once are counted one by one
    and those beyond the third wait out the lock instead of being checked. A name no user
    can have (too long, control characters) is answered as any unknown name: counted under a
    digest of itself, never sent to the database as it is (PostgreSQL would refuse it)."""
    now = datetime.now(UTC)
    usable = _usable(name)
    counted_as = name if usable else "unusable " + _digest(name)
    shown = name if usable else name[:40] + "…"
    failures = _count_attempt(session, counted_as, shown, now)
    row = session.exec(select(m.User).where(m.User.name == name)).first() if usable else None
    stored = row.password_hash if row is not None else ""
    if not password_matches(stored or dummy_hash(), password) or not stored or row is None:
        if failures >= 3:
            delay = min(2 ** (failures - 3) * 5, 900)
            _set_lock(session, counted_as, now + timedelta(seconds=delay))
        raise SignInRefused("Name or password not recognised")
    session.execute(
        update(m.SignInFailure)
        .where(m.SignInFailure.name == counted_as)  # type: ignore[arg-type]
        .values(failures=0, locked_until=None)
    )
    session.commit()
    return _actor(row)


def _usable(name: str) -> bool:
    """Whether `name` could be a user's (add_user refuses the rest), so may be looked up."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return len(name) <= 200 and not CONTROL.search(name)


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()


def _count_attempt(session: Session, name: str, shown: str, now: datetime) -> int:
    """Count one more attempt under `name` and return the count, or raise SignInRefused
    (naming it as `shown`) while the name is locked. From the third attempt the name is held
    locked for the longest delay until this attempt's password is checked (then sign_in sets
    the real delay, or clears it), so attempts made at the same moment cannot all be
    checked."""
    table = m.SignInFailure.__table__  # type: ignore[attr-defined]
    dialect = session.connection().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(table).values(name=name, failures=0).on_conflict_do_nothing())
    counted = session.execute(
        update(table)
        .where(table.c.name == name)
        .where(or_(table.c.locked_until.is_(None), table.c.locked_until <= now))
        .values(
            failures=table.c.failures + 1,
            locked_until=case(
                (table.c.failures + 1 >= 3, now + timedelta(seconds=900)), else_=None
            ),
        )
        .returning(table.c.failures)
    ).scalar()
    if counted is None:
        locked = session.execute(
            select(table.c.locked_until).where(table.c.name == name)
        ).scalar_one()
        session.commit()
        wait = int((locked.replace(tzinfo=locked.tzinfo or UTC) - now).total_seconds()) + 1
        raise SignInRefused(f"Too many failed sign-ins for {shown}: try again in {wait} s")
    session.commit()
    return int(counted)


def _set_lock(session: Session, name: str, until: datetime) -> None:
    session.execute(
        update(m.SignInFailure)
        .where(m.SignInFailure.name == name)  # type: ignore[arg-type]
        .values(locked_until=until)
    )
    session.commit()


# --- the session cookie: staying signed in across a reload ---------------------------------


def _fingerprint(row: m.User, secret: str) -> str:
    """Changes when the user's password (or single sign-on e-mail) does, so a new password
    ends every session remembered with the old one."""
    held = row.password_hash or f"e-mail {row.email}"
    return hmac.new(secret.encode("utf-8"), held.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def session_token(*, session: Session, name: str, secret: str, now: float) -> str | None:
    """The session cookie's value for the user called `name`, issued at `now` (seconds since
    the epoch), signed with `secret`; None when there is no such user."""
    row = session.exec(select(m.User).where(m.User.name == name)).first()
    if row is None:
        return None
    return signed({"name": name, "key": _fingerprint(row, secret)}, secret=secret, now=now)


def actor_from_token(
    *, session: Session, token: str, secret: str, max_age: float, now: float
) -> Actor | None:
    """The user a session cookie names, if its token was signed with `secret` less than
    `max_age` seconds before `now` and the user still signs in as then: None for a token
    changed or made up, an expired one, a user since deleted, a name locked after failed
    sign-ins, or a password changed since."""
    data = opened(token, secret=secret, max_age=max_age, now=now)
    name = data.get("name") if data else None
    if data is None or not isinstance(name, str) or not _usable(name):
        return None
    row = session.exec(select(m.User).where(m.User.name == name)).first()
    if row is None or not hmac.compare_digest(str(data.get("key")), _fingerprint(row, secret)):
        return None
    locked = session.exec(
        select(m.SignInFailure.locked_until).where(m.SignInFailure.name == name)
    ).first()
    if locked is not None and locked.replace(tzinfo=locked.tzinfo or UTC).timestamp() > now:
        return None
    return _actor(row)
