"""The board pack: one PDF (and a PowerPoint deck) for the meeting — overview figures, the
convergence curve, the roadmap, risks, decisions due in the next 6 months and what changed
since the chosen baseline. Charts are rendered offline."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
from pptx import Presentation
from pptx.util import Inches, Pt
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from convergence.charts.overview import chart_png, convergence_curve_chart, roadmap_gantt
from convergence.charts.savings import cumulative_savings_chart
from convergence.formatting import money, uk_date
from convergence.money.savings import Savings
from convergence.money.tables import summary
from convergence.planning import roadmap as rm
from convergence.planning.baselines import SinceBaseline
from convergence.planning.engine import Roadmap
from convergence.records.estate import Estate

SECTIONS = (
    "Overview",
    "Convergence curve",
    "Savings",
    "Roadmap",
    "Risks",
    "Decisions due in the next 6 months",
    "Changes since the baseline",
)


@dataclass(frozen=True, eq=False)
class PackContent:
    """Everything the pack shows, worked out once for both formats."""

    title: str
    figures: list[tuple[str, str]]
    curve_png: bytes
    roadmap_pngs: list[tuple[str, bytes]]  # one per council
    risks: pd.DataFrame
    decisions: pd.DataFrame
    changes: pd.DataFrame
    baseline: str
    savings: pd.DataFrame  # one row per council and the programme; empty without money
    savings_png: bytes | None = None


def pack_content(
    roadmap: Roadmap,
    since: SinceBaseline | None = None,
    baseline: str = "",
    *,
    estate: Estate | None = None,
    result: Savings | None = None,
    scenario: str = "",
) -> PackContent:
    """What the pack shows; with `estate` and its `result` (savings), the savings section.
    A pack is the live plan or one named `scenario` throughout: the caller passes that
    scenario's roadmap, estate and savings, and every page says which it is."""
    scope = rm.in_scope(roadmap.plans)
    head = rm.headline(roadmap)
    figures = [
        ("Programme converged by", uk_date(head.programme_date) or "—"),
        ("Systems on the framework today", f"{head.converged} of {head.systems}"),
        ("Red / amber", f"{head.red} / {head.amber}"),
    ]
    for r in rm.convergence_dates(roadmap).itertuples():
        figures.append((f"{r.council} converged by", uk_date(r.forecast)))
    if since is not None and since.programme_change_days is not None:
        figures.append(
            (f"Programme change since {baseline}", f"{since.programme_change_days:+,} days")
        )
    roadmap_pngs = [
        (str(council), chart_png(roadmap_gantt(roadmap, rows)[0]))
        for council, rows in scope.groupby("council")
    ]
    risks = rm.at_risk(roadmap)[["council", "system", "rag", "reasons"]]
    decisions = rm.decisions_due(roadmap, 6)[["due", "action"]].assign(
        due=lambda f: [uk_date(d) for d in f["due"]]
    )
    money_table = pd.DataFrame(columns=["Who", "Saves a year", "Share of spend", "Pays back"])
    savings_png = None
    if estate is not None and result is not None:
        table = summary(result, estate)
        money_table = pd.DataFrame(
            {
                "Who": table["name"],
                "Saves a year": [money(v) for v in table["annual_savings"]],
                "Share of spend": [
                    "—" if v is None or pd.isna(v) else f"{v:.1%}" for v in table["share_of_spend"]
                ],
                "Pays back": [
                    "not in view" if p is None or pd.isna(p) else f"{p:%b %Y}"
                    for p in table["payback"]
                ],
            }
        )
        programme = money_table.iloc[-1]
        figures += [
            ("Saves a year once converged", str(programme["Saves a year"])),
            ("Programme pays back", str(programme["Pays back"])),
        ]
        savings_png = chart_png(
            cumulative_savings_chart(
                result.by("council"),
                today=roadmap.today,
                names={c.code: c.name for c in estate.councils},
            )
        )
    changes = pd.DataFrame(columns=["council", "system", "change", "cause"])
    if since is not None:
        changes = since.movements.assign(
            change=[f"{d:+,} days" for d in since.movements["change_days"]]
        )[["council", "system", "change", "cause"]]
    return PackContent(
        title="Convergence board pack — "
        + (f"scenario '{scenario}', not the live plan" if scenario else "the live plan")
        + f" — {uk_date(roadmap.today)}",
        figures=figures,
        curve_png=chart_png(convergence_curve_chart(rm.convergence_curve(roadmap))),
        roadmap_pngs=roadmap_pngs,
        risks=risks,
        decisions=decisions,
        changes=changes,
        baseline=baseline,
        savings=money_table,
        savings_png=savings_png,
    )


