"""Load test: N people at once on the shared deployment, loopback only, bounded in time and count.

    python -m benchmarks.load --sessions 10 25 [--processes 2] [--driver protocol|browser]

For each N: a fresh database on a throwaway PostgreSQL server, loaded with the sample estate
(`convergence init --sample`, which creates the demo users), and two `streamlit run` processes
sharing it (no file watcher: they serve the code as it was when they started). One untimed
visit per process warms it up (imports, the roadmap worked out once), as a process serving
people for a while would be. N sessions then run at once, spread over the processes, with no
pause between actions. Each opens the app, signs in as the sample's admin, opens the roadmap,
asks why one system moves when it does, opens Edit records, opens a contract of its own and
saves a change to it. In a second phase the sessions, in groups of five, all open one contract
per group and then save it at the same moment: one save per group should land and the others
must be shown the conflict message. Afterwards the database (values and history) is read to
count the saves that landed, and any save that was lost.

Every action is timed from sending it to the page showing its result (checked: the heading,
the chart, the form, the "Saved" or "Not saved" message). Drivers:

- `protocol` (the default) speaks Streamlit's own websocket protocol as the browser does: it
  fetches the page and the scripts it names, opens /_stcore/stream, sends the same BackMsg
  (page, widget values, a form's submit trigger) and reads the ForwardMsg stream until the
  script run has finished. It costs milliseconds of CPU per action, so the figures measure
  the servers, not the client. It does not run the page's JavaScript or draw the charts.
- `browser` drives one headless Chromium with a browser context per session (Playwright's
  async API; images and fonts blocked). It checks the real page, but on a small machine
  drawing N Streamlit pages and their charts costs several times the CPU of serving them.

The CPU seconds used by the app processes, PostgreSQL, the load driver and everything else on
the machine while the sessions ran are printed, to show which side the time went to.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Sequence
from contextlib import ExitStack, redirect_stdout
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from convergence.cli import main as convergence
from convergence.store import storage
from tests.app_server import running_app
from tests.conftest import fresh_postgres_database
from tests.postgres_server import throwaway_postgres
from tests.test_browser import CHROMIUM, DEMO

USER = "admin"
GROUP = 5  # sessions saving the same record at once, in the second phase
HOME, ROADMAP, RECORDS = "Overview", "Roadmap", "Edit records"
EXPLAIN = "Why does this system move when it does?"
SAVED, NOT_SAVED = "Saved ", "Not saved. "


class ActionFailed(Exception):
    """The page did not show what the action should have led to."""


# ---------------------------------------------------------------------------------------------
# What the sessions do, whatever drives them


class Client(Protocol):
    """One person's browser tab. Each method returns once the page shows its result."""

    async def open(self) -> None: ...  # the app's address: the sign-in form
    async def sign_in(self, user: str, password: str) -> None: ...  # the home screen
    async def go(self, title: str) -> None: ...  # a screen from the navigation
    async def explain(self, system: str) -> None: ...  # the roadmap's "why" for one system
    async def pick_record(self, reference: str) -> None: ...  # a contract's form
    async def save(self, label: str, value: str) -> str: ...  # the message shown after Save
    async def close(self) -> None: ...


@dataclass
class Plan:
    """Who does what: each session's own contract and system, and the shared contracts."""

    own: list[str]  # contract reference, by session
    systems: list[str]  # "System (COUNCIL)" to explain, by session
    shared: list[str]  # contract reference, by group of the second phase

    def group(self, n: int) -> int:
        return n // GROUP


@dataclass
class Action:
    name: str
    seconds: float
    error: str | None = None


@dataclass
class Run:
    """What happened in one run of N sessions."""

    sessions: int
    actions: list[Action] = field(default_factory=list)
    own_saved: set[int] = field(default_factory=set)  # sessions told their own save landed
    shared_messages: dict[int, str] = field(default_factory=dict)  # session: message shown
    wall: float = 0.0
    timed_out: bool = False

    async def timed(self, n: int, name: str, action: Awaitable[Any]) -> Any:
        started = time.perf_counter()
        try:
            result = await action
        except asyncio.CancelledError:
            self.actions.append(Action(name, 0.0, f"session {n}: stopped at the time limit"))
            raise
        except Exception as problem:  # a load test reports failures instead of stopping
            words = " ".join(str(problem).split())
            text = f"session {n}: {type(problem).__name__}: {words}"
            self.actions.append(Action(name, time.perf_counter() - started, text[:240]))
            raise ActionFailed(text) from None
        self.actions.append(Action(name, time.perf_counter() - started))
        return result


