"""Roles enforced below the screens, on SQLite and PostgreSQL: every write path refuses what a
role does not allow, with a message, writing nothing. Signing in, slowed after failures."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from convergence.cli import main
from convergence.records.estate import Dependency, Estate
from convergence.registers.importing import preview_file
from convergence.store import storage
from convergence.store.access import SYSTEM, Actor, NotAllowed
from convergence.store.db import prepare_database

VIEWER = Actor("vic", "viewer")
WCC_EDITOR = Actor("wendy", "editor", frozenset({"WCC"}))
ADMIN = Actor("ada", "admin")
TABLES = ("council", "tower", "framework_lot", "contract", "system", "dependency", "history")
REGISTER = Path(__file__).resolve().parent / "fixtures" / "registers" / "transparency-wcc.csv"


def dump(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [
            tuple(r)
            for t in TABLES
            for r in connection.execute(text(f"SELECT * FROM {t} ORDER BY id"))
        ]


@pytest.fixture
def loaded(engine: Engine, sample_estate: Estate) -> Engine:
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=SYSTEM)
    return engine


def contract(estate: Estate, reference: str):  # type: ignore[no-untyped-def]
    return next(c for c in estate.contracts if c.reference == reference)


def form_edit(session: Session, actor: Actor, estate: Estate, council: str) -> None:
    record = contract(estate, "WCC-PK-014" if council == "WCC" else "LBHF-PK-014")
    storage.save_record(
        session=session, record=replace(record, notice_months=4), actor=actor, version=1
    )


def import_register(session: Session, actor: Actor, estate: Estate, council: str) -> None:
    preview = preview_file(
        REGISTER.read_bytes(),
        REGISTER.name,
        estate=estate,
        council=council,
        tower="line_of_business",
    )
    storage.save_estate(session=session, estate=preview.to_estate(valid_only=True), actor=actor)


def dependency_edit(session: Session, actor: Actor, estate: Estate, council: str) -> None:
    system = "Parking" if council == "WCC" else "Parking enforcement"
    needs = "Active Directory & Exchange" if council == "WCC" else "Email & identity"
    storage.save_record(
        session=session,
        record=Dependency(council, system, council, needs, 3),
        actor=actor,
        version=None,
    )


def delete(session: Session, actor: Actor, estate: Estate, council: str) -> None:
    name = "Parking" if council == "WCC" else "Parking enforcement"
    system = next(s for s in estate.systems if s.key == (council, name))
    storage.delete_record(session=session, record=system, actor=actor, version=1)


PATHS = {
    "form": form_edit,
    "import": import_register,
    "dependency": dependency_edit,
    "delete": delete,
}


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize(
    ("actor", "council", "allowed"),
    [
        (VIEWER, "WCC", False),
        (WCC_EDITOR, "WCC", True),
        (WCC_EDITOR, "LBHF", False),
        (ADMIN, "LBHF", True),
    ],
    ids=["viewer", "editor-own", "editor-other", "admin"],
)
def test_role_by_write_path(
    path: str, actor: Actor, council: str, allowed: bool, loaded: Engine, sample_estate: Estate
) -> None:
    before = dump(loaded)
    with Session(loaded) as session:
        if allowed:
            PATHS[path](session, actor, sample_estate, council)
            changes = storage.history(session=session, user=actor.name)
            assert changes and all(c.user == actor.name for c in changes)
        else:
            with pytest.raises(NotAllowed) as refused:
                PATHS[path](session, actor, sample_estate, council)
            assert actor.name in str(refused.value) or "admin" in str(refused.value)
    if not allowed:
        assert dump(loaded) == before


def test_editors_cannot_touch_lots_councils_baselines_or_users(
    loaded: Engine, sample_estate: Estate
) -> None:
    before = dump(loaded)
    with Session(loaded) as session:
        lot = replace(sample_estate.lots[0], supplier="Someone else")
        with pytest.raises(NotAllowed, match="programme office"):
            storage.save_record(session=session, record=lot, actor=WCC_EDITOR, version=1)
        with pytest.raises(NotAllowed, match="programme office"):
            storage.freeze_baseline(
                session=session,
                name="x",
                planning_date=date(2026, 11, 22),
                plans="[]",
                actor=WCC_EDITOR,
            )
        storage.add_user(
            session=session, name="ada", role="admin", password="a-long-password", actor=None
        )
        with pytest.raises(NotAllowed, match="programme office"):
            storage.add_user(
                session=session,
                name="mal",
                role="admin",
                password="another-password",
                actor=WCC_EDITOR,
            )
        with pytest.raises(NotAllowed):
            storage.save_scenario(
                session=session, name="x", description="", overrides="[]", actor=VIEWER
            )
    assert dump(loaded) == before


def test_sign_in_hashes_passwords_and_slows_repeated_failures(loaded: Engine) -> None:
    with Session(loaded) as session:
        storage.add_user(
            session=session, name="ada", role="admin", password="correct horse battery", actor=None
        )
        with loaded.connect() as connection:
            stored = connection.execute(text('SELECT password_hash FROM "user"')).scalar()
        assert str(stored).startswith("$argon2id$") and "correct horse" not in str(stored)
        assert storage.sign_in(
            session=session, name="ada", password="correct horse battery"
        ) == Actor("ada", "admin")
        for _ in range(3):
            with pytest.raises(NotAllowed, match="not recognised"):
                storage.sign_in(session=session, name="ada", password="wrong guess!!")
        with pytest.raises(NotAllowed, match="Too many failed sign-ins for ada: try again in"):
            storage.sign_in(session=session, name="ada", password="correct horse battery")
        with pytest.raises(NotAllowed, match="not recognised"):
            storage.sign_in(session=session, name="nobody", password="whatever-it-is")


def test_the_first_user_must_be_an_admin(loaded: Engine) -> None:
    from convergence.errors import ValidationError

    with Session(loaded) as session:
        with pytest.raises(ValidationError, match="first user must be an admin"):
            storage.add_user(
                session=session, name="vic", role="viewer", password="a-long-password", actor=None
            )
        storage.add_user(
            session=session, name="ada", role="admin", password="a-long-password", actor=None
        )
        storage.add_user(
            session=session,
            name="wendy",
            role="editor",
            councils=["WCC"],
            password="wendys-password",
            actor=ADMIN,
        )
        assert storage.actor_named(session=session, name="wendy") == WCC_EDITOR


def test_command_line_writes_act_for_the_named_user(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    assert main(["--database", database_url, "init", "--sample"]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("wendys-password\n"))
    add_wendy = [
        "--database",
        database_url,
        "--user",
        "admin",
        "users",
        "add",
        "wendy",
        "--role",
        "editor",
        "--council",
        "WCC",
        "--password-stdin",
    ]
    assert main(add_wendy) == 2, "once there are users, --user needs the person's password"
    assert "--user admin: give their password in CONVERGENCE_PASSWORD" in capsys.readouterr().err
    monkeypatch.setenv("CONVERGENCE_PASSWORD", "not-the-password")
    assert main(add_wendy) == 2
    assert "--user admin: Name or password not recognised" in capsys.readouterr().err
    monkeypatch.setenv("CONVERGENCE_PASSWORD", "sample-admin-2026")
    assert main(add_wendy) == 0
    args = [
        "--database",
        database_url,
        "import",
        str(REGISTER),
        "--tower",
        "line_of_business",
        "--valid-only",
    ]
    monkeypatch.setenv("CONVERGENCE_PASSWORD", "wendys-password")
    assert main([args[0], args[1], "--user", "wendy", *args[2:], "--council", "LBHF"]) == 2
    assert "wendy edits the records of WCC only" in capsys.readouterr().err
    assert main([args[0], args[1], "--user", "wendy", *args[2:], "--council", "WCC"]) == 0
    monkeypatch.setenv("CONVERGENCE_PASSWORD", "sample-board-2026")
    assert main([args[0], args[1], "--user", "board", "import", str(sample)]) == 2
    assert "can view the estate but not change it" in capsys.readouterr().err
    assert main([args[0], args[1], "--user", "nobody", "import", str(sample)]) == 2
    assert "--user nobody: Name or password not recognised" in capsys.readouterr().err
    main([args[0], args[1], "users", "list"])
    listed = capsys.readouterr().out
    assert "wendy\teditor\tWCC" in listed and "argon2" not in listed


def test_a_scenario_belongs_to_its_creator_and_every_change_is_in_the_history(
    loaded: Engine,
) -> None:
    other = Actor("lbhf-ed", "editor", frozenset({"LBHF"}))
    with Session(loaded) as session:
        storage.save_scenario(
            session=session, name="Extend hosting", description="", overrides="[]", actor=ADMIN
        )
        before = storage.scenarios(session=session)
        for action in (
            lambda: storage.save_scenario(
                session=session, name="Extend hosting", description="x", overrides="[1]",
                actor=WCC_EDITOR,
            ),
            lambda: storage.delete_scenario(session=session, name="Extend hosting", actor=other),
        ):  # fmt: skip
            with pytest.raises(NotAllowed, match="belongs to ada"):
                action()
            session.rollback()
        assert storage.scenarios(session=session) == before
        storage.save_scenario(
            session=session, name="Mine", description="", overrides="[]", actor=WCC_EDITOR
        )
        storage.save_scenario(
            session=session, name="Mine", description="v2", overrides="[]", actor=WCC_EDITOR
        )
        storage.delete_scenario(session=session, name="Mine", actor=ADMIN)
        lines = [
            (c.user, c.action, c.field)
            for c in storage.history(session=session)
            if c.record == "Scenario Mine"
        ]
    assert sorted(lines) == sorted(
        [
            ("wendy", "created", ""),
            ("wendy", "changed", "description"),
            ("ada", "deleted", "overrides"),
        ]
    )


def test_guesses_made_at_once_are_counted_one_by_one(loaded: Engine) -> None:
    """Twelve wrong passwords at the same moment: only the first three are checked; the rest
    wait out the lock, and the count in the database says so."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    with Session(loaded) as session:
        storage.add_user(
            session=session, name="ada", role="admin", password="correct horse battery", actor=None
        )
    start = Barrier(12)

    def guess(_: int) -> str:
        with Session(loaded) as session:
            start.wait()
            try:
                storage.sign_in(session=session, name="ada", password="a wrong guess")
            except NotAllowed as refused:
                return str(refused)
            return "signed in"

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(guess, range(12)))
    checked = [a for a in answers if a == "Name or password not recognised"]
    assert len(checked) == 3, answers
    assert all(
        a.startswith("Too many failed sign-ins for ada") for a in answers if a not in checked
    )
    with loaded.connect() as connection:
        failures = connection.execute(text("SELECT failures FROM sign_in_failure")).scalar()
    assert failures == 3