# each table column's heading in words, as a board reads it
HEADINGS = {
    "council": "Council",
    "system": "System",
    "rag": "Status",
    "reasons": "Why",
    "due": "Due",
    "action": "Decision",
    "change": "Change",
    "cause": "Cause",
}
ROWS_PER_SLIDE = 12  # a table longer than this continues on further slides

LONGEST_CELL = 300  # characters of one cell a page shows; a longer text is cut, and says so


def shortened(value: object) -> str:
    """A value as a pack's table cell shows it: text beyond LONGEST_CELL characters is cut
    with an ellipsis (a name of a megabyte would otherwise take a page layout minutes, or
    break it).

    >>> shortened("x" * 400)[-12:], len(shortened("x" * 400))
    ('xxxxxxxxxxx…', 300)
    """
    text = str(value)
    return text if len(text) <= LONGEST_CELL else text[: LONGEST_CELL - 1] + "…"


def in_words(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with its headings in words (see HEADINGS)."""
    return frame.rename(columns=HEADINGS)


def _table(frame: pd.DataFrame, widths: list[float]) -> Table:
    frame = in_words(frame)
    styles = getSampleStyleSheet()
    cell = styles["BodyText"]
    cell.fontSize = 8
    cell.leading = 10
    data = [[Paragraph(f"<b>{escape(str(c))}</b>", cell) for c in frame.columns]]
    data += [
        [Paragraph(escape(shortened(v)), cell) for v in row]
        for row in frame.itertuples(index=False)
    ]
    table = Table(data, colWidths=[w * cm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _image(png: bytes, width_cm: float) -> Image:
    image = Image(io.BytesIO(png))
    ratio = image.imageHeight / image.imageWidth
    width = width_cm * cm
    height = min(width * ratio, 14 * cm)
    image.drawWidth, image.drawHeight = height / ratio, height
    return image


def board_pack_pdf(content: PackContent) -> bytes:
    """The pack as a landscape A4 PDF."""
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=landscape(A4), title=content.title, leftMargin=1.5 * cm, rightMargin=1.5 * cm
    )
    story: list[Any] = [
        Paragraph(escape(content.title), styles["Title"]),
        Paragraph(SECTIONS[0], styles["Heading2"]),
        _table(pd.DataFrame(content.figures, columns=["Figure", "Value"]), [10, 8]),
        Spacer(1, 12),
        Paragraph(SECTIONS[1], styles["Heading2"]),
        _image(content.curve_png, 22),
        PageBreak(),
        Paragraph(SECTIONS[2], styles["Heading2"]),
    ]
    if content.savings_png is not None:
        story += [
            _table(content.savings, [9, 4, 4, 4]),
            Spacer(1, 8),
            Paragraph(
                "Against doing nothing (every contract renewed). NLGN marks: 1.8% of spend "
                "realistic, 3.6% best.",
                styles["BodyText"],
            ),
            _image(content.savings_png, 20),
        ]
    else:
        story.append(Paragraph("No money recorded for this estate.", styles["BodyText"]))
    story.append(PageBreak())
    for council, png in content.roadmap_pngs:
        story += [
            Paragraph(f"{SECTIONS[3]}: {escape(council)}", styles["Heading2"]),
            _image(png, 24),
            PageBreak(),
        ]
    story += [
        Paragraph(SECTIONS[4], styles["Heading2"]),
        _table(content.risks, [2, 6, 2, 16])
        if len(content.risks)
        else Paragraph("No system is at risk.", styles["BodyText"]),
        Paragraph(SECTIONS[5], styles["Heading2"]),
        _table(content.decisions, [3, 23])
        if len(content.decisions)
        else Paragraph("Nothing to decide in the next 6 months.", styles["BodyText"]),
        Paragraph(
            SECTIONS[6] + (f" ({escape(content.baseline)})" if content.baseline else ""),
            styles["Heading2"],
        ),
    ]
    if len(content.changes):
        story.append(_table(content.changes, [2, 6, 3, 15]))
    else:
        story.append(Paragraph("No baseline chosen, or nothing moved.", styles["BodyText"]))

    def footer(canvas: Any, document: Any) -> None:  # the plan the pack shows, on every page
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(1.5 * cm, 0.8 * cm, f"{content.title} — page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def board_pack_pptx(content: PackContent) -> bytes:
    """The pack as a PowerPoint deck, one slide per section."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)

    def slide(title: str):  # type: ignore[no-untyped-def]
        page = deck.slides.add_slide(deck.slide_layouts[5])
        page.shapes.title.text = title
        box = page.shapes.add_textbox(Inches(0.4), Inches(7.0), Inches(12.5), Inches(0.4))
        box.text_frame.text = content.title  # the plan the pack shows, on every slide
        box.text_frame.paragraphs[0].font.size = Pt(10)
        return page

    def table_on(page, shown: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
        table = page.shapes.add_table(
            len(shown) + 1, len(shown.columns), Inches(0.4), Inches(1.4), Inches(12.5), Inches(0.3)
        ).table
        for j, column in enumerate(shown.columns):
            table.cell(0, j).text = str(column)
        for i, row in enumerate(shown.itertuples(index=False), start=1):
            for j, value in enumerate(row):
                table.cell(i, j).text = shortened(value)
                table.cell(i, j).text_frame.paragraphs[0].font.size = Pt(11)

    def tables(title: str, frame: pd.DataFrame, first=None) -> None:  # type: ignore[no-untyped-def]
        """Every row of `frame`, ROWS_PER_SLIDE to a slide, continuing on further slides
        titled "(continued, 2 of 3)"; a slide saying so when there are none."""
        frame = in_words(frame)
        parts = max(1, -(-len(frame) // ROWS_PER_SLIDE))
        for part in range(parts):
            name = title if part == 0 else f"{title} (continued, {part + 1} of {parts})"
            page = first if part == 0 and first is not None else slide(name)
            shown = frame.iloc[part * ROWS_PER_SLIDE : (part + 1) * ROWS_PER_SLIDE]
            if len(shown):
                table_on(page, shown)
            else:
                box = page.shapes.add_textbox(Inches(0.5), Inches(1.5), Inches(12), Inches(1))
                box.text_frame.text = "None."

    title = deck.slides.add_slide(deck.slide_layouts[0])
    title.shapes.title.text = content.title
    tables(SECTIONS[0], pd.DataFrame(content.figures, columns=["Figure", "Value"]))
    slide(SECTIONS[1]).shapes.add_picture(
        io.BytesIO(content.curve_png), Inches(0.5), Inches(1.4), height=Inches(5.6)
    )
    money_slide = slide(SECTIONS[2])
    tables(SECTIONS[2], content.savings, first=money_slide)
    if content.savings_png is not None:
        money_slide.shapes.add_picture(
            io.BytesIO(content.savings_png), Inches(6.8), Inches(3.0), height=Inches(4.2)
        )
    for council, png in content.roadmap_pngs:
        slide(f"{SECTIONS[3]}: {council}").shapes.add_picture(
            io.BytesIO(png), Inches(0.5), Inches(1.3), height=Inches(6.0)
        )
    tables(SECTIONS[4], content.risks)
    tables(SECTIONS[5], content.decisions)
    tables(SECTIONS[6], content.changes)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()