def own_value(n: int) -> str:
    return f"Load test {n}"


def shared_value(n: int) -> str:
    return f"Load test {n}, same record"


async def first_phase(client: Client, n: int, plan: Plan, run: Run) -> bool:
    """Sign in, browse the roadmap, save a change to a contract of one's own."""
    try:
        await run.timed(n, "open the app", client.open())
        await run.timed(n, "sign in", client.sign_in(USER, DEMO[USER]))
        await run.timed(n, "open the roadmap", client.go(ROADMAP))
        await run.timed(n, "explain a system", client.explain(plan.systems[n]))
        await run.timed(n, "open Edit records", client.go(RECORDS))
        await run.timed(n, "open a contract", client.pick_record(plan.own[n]))
        await run.timed(n, "save a change", expect_saved(client.save("Department", own_value(n))))
        run.own_saved.add(n)
        return True
    except ActionFailed:
        return False


async def expect_saved(saving: Awaitable[str]) -> str:
    message = await saving
    if not message.startswith(SAVED):
        raise ActionFailed(f"expected {SAVED!r}, the page shows {message[:120]!r}")
    return message


async def open_shared(client: Client, n: int, plan: Plan, run: Run) -> bool:
    try:
        await run.timed(n, "open the same contract", client.pick_record(plan.shared[plan.group(n)]))
        return True
    except ActionFailed:
        return False


async def save_shared(client: Client, n: int, run: Run) -> None:
    """Save the contract the whole group has open: one wins, the others see the conflict."""
    try:
        run.shared_messages[n] = await run.timed(
            n, "save the same contract", client.save("Department", shared_value(n))
        )
    except ActionFailed:
        pass


