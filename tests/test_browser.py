"""The app in a real browser: Playwright driving Debian's Chromium against `streamlit run`."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright
from sqlmodel import Session

from convergence.cli import main as convergence
from convergence.records.generate import generate_estate
from convergence.store import storage
from convergence.store.access import SYSTEM
from convergence.store.db import prepare_database
from tests.app_server import SHARED_SECRET, running_app

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'estate.sqlite'}"
    assert convergence(["--database", url, "init", "--sample"]) == 0
    with running_app(url) as base:
        yield base


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        yield page
        browser.close()


DEMO = {"admin": "sample-admin-2026", "wcc-editor": "sample-wcc-2026", "board": "sample-board-2026"}


def painted(page: Page) -> None:
    """Wait until the browser has painted what is on the page now (two animation frames)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
    )


def open_screen(page: Page, url: str, user: str = "admin") -> None:
    """Open a URL in a fresh session and sign in as one of the sample's demo users (the
    session cookie of whoever signed in before is cleared first)."""
    page.goto("about:blank")  # leave the app first: no script of the page before can write
    page.context.clear_cookies()  # its session cookie again once it is cleared
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    page.get_by_role("textbox", name="Name").fill(user)
    page.get_by_role("textbox", name="Password").fill(DEMO[user])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {user}", exact=False).wait_for(timeout=30_000)
    settle(page)


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("", "Overview"),
        ("roadmap", "Roadmap"),
        ("dependencies", "Dependencies"),
        ("grid", "Council × tower grid"),
        ("savings", "Savings"),
    ],
)
def test_every_screen_loads_without_error(
    page: Page, app_url: str, path: str, heading: str
) -> None:
    open_screen(page, f"{app_url}/{path}")
    page.get_by_role("heading", name=heading).first.wait_for(timeout=30_000)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.locator("svg.marks").first.wait_for(timeout=30_000)
    settle(page)
    painted(page)
    ARTIFACTS.mkdir(exist_ok=True)
    name = f"screen-{path or 'overview'}"
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    box = chart.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 200
    whole_page(page, ARTIFACTS / f"{name}-whole.png")


def whole_page(page: Page, path: Path) -> None:
    """A screenshot of the whole screen: Streamlit scrolls inside its main block, so a
    full-page screenshot shows only the window; grow the window to the content instead."""
    height = page.locator('[data-testid="stMain"]').evaluate("e => e.scrollHeight")
    page.set_viewport_size({"width": 1280, "height": min(int(height) + 40, 6000)})
    settle(page)
    painted(page)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1280, "height": 800})


def scroll_to_top_of(page: Page, selector: str) -> None:
    page.locator(selector).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    painted(page)


def click_row(page: Page, svg: Locator, label: str, across: float = 0.8) -> None:
    """Click inside the plot on the row whose axis label is `label` (`across` of the width)."""
    text = svg.locator("text", has_text=label).first
    text.scroll_into_view_if_needed()
    row, plot = text.bounding_box(), svg.bounding_box()
    assert row is not None and plot is not None
    page.mouse.click(plot["x"] + plot["width"] * across, row["y"] + row["height"] / 2)
    page.mouse.move(1, 1)  # away from the bars, so no tooltip hides the page


def test_gantt_draws_bars_and_a_click_explains_the_date(page: Page, app_url: str) -> None:
    open_screen(page, f"{app_url}/roadmap")
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    svg = chart.locator("svg.marks").first
    svg.wait_for(timeout=30_000)
    assert svg.locator("path").count() > 40, "the bars are drawn"
    box = svg.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 1000
    settle(page)
    page.set_viewport_size({"width": 1280, "height": 1400})
    painted(page)
    page.screenshot(path=str(ARTIFACTS / "roadmap.png"))
    page.set_viewport_size({"width": 1280, "height": 800})

    # clicking a bar is reliable: rows have fixed heights, so the label's y finds the bar
    click_row(page, svg, "HFBP hosting (HFBP (Agilisys))")
    page.get_by_text("cuts over", exact=False).first.wait_for(timeout=30_000)
    settle(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text(
        "HFBP hosting (LBHF) cuts over 1 Nov 2027: contract LBHF-HF-001 ends 31 Oct 2027"
    )
    choice = page.locator('[data-testid="stSelectbox"]', has_text="Why does this system move")
    assert choice.get_by_role("combobox").input_value() == "HFBP hosting (LBHF)", (
        "the list follows the click"
    )
    choice.get_by_role("combobox").click()
    page.keyboard.type("Desktop (W", delay=30)  # typing narrows the list
    page.get_by_role("option", name="Desktop (WCC)").click()
    page.get_by_text("Desktop (WCC) cuts over 19 Jul 2027", exact=False).first.wait_for()
    settle(page)
    assert "HFBP hosting (LBHF) cuts over" not in main.inner_text(), "the list's choice sticks"
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "roadmap-selected.png"))
    whole_page(page, ARTIFACTS / "roadmap-selected-whole.png")


