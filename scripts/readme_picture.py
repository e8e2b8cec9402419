"""Take the README's picture, docs/roadmap.png: the roadmap screen on the sample estate,
1280 × 800, in Debian's Chromium. Run `python3 scripts/readme_picture.py` after a change to
the roadmap screen; the tests never write into the tree."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from convergence.cli import main as convergence  # noqa: E402
from tests.app_server import running_app  # noqa: E402
from tests.test_browser import CHROMIUM, open_screen, painted, settle  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'estate.sqlite'}"
        assert convergence(["--database", url, "init", "--sample"]) == 0
        with running_app(url) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            open_screen(page, f"{base}/roadmap")
            page.locator('[data-testid="stVegaLiteChart"] svg.marks').first.wait_for(timeout=60_000)
            settle(page)
            caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]')
            caption.first.evaluate("e => e.scrollIntoView({block: 'start'})")
            painted(page)
            page.screenshot(path=str(ROOT / "docs" / "roadmap.png"))
            browser.close()
    print("Wrote docs/roadmap.png")


if __name__ == "__main__":
    main()
