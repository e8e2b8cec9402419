"""The `convergence` command line: one entry point, one subcommand per job.

Every subcommand reports problems as one line on stderr ("error: ...") and exits with 2;
it never prints a traceback for a mistake a person can fix.

Over 400 lines: one short function per subcommand and the parser listing them all, so
`--help` and the code read in the same order; each command imports only what it uses.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from convergence.errors import ConvergenceError

# numpy's linear algebra library starts a thread for each core as numpy loads, a tenth of a
# second of CPU on the second core; no command does linear algebra, so one thread does (a
# setting in the environment wins)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

    from convergence.money.savings import Costs
    from convergence.planning.engine import Roadmap
    from convergence.records.columns import EstateColumns
    from convergence.records.estate import Estate, Outline
    from convergence.registers.importing import FilePreview
    from convergence.store.access import Actor

# Each command imports what it uses when it runs, so `convergence --help` and a schedule from
# estate files start at once: the database, charts and board-pack libraries load only for
# the commands that need them. tests/test_cli.py keeps both lists below in step with the
# package's own.
ROLES = ("viewer", "editor", "admin")  # convergence.store.access.ROLES
CHARGES_FROM = ("cutover", "start")  # convergence.money.savings.CHARGES_FROM

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE_ESTATE = DATA / "sample"
# the sample estates `init --sample NAME` loads: the tri-borough, and a fictional two-tier
# county becoming two unitary councils on vesting day
SAMPLES = {"tri-borough": SAMPLE_ESTATE, "county": DATA / "county"}


def _engine(args: argparse.Namespace) -> Engine:
    from convergence.settings import settings
    from convergence.store.db import prepare_database

    url = args.database or settings().resolved_database_url
    return prepare_database(url)


def _today(text: str | None) -> date:
    """The planning date: --today, else CONVERGENCE_TODAY, else the real date."""
    if text is None:
        from convergence.settings import settings

        return settings().planning_date
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConvergenceError(f"--today: '{text}' is not a date in the form YYYY-MM-DD") from None


def _acting(args: argparse.Namespace, session: Session) -> Actor:
    """The user a command acts for (--user). Before anyone is registered, commands act as
    an admin, so a new database can be set up; afterwards --user must name a user and give
    their password (CONVERGENCE_PASSWORD, or typed when asked in a terminal), checked as
    signing in to the app is, lockout included."""
    from convergence.settings import settings
    from convergence.store import storage
    from convergence.store.access import Actor

    known: Actor | None = getattr(args, "acting", None)
    if known is not None:
        return known
    if not storage.has_users(session=session):
        actor = Actor(args.user, "admin")
        args.acting = actor
        return actor
    given = settings().password
    if given is not None:
        password = given.get_secret_value()
    elif sys.stdin.isatty():
        password = getpass.getpass(f"Password for {args.user}: ")
    else:
        raise ConvergenceError(
            f"--user {args.user}: give their password in CONVERGENCE_PASSWORD (or run the "
            "command in a terminal to be asked for it)"
        )
    try:
        actor = storage.sign_in(session=session, name=args.user, password=password)
    except ConvergenceError as refused:
        raise ConvergenceError(f"--user {args.user}: {refused}") from None
    args.acting = actor
    return actor


def cmd_init(args: argparse.Namespace) -> None:
    from sqlmodel import Session

    from convergence.records.estate_files import read_estate
    from convergence.store import storage
    from convergence.store.access import check_admin

    engine = _engine(args)
    with Session(engine) as session:
        if args.reset:
            check_admin(_acting(args, session), "reset the estate")
            storage.clear_estate(session=session)
            print("Cleared the estate.")
            removed = storage.remove_demo_accounts(session=session)
            if removed:
                print(f"Removed the sample's demo accounts: {', '.join(removed)}.")
        if args.sample:
            if storage.is_empty(session=session):
                summary = storage.save_estate(
                    session=session,
                    estate=read_estate(SAMPLES[args.sample]),
                    actor=_acting(args, session),
                )
                print(f"Loaded the {args.sample} sample estate: {summary}")
                if not storage.has_users(session=session):
                    storage.add_demo_users(session=session)
                    print("Created the sample's demo users (see the README).")
            else:
                print("The database already holds an estate; the sample was not loaded.")
    print(f"Database ready: {engine.url.render_as_string(hide_password=True)}")


def cmd_import(args: argparse.Namespace) -> None:
    from sqlmodel import Session

    from convergence.formatting import counted
    from convergence.records.estate_files import carried_in, read_estate
    from convergence.registers.importing import over_held, preview_file
    from convergence.store import storage

    path: Path = args.path
    with Session(_engine(args)) as session:
        if path.is_dir():
            found = read_estate(path)  # a record already held keeps what its file does not give
            held = storage.load_estate(session=session)
            estate = over_held(found, held, carried_in(path))
            summary = storage.save_estate(
                session=session, estate=estate, actor=_acting(args, session), based_on=held
            )
            print(f"Imported {path}: {summary}")
            return
        if not path.is_file():
            raise ConvergenceError(f"{path}: no such file or folder")
        current = storage.load_estate(session=session)
        if args.market or args.organisation:
            from convergence.registers.market import preview_market

            preview = preview_market(
                path.read_bytes(), path.name, estate=current, organisation=args.organisation or ""
            )
        else:
            preview = preview_file(
                path.read_bytes(),
                path.name,
                estate=current,
                council=args.council or "",
                tower=args.tower,
                any_buyer=args.any_buyer,
            )
        _print_preview(path.name, preview)
        if preview.problems and not args.valid_only:
            raise ConvergenceError(
                f"{path.name} has {counted(len(preview.problems), 'problem')}; nothing was "
                "imported (fix them, or import only the valid rows with --valid-only)"
            )
        summary = storage.save_estate(
            session=session,
            estate=preview.to_estate(valid_only=args.valid_only),
            actor=_acting(args, session),
            based_on=current,  # never revert an edit made since the preview
        )
    print(f"Imported {path}: {summary}")


def _print_preview(name: str, preview: FilePreview) -> None:
    """What an import would do: each new or updated record on stdout, up to 50; warnings
    and the first 20 problems on stderr."""
    from convergence.formatting import counted
    from convergence.records.estate import Contract

    print(
        f"{name}: {preview.format}, {preview.rows:,} rows, "
        f"{counted(preview.records, 'record')} ready, {counted(len(preview.problems), 'problem')}"
    )
    if preview.changes:
        print(f"{preview.kind.capitalize()}: {preview.summary}")
    changed = [c for c in preview.changes if c.action != "No change"]
    for change in changed[:50]:
        title = change.record.title if isinstance(change.record, Contract) else ""
        said = "; ".join(change.changes) or title
        print(f"  {change.action.lower()} {change.name}" + (f": {said}" if said else ""))
    if len(changed) > 50:
        print(f"  … and {len(changed) - 50:,} more")
    for warning in preview.warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    for problem in preview.problems[:20]:
        print(f"  row {problem.row}, {problem.column}: {problem.problem}", file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> None:
    from sqlmodel import Session

    from convergence.outputs.export import estate_workbook
    from convergence.records.estate_files import write_estate
    from convergence.store import storage

    with Session(_engine(args)) as session:
        estate = storage.load_estate(session=session)
    path: Path = args.path
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(estate_workbook(estate))
        print(f"Wrote the estate workbook {path}")
        return
    paths = write_estate(estate, path)
    print(f"Wrote {len(paths)} estate files to {path}")


def cmd_register(args: argparse.Namespace) -> None:
    from sqlmodel import Session

    from convergence.outputs.export import register_csv
    from convergence.store import storage

    with Session(_engine(args)) as session:
        estate = storage.load_estate(session=session)
    if args.council not in {c.code for c in estate.councils}:
        raise ConvergenceError(f"--council: no council with code '{args.council}'")
    args.path.write_bytes(register_csv(estate, args.council))
    print(f"Wrote the contract register of {args.council} to {args.path}")


def cmd_generate(args: argparse.Namespace) -> None:
    from convergence.records.estate_files import write_estate
    from convergence.records.generate import generate_estate

    started = time.perf_counter()
    estate = generate_estate(
        councils=args.councils,
        systems_per_council=args.systems_per_council,
        dependencies=args.dependencies,
        seed=args.seed,
    )
    write_estate(estate, args.path)
    print(
        f"Wrote {len(estate.councils)} councils, {len(estate.systems):,} systems and "
        f"{len(estate.dependencies):,} dependencies to {args.path} "
        f"in {time.perf_counter() - started:.1f} s"
    )


def _estate_for(args: argparse.Namespace) -> Estate:
    """The estate the programme plans (organisations outside it left out), from estate files
    or the database."""
    from convergence.records.estate import programme
    from convergence.records.estate_files import read_estate

    if args.estate is not None:
        return programme(read_estate(args.estate))
    from sqlmodel import Session

    from convergence.store import storage

    with Session(_engine(args)) as session:
        return programme(storage.load_estate(session=session))


def _estate_columns(args: argparse.Namespace) -> EstateColumns | None:
    """The estate as columns, from estate files or the database (None when the files must be
    read record by record)."""
    from convergence.records.columns import read_estate_columns

    if args.estate is not None:
        return read_estate_columns(args.estate)
    from sqlmodel import Session

    from convergence.store import storage

    with Session(_engine(args)) as session:
        return storage.load_estate_columns(session=session)


# An estate folder whose files hold fewer bytes than this is read record by record, planned
# and written without Arrow: loading Arrow, and the pandas it loads on its first conversion,
# costs more than reading the records of a folder this size. Chosen from `schedule --estate
# DIR --format csv` of generated estates, each path's whole process in CPU seconds: 1,500
# systems (0.6 MB) 0.36 by records, 0.76 by Arrow; 3,000 (1.1 MB) 0.47 and 0.80; 6,000
# (2.3 MB) 0.66 and 0.76; 12,000 (4.5 MB) 1.08 and 0.79. They cross at about 3 MB.
SMALL_FOLDER_BYTES = 3_000_000


def _small_folder(folder: Path) -> bool:
    """Whether the estate files in `folder` are few enough bytes to read record by record."""
    from convergence.records.fields import KINDS

    files = [folder / kind.file for kind in KINDS]
    return sum(path.stat().st_size for path in files if path.is_file()) < SMALL_FOLDER_BYTES


def cmd_schedule(args: argparse.Namespace) -> None:
    from convergence.outputs.roadmap_file import roadmap_text
    from convergence.planning.engine import plan_estate

    today = _today(args.today)
    small = args.estate is not None and _small_folder(args.estate)
    plans = None if small else _planned_columns(args, today)
    if plans is None:
        plans = plan_estate(_estate_for(args), today)
    text = roadmap_text(plans, args.format, arrow=not small)
    if args.out is not None:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Wrote the roadmap of {len(plans['council']):,} systems to {args.out}")
    else:
        sys.stdout.write(text)


def _planned_columns(args: argparse.Namespace, today: date) -> dict[str, Any] | None:
    """The plan of the estate read as columns; None when its records must be read instead, for
    any problem to be named there."""
    from convergence.planning.engine import plan_columns
    from convergence.records.columns import programme_columns

    columns = _estate_columns(args)
    return plan_columns(programme_columns(columns), today) if columns is not None else None


def cmd_savings(args: argparse.Namespace) -> None:
    import pandas as pd

    from convergence.formatting import money
    from convergence.money.savings import savings
    from convergence.money.tables import savings_table, summary
    from convergence.planning.engine import schedule

    today = _today(args.today)
    costed = _costed_columns(args, today)
    if costed is not None:
        outline, roadmap, costs = costed
        result = savings(outline, roadmap, costs=costs, charges_from=args.charges_from)
    else:
        outline = estate = _estate_for(args)
        result = savings(estate, schedule(estate, today), charges_from=args.charges_from)
    table = savings_table(result, args.by, for_people=args.format == "table")
    if args.format == "csv":
        from convergence.spreadsheets import csv_text

        text = csv_text(table)
    elif args.format == "json":
        text = table.to_json(orient="records", indent=2, force_ascii=False) + "\n"
    else:
        lines = []
        for row in summary(result, outline).itertuples():
            share = "" if pd.isna(row.share_of_spend) else f" ({row.share_of_spend:.1%} of spend)"
            payback = (
                "no payback in view" if pd.isna(row.payback) else f"pays back {row.payback:%b %Y}"
            )
            lines.append(
                f"{row.name}: saves {money(row.annual_savings)} a year once converged{share}; "
                f"{payback}"
            )
        lines.append("NLGN marks: 1.8% realistic, 3.6% best")
        text = "\n".join(lines) + "\n\n" + table.to_string(index=False) + "\n"
    if args.out is not None:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Wrote savings month by month ({len(table):,} rows, by {args.by}) to {args.out}")
    else:
        sys.stdout.write(text)


def _costed_columns(args: argparse.Namespace, today: date) -> tuple[Outline, Roadmap, Costs] | None:
    """The stored estate the programme plans, in outline, with its roadmap and costs worked out
    from its columns (no object per contract or system, as the app does); None for estate
    files, or when the records must be read instead, for a problem to be named there."""
    if args.estate is not None:
        return None
    from sqlmodel import Session

    from convergence.money.savings import Costs
    from convergence.planning.engine import schedule_columns
    from convergence.records.columns import programme_columns
    from convergence.records.estate import programme
    from convergence.store import storage

    with Session(_engine(args)) as session:
        outline = programme(storage.load_outline(session=session))
        columns = programme_columns(storage.load_estate_columns(session=session))
    roadmap = schedule_columns(columns, today)
    return None if roadmap is None else (outline, roadmap, Costs.of_columns(columns))


def cmd_partners(args: argparse.Namespace) -> None:
    from sqlmodel import Session

    from convergence.planning.partners import Market, every_partner, partners
    from convergence.records.estate_files import read_estate
    from convergence.store import storage

    if args.estate is not None:
        market = Market.of(read_estate(args.estate))
    else:  # the stored contracts as columns, with no object per record
        with Session(_engine(args)) as session:
            outline = storage.load_outline(session=session)
            contracts = storage.load_estate_columns(session=session)["contracts"]
        market = Market.of_columns(outline, contracts)
    if not args.all and args.council not in market.names:
        raise ConvergenceError(f"--council: no council or organisation with code '{args.council}'")
    if args.window_months < 1:
        raise ConvergenceError("--window-months: at least 1")
    if args.all:
        table = every_partner(market, window_months=args.window_months, top=args.top or 5)
    else:
        table = partners(
            market,
            args.council,
            window_months=args.window_months,
            towers=args.tower or None,
            top=args.top,
        )
    if args.format == "csv":
        from convergence.spreadsheets import csv_text

        text = csv_text(table)
    elif args.format == "json":
        text = table.to_json(orient="records", indent=2, force_ascii=False) + "\n"
    else:
        text = (table.to_string(index=False) if len(table) else "No partner in the window.") + "\n"
    if market.unmatched:
        many = market.unmatched != 1
        print(
            f"{market.unmatched:,} contract{'s' if many else ''} without an end date or a known "
            f"tower {'were' if many else 'was'} left out",
            file=sys.stderr,
        )
    if args.out is not None:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Wrote {len(table):,} partners to {args.out}")
    else:
        sys.stdout.write(text)


def cmd_board_pack(args: argparse.Namespace) -> None:
    from sqlmodel import Session

    from convergence.money.savings import savings
    from convergence.outputs.board_pack import board_pack_pdf, board_pack_pptx, pack_content
    from convergence.planning.baselines import since_baseline, thaw
    from convergence.planning.engine import schedule
    from convergence.planning.scenarios import overrides_from_json, scenario_causes, scenario_plan
    from convergence.records.estate import programme
    from convergence.settings import settings
    from convergence.store import storage

    today = _today(args.today)
    with Session(_engine(args)) as session:
        whole = storage.load_estate(session=session)  # a scenario may bring a partner in
        estate = programme(whole)
        roadmap = schedule(estate, today)
        result = savings(estate, roadmap, charges_from=settings().charges_from)
        causes = None
        if args.scenario:
            stored = {s.name: s for s in storage.scenarios(session=session)}
            if args.scenario not in stored:
                names = ", ".join(stored) or "none yet"
                raise ConvergenceError(f"--scenario: no scenario '{args.scenario}' ({names})")
            overrides = overrides_from_json(stored[args.scenario].overrides)
            estate, roadmap, result = scenario_plan(
                whole, overrides, today, charges_from=settings().charges_from
            )
            causes = scenario_causes(args.scenario, overrides)
        since = None
        if args.baseline:
            found = {b.name: b for b in storage.baselines(session=session)}
            if args.baseline not in found:
                names = ", ".join(found) or "none yet"
                raise ConvergenceError(f"--baseline: no baseline '{args.baseline}' ({names})")
            chosen = found[args.baseline]
            changes = storage.history(session=session, since=chosen.taken_at)
            since = since_baseline(thaw(chosen.plans), roadmap, changes, causes)
        log = storage.decision_log(session=session)
    content = pack_content(
        roadmap,
        since,
        args.baseline or "",
        estate=estate,
        result=result,
        scenario=args.scenario,
        appendix=args.appendix,
        log=log,
    )
    path: Path = args.path
    if path.suffix.lower() == ".pptx":
        path.write_bytes(board_pack_pptx(content))
    else:
        path.write_bytes(board_pack_pdf(content))
    print(f"Wrote the board pack to {path}")


def cmd_calendar(args: argparse.Namespace) -> None:
    from convergence.outputs.calendar_export import roadmap_calendar
    from convergence.planning.engine import schedule

    estate = _estate_for(args)
    if args.council and args.council not in {c.code for c in estate.councils}:
        raise ConvergenceError(f"--council: no council with code '{args.council}'")
    args.path.write_bytes(roadmap_calendar(schedule(estate, _today(args.today)), args.council))
    print(f"Wrote the calendar to {args.path}")


def cmd_users(args: argparse.Namespace) -> None:
    from sqlmodel import Session

    from convergence.store import storage

    with Session(_engine(args)) as session:
        if args.action == "list":
            for account in storage.accounts(session=session):
                councils = ", ".join(account.councils) or "—"
                print(f"{account.name}\t{account.role}\t{councils}\t{account.email}")
            return
        actor = None if not storage.has_users(session=session) else _acting(args, session)
        password = ""
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        elif not args.email:
            password = getpass.getpass(f"Password for {args.name}: ")
        storage.add_user(
            session=session,
            name=args.name,
            role=args.role,
            councils=args.council or [],
            password=password,
            email=(args.email or "").lower(),
            actor=actor,
        )
    print(f"Saved user {args.name} ({args.role})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convergence", description="Plan councils' IT convergence onto a common framework."
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="SQLAlchemy database URL (default: $CONVERGENCE_DATABASE_URL, else the SQLite file "
        "in $CONVERGENCE_DATA_DIR)",
    )
    parser.add_argument(
        "--user",
        default="command line",
        metavar="NAME",
        help="the user a change is made for: checked against their role, recorded in history",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser("init", help="create or upgrade the database")
    init.add_argument(
        "--sample",
        nargs="?",
        const="tri-borough",
        choices=tuple(SAMPLES),
        help="load a sample estate if the database is empty: tri-borough (the default) or "
        "county (a fictional two-tier county becoming two unitaries)",
    )
    init.add_argument("--reset", action="store_true", help="delete the whole estate first")
    init.set_defaults(run=cmd_init)

    imp = commands.add_parser(
        "import",
        help="import an estate folder, an estate CSV, a contract register "
        "(Transparency Code or Contracts Finder, CSV or XLSX) or OCDS JSON",
    )
    imp.add_argument("path", type=Path, metavar="PATH")
    imp.add_argument("--council", help="council the register belongs to (code)")
    imp.add_argument("--tower", help="tower for rows whose tower cannot be told")
    imp.add_argument(
        "--valid-only",
        action="store_true",
        help="import the valid rows even when others have problems",
    )
    imp.add_argument(
        "--any-buyer",
        action="store_true",
        help="file contracts whose buyer is not a council of the estate under --council "
        "(by default they are listed as problems and left out)",
    )
    imp.add_argument(
        "--market",
        action="store_true",
        help="market data for the partner finder: every buyer becomes an organisation outside "
        "the programme (matched by name on later imports); contracts of no known tower are kept",
    )
    imp.add_argument(
        "--organisation",
        metavar="NAME",
        help="with --market: the organisation publishing a register that names no buyer "
        "(a Transparency Code register)",
    )
    imp.set_defaults(run=cmd_import)

    exp = commands.add_parser(
        "export", help="export the estate: a folder of estate CSV files, or an .xlsx workbook"
    )
    exp.add_argument("path", type=Path, metavar="DIR|FILE.xlsx")
    exp.set_defaults(run=cmd_export)

    reg = commands.add_parser("register", help="write a council's Transparency Code register")
    reg.add_argument("path", type=Path, metavar="OUT.csv")
    reg.add_argument("--council", required=True)
    reg.set_defaults(run=cmd_register)

    gen = commands.add_parser("generate", help="write a synthetic estate for tests and benchmarks")
    gen.add_argument("path", type=Path, metavar="DIR")
    gen.add_argument("--councils", type=int, default=3)
    gen.add_argument("--systems-per-council", type=int, default=20)
    gen.add_argument("--dependencies", type=int, default=40, help="dependencies in total")
    gen.add_argument("--seed", type=int, default=42)
    gen.set_defaults(run=cmd_generate)

    sch = commands.add_parser("schedule", help="print the roadmap, one row per system")
    sch.add_argument("--estate", type=Path, metavar="DIR", help="read estate files, not the DB")
    sch.add_argument("--today", metavar="YYYY-MM-DD", help="planning date (default: today)")
    sch.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sch.add_argument("--out", type=Path, metavar="FILE")
    sch.set_defaults(run=cmd_schedule)
    par = commands.add_parser(
        "partners", help="which organisations' contracts end when a council's do, by tower"
    )
    who = par.add_mutually_exclusive_group(required=True)
    who.add_argument("--council", metavar="CODE")
    who.add_argument("--all", action="store_true", help="every organisation's best partners")
    par.add_argument("--estate", type=Path, metavar="DIR", help="read estate files, not the DB")
    par.add_argument("--window-months", type=int, default=12)
    par.add_argument("--tower", action="append", metavar="T", help="only this tower (repeatable)")
    par.add_argument("--top", type=int, metavar="N")
    par.add_argument("--format", choices=("table", "csv", "json"), default="table")
    par.add_argument("--out", type=Path, metavar="FILE")
    par.set_defaults(run=cmd_partners)
    sav = commands.add_parser("savings", help="print costs and savings month by month")
    sav.add_argument("--estate", type=Path, metavar="DIR", help="read estate files, not the DB")
    sav.add_argument("--today", metavar="YYYY-MM-DD", help="planning date (default: today)")
    sav.add_argument("--by", choices=("council", "tower", "programme"), default="council")
    sav.add_argument(
        "--charges-from",
        choices=CHARGES_FROM,
        default="cutover",
        help="framework charges begin at cutover (default) or at the transition start",
    )
    sav.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sav.add_argument("--out", type=Path, metavar="FILE")
    sav.set_defaults(run=cmd_savings)

    pack = commands.add_parser("board-pack", help="write the board pack (PDF, or .pptx)")
    pack.add_argument("path", type=Path, metavar="OUT.pdf|OUT.pptx")
    pack.add_argument("--baseline", metavar="NAME", help="show changes since this baseline")
    pack.add_argument(
        "--scenario",
        metavar="NAME",
        default="",
        help="the pack of this saved scenario instead of the live plan, named so on every page",
    )
    pack.add_argument(
        "--appendix",
        action="store_true",
        help="add every system at risk as an appendix (the pack lists the first 25)",
    )
    pack.add_argument("--today", metavar="YYYY-MM-DD", help="planning date (default: today)")
    pack.set_defaults(run=cmd_board_pack)

    cal = commands.add_parser(
        "calendar",
        help="write notice deadlines, call-offs, extension "
        "decisions and cutovers as an iCalendar file",
    )
    cal.add_argument("path", type=Path, metavar="OUT.ics")
    cal.add_argument("--council", metavar="CODE")
    cal.add_argument("--estate", type=Path, metavar="DIR", help="read estate files, not the DB")
    cal.add_argument("--today", metavar="YYYY-MM-DD", help="planning date (default: today)")
    cal.set_defaults(run=cmd_calendar)
    users = commands.add_parser("users", help="list users, or add/update one")
    users.add_argument("action", choices=("add", "list"))
    users.add_argument("name", nargs="?", default="")
    users.add_argument("--role", choices=ROLES, default="viewer")
    users.add_argument(
        "--council",
        action="append",
        metavar="CODE",
        help="a council an editor answers for (repeat for several)",
    )
    users.add_argument("--email", help="e-mail for single sign-on")
    users.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input, not a prompt",
    )
    users.set_defaults(run=cmd_users)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except ConvergenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