def generated_app(folder: Path, councils: int, per_council: int, dependencies: int) -> str:
    """A database of a generated estate, with the sample's admin; its URL."""
    url = f"sqlite:///{folder / 'estate.sqlite'}"
    engine = prepare_database(url)
    with Session(engine) as session:
        estate = generate_estate(
            councils=councils,
            systems_per_council=per_council,
            dependencies=dependencies,
            seed=7,
        )
        storage.save_estate(session=session, estate=estate, actor=SYSTEM)
        storage.add_user(
            session=session, name="admin", role="admin", password=DEMO["admin"], actor=None
        )
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def large_app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An app over a generated estate of 400 systems, too many to draw one by one."""
    with running_app(generated_app(tmp_path_factory.mktemp("large"), 2, 200, 300)) as base:
        yield base


def test_clicking_a_summary_row_opens_its_systems(page: Page, large_app_url: str) -> None:
    open_screen(page, f"{large_app_url}/roadmap")
    svg = page.locator('[data-testid="stVegaLiteChart"] svg.marks').first
    svg.wait_for(timeout=30_000)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Each row sums up a council's tower", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "roadmap-summary.png"), full_page=True)
    click_row(page, svg, "Desktop (end-user computing) (", across=0.5)
    expect(main).not_to_contain_text("Each row sums up", timeout=30_000)
    settle(page)
    councils = page.locator('[data-testid="stMultiSelect"]', has_text="Council").inner_text()
    towers = page.locator('[data-testid="stMultiSelect"]', has_text="Tower").inner_text()
    assert "Synthetic Borough 001" in councils and "Desktop (end-user computing)" in towers
    expect(svg.locator("text", has_text="Desktop system").first).to_be_visible()  # per system
    page.screenshot(path=str(ARTIFACTS / "roadmap-summary-opened.png"), full_page=True)


def test_uploading_a_register_previews_problems_and_imports_the_valid_rows(
    page: Page, app_url: str
) -> None:
    open_screen(page, f"{app_url}/imports")
    register = Path(__file__).resolve().parent / "fixtures" / "registers" / "transparency-wcc.csv"
    page.locator('input[type="file"]').set_input_files(str(register))
    page.get_by_text("recognised as", exact=False).first.wait_for(timeout=30_000)
    page.locator('[data-testid="stSelectbox"]', has_text="The register's council").click()
    page.get_by_role("option", name="WCC").click()
    settle(page)
    page.locator('[data-testid="stSelectbox"]', has_text="Tower for rows").click()
    page.get_by_role("option", name="Line-of-business applications").click()
    valid_only = page.get_by_role("button", name="Import only the 2 valid records")
    valid_only.wait_for(timeout=30_000)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("2 records ready; 1 problem.", timeout=30_000)
    assert page.get_by_role("button", name="Import everything").is_disabled()
    valid_only.click()
    page.get_by_text("Imported:", exact=False).first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "import.png"), full_page=True)


def test_a_viewer_sees_no_edit_controls_and_cannot_open_an_edit_page(
    page: Page, app_url: str
) -> None:
    open_screen(page, f"{app_url}/records", user="board")
    navigation = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Overview" in navigation and "Edit records" not in navigation
    assert page.get_by_role("button", name="Save", exact=True).count() == 0
    assert "Edit records" not in page.locator('[data-testid="stMain"]').inner_text()
    open_screen(page, f"{app_url}/board", user="board")
    assert page.get_by_role("button", name="Freeze", exact=True).count() == 0
    page.screenshot(path=str(ARTIFACTS / "viewer-board.png"), full_page=True)


def test_an_editor_is_offered_only_their_own_councils_records(page: Page, app_url: str) -> None:
    open_screen(page, f"{app_url}/records", user="wcc-editor")
    page.locator('[data-testid="stSelectbox"]', has_text="Record").click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    assert any("(WCC)" in o for o in options)
    assert not any("(LBHF)" in o or "(RBKC)" in o for o in options)


def test_a_direct_address_to_an_admin_screen_opens_it_for_no_one_else(
    page: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A screen the router did not register for a role is not served, even as the very first
    page a fresh server is asked for (when Streamlit would otherwise run pages/ on its own)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fresh') / 'estate.sqlite'}"
    assert convergence(["--database", url, "init", "--sample"]) == 0
    with running_app(url) as base:
        for user in ("board", "wcc-editor"):
            open_screen(page, f"{base}/users", user=user)
            main = page.locator('[data-testid="stMain"]')
            expect(main.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
            expect(main.get_by_role("heading", name="Users")).to_have_count(0)
            expect(main).not_to_contain_text("Add or change a user")
            expect(page.get_by_role("button", name="Save user")).to_have_count(0)
        open_screen(page, f"{base}/users", user="admin")
        expect(
            page.locator('[data-testid="stMain"]').get_by_role("heading", name="Users")
        ).to_be_visible(timeout=30_000)


def test_the_board_rag_trend_draws_its_bars(
    page: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from datetime import date

    from convergence.planning.baselines import freeze
    from convergence.planning.engine import schedule

    url = f"sqlite:///{tmp_path_factory.mktemp('trend') / 'estate.sqlite'}"
    assert convergence(["--database", url, "init", "--sample"]) == 0
    engine = prepare_database(url)
    with Session(engine) as session:
        estate = storage.load_estate(session=session)
        storage.freeze_baseline(
            session=session,
            name="Board 1",
            planning_date=date(2026, 11, 22),
            plans=freeze(schedule(estate, date(2026, 11, 22))),
            actor=SYSTEM,
        )
    engine.dispose()
    with running_app(url) as base:
        open_screen(page, f"{base}/board")
        page.get_by_text("RAG trend: Programme").first.wait_for(timeout=30_000)
        chart = page.locator('[data-testid="stVegaLiteChart"]').last
        chart.scroll_into_view_if_needed()
        settle(page)
        painted(page)
        bars = chart.locator("svg.marks g.mark-rect path")
        expect(bars).to_have_count(6, timeout=30_000)  # red, amber, green at two dates
        chart.screenshot(path=str(ARTIFACTS / "board-rag-trend.png"))


def test_market_data_finds_partners_and_starts_a_scenario_with_one(
    page: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('partners') / 'estate.sqlite'}"
    assert convergence(["--database", url, "init", "--sample"]) == 0
    market = (
        Path(__file__).resolve().parent / "fixtures" / "registers" / "contracts-finder-market.csv"
    )
    with running_app(url) as base:
        open_screen(page, f"{base}/imports")
        page.get_by_text("Market data for the partner finder").click()
        settle(page)
        page.locator('input[type="file"]').set_input_files(str(market))
        main = page.locator('[data-testid="stMain"]')
        expect(main).to_contain_text("3 new organisations outside the programme", timeout=30_000)
        page.get_by_role("button", name="Import everything").click()
        page.get_by_text("Imported:", exact=False).first.wait_for(timeout=30_000)

        open_screen(page, f"{base}/partners")
        page.get_by_role("heading", name="Partners").first.wait_for(timeout=30_000)
        settle(page)
        page.locator('[data-testid="stSelectbox"]', has_text="Council").first.click()
        page.get_by_role("option", name="Royal Borough of Kensington and Chelsea (RBKC)").click()
        settle(page)
        expect(main).to_contain_text("5 partners, best first", timeout=30_000)
        settle(page)
        partner = page.locator('[data-testid="stSelectbox"]', has_text="Partner")
        partner.scroll_into_view_if_needed()
        settle(page)
        partner.click()
        page.get_by_role("option", name="Kent County Council (KCC)").click()
        settle(page)
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        chart.scroll_into_view_if_needed()
        painted(page)
        expect(chart.locator("svg.marks g.mark-rect path").first).to_be_visible(timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        whole_page(page, ARTIFACTS / "partners.png")
        expect(main).to_contain_text("Kent County Council has no systems recorded")
        page.get_by_role("button", name="Start a scenario with this partner").click()
        expect(main).to_contain_text(
            "Kent County Council (KCC) joins the programme", timeout=30_000
        )
        assert page.locator('[data-testid="stException"]').count() == 0


def test_a_date_column_sorts_as_dates(page: Page, app_url: str) -> None:
    """Overview, decisions due in 12 months: sorting by date (a second click, newest first)
    puts 28 Feb 2027 after 2 Apr 2027, as a calendar does; as text it came before."""
    from datetime import date, datetime

    open_screen(page, app_url)
    page.get_by_role("tab", name="Next 12 months").click()
    grid = page.locator('[data-testid="stDataFrame"]:visible').filter(
        has=page.locator("th", has_text="Decision")
    )
    grid.scroll_into_view_if_needed()
    settle(page)
    painted(page)

    def due_dates() -> list[date]:  # the grid's cells for assistive technology: the values
        cells = grid.locator('td[aria-colindex="1"]').all_inner_texts()
        return [datetime.strptime(c, "%Y-%m-%d" if "-" in c else "%d %b %Y").date() for c in cells]

    box = grid.bounding_box()
    assert box is not None
    for _ in range(2):  # the header of the first column, "By": ascending, then descending
        page.mouse.click(box["x"] + 30, box["y"] + 17)
        painted(page)
    page.wait_for_function(
        "g => { const c = [...g.querySelectorAll('td[aria-colindex=\"1\"]')]"
        ".map(t => t.textContent); return c.length > 1 && c[0] > c[c.length - 1]; }",
        arg=grid.element_handle(),
        timeout=30_000,
    )
    shown = due_dates()
    assert len(shown) >= 8 and len(set(shown)) > 1
    assert shown == sorted(shown, reverse=True), shown
    grid.screenshot(path=str(ARTIFACTS / "overview-decisions-sorted.png"))


def test_a_link_to_a_filtered_roadmap_opens_it_after_signing_in(page: Page, app_url: str) -> None:
    """A CIO sends "Roadmap, RBKC, red" as a link; whoever opens it signs in and sees it."""
    open_screen(page, f"{app_url}/roadmap?council=RBKC&rag=red")
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("2 of 42 systems in the plan shown", timeout=30_000)
    assert page.url == f"{app_url}/roadmap?council=RBKC&rag=red"
    councils = page.locator('[data-testid="stMultiSelect"]', has_text="Council")
    assert "Royal Borough of Kensington and Chelsea" in councils.inner_text()
    svg = page.locator('[data-testid="stVegaLiteChart"] svg.marks').first
    expect(svg.locator("text", has_text="Pensions portal").first).to_be_visible(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "roadmap-linked.png"))

    rag = page.locator('[data-testid="stMultiSelect"]', has_text="RAG")
    rag.scroll_into_view_if_needed()
    settle(page)
    rag.click()
    page.get_by_role("option", name="Amber").click()
    page.keyboard.press("Escape")
    settle(page)
    page.wait_for_url("**/roadmap?council=RBKC&rag=red&rag=amber", timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0


def session_cookies(page: Page) -> list[dict[str, object]]:
    return [dict(c) for c in page.context.cookies() if c["name"] == "convergence_session"]


def test_a_reload_keeps_a_person_signed_in_until_they_sign_out(page: Page, app_url: str) -> None:
    open_screen(page, f"{app_url}/roadmap?council=RBKC&rag=red", user="board")
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("2 of 42 systems in the plan shown", timeout=30_000)
    (cookie,) = session_cookies(page)
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert 0 < float(cookie["expires"]) - time.time() <= 30 * 60 + 5  # type: ignore[arg-type]

    page.reload()
    page.get_by_text("Signed in as board", exact=False).wait_for(timeout=30_000)
    expect(main).to_contain_text("2 of 42 systems in the plan shown", timeout=30_000)
    assert page.url == f"{app_url}/roadmap?council=RBKC&rag=red"
    assert page.get_by_role("button", name="Sign in").count() == 0
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "reload-signed-in.png"))

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    settle(page)
    page.wait_for_function("() => !document.cookie.includes('convergence_session=')")
    assert not session_cookies(page), "signing out clears the cookie"
    page.reload()
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_text("Signed in as", exact=False).count() == 0


def test_an_expired_or_changed_session_cookie_signs_no_one_in(
    page: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The server checks the token itself: a browser that still sends an old cookie, or one
    whose value was changed, is asked to sign in."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cookie') / 'estate.sqlite'}"
    assert convergence(["--database", url, "init", "--sample"]) == 0
    engine = prepare_database(url)
    with Session(engine) as session:
        fresh = storage.session_token(
            session=session, name="admin", secret=SHARED_SECRET, now=time.time()
        )
        expired = storage.session_token(
            session=session, name="admin", secret=SHARED_SECRET, now=time.time() - 31 * 60
        )
    engine.dispose()
    assert fresh is not None and expired is not None
    body, signature = fresh.split(".")
    changed = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature
    with running_app(url) as base:
        for value, signed_in in ((expired, False), (changed, False), (fresh, True)):
            page.context.clear_cookies()
            page.context.add_cookies([{"name": "convergence_session", "value": value, "url": base}])
            page.goto(f"{base}/roadmap")
            page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
            if signed_in:  # the same cookie, freshly signed, does sign in: the test is fair
                page.get_by_text("Signed in as admin", exact=False).wait_for(timeout=30_000)
                expect(page.get_by_role("heading", name="Roadmap")).to_be_visible(timeout=30_000)
                continue
            page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
            settle(page)
            assert page.get_by_text("Signed in as", exact=False).count() == 0
            page.wait_for_function(  # the sign-in form clears a cookie that is no good
                "() => !document.cookie.includes('convergence_session=')", timeout=10_000
            )


def test_the_decision_log_keeps_an_owner_and_a_status(page: Page, app_url: str) -> None:
    open_screen(page, f"{app_url}/decisions")
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Update a decision", timeout=30_000)
    settle(page)
    page.get_by_role("textbox", name="Owner").fill("Ann Lee, Head of IT")
    page.get_by_role("textbox", name="Note").fill("Notice drafted, with legal")
    page.get_by_role("button", name="Save").click()
    expect(main).to_contain_text("Saved:", timeout=30_000)
    expect(main).to_contain_text("owner Ann Lee, Head of IT", timeout=30_000)
    settle(page)
    painted(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    whole_page(page, ARTIFACTS / "decision-log.png")


@pytest.fixture(scope="module")
def national_app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An app over a generated estate of 20,000 systems in 40 councils (80,000 dependencies)."""
    with running_app(generated_app(tmp_path_factory.mktemp("national"), 40, 500, 80_000)) as base:
        yield base


