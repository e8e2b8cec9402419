"""The app in a real browser: Playwright driving Debian's Chromium against `streamlit run`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from convergence.cli import main as convergence
from tests.app_server import running_app

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


def settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
    )


def open_screen(page: Page, url: str, user: str = "admin") -> None:
    """Open a URL in a fresh session and sign in as one of the sample's demo users."""
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
    ],
)
def test_every_screen_loads_without_error(
    page: Page, app_url: str, path: str, heading: str
) -> None:
    open_screen(page, f"{app_url}/{path}")
    page.get_by_role("heading", name=heading).first.wait_for(timeout=30_000)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.wait_for(timeout=30_000)
    page.wait_for_timeout(800)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"screen-{path or 'overview'}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    box = chart.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 200


def test_gantt_draws_bars_and_a_click_explains_the_date(page: Page, app_url: str) -> None:
    open_screen(page, f"{app_url}/roadmap")
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    svg = chart.locator("svg.marks").first
    svg.wait_for(timeout=30_000)
    assert svg.locator("path").count() > 40, "the bars are drawn"
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.wait_for_timeout(500)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "roadmap.png"))
    page.set_viewport_size({"width": 1280, "height": 800})
    # click on the bar of the row labelled "HFBP hosting (HFBP (Agilisys))", right of today
    label = svg.locator("text", has_text="HFBP hosting (HFBP (Agilisys))").first
    label.scroll_into_view_if_needed()
    row, plot = label.bounding_box(), svg.bounding_box()
    assert row is not None and plot is not None
    page.mouse.click(plot["x"] + plot["width"] * 0.8, row["y"] + row["height"] / 2)
    page.get_by_text("cuts over", exact=False).first.wait_for(timeout=30_000)
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "HFBP hosting (LBHF) cuts over 1 Nov 2027: contract LBHF-HF-001 ends 31 Oct 2027" in main
    page.screenshot(path=str(ARTIFACTS / "roadmap-selected.png"), full_page=True)


def test_uploading_a_register_previews_problems_and_imports_the_valid_rows(
    page: Page, app_url: str
) -> None:
    open_screen(page, f"{app_url}/imports")
    register = Path(__file__).resolve().parent / "fixtures" / "registers" / "transparency-wcc.csv"
    page.locator('input[type="file"]').set_input_files(str(register))
    page.get_by_text("recognised as", exact=False).first.wait_for(timeout=30_000)
    page.locator('[data-testid="stSelectbox"]', has_text="The register's council").click()
    page.get_by_role("option", name="WCC").click()
    page.wait_for_timeout(500)
    page.locator('[data-testid="stSelectbox"]', has_text="Tower for rows").click()
    page.get_by_role("option", name="line_of_business").click()
    valid_only = page.get_by_role("button", name="Import only the 2 valid records")
    valid_only.wait_for(timeout=30_000)
    main = page.locator('[data-testid="stMain"]')
    assert "2 records ready; 1 problems" in main.inner_text()
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
    assert page.get_by_role("button", name="Save").count() == 0
    assert "Edit records" not in page.locator('[data-testid="stMain"]').inner_text()
    open_screen(page, f"{app_url}/board", user="board")
    assert page.get_by_role("button", name="Freeze").count() == 0
    page.screenshot(path=str(ARTIFACTS / "viewer-board.png"), full_page=True)


def test_an_editor_is_offered_only_their_own_councils_records(page: Page, app_url: str) -> None:
    open_screen(page, f"{app_url}/records", user="wcc-editor")
    page.locator('[data-testid="stSelectbox"]', has_text="Record").click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    assert any("(WCC)" in o for o in options)
    assert not any("(LBHF)" in o or "(RBKC)" in o for o in options)
