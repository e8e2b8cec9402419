"""Load test: N people at once on the shared deployment, loopback only, bounded in time.

    python -m benchmarks.load --sessions 10 [--processes 2] [--seconds 600]

Starts a throwaway PostgreSQL server loaded with the sample estate and two `streamlit run`
processes sharing it, then drives N simultaneous browser sessions (Debian's Chromium) through
signing in, the roadmap, explaining a system, and saving a change to a contract of their own.
Prints errors and the median and 95th percentile time of each step.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from contextlib import ExitStack

from playwright.async_api import Page, async_playwright

from convergence.cli import main as convergence
from tests.app_server import running_app
from tests.conftest import fresh_postgres_database
from tests.postgres_server import throwaway_postgres
from tests.test_browser import CHROMIUM, DEMO

CONTRACTS = [
    "WCC-DT-004",
    "WCC-PK-014",
    "WCC-RB-010",
    "WCC-SC-011",
    "WCC-HM-013",
    "WCC-HR-016",
    "WCC-FI-017",
    "WCC-EL-018",
    "WCC-PR-019",
    "WCC-NW-003",
    "LBHF-HF-001",
    "LBHF-HF-002",
    "LBHF-HF-003",
    "LBHF-ID-004",
    "LBHF-NW-005",
    "LBHF-RB-010",
    "LBHF-SC-011",
    "LBHF-PL-012",
    "LBHF-HM-013",
    "LBHF-PK-014",
    "RBKC-HO-001",
    "RBKC-DT-002",
    "RBKC-SD-003",
    "RBKC-ID-004",
    "RBKC-NW-005",
]


async def settle(page: Page) -> None:
    await page.wait_for_load_state("networkidle")
    await page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
    )


async def session(
    page: Page, base: str, n: int, timings: dict[str, list[float]], errors: list[str]
) -> None:
    async def step(name: str, action) -> None:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        await action()
        timings.setdefault(name, []).append(time.perf_counter() - started)

    async def sign_in() -> None:
        await page.goto(f"{base}/roadmap")
        await page.get_by_role("textbox", name="Name").fill("admin")
        await page.get_by_role("textbox", name="Password").fill(DEMO["admin"])
        await page.get_by_role("button", name="Sign in").click()
        await page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=120_000)
        await settle(page)

    async def explain() -> None:
        await page.locator('[data-testid="stSelectbox"]', has_text="Why does this").click()
        await page.keyboard.type("Desktop (WCC)", delay=10)
        await page.get_by_role("option", name="Desktop (WCC)").click()
        await page.get_by_text("cuts over", exact=False).first.wait_for(timeout=120_000)

    reference = CONTRACTS[n % len(CONTRACTS)]

    async def save() -> None:
        await page.get_by_role("link", name="Edit records").click()
        await settle(page)
        await page.locator('[data-testid="stSelectbox"]', has_text="Record").click()
        await page.keyboard.type(reference, delay=10)
        await page.get_by_role("option", name=reference, exact=False).first.click()
        await settle(page)
        await page.get_by_role("textbox", name="Department").fill(f"Load test {n}")
        await page.get_by_role("button", name="Save").click()
        await (
            page.get_by_text("Saved", exact=False)
            .or_(page.get_by_text("Not saved", exact=False))
            .first.wait_for(timeout=120_000)
        )

    try:
        await step("sign in and open the roadmap", sign_in)
        await step("explain a system", explain)
        await step("edit and save a contract", save)
    except Exception as problem:  # a load test reports failures instead of stopping
        errors.append(f"session {n}: {type(problem).__name__}: {str(problem)[:120]}")


async def drive(bases: list[str], sessions: int, seconds: float) -> None:
    timings: dict[str, list[float]] = {}
    errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        pages = [
            await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
            for _ in range(sessions)
        ]
        started = time.perf_counter()
        await asyncio.wait_for(
            asyncio.gather(
                *(
                    session(page, bases[n % len(bases)], n, timings, errors)
                    for n, page in enumerate(pages)
                )
            ),
            timeout=seconds,
        )
        total = time.perf_counter() - started
        await browser.close()
    print(
        f"{sessions} simultaneous sessions on {len(bases)} app processes, "
        f"{total:,.1f} s in all, {len(errors)} errors"
    )
    print("| step | sessions done | p50 | p95 |")
    print("|---|---|---|---|")
    for name, values in timings.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
        print(f"| {name} | {len(values)} | {statistics.median(values):,.1f} s | {p95:,.1f} s |")
    for error in errors:
        print(f"  {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=600)
    args = parser.parse_args()
    with throwaway_postgres() as server:
        url = fresh_postgres_database(server)
        convergence(["--database", url, "init", "--sample"])
        with ExitStack() as stack:
            bases = [stack.enter_context(running_app(url)) for _ in range(args.processes)]
            asyncio.run(drive(bases, args.sessions, args.seconds))


if __name__ == "__main__":
    main()