def test_twenty_thousand_systems_stay_readable_and_navigable(
    page: Page, national_app_url: str
) -> None:
    """At 20,000 systems: the overview's curve names the top councils and sums up the rest,
    the Gantt sums up council × tower, opens a council's tower on a click and pages through
    every system, the dependency view draws around one system, and the board pack is a
    board-sized PDF."""
    from pypdf import PdfReader

    main = page.locator('[data-testid="stMain"]')
    open_screen(page, national_app_url)
    curve = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(curve.locator("svg text", has_text="Other councils").first).to_be_visible(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "national-overview.png"))

    open_screen(page, f"{national_app_url}/roadmap")
    svg = page.locator('[data-testid="stVegaLiteChart"] svg.marks').first
    svg.wait_for(timeout=60_000)
    expect(main).to_contain_text("Each row sums up a council's tower", timeout=60_000)
    click_row(page, svg, "Network (", across=0.5)
    expect(main).not_to_contain_text("Each row sums up", timeout=60_000)
    settle(page)
    expect(svg.locator("text", has_text="Network system").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "national-roadmap-opened.png"))

    open_screen(page, f"{national_app_url}/roadmap")
    page.get_by_text("One row per system", exact=False).first.click()
    expect(main).to_contain_text("systems 1–100 in reading order", timeout=60_000)
    pages = page.get_by_label("Page (of 192)")  # 19,127 systems in the plan, 100 to a page
    pages.fill("192")
    pages.press("Enter")
    expect(main).to_contain_text("systems 19,101–19,127 in reading order", timeout=60_000)

    system = "Data system 0001 (C001)"
    open_screen(page, f"{national_app_url}/dependencies?system={system.replace(' ', '+')}")
    graph = page.locator('[data-testid="stVegaLiteChart"]').last
    expect(graph.locator("svg text", has_text="Data system 0001").first).to_be_visible(
        timeout=60_000
    )
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "national-dependencies.png"))

    open_screen(page, f"{national_app_url}/board")
    button = page.get_by_role("button", name="Board pack (PDF)")
    button.scroll_into_view_if_needed()
    started = time.monotonic()
    with page.expect_download(timeout=120_000) as download:
        button.click()
    pdf = Path(download.value.path()).read_bytes()
    print(f"board pack at 20,000 systems, in the browser: {time.monotonic() - started:.1f} s")
    assert 10 <= len(PdfReader(io.BytesIO(pdf)).pages) <= 15
