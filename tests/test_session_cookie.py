"""The session cookie's token: signed, expiring, and good only while its user still signs in
as when it was issued (not deleted, not locked, same password)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from convergence.errors import ConfigurationError
from convergence.settings import settings
from convergence.signing import opened, signed
from convergence.store import storage
from convergence.store.access import Actor
from convergence.store.db import prepare_database
from convergence.store.users import SignInRefused

SECRET = "a-long-random-secret"
HOUR = 3600.0


def test_a_token_opens_with_its_secret_until_it_is_too_old() -> None:
    token = signed({"name": "ada"}, secret=SECRET, now=1_000_000)
    assert opened(token, secret=SECRET, max_age=HOUR, now=1_000_000) == {"name": "ada"}
    assert opened(token, secret=SECRET, max_age=HOUR, now=1_000_000 + HOUR) == {"name": "ada"}
    assert opened(token, secret=SECRET, max_age=HOUR, now=1_000_001 + HOUR) is None
    assert opened(token, secret="another-secret", max_age=HOUR, now=1_000_000) is None
    assert opened(token, secret=SECRET, max_age=HOUR, now=1_000_000 - 3600) is None, (
        "a token from well in the future is refused"
    )


def test_a_changed_or_made_up_token_is_refused() -> None:
    token = signed({"name": "vic"}, secret=SECRET, now=1_000_000)
    body, signature = token.split(".")
    forged = signed({"name": "ada"}, secret=SECRET, now=1_000_000).split(".")[0]
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for wrong in (
        f"{forged}.{signature}",  # another name under vic's signature
        f"{body}.{flipped}",
        body,
        "",
        ".",
        "not a token at all",
        "é.é",
        f"{body}.{signature}.extra",
        signed([1, 2], secret=SECRET, now=1_000_000),  # type: ignore[arg-type]
    ):
        assert opened(wrong, secret=SECRET, max_age=HOUR, now=1_000_000) is None, wrong


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = prepare_database(f"sqlite:///{tmp_path / 'cookie.sqlite'}")
    with Session(engine) as session:
        storage.add_user(
            session=session, name="ada", role="admin", password="admins-password", actor=None
        )
        storage.add_user(
            session=session,
            name="vic",
            role="viewer",
            password="viewer-password",
            actor=Actor("ada", "admin"),
        )
    yield engine
    engine.dispose()


def signed_in_by(
    engine: Engine, token: str | None, now: float, max_age: float = HOUR
) -> Actor | None:
    assert token is not None
    with Session(engine) as session:
        return storage.actor_from_token(
            session=session, token=token, secret=SECRET, max_age=max_age, now=now
        )


def token_for(engine: Engine, name: str, now: float) -> str | None:
    with Session(engine) as session:
        return storage.session_token(session=session, name=name, secret=SECRET, now=now)


def test_a_fresh_token_signs_its_user_in_with_their_current_role(engine: Engine) -> None:
    now = time.time()
    token = token_for(engine, "vic", now)
    assert signed_in_by(engine, token, now + 60) == Actor("vic", "viewer")
    with Session(engine) as session:
        storage.add_user(session=session, name="vic", role="editor", actor=Actor("ada", "admin"))
    assert signed_in_by(engine, token, now + 60) == Actor("vic", "editor")
    assert signed_in_by(engine, token, now + HOUR + 1) is None, "expired"
    assert token_for(engine, "nobody", now) is None


def test_a_token_of_a_deleted_user_signs_no_one_in(engine: Engine) -> None:
    from sqlmodel import select

    from convergence.store import models as m

    now = time.time()
    token = token_for(engine, "vic", now)
    with Session(engine) as session:
        session.delete(session.exec(select(m.User).where(m.User.name == "vic")).one())
        session.commit()
    assert signed_in_by(engine, token, now) is None


def test_a_token_of_a_locked_name_signs_no_one_in_until_the_lock_ends(engine: Engine) -> None:
    now = time.time()
    token = token_for(engine, "vic", now)
    for _ in range(3):
        with Session(engine) as session, pytest.raises(SignInRefused):
            storage.sign_in(session=session, name="vic", password="a-wrong-guess")
    assert signed_in_by(engine, token, time.time()) is None, "locked after three wrong passwords"
    assert signed_in_by(engine, token, time.time() + 10) == Actor("vic", "viewer"), (
        "the five-second lock is over"
    )


def test_a_new_password_ends_the_sessions_remembered_with_the_old_one(engine: Engine) -> None:
    now = time.time()
    token = token_for(engine, "vic", now)
    with Session(engine) as session:
        storage.add_user(
            session=session,
            name="vic",
            role="viewer",
            password="a-new-viewer-password",
            actor=Actor("ada", "admin"),
        )
    assert signed_in_by(engine, token, now) is None
    assert signed_in_by(engine, token_for(engine, "vic", now), now) == Actor("vic", "viewer")


def test_a_token_signed_with_another_secret_signs_no_one_in(engine: Engine) -> None:
    now = time.time()
    with Session(engine) as session:
        other = storage.session_token(session=session, name="ada", secret="not-ours", now=now)
    assert other is not None
    assert signed_in_by(engine, other, now) is None


def test_a_short_session_secret_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVERGENCE_SESSION_SECRET", "short")
    with pytest.raises(ConfigurationError, match="CONVERGENCE_SESSION_SECRET is shorter than 16"):
        settings()
    monkeypatch.setenv("CONVERGENCE_SESSION_SECRET", SECRET)
    secret = settings().session_secret
    assert secret is not None and secret.get_secret_value() == SECRET
