"""Board reviews on SQLite and PostgreSQL: scenarios never touch live records, baselines never
change, a slip is traced to the edit that caused it, the board pack and calendar read back."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from icalendar import Calendar
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches
from pypdf import PdfReader
from sqlalchemy import Engine, text
from sqlmodel import Session

from convergence.charts.overview import chart_png
from convergence.cli import main
from convergence.errors import ValidationError
from convergence.formatting import money, uk_date
from convergence.money.savings import savings
from convergence.outputs.board_pack import SECTIONS, board_pack_pdf, board_pack_pptx, pack_content
from convergence.planning import roadmap as rm
from convergence.planning.baselines import freeze, rag_trend, since_baseline, thaw
from convergence.planning.engine import schedule
from convergence.planning.scenarios import Override, adoptable, apply_overrides, overrides_to_json
from convergence.records.estate import Estate
from convergence.store import storage
from convergence.store.access import Actor
from convergence.store.db import prepare_database

TODAY = date(2026, 11, 22)
TABLES = ("council", "tower", "framework_lot", "contract", "system", "dependency")


def dump(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for table in TABLES
            for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
        ]


@pytest.fixture
def loaded(engine: Engine, sample_estate: Estate) -> Engine:
    with Session(engine) as session:
        storage.save_estate(session=session, estate=sample_estate, actor=Actor("loader", "admin"))
    return engine


def test_scenarios_leave_live_records_byte_for_byte_unchanged(
    loaded: Engine, sample_estate: Estate
) -> None:
    before = dump(loaded)
    overrides = (
        Override(
            "exit_early",
            council="LBHF",
            reference="LBHF-HF-002",
            on=date(2027, 6, 30),
            fee=Decimal(150000),
        ),
        Override("change_transition", council="WCC", system="Desktop", days=30),
        Override(
            "remove_dependency",
            council="WCC",
            system="Desktop",
            needs_council="WCC",
            needs_system="Active Directory & Exchange",
        ),
    )
    with Session(loaded) as session:
        live = storage.load_estate(session=session)
        storage.save_scenario(
            session=session,
            name="Leave HFBP early",
            description="",
            overrides=overrides_to_json(overrides),
            actor=Actor("ceri", "admin"),
        )
        changed, exits = apply_overrides(live, overrides)
        schedule(changed, TODAY, exits=exits)
    assert dump(loaded) == before


def test_adopting_a_scenario_goes_through_the_checked_recorded_path(
    loaded: Engine, sample_estate: Estate
) -> None:
    overrides = (
        Override("extend_contract", council="WCC", reference="WCC-DT-004", on=date(2027, 9, 30)),
    )
    with Session(loaded) as session:
        live = storage.load_estate(session=session)
        count = storage.adopt(
            session=session,
            live=live,
            adopted=adoptable(live, overrides),
            actor=Actor("gwen", "admin"),
        )
        after = storage.load_estate(session=session)
        recorded = storage.history(session=session, user="gwen")
    assert count == 1
    assert next(c for c in after.contracts if c.reference == "WCC-DT-004").end == date(2027, 9, 30)
    assert {(c.record, c.field) for c in recorded} == {("WCC-DT-004", "end")}


def test_baselines_never_change_and_names_are_not_reused(
    loaded: Engine, sample_estate: Estate
) -> None:
    roadmap = schedule(sample_estate, TODAY)
    with Session(loaded) as session:
        storage.freeze_baseline(
            session=session,
            name="Board 22 Nov 2026",
            planning_date=TODAY,
            plans=freeze(roadmap),
            actor=Actor("hal", "admin"),
        )
        kept = storage.baselines(session=session)[0].plans
        with pytest.raises(ValidationError, match="baselines are never changed"):
            storage.freeze_baseline(
                session=session,
                name="Board 22 Nov 2026",
                planning_date=TODAY,
                plans="[]",
                actor=Actor("hal", "admin"),
            )
        contract = next(c for c in sample_estate.contracts if c.reference == "WCC-DT-004")
        storage.save_record(
            session=session,
            record=replace(contract, end=date(2028, 3, 31)),
            actor=Actor("hal", "admin"),
            version=1,
        )
        assert storage.baselines(session=session)[0].plans == kept
    store = Path(storage.__file__).parent
    source = "".join(path.read_text(encoding="utf-8") for path in store.glob("*.py"))
    assert "update(m.Baseline" not in source and "delete(m.Baseline" not in source


def test_a_slip_is_traced_to_the_edit_that_caused_it(loaded: Engine, sample_estate: Estate) -> None:
    with Session(loaded) as session:
        storage.freeze_baseline(
            session=session,
            name="Board A",
            planning_date=TODAY,
            plans=freeze(schedule(sample_estate, TODAY)),
            actor=Actor("ivy", "admin"),
        )
        taken = storage.baselines(session=session)[0]
        hosting = next(c for c in sample_estate.contracts if c.reference == "LBHF-HF-001")
        storage.save_record(
            session=session,
            record=replace(hosting, end=date(2028, 4, 30), max_end=date(2028, 10, 31)),
            actor=Actor("jo", "admin"),
            version=1,
        )
        roadmap = schedule(storage.load_estate(session=session), TODAY)
        changes = storage.history(session=session, since=taken.taken_at)
    moved = since_baseline(thaw(taken.plans), roadmap, changes).movements.set_index(
        ["council", "system"]
    )
    # HFBP hosting waits for its contract: 1 Nov 2027 → 1 May 2028 (182 days later)
    assert moved.loc[("LBHF", "HFBP hosting"), "change_days"] == 182
    cause = moved.loc[("LBHF", "HFBP hosting"), "cause"]
    assert cause.startswith(
        "Contract LBHF-HF-001 (LBHF): end changed from 2027-10-31 to 2028-04-30 by jo on "
    )
    # the applications it hosts slip with it, for the same reason
    assert "LBHF-HF-001" in moved.loc[("LBHF", "Customer portal"), "cause"]


def test_rag_trend_counts_each_baseline(sample_estate: Estate) -> None:
    roadmap = schedule(sample_estate, TODAY)
    trend = rag_trend([("Board A", TODAY, thaw(freeze(roadmap)))], roadmap)
    programme = trend[trend["council"] == "Programme"].set_index("baseline")
    red = int((roadmap.plans["rag"] == "red").sum())
    assert programme.loc["Board A", "red"] == red == programme.loc["Now", "red"]


def test_board_pack_reads_back_with_every_section(sample_estate: Estate) -> None:
    roadmap = schedule(sample_estate, TODAY)
    since = since_baseline(thaw(freeze(roadmap)), roadmap)
    result = savings(sample_estate, roadmap)
    content = pack_content(roadmap, since, "Board A", estate=sample_estate, result=result)
    pdf_text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(board_pack_pdf(content))).pages
    )
    flat = " ".join(pdf_text.split())
    assert f"Saves a year once converged {money(result.annual_savings())}" in flat
    assert "NLGN marks" in pdf_text
    for section in SECTIONS:
        assert section in pdf_text
    assert "Programme converged by" in pdf_text and "1 Oct 2030" in pdf_text
    assert "Serve notice on" in pdf_text
    deck = Presentation(io.BytesIO(board_pack_pptx(content)))
    titles = [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]
    for section in SECTIONS:
        assert any(t.startswith(section) for t in titles), section
    money_slide = next(s for s in deck.slides if s.shapes.title.text == "Savings")
    cells = [
        c.text for shape in money_slide.shapes if shape.has_table for c in shape.table.iter_cells()
    ]
    assert money(result.annual_savings()) in cells
    chart = next(s for s in deck.slides if s.shapes.title.text.startswith("Savings: "))
    assert any(shape.shape_type == 13 for shape in chart.shapes)  # the savings chart


def test_board_pack_and_calendar_from_the_command_line(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    assert main(["--database", database_url, "import", str(sample)]) == 0
    assert (
        main(
            [
                "--database",
                database_url,
                "board-pack",
                str(tmp_path / "pack.pdf"),
                "--today",
                "2026-11-22",
            ]
        )
        == 0
    )
    assert PdfReader(str(tmp_path / "pack.pdf")).pages
    assert (
        main(
            [
                "--database",
                database_url,
                "board-pack",
                str(tmp_path / "p.pdf"),
                "--baseline",
                "Nope",
            ]
        )
        == 2
    )
    assert "no baseline 'Nope'" in capsys.readouterr().err
    assert (
        main(
            [
                "--database",
                database_url,
                "calendar",
                str(tmp_path / "rbkc.ics"),
                "--council",
                "RBKC",
                "--today",
                "2026-11-22",
            ]
        )
        == 0
    )
    events = Calendar.from_ical((tmp_path / "rbkc.ics").read_bytes()).walk("VEVENT")
    summaries = {str(e["summary"]) for e in events}
    assert "Cutover: Hosting (RBKC)" in summaries
    assert all("(RBKC)" in s or "RBKC-" in s for s in summaries)


def test_the_deck_keeps_every_row_and_heads_its_tables_in_words(sample_estate: Estate) -> None:
    roadmap = schedule(sample_estate, TODAY)
    content = pack_content(roadmap, since_baseline(thaw(freeze(roadmap)), roadmap), "Board A")
    assert len(content.risks) > 12 and len(content.decisions) > 12  # more than one slide each
    deck = Presentation(io.BytesIO(board_pack_pptx(content)))

    def rows_under(section: str) -> list[list[str]]:
        found = []
        for page in deck.slides:
            if page.shapes.title is not None and page.shapes.title.text.startswith(section):
                for shape in page.shapes:
                    if shape.has_table:
                        table = shape.table
                        found += [[c.text for c in row.cells] for row in table.rows]
        return found

    risks = rows_under("Risks")
    headers = [r for r in risks if r[0] == "Council"]
    assert headers and all(h == ["Council", "System", "Status", "Why"] for h in headers)
    assert len(risks) - len(headers) == len(content.risks), "every risk, on as many slides"
    decisions = rows_under("Decisions overdue")
    assert len([r for r in decisions if r[0] != "Due"]) == len(content.decisions)
    titles = [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]
    assert any("(continued, 2 of" in t for t in titles)
    pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(board_pack_pdf(content))).pages)
    assert "Council System Status Why" in " ".join(pdf.split())
    assert "rag reasons" not in pdf and "due action" not in pdf


def test_a_scenario_pack_is_the_scenario_throughout(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], sample_estate: Estate
) -> None:
    """Built for a scenario, every page names it, its figures are the scenario's and the
    movements since the board are caused by its changes, in its words."""
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    assert main(["--database", database_url, "import", str(sample)]) == 0
    live = schedule(sample_estate, TODAY)
    slower = (
        Override("extend_contract", council="RBKC", reference="RBKC-HM-013", on=date(2031, 3, 31)),
    )
    changed, _ = apply_overrides(sample_estate, slower)
    engine = prepare_database(database_url)
    with Session(engine) as session:
        storage.freeze_baseline(
            session=session,
            name="Board 1",
            planning_date=TODAY,
            plans=freeze(live),
            actor=Actor("ada", "admin"),
        )
        storage.save_scenario(
            session=session,
            name="Slow RBKC hosting",
            description="",
            overrides=overrides_to_json(slower),
            actor=Actor("ada", "admin"),
        )
    engine.dispose()
    out = tmp_path / "scenario.pdf"
    args = ["--database", database_url, "board-pack", str(out), "--today", "2026-11-22"]
    assert main([*args, "--scenario", "Slow RBKC hosting", "--baseline", "Board 1"]) == 0
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(str(out)).pages]
    assert all("scenario 'Slow RBKC hosting', not the live plan" in p for p in pages)
    text = " ".join(pages)
    scenario_end = rm.programme_date(schedule(changed, TODAY))
    assert scenario_end != rm.programme_date(live)
    assert f"The programme converges by {uk_date(scenario_end)}" in pages[0]
    assert f"Programme converged by {uk_date(scenario_end)}" in text
    rbkc = [p for p in pages if "Roadmap: RBKC" in p]
    assert rbkc and f"Roadmap: RBKC, converged by {uk_date(scenario_end)}" in rbkc[0]
    assert "scenario 'Slow RBKC hosting': Extend RBKC-HM-013 (RBKC) to 31 Mar 2031" in text
    assert "no recorded change on its chain" not in text
    deck_path = tmp_path / "scenario.pptx"
    assert main([*args[:3], str(deck_path), *args[4:], "--scenario", "Slow RBKC hosting"]) == 0
    deck = Presentation(str(deck_path))
    for slide in deck.slides:
        said = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        assert "scenario 'Slow RBKC hosting', not the live plan" in said
    titles = [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]
    assert f"Roadmap: RBKC, converged by {uk_date(scenario_end)}" in titles
    capsys.readouterr()
    assert main([*args, "--scenario", "Nope"]) == 2
    assert "--scenario: no scenario 'Nope' (Slow RBKC hosting)" in capsys.readouterr().err


def test_a_large_programme_gets_a_board_sized_pack_and_an_appendix_on_request() -> None:
    from convergence.outputs.board_pack import APPENDIX, DETAIL_ROWS, SUMMARY
    from convergence.records.generate import generate_estate

    estate = generate_estate(councils=12, systems_per_council=40, dependencies=600, seed=5)
    roadmap = schedule(estate, TODAY)
    content = pack_content(roadmap, estate=estate, result=savings(estate, roadmap))
    at_risk = len(rm.at_risk(roadmap))
    assert at_risk > DETAIL_ROWS
    assert len(content.risks) == DETAIL_ROWS and content.more_risks == at_risk - DETAIL_ROWS
    assert [title for title, _ in content.roadmap_charts][:2] == [
        "C001 to C006, by tower",
        "C007 to C012, by tower",
    ]
    pages = PdfReader(io.BytesIO(board_pack_pdf(content))).pages
    assert len(pages) <= 15
    text = " ".join(" ".join(p.extract_text().split()) for p in pages)
    # the charts are drawn into the pages as text and lines, a row per council's tower
    roadmap_page = next(
        p.extract_text() for p in pages if "C007 to C012, by tower" in p.extract_text()
    )
    assert "C012 · " in roadmap_page and "C006 · " not in roadmap_page
    assert SUMMARY in text and APPENDIX not in text
    assert (
        f"… and {at_risk - DETAIL_ROWS:,} more systems at risk (in the appendix, on request)"
        in text
    )
    full = pack_content(roadmap, estate=estate, result=savings(estate, roadmap), appendix=True)
    assert full.appendix is not None and len(full.appendix) == at_risk
    assert APPENDIX in " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(board_pack_pdf(full))).pages
    )


def test_no_page_of_the_pack_ends_with_a_heading(sample_estate: Estate) -> None:
    from convergence.outputs.board_pack import SUMMARY

    roadmap = schedule(sample_estate, TODAY)
    content = pack_content(
        roadmap,
        since_baseline(thaw(freeze(roadmap)), roadmap),
        "Board A",
        estate=sample_estate,
        result=savings(sample_estate, roadmap),
    )
    headings = (*SECTIONS, SUMMARY)
    for page in PdfReader(io.BytesIO(board_pack_pdf(content))).pages:
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith("Convergence board pack")]
        # a chart is drawn as text and lines, so a heading over a chart is not the last line
        assert not body or body[-1] not in headings, f"'{body[-1]}' ends a page"


def test_every_slide_lays_out_whole(sample_estate: Estate) -> None:
    """A printed or presented pack loses nothing to its layout: charts fit between the title
    and the footer and never share a slide with a table, the savings chart is drawn at full
    width (its title and legend whole), a table's explanation column is its widest, and a
    section with nothing to list says so in words."""
    roadmap = schedule(sample_estate, TODAY)
    content = pack_content(
        roadmap,
        since_baseline(thaw(freeze(roadmap)), roadmap),  # nothing moved
        "Board A",
        estate=sample_estate,
        result=savings(sample_estate, roadmap),
    )
    assert content.savings_chart is not None
    width = int.from_bytes(chart_png(content.savings_chart)[16:20], "big")  # the PNG's width
    assert width > 1000, "drawn at the pack's width, not a 400-pixel default"
    deck = Presentation(io.BytesIO(board_pack_pptx(content)))
    footer = Inches(7.0)
    said = []
    for slide in deck.slides:
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        tables = [s for s in slide.shapes if s.has_table]
        assert not (pictures and tables), slide.shapes.title.text
        for picture in pictures:
            assert picture.left + picture.width <= deck.slide_width
            assert picture.top + picture.height <= footer, slide.shapes.title.text
        for shape in tables:
            columns = [c.width for c in shape.table.columns]
            heads = [c.text for c in shape.table.rows[0].cells]
            if "Why" in heads or "Decision" in heads or "Cause" in heads:
                widest = heads[columns.index(max(columns))]
                assert widest in ("Why", "Decision", "Cause"), heads
        said += [s.text_frame.text for s in slide.shapes if s.has_text_frame]
    assert "Savings: cumulative, against doing nothing" in said
    assert "No baseline chosen, or nothing moved." in said
    assert "None." not in said


def test_a_pack_of_an_empty_estate_says_there_is_nothing_to_plan_yet() -> None:
    from convergence.outputs.board_pack import NO_SYSTEMS

    empty = Estate()
    content = pack_content(schedule(empty, TODAY), estate=empty)
    pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(board_pack_pdf(content))).pages)
    assert NO_SYSTEMS in pdf and "No system is at risk." in pdf
    deck = Presentation(io.BytesIO(board_pack_pptx(content)))
    said = [s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame]
    assert NO_SYSTEMS in said