def test_an_unknown_name_is_answered_as_a_known_one(loaded: Engine) -> None:
    with Session(loaded) as session:
        storage.add_user(
            session=session, name="ada", role="admin", password="correct horse battery", actor=None
        )
        answers = {}
        for name in ("ada", "nobody"):
            said = []
            for _ in range(4):
                with pytest.raises(NotAllowed) as refused:
                    storage.sign_in(session=session, name=name, password="a wrong guess")
                said.append(str(refused.value).replace(name, "NAME").split(": try again")[0])
            answers[name] = said
    assert (
        answers["ada"]
        == answers["nobody"]
        == [
            "Name or password not recognised",
            "Name or password not recognised",
            "Name or password not recognised",
            "Too many failed sign-ins for NAME",
        ]
    )


@pytest.mark.parametrize(
    ("name", "password"),
    [("x" * 201, "a wrong guess"), ("ada\x00", "a wrong guess"), ("ada\udcff", "wrong\udcff")],
    ids=["too-long", "nul", "not-utf8"],
)
def test_a_name_no_one_can_have_is_answered_as_an_unknown_one(
    loaded: Engine, name: str, password: str
) -> None:
    """A name over 200 characters or holding NUL reached PostgreSQL as it was and came back as
    a raw DataError; a password or name from the environment that is not UTF-8 crashed the
    hashing. Each is answered in the same words and with the same lockout as any name."""
    with Session(loaded) as session:
        said = []
        for _ in range(4):
            with pytest.raises(NotAllowed) as refused:
                storage.sign_in(session=session, name=name, password=password)
            said.append(str(refused.value).split(" for ")[0])
    assert said == ["Name or password not recognised"] * 3 + ["Too many failed sign-ins"]