async def drive(clients: list[Client], plan: Plan, run: Run, seconds: float) -> None:
    """Both phases, every session at once, the whole run bounded in time (and each action by
    the client's own time limit)."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(seconds):
            done = await asyncio.gather(
                *(first_phase(client, n, plan, run) for n, client in enumerate(clients))
            )
            # the second phase: everyone opens their group's contract, then all save at once
            ready = await asyncio.gather(
                *(
                    open_shared(client, n, plan, run) if ok else asyncio.sleep(0, False)
                    for n, (client, ok) in enumerate(zip(clients, done, strict=True))
                )
            )
            await asyncio.gather(
                *(
                    save_shared(client, n, run)
                    for n, (client, ok) in enumerate(zip(clients, ready, strict=True))
                    if ok
                )
            )
    except TimeoutError:
        run.timed_out = True
    finally:
        run.wall = time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# The protocol driver: Streamlit's websocket protocol, as the browser speaks it


class ProtocolClient:
    """A tab that speaks Streamlit's protocol: BackMsg out, ForwardMsg in, over one websocket.

    Like the browser, it loads the page and the scripts it names, opens /_stcore/stream, and
    for every interaction sends a `rerun_script` with the page and the widget values (a form's
    fields and its submit button's trigger), then reads the script run's messages until it has
    finished. What the page would show is kept as the elements of the last run.
    """

    def __init__(self, base: str, timeout: float) -> None:
        self.base = base
        self.timeout = timeout
        self.socket: Any = None
        self.page_hash = ""
        self.pages: dict[str, str] = {}  # page title: script hash
        self.elements: dict[tuple[int, ...], tuple[str, Any]] = {}
        self.record = ""  # the contract whose form is open

    # -- HTTP, as a browser opening the address does

    async def _get(self, path: str) -> bytes:
        address = urlsplit(self.base)
        host, port = address.hostname or "127.0.0.1", address.port or 80
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()
            )
            answer = await reader.read()
        finally:
            writer.close()
        status = answer.split(b" ", 2)[1:2]
        if status != [b"200"]:
            raise ActionFailed(f"GET {path} answered {answer[:40]!r}")
        return answer.partition(b"\r\n\r\n")[2]

    async def open(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.typing import Origin, Subprotocol

        async with asyncio.timeout(self.timeout):
            page = (await self._get("/")).decode("utf-8", "replace")
            assets = re.findall(r'(?:src|href)="\./(static/[^"]+\.(?:js|css))"', page)
            fetching = asyncio.Semaphore(6)  # a browser's connections per host

            async def fetch(path: str) -> None:
                async with fetching:
                    await self._get(path)

            await asyncio.gather(
                *(fetch(f"/{a}") for a in assets),
                self._get("/_stcore/health"),
                self._get("/_stcore/host-config"),
            )
            self.socket = await connect(
                self.base.replace("http", "ws", 1) + "/_stcore/stream",
                subprotocols=[Subprotocol("streamlit")],
                origin=Origin(self.base),
                max_size=None,  # a chart's message can be large
                proxy=None,  # loopback only, whatever the environment says
                open_timeout=None,  # bounded by the action's time limit instead
                ping_interval=None,  # the browser does not ping either
            )
        await self._rerun(page_name="")
        self.widget("text_input", "Name")

    # -- one interaction: a rerun request, then the run's messages

    async def _rerun(
        self,
        *,
        widgets: Sequence[tuple[str, str, Any]] = (),
        page_hash: str = "",
        page_name: str = "",
    ) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        request = BackMsg()
        state = request.rerun_script
        state.query_string = ""
        state.page_script_hash = page_hash if page_hash or page_name else self.page_hash
        state.page_name = page_name
        state.context_info.url = f"{self.base}/{page_name}"
        state.context_info.timezone = "Europe/London"
        state.context_info.timezone_offset = 0
        state.context_info.locale = "en-GB"
        for ident, kind, value in widgets:
            widget = state.widget_states.widgets.add()
            widget.id = ident
            setattr(widget, kind, value)
        elements: dict[tuple[int, ...], tuple[str, Any]] = {}
        async with asyncio.timeout(self.timeout):
            await self.socket.send(request.SerializeToString())
            while True:
                message = ForwardMsg.FromString(await self.socket.recv())
                kind = message.WhichOneof("type")
                if kind == "new_session":  # a script run starts (again, after st.rerun)
                    elements = {}
                elif kind == "navigation":
                    self.pages = {
                        p.page_name: p.page_script_hash for p in message.navigation.app_pages
                    }
                    self.page_hash = message.navigation.page_script_hash
                elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                    element = message.delta.new_element
                    name = element.WhichOneof("type")
                    elements[tuple(message.metadata.delta_path)] = (name, getattr(element, name))
                elif kind == "page_not_found":
                    raise ActionFailed("page not found")
                elif kind == "script_finished":
                    if message.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        raise ActionFailed("the script did not compile")
                    if message.script_finished in (
                        ForwardMsg.FINISHED_SUCCESSFULLY,
                        ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
                    ):
                        break
        self.elements = elements
        for name, element in elements.values():
            if name == "exception":
                raise ActionFailed(f"the page shows an exception: {element.type} {element.message}")

    # -- what the page shows

    def widget(self, kind: str, label: str) -> Any:
        for name, element in self.elements.values():
            if name == kind and element.label == label:
                return element
        raise ActionFailed(f"no {kind} {label!r} on the page")

    def texts(self, *kinds: str) -> list[str]:
        return [
            element.body.replace("\\", "")
            for name, element in self.elements.values()
            if name in kinds and hasattr(element, "body")
        ]

    def shows(self, kind: str, text: str) -> bool:
        return any(t.startswith(text) for t in self.texts(kind))

    # -- the person's actions

    async def sign_in(self, user: str, password: str) -> None:
        name, secret = self.widget("text_input", "Name"), self.widget("text_input", "Password")
        button = self.widget("button", "Sign in")
        await self._rerun(
            widgets=[
                (name.id, "string_value", user),
                (secret.id, "string_value", password),
                (button.id, "trigger_value", True),
            ]
        )
        if not self.shows("markdown", f"Signed in as **{user}**") or not self.shows(
            "heading", HOME
        ):
            raise ActionFailed(f"not signed in: the page shows {self.texts('heading', 'alert')}")

    async def go(self, title: str) -> None:
        if title not in self.pages:
            raise ActionFailed(f"no page {title!r} in the navigation")
        await self._rerun(page_hash=self.pages[title])
        if not self.shows("heading", title):
            raise ActionFailed(f"{title!r} did not open: the page shows {self.texts('heading')}")
        if title == ROADMAP and not any(n == "vega_lite_chart" for n, _ in self.elements.values()):
            raise ActionFailed("the roadmap shows no chart")

    async def _choose(self, label: str, option: str) -> None:
        box = self.widget("selectbox", label)
        if option not in box.options:
            raise ActionFailed(f"{option!r} is not offered in {label!r}")
        await self._rerun(widgets=[(box.id, "string_value", option)])

    async def explain(self, system: str) -> None:
        await self._choose(EXPLAIN, system)
        if system not in self.texts("heading"):
            raise ActionFailed(f"no explanation of {system!r}")

    async def pick_record(self, reference: str) -> None:
        box = self.widget("selectbox", "Record")
        title = next((o for o in box.options if o.startswith(f"{reference} ")), None)
        if title is None:
            raise ActionFailed(f"contract {reference} is not offered")
        await self._choose("Record", title)
        key = self.widget("text_input", "Contract reference")
        if (key.value if key.set_value else key.default) != reference:
            raise ActionFailed(f"the form does not show {reference}")
        self.widget("text_input", "Department")
        self.widget("button", "Save")
        self.record = reference

    async def save(self, label: str, value: str) -> str:
        box, button = self.widget("text_input", label), self.widget("button", "Save")
        await self._rerun(
            widgets=[(box.id, "string_value", value), (button.id, "trigger_value", True)]
        )
        outcomes = (f"{SAVED}{self.record} ", NOT_SAVED)
        shown = [t for t in self.texts("alert") if t.startswith(outcomes)]
        if not shown:
            raise ActionFailed(f"no outcome shown after Save: {self.texts('alert')}")
        return shown[0]

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


# ---------------------------------------------------------------------------------------------
# The browser driver: one Chromium, a context per session


class BrowserClient:
    """A tab in a shared headless Chromium, driven like a person would."""

    def __init__(self, context: Any, base: str, timeout: float) -> None:
        self.context = context
        self.base = base
        self.timeout = timeout * 1000
        self.page: Any = None
        self.record = ""

    async def _idle(self) -> None:
        await self.page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
            timeout=self.timeout,
        )

    async def open(self) -> None:
        self.page = await self.context.new_page()
        self.page.set_default_timeout(self.timeout)
        await self.page.goto(f"{self.base}/")
        await self.page.get_by_role("textbox", name="Name").wait_for()

    async def sign_in(self, user: str, password: str) -> None:
        await self.page.get_by_role("textbox", name="Name").fill(user)
        await self.page.get_by_role("textbox", name="Password").fill(password)
        await self.page.get_by_role("button", name="Sign in").click()
        await self.page.get_by_text(f"Signed in as {user}", exact=False).wait_for()
        await self.page.get_by_role("heading", name=HOME).first.wait_for()
        await self._idle()

    async def go(self, title: str) -> None:
        navigation = self.page.locator('[data-testid="stSidebarNav"]')
        await navigation.get_by_role("link", name=title, exact=True).click()
        await self.page.get_by_role("heading", name=title).first.wait_for()
        if title == ROADMAP:
            await self.page.locator('[data-testid="stVegaLiteChart"] svg.marks').first.wait_for()
        await self._idle()

    async def _choose(self, label: str, option: str) -> None:
        await self.page.locator('[data-testid="stSelectbox"]', has_text=label).click()
        await self.page.keyboard.type(option[:12], delay=10)  # long lists render only in view
        await self.page.get_by_role("option", name=option).first.click()

    async def explain(self, system: str) -> None:
        await self._choose("Why does this system move", system)
        await self.page.get_by_role("heading", name=system, exact=True).wait_for()
        await self._idle()

    async def pick_record(self, reference: str) -> None:
        from playwright.async_api import expect

        await self._choose("Record", f"{reference} ")
        shown = self.page.get_by_role("textbox", name="Contract reference", exact=True)
        await expect(shown).to_have_value(reference, timeout=self.timeout)
        await self._idle()
        self.record = reference

    async def save(self, label: str, value: str) -> str:
        await self.page.get_by_role("textbox", name=label, exact=True).fill(value)
        await self.page.get_by_role("button", name="Save").click()
        outcome = self.page.locator('[data-testid="stAlert"]').filter(
            has_text=re.compile(rf"^({re.escape(SAVED + self.record)} |{re.escape(NOT_SAVED)})")
        )
        await outcome.first.wait_for()
        text: str = await outcome.first.inner_text()
        await self._idle()
        return text.strip()

    async def close(self) -> None:
        await self.context.close()


# ---------------------------------------------------------------------------------------------
# Running it: PostgreSQL, the app processes, the sessions, the database afterwards


def choose_plan(url: str, sessions: int) -> Plan:
    """Each session's own contract, and one shared contract per group, all different."""
    engine = create_engine(url)
    with Session(engine) as session:
        estate = storage.load_estate(session=session)
    engine.dispose()
    references = sorted(c.reference for c in estate.contracts)
    groups = math.ceil(sessions / GROUP)
    if sessions + groups > len(references):
        raise SystemExit(
            f"error: {sessions} sessions need {sessions + groups} contracts; "
            f"the sample has {len(references)}"
        )
    moving = sorted(
        f"{s.name} ({s.council})" for s in estate.systems if s.state in ("legacy", "in_transition")
    )
    return Plan(
        own=references[:sessions],
        systems=[moving[n % len(moving)] for n in range(sessions)],
        shared=references[sessions : sessions + groups],
    )


@dataclass
class Landed:
    own: int  # sessions whose own save is in the database, once
    shared_groups: int  # groups whose contract holds exactly the one winner's change
    groups: int
    conflicts_shown: int  # losers shown the conflict message
    losers: int
    problems: list[str]


def verify(url: str, plan: Plan, run: Run, sessions: int) -> Landed:
    """Read the database: every own save landed once; each shared contract holds one change,
    the one its winner was told was saved, and everyone else was told it was not."""
    problems = []
    engine = create_engine(url)
    with Session(engine) as session:
        contracts = {c.reference: c for c in storage.load_estate(session=session).contracts}

        def department_changes(reference: str) -> list[str | None]:
            return [
                c.new
                for c in reversed(storage.history(session=session, record=contracts[reference]))
                if c.action == "changed" and c.field == "department"
            ]

        own = 0
        for n in range(sessions):
            reference, changes = plan.own[n], department_changes(plan.own[n])
            if contracts[reference].department == own_value(n) and changes == [own_value(n)]:
                own += 1
            elif n in run.own_saved:
                problems.append(
                    f"{reference}: session {n} was told it was saved; the history holds "
                    f"{changes}; stored {contracts[reference].department!r}"
                )
        shared_groups = conflicts = losers = 0
        for group, reference in enumerate(plan.shared):
            shown = {n: m for n, m in run.shared_messages.items() if plan.group(n) == group}
            winners = sorted(n for n, m in shown.items() if m.startswith(SAVED))
            losers += len(shown) - len(winners)
            conflicts += sum(m.startswith(NOT_SAVED) for m in shown.values())
            stored, changes = contracts[reference].department, department_changes(reference)
            if len(winners) == 1 and changes == [shared_value(winners[0])] == [stored]:
                shared_groups += 1
            elif shown:
                problems.append(
                    f"{reference}: sessions {winners} were told it was saved; the history "
                    f"holds {len(changes)} changes of the department {changes}; stored {stored!r}"
                )
    engine.dispose()
    return Landed(own, shared_groups, len(plan.shared), conflicts, losers, problems)


# -- CPU accounting from /proc (Linux): which side the time went to


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its children it has waited for."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> set[int]:
    """`root` and every process below it."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        found |= more
        grew = bool(more)
    return found


def _machine_busy_seconds() -> float:
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _running(pattern: bytes, parent: int | None = None) -> list[int]:
    """Processes whose command line contains `pattern` (below `parent`, if given)."""
    if parent is None:
        candidates = {int(entry) for entry in os.listdir("/proc") if entry.isdigit()}
    else:
        candidates = _tree(parent) - {parent}
    found = []
    for pid in candidates:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if pattern in cmdline.read():
                    found.append(pid)
        except OSError:
            continue
    return found


class CpuAccount:
    """CPU seconds, while the sessions run, of the app processes, of PostgreSQL, of this
    driver (with Chromium, if any) and of everything else on the machine."""

    def __init__(self, database_port: int | None) -> None:
        self.figures: dict[str, float] = {}
        self.before: dict[str, float] = {}
        if not os.path.exists("/proc/stat"):
            return
        self.groups = {
            "app processes": _running(b"streamlit\0run", os.getpid()),
            "PostgreSQL": _running(f"\0-p\0{database_port}\0".encode()),
        }
        self.before = self._sample()

    def _sample(self) -> dict[str, float]:
        trees = {name: set().union(*map(_tree, pids)) for name, pids in self.groups.items()}
        mine = _tree(os.getpid()).difference(*trees.values())
        sample = {name: sum(map(_cpu_seconds, tree)) for name, tree in trees.items()}
        sample["load driver"] = sum(map(_cpu_seconds, mine))
        sample["machine"] = _machine_busy_seconds()
        return sample

    def stop(self) -> None:
        if self.before and not self.figures:
            after = self._sample()
            self.figures = {name: after[name] - self.before[name] for name in after}
            machine = self.figures.pop("machine")
            self.figures["everything else"] = max(0.0, machine - sum(self.figures.values()))


async def warm_up(base: str, timeout: float) -> None:
    """One untimed visit, so each process has imported its modules and worked out the
    roadmap once, as a process serving people for a while would have."""
    client = ProtocolClient(base, timeout)
    try:
        await client.open()
        await client.sign_in(USER, DEMO[USER])
        await client.go(ROADMAP)
        await client.go(RECORDS)
    finally:
        await client.close()


async def run_sessions(
    bases: list[str], plan: Plan, run: Run, args: argparse.Namespace, database_port: int | None
) -> dict[str, float]:
    limit = args.action_timeout
    await asyncio.gather(*(warm_up(base, limit) for base in bases))
    if args.driver == "protocol":
        cpu = CpuAccount(database_port)
        clients: list[Client] = [
            ProtocolClient(bases[n % len(bases)], limit) for n in range(run.sessions)
        ]
        try:
            await drive(clients, plan, run, args.seconds)
            cpu.stop()
        finally:
            await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        return cpu.figures
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        cpu = CpuAccount(database_port)  # the browser's start-up counts as the driver's
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-extensions",
                "--mute-audio",
            ],
        )
        clients = []
        for n in range(run.sessions):
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            await context.route(
                re.compile(r".*\.(png|jpe?g|gif|ico|webp|woff2?|ttf|otf)(\?.*)?$"),
                lambda route: route.abort(),
            )
            clients.append(BrowserClient(context, bases[n % len(bases)], limit))
        try:
            await drive(clients, plan, run, args.seconds)
            cpu.stop()  # before Chromium's processes end
        finally:
            await browser.close()
    return cpu.figures


# -- the report


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def _spread(values: list[float]) -> tuple[str, str, str]:
    if not values:
        return "—", "—", "—"
    ordered = sorted(values)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return _seconds(statistics.median(ordered)), _seconds(p95), _seconds(ordered[-1])


@dataclass
class Result:
    run: Run
    landed: Landed
    cpu: dict[str, float]


def report(result: Result) -> str:
    run, landed = result.run, result.landed
    lines = [f"### {run.sessions} sessions", "", "| action | done | errors | p50 | p95 | max |"]
    lines.append("|---|---|---|---|---|---|")
    names = list(dict.fromkeys(a.name for a in run.actions))
    for name in names:
        these = [a for a in run.actions if a.name == name]
        ok = [a.seconds for a in these if a.error is None]
        errors = len(these) - len(ok)
        lines.append(f"| {name} | {len(ok)} | {errors} | {' | '.join(_spread(ok))} |")
    if result.cpu:
        cores = os.cpu_count() or 1
        spent = ", ".join(f"{name} {value:.1f} s" for name, value in result.cpu.items())
        lines.append(
            f"\nCPU while the sessions ran: {spent}; "
            f"available {cores} cores × {run.wall:.1f} s = {cores * run.wall:.1f} s"
        )
    lines.append(
        f"Saves landed: {landed.own} of {run.sessions} own contracts; "
        f"{landed.shared_groups} of {landed.groups} shared contracts hold exactly their "
        f"winner's change; {landed.conflicts_shown} of {landed.losers} losers shown the conflict"
    )
    for problem in landed.problems:
        lines.append(f"  saves: {problem}")
    if run.timed_out:
        lines.append("  error: the run reached its time limit (--seconds) and was stopped")
    for action in run.actions:
        if action.error:
            lines.append(f"  error: {action.name}: {action.error}")
    return "\n".join(lines)


def summary(results: list[Result], driver: str, processes: int) -> str:
    lines = [
        f"Driver: {driver}; {processes} app processes; {os.cpu_count()} cores, "
        f"Python {sys.version_info.major}.{sys.version_info.minor}",
        "",
        "| N | actions | errors | p50 | p95 | max | wall time | saves landed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        run, landed = result.run, result.landed
        ok = [a.seconds for a in run.actions if a.error is None]
        errors = len(run.actions) - len(ok) + run.timed_out
        p50, p95, peak = _spread(ok)
        lines.append(
            f"| {run.sessions} | {len(run.actions)} | {errors} | {p50} | {p95} | {peak} | "
            f"{run.wall:.1f} s | {landed.own}/{run.sessions} own; "
            f"{landed.shared_groups}/{landed.groups} shared, "
            f"{landed.conflicts_shown}/{landed.losers} conflicts shown |"
        )
    return "\n".join(lines)


def one_size(server: str, sessions: int, args: argparse.Namespace) -> Result:
    url = fresh_postgres_database(server)
    with open(os.devnull, "w") as quiet, redirect_stdout(quiet):
        convergence(["--database", url, "init", "--sample"])
    plan = choose_plan(url, sessions)
    run = Run(sessions)
    # the processes serve the code as it was when they started, as a deployment does: no
    # reloading of modules when a source file changes during the run
    os.environ["STREAMLIT_SERVER_FILE_WATCHER_TYPE"] = "none"
    with ExitStack() as stack:
        bases = [stack.enter_context(running_app(url)) for _ in range(args.processes)]
        cpu = asyncio.run(run_sessions(bases, plan, run, args, make_url(server).port))
    return Result(run, verify(url, plan, run, sessions), cpu)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        epilog="Loopback only. Example: python -m benchmarks.load --sessions 10 25",
    )
    parser.add_argument(
        "--sessions",
        type=int,
        nargs="+",
        default=[10],
        metavar="N",
        help="simultaneous sessions, 1-50 and no more than the sample's contracts allow "
        "(one run for each N given; default 10)",
    )
    parser.add_argument(
        "--processes", type=int, default=2, help="app processes sharing the database (1-8)"
    )
    parser.add_argument(
        "--driver",
        choices=["protocol", "browser"],
        default="protocol",
        help="speak Streamlit's websocket protocol (default), or drive one headless Chromium",
    )
    parser.add_argument(
        "--seconds", type=float, default=600, help="time limit for each run (default 600)"
    )
    parser.add_argument(
        "--action-timeout",
        type=float,
        default=120,
        help="time limit for one action (default 120 s)",
    )
    args = parser.parse_args()
    if not all(1 <= n <= 50 for n in args.sessions) or not 1 <= args.processes <= 8:
        parser.error("--sessions must be 1-50 and --processes 1-8")
    results = []
    with throwaway_postgres() as server:
        for sessions in args.sessions:
            result = one_size(server, sessions, args)
            print(report(result), end="\n\n", flush=True)
            results.append(result)
    print(summary(results, args.driver, args.processes))


if __name__ == "__main__":
    main()
