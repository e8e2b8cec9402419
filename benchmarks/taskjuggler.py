"""TaskJuggler beside convergence on the same estate, each as a whole process: `tj3` scheduling
a project of the estate's systems and dependencies, against `convergence schedule --estate DIR
--format csv`. Runs only where TaskJuggler's `tj3` is installed (Debian: `apt-get install
tj3`); nothing here is a pass/fail test.

    python -m benchmarks.taskjuggler                 # 1,500 systems / 4,000 dependencies
    python -m benchmarks.taskjuggler --councils 40   # 20,000 / 80,000 (TaskJuggler takes minutes)

TaskJuggler knows no contracts, notice or framework lots, so each system becomes a task of its
transition's length, starting on the date its own rules give (the engine's start) unless it
waits on another system, and depending on its prerequisites with their lags: the same graph,
scheduled as soon as possible.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.run import bytecode_compiled
from convergence.planning.engine import Roadmap, schedule
from convergence.records.estate import Estate
from convergence.records.estate_files import write_estate
from convergence.records.generate import generate_estate

TODAY = date(2026, 11, 22)
WAITS = ("dependency", "surviving_system")  # binding kinds set by another system


def project(estate: Estate, roadmap: Roadmap) -> str:
    """The estate as a TaskJuggler project: a task per system still to move."""
    plans = roadmap.plans
    moving = plans[plans["state"].isin(("legacy", "in_transition")) & plans["start"].notna()]
    keys = zip(moving["council"], moving["system"], strict=True)
    ids = {key: f"s{n}" for n, key in enumerate(keys)}
    lines = [
        f'project convergence "Convergence" {TODAY.isoformat()} +30y {{',
        f"  now {TODAY.isoformat()}",
        "}",
    ]
    needs: dict[tuple[str, str], list[str]] = {}
    for d in estate.dependencies:
        if (d.council, d.system) in ids and (d.needs_council, d.needs_system) in ids:
            prerequisite = ids[(d.needs_council, d.needs_system)]
            gap = f" {{ gapduration {d.lag_days}d }}" if d.lag_days else ""
            needs.setdefault((d.council, d.system), []).append(prerequisite + gap)
    for r in moving.itertuples():
        lines.append(f'task {ids[(r.council, r.system)]} "{r.system} ({r.council})" {{')
        if r.binding_kind not in WAITS:  # its own rules set its start; else its prerequisites
            lines.append(f"  start {r.start:%Y-%m-%d}")
        lines.append(f"  duration {max(int(r.transition_days), 1)}d")
        if (r.council, r.system) in needs:
            lines.append(f"  depends {', '.join(needs[(r.council, r.system)])}")
        lines.append("}")
    lines.append('taskreport "schedule" { formats csv columns id, start, end }')
    return "\n".join(lines) + "\n"


def whole_process(command: list[str], folder: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=folder, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--councils", type=int, default=3)
    parser.add_argument("--systems-per-council", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tj3 = shutil.which("tj3")
    if tj3 is None:
        print("TaskJuggler (tj3) is not installed: nothing to compare.")
        return
    systems = args.councils * args.systems_per_council
    estate = generate_estate(
        councils=args.councils,
        systems_per_council=args.systems_per_council,
        dependencies=systems * 8 // 3,
        seed=7,
    )
    bytecode_compiled()
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        write_estate(estate, where / "estate")
        (where / "project.tjp").write_text(project(estate, schedule(estate, TODAY)))
        ours = whole_process(
            [str(Path(sys.executable).parent / "convergence"), "schedule", "--estate", "estate",
             "--today", TODAY.isoformat(), "--format", "csv", "--out", "schedule.csv"],
            where,
            args.runs,
        )  # fmt: skip
        theirs = whole_process([tj3, "--silent", "project.tjp"], where, args.runs)
    name = f"{systems:,} / {len(estate.dependencies):,}"
    for what, times in (("convergence schedule --estate", ours), ("tj3 (TaskJuggler)", theirs)):
        print(
            f"| {what}, whole process | {name} | median {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f}) |"
        )
    print(f"TaskJuggler takes {statistics.median(theirs) / statistics.median(ours):.1f}× as long.")


if __name__ == "__main__":
    main()
