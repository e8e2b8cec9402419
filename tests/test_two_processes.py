"""The shared deployment for real: two app processes on different loopback ports, one
PostgreSQL. A change saved through one shows in the other's roadmap."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import create_engine
from sqlmodel import Session

from convergence.cli import main as convergence
from convergence.store import storage
from tests.app_server import running_app
from tests.conftest import fresh_postgres_database
from tests.test_browser import ARTIFACTS, CHROMIUM, open_screen, settle

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture(scope="module")
def shared_database(postgres_url: str) -> str:
    url = fresh_postgres_database(postgres_url)
    assert convergence(["--database", url, "init", "--sample"]) == 0
    return url


@pytest.fixture(scope="module")
def two_apps(shared_database: str) -> Iterator[tuple[str, str]]:
    with running_app(shared_database) as first, running_app(shared_database) as second:
        yield first, second


def notice_months(url: str, council: str, reference: str) -> int | None:
    """The notice period the database holds for one contract."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            estate = storage.load_estate(session=session)
    finally:
        engine.dispose()
    (contract,) = (c for c in estate.contracts if (c.council, c.reference) == (council, reference))
    return contract.notice_months


def choose(page: Page, label: str, option: str) -> None:
    page.locator('[data-testid="stSelectbox"]', has_text=label).click()
    page.keyboard.type(option[:12], delay=20)  # long lists only render what is in view
    page.get_by_role("option", name=option).click()
    settle(page)


def test_a_change_saved_through_one_process_shows_in_the_other(
    two_apps: tuple[str, str], shared_database: str
) -> None:
    first, second = two_apps
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        editor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        viewer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        open_screen(viewer, f"{second}/roadmap", user="board")
        choose(viewer, "Why does this system move", "Desktop (WCC)")
        viewer.get_by_text("18 Jan 2027").first.wait_for(timeout=30_000)

        open_screen(editor, f"{first}/records", user="admin")
        choose(editor, "Record", "WCC-DT-004 — Desktop managed service (WCC)")
        notice = editor.get_by_role("spinbutton", name="Notice period (months)")
        expect(notice).to_have_value("6", timeout=30_000)  # the chosen contract's form is shown
        notice.fill("3")
        expect(notice).to_have_value("3")
        editor.get_by_role("button", name="Save").click()
        editor.get_by_text("Saved WCC-DT-004", exact=False).wait_for(timeout=30_000)
        assert notice_months(shared_database, "WCC", "WCC-DT-004") == 3

        choose(viewer, "Why does this system move", "Hosting (WCC)")
        viewer.get_by_text("converged on 15 Jun 2026").first.wait_for(timeout=30_000)
        choose(viewer, "Why does this system move", "Desktop (WCC)")
        # the other process shows the new notice deadline: 19 Jul 2027 cutover, 3 months
        viewer.get_by_text("18 Apr 2027").first.wait_for(timeout=30_000)
        viewer.screenshot(path=str(ARTIFACTS / "second-process.png"), full_page=True)
        browser.close()