def test_an_editor_imports_an_estate_folder_of_their_own_council(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder names the towers (admin records) its systems use, unchanged, and another
    council's records, unchanged: rights are checked on what changes."""
    import csv

    assert main(["--database", database_url, "init", "--sample"]) == 0
    folder = tmp_path / "wcc"
    assert main(["--database", database_url, "export", str(folder)]) == 0
    path = folder / "contracts.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        if row["reference"] == "WCC-PK-014":
            row["notice_months"] = "5"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setenv("CONVERGENCE_PASSWORD", "sample-wcc-2026")
    as_editor = ["--database", database_url, "--user", "wcc-editor", "import", str(folder)]
    assert main(as_editor) == 0
    with Session(prepare_database(database_url)) as session:
        estate = storage.load_estate(session=session)
    assert contract(estate, "WCC-PK-014").notice_months == 5
    for row in rows:
        if row["reference"] == "LBHF-PK-014":
            row["notice_months"] = "7"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(as_editor) == 2, "another council's change is still refused"


@pytest.mark.parametrize("name", ["   ", "x" * 201, "Board\x00 1"])
def test_scenario_and_baseline_names_are_checked_before_anything_is_written(
    loaded: Engine, name: str
) -> None:
    """A name of spaces, too long, or holding NUL (which PostgreSQL refuses with a raw error)
    is refused in words."""
    from convergence.errors import ValidationError

    before = dump(loaded)
    with Session(loaded) as session:
        with pytest.raises(ValidationError):
            storage.save_scenario(
                session=session, name=name, description="", overrides="[]", actor=ADMIN
            )
        with pytest.raises(ValidationError):
            storage.freeze_baseline(
                session=session, name=name, planning_date=date(2026, 11, 22), plans="[]",
                actor=ADMIN,
            )  # fmt: skip
    assert dump(loaded) == before
