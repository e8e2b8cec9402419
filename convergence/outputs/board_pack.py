"""The board pack: one PDF (and a PowerPoint deck) for the meeting — an executive summary,
overview figures, the convergence curve, the roadmap, risks, the decisions overdue or due in
the next 6 months that are still open (with their owners, from the decision log) and what
changed since the chosen baseline. Charts are rendered offline: into the PDF as vector
drawings, into the deck as images. A pack is 10-15 pages whatever the size of the programme:
above 300 systems the roadmap is summed up by council and tower, with detail only for red and
critical-path systems, and risks and decisions list the 20 most pressing (every system at risk
in an appendix, on request).

Over 400 lines: what the pack shows and its two renderings, PDF and PowerPoint, change
together.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
import pikepdf
from pptx import Presentation
from pptx.util import Inches, Pt
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from convergence.charts.overview import (
    chart_pdf,
    chart_png,
    convergence_curve_chart,
    roadmap_gantt,
)
from convergence.charts.roadmap import SUMMARY_THRESHOLD
from convergence.charts.savings import cumulative_savings_chart
from convergence.charts.style import MOST_SERIES
from convergence.formatting import counted, money, uk_date
from convergence.money.savings import Savings
from convergence.money.tables import summary
from convergence.planning import roadmap as rm
from convergence.planning.baselines import SinceBaseline
from convergence.planning.decision_log import (
    LoggedDecision,
    overdue_and_due,
    still_open,
    with_log,
)
from convergence.planning.engine import Roadmap
from convergence.records.estate import Outline

SECTIONS = (
    "Overview",
    "Convergence curve",
    "Savings",
    "Roadmap",
    "Risks",
    "Decisions overdue or due in the next 6 months, still open",
    "Changes since the baseline",
)
SUMMARY = "Executive summary"
SAVINGS_CHART = "cumulative, against doing nothing"
NO_RISKS = "No system is at risk."
NO_DECISIONS = "Nothing to decide in the next 6 months."
NO_CHANGES = "No baseline chosen, or nothing moved."
NO_MONEY = "No money recorded for this estate."
NO_SYSTEMS = "No system to move onto the framework yet."
APPENDIX = "Appendix: every system at risk"


Chart = dict[str, Any]  # a chart's Vega-Lite specification, rendered by each format


@dataclass(frozen=True, eq=False)
class PackContent:
    """Everything the pack shows, worked out once for both formats."""

    title: str
    figures: list[tuple[str, str]]
    curve: Chart | None  # None when no system is in the plan
    roadmap_charts: list[tuple[str, Chart]]  # a title and a chart per page
    risks: pd.DataFrame
    decisions: pd.DataFrame
    changes: pd.DataFrame
    baseline: str
    savings: pd.DataFrame  # one row per council and the programme; empty without money
    savings_chart: Chart | None = None
    summary: list[str] = field(default_factory=list)  # the executive summary, line by line
    more_risks: int = 0  # risks left to the appendix
    more_decisions: int = 0  # decisions left to the appendix
    more_councils: int = 0  # councils the savings table leaves to the Savings screen
    appendix: pd.DataFrame | None = None  # every system at risk, when asked for


def pack_content(
    roadmap: Roadmap,
    since: SinceBaseline | None = None,
    baseline: str = "",
    *,
    estate: Outline | None = None,
    result: Savings | None = None,
    scenario: str = "",
    appendix: bool = False,
    log: Iterable[LoggedDecision] = (),
) -> PackContent:
    """What the pack shows; with `estate` and its `result` (savings), the savings section.
    A pack is the live plan or one named `scenario` throughout: the caller passes that
    scenario's roadmap, estate and savings, and every page says which it is. The decisions
    listed are those `log` (the decision log) does not record as done or rejected, with
    their owners and the board's due dates."""
    scope = rm.in_scope(roadmap.plans)
    head = rm.headline(roadmap)
    figures = [
        ("Programme converged by", uk_date(head.programme_date) or "—"),
        ("Systems on the framework today", f"{head.converged:,} of {head.systems:,}"),
        ("Red / amber", f"{head.red:,} / {head.amber:,}"),
    ]
    by_council = rm.convergence_dates(roadmap).sort_values("forecast", ascending=False)
    for r in by_council.head(COUNCILS_LISTED).itertuples():
        figures.append((f"{r.council} converged by", uk_date(r.forecast)))
    if len(by_council) > COUNCILS_LISTED:  # the latest to converge; the curve shows the rest
        rest = by_council.iloc[COUNCILS_LISTED:]
        figures.append(
            (f"The other {len(rest):,} councils converged by", uk_date(rest["forecast"].max()))
        )
    if since is not None and since.programme_change_days is not None:
        figures.append(
            (f"Programme change since {baseline}", f"{since.programme_change_days:+,} days")
        )
    council_names = {c.code: c.name for c in estate.councils} if estate is not None else {}
    tower_names = {t.code: t.name for t in estate.towers} if estate is not None else {}
    roadmap_charts = _roadmap_pages(roadmap, scope, tower_names)
    at_risk = rm.at_risk(roadmap)[["council", "system", "rag", "reasons"]]
    plans = roadmap.plans
    critical = {(plans.at[r, "council"], plans.at[r, "system"]) for r in rm.critical_path(roadmap)}
    keys = zip(at_risk["council"], at_risk["system"], strict=True)
    ranked = at_risk.assign(
        _path=[key in critical for key in keys], _red=at_risk["rag"] == "red"
    ).sort_values(["_red", "_path"], ascending=False, kind="stable")
    risks = ranked.head(DETAIL_ROWS).drop(columns=["_path", "_red"])
    all_decisions = still_open(with_log(overdue_and_due(roadmap, 6), log))[
        ["due", "action", "owner", "status"]
    ]
    decisions = all_decisions.head(DETAIL_ROWS).assign(
        due=lambda f: [uk_date(d) for d in f["due"]],
        owner=lambda f: f["owner"].replace("", "not yet given"),
    )
    money_table = pd.DataFrame(columns=["Who", "Saves a year", "Share of spend", "Pays back"])
    more_councils = 0
    savings_chart = None
    if estate is not None and result is not None:
        table = summary(result, estate)
        if len(table) > COUNCILS_LISTED + 1:  # the councils saving most, and the programme
            councils = table.iloc[:-1].sort_values("annual_savings", ascending=False)
            table = pd.concat([councils.head(COUNCILS_LISTED), table.tail(1)])
            more_councils = len(councils) - COUNCILS_LISTED
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
        savings_chart = cumulative_savings_chart(
            result.by("council"), today=roadmap.today, names=council_names, width=PRINTED_WIDTH
        ).to_dict()
    changes = pd.DataFrame(columns=["council", "system", "change", "cause"])
    if since is not None:
        changes = since.movements.head(DETAIL_ROWS).assign(
            change=lambda f: [f"{d:+,} days" for d in f["change_days"]]
        )[["council", "system", "change", "cause"]]
    briefing = [f"The programme converges by {uk_date(head.programme_date) or '—'}."]
    if since is not None and since.programme_change_days is not None:
        briefing[0] += f" That is {since.programme_change_days:+,} days since {baseline}."
        for m in since.movements.head(3).itertuples():
            briefing.append(
                f"Moved most: {m.system} ({m.council}), {m.change_days:+,} days — {m.cause}."
            )
    briefing.append(
        f"{counted(head.red, 'system')} red, {head.amber:,} amber, of {head.systems:,} in the plan."
    )
    if binding := rm.binding_rules(roadmap):
        briefing.append("Rules binding the programme's end date: " + "; ".join(binding) + ".")
    late_day_one = rm.day_one_at_risk(roadmap)
    for v in rm.successors_at_vesting(roadmap).itertuples():
        figures.append(
            (
                f"{v.successor} vests {uk_date(v.vesting_day)}: day-one systems on target",
                f"{v.day_one_on_time} of {v.day_one}",
            )
        )
        late = late_day_one[late_day_one["successor"] == v.successor]
        briefing.append(
            f"{v.successor} vests on {uk_date(v.vesting_day)}: "
            + (
                f"{v.day_one_late} of {counted(v.day_one, 'day-one system')} will not be on "
                "their target by then (" + rm.late_for_vesting(late, 3) + ")."
                if v.day_one_late
                else f"every day-one system ({v.day_one:,}) is on its target by then."
            )
        )
    for d in all_decisions.head(5).itertuples():
        briefing.append(f"To decide by {uk_date(d.due)}: {d.action}.")
    return PackContent(
        summary=briefing,
        more_risks=len(at_risk) - len(risks),
        more_decisions=len(all_decisions) - len(decisions),
        more_councils=more_councils,
        appendix=at_risk if appendix else None,
        title="Convergence board pack — "
        + (f"scenario '{scenario}', not the live plan" if scenario else "the live plan")
        + f" — {uk_date(roadmap.today)}",
        figures=figures,
        curve=convergence_curve_chart(
            rm.convergence_curve(roadmap, most=MOST_SERIES),
            names={**council_names, rm.OTHERS: "Other councils"},
        ).to_dict()
        if len(scope)
        else None,
        roadmap_charts=roadmap_charts,
        risks=risks,
        decisions=decisions,
        changes=changes,
        baseline=baseline,
        savings=money_table,
        savings_chart=savings_chart,
    )


# each table column's heading in words, as a board reads it
HEADINGS = {
    "council": "Council",
    "system": "System",
    "rag": "Status",
    "reasons": "Why",
    "due": "Due",
    "action": "Decision",
    "owner": "Owner",
    "status": "Where it stands",
    "change": "Change",
    "cause": "Cause",
}
# each column's share of a table's width, as the pack's tables are laid out (others: 4)
WIDTHS = {"Council": 2, "System": 6, "Status": 2, "Why": 16, "Due": 3, "Decision": 23}
WIDTHS |= {"Change": 3, "Cause": 15, "Figure": 10, "Value": 8, "Who": 9}
ROWS_PER_SLIDE = 10  # a table longer than this continues on further slides
DETAIL_ROWS = 20  # risks and decisions a pack lists; the rest are counted (and in the appendix)
COUNCILS_PER_PAGE = 6  # councils on one summary page of a large roadmap
COUNCILS_LISTED = 8  # councils the overview figures and savings table name one by one
PRINTED_STEP = 14  # pixels of a row of the summed-up roadmap in the pack
PRINTED_WIDTH = 760  # pixels of a chart's plot in the pack, as the convergence curve

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


def _roadmap_pages(
    roadmap: Roadmap, scope: pd.DataFrame, tower_names: dict[str, str]
) -> list[tuple[str, Chart]]:
    """The roadmap's pages: a Gantt per council for a small programme; above
    SUMMARY_THRESHOLD systems, councils COUNCILS_PER_PAGE to a page, each row summing up a
    council's tower (by its name), then the systems that are red or on the critical path, in
    detail."""
    if len(scope) <= SUMMARY_THRESHOLD:
        dates = rm.convergence_dates(roadmap)
        converged_by = dict(zip(dates["council"], dates["forecast"], strict=True))
        return [
            (
                f"{council}, converged by {uk_date(converged_by.get(council)) or '—'}",
                roadmap_gantt(roadmap, rows, on_screen=False)[0].to_dict(),
            )
            for council, rows in scope.groupby("council")
        ]
    councils = sorted(scope["council"].unique())
    # one chart of every council's towers, drawn a page of councils at a time
    whole = roadmap_gantt(
        roadmap,
        scope,
        tower_names=tower_names,
        threshold=0,
        on_screen=False,
        panels=False,
        step=PRINTED_STEP,
    )[0].to_dict()
    charts: list[tuple[str, Chart]] = []
    for start in range(0, len(councils), COUNCILS_PER_PAGE):
        group = councils[start : start + COUNCILS_PER_PAGE]
        charts.append((f"{group[0]} to {group[-1]}, by tower", _only(whole, group)))
    critical = set(rm.critical_path(roadmap))
    detail = scope[(scope["rag"] == "red") | scope.index.isin(critical)].sort_values("cutover")
    if len(detail):
        shown = detail.head(DETAIL_ROWS)
        title = (
            "red and critical-path systems"
            + (
                f" (the first {len(shown)} of {len(detail):,} by cutover)"
                if len(detail) > len(shown)
                else ""
            )
            + f"; the programme converges by {uk_date(rm.programme_date(roadmap)) or '—'}"
        )
        charts.append(
            (
                title,
                roadmap_gantt(
                    roadmap, shown, threshold=len(shown) + 1, on_screen=False, panels=False
                )[0].to_dict(),
            )
        )
    return charts


def _only(spec: Chart, councils: list[str]) -> Chart:
    """A chart's specification with only the rows of `councils` in its data."""
    keep = set(councils)
    return spec | {
        "datasets": {
            name: [row for row in rows if row.get("council") in keep]
            for name, rows in spec["datasets"].items()
        }
    }


AT_RISK, DECISIONS = ("system at risk", "systems at risk"), ("decision", "decisions")


def _councils_more(count: int) -> str:
    """The line under a savings table that names only the councils saving most."""
    if count <= 0:
        return ""
    more = counted(count, "more council")
    return f"The {COUNCILS_LISTED} councils saving most; {more} on the Savings screen. "


def _more(count: int, one: str, many: str, content: PackContent) -> str:
    """The line under a shortened table: how many more, and where they are."""
    if count <= 0:
        return ""
    where = "in the appendix" if content.appendix is not None else "in the appendix, on request"
    return f"… and {count:,} more {one if count == 1 else many} ({where})."


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


class _ChartRoom(Flowable):  # type: ignore[misc]
    """Room on a page for a chart, `width_cm` wide or, if taller than fits a page, 14 cm tall.
    The chart, rendered as a vector PDF, is laid over the room once the pages are laid out
    (`_charts_laid_over`): crisp at any zoom, and quicker than an image."""

    def __init__(self, chart: Chart, width_cm: float, placed: list[_ChartRoom]) -> None:
        super().__init__()
        self.drawn = pikepdf.open(io.BytesIO(chart_pdf(chart)))  # closed once laid over
        _, _, wide, tall = (float(v) for v in self.drawn.pages[0].mediabox)
        scale = min(width_cm * cm / wide, 14 * cm / tall)
        self.width, self.height = wide * scale, tall * scale
        self.placed, self.where = placed, (0, 0.0, 0.0)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        self.where = (self.canv.getPageNumber() - 1, x, y)
        self.placed.append(self)


def _charts_laid_over(pdf: bytes, placed: list[_ChartRoom]) -> bytes:
    """The laid-out PDF with each chart drawn over the room kept for it."""
    with pikepdf.open(io.BytesIO(pdf)) as pack:
        for room in placed:
            page, x, y = room.where
            box = pikepdf.Rectangle(x, y, x + room.width, y + room.height)
            pack.pages[page].add_overlay(room.drawn.pages[0], box)
        out = io.BytesIO()
        pack.save(out)
    for room in placed:
        room.drawn.close()
    return out.getvalue()


def board_pack_pdf(content: PackContent) -> bytes:
    """The pack as a landscape A4 PDF. A heading never ends a page: it moves on with what it
    heads."""
    styles = getSampleStyleSheet()
    styles["Heading2"].keepWithNext = 1
    placed: list[_ChartRoom] = []  # the charts, where the layout put them
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        title=content.title,
        **{f"{side}Margin": 1.5 * cm for side in ("left", "right", "top", "bottom")},
    )
    story: list[Any] = [
        Paragraph(escape(content.title), styles["Title"]),
        Paragraph(SUMMARY, styles["Heading2"]),
        *(Paragraph("• " + escape(line), styles["BodyText"]) for line in content.summary),
        Spacer(1, 12),
        Paragraph(SECTIONS[0], styles["Heading2"]),
        _table(pd.DataFrame(content.figures, columns=["Figure", "Value"]), [10, 8]),
        Spacer(1, 12),
        Paragraph(SECTIONS[1], styles["Heading2"]),
        _ChartRoom(content.curve, 22, placed)
        if content.curve is not None
        else Paragraph(NO_SYSTEMS, styles["BodyText"]),
        PageBreak(),
        Paragraph(SECTIONS[2], styles["Heading2"]),
    ]
    if content.savings_chart is not None:
        story += [
            _table(content.savings, [9, 4, 4, 4]),
            Spacer(1, 8),
            Paragraph(
                _councils_more(content.more_councils)
                + "Against doing nothing (every contract renewed). NLGN marks: 1.8% of spend "
                "realistic, 3.6% best.",
                styles["BodyText"],
            ),
            _ChartRoom(content.savings_chart, 20, placed),
        ]
    else:
        story.append(Paragraph(NO_MONEY, styles["BodyText"]))
    story.append(PageBreak())
    for council, chart in content.roadmap_charts:
        story += [
            Paragraph(f"{SECTIONS[3]}: {escape(council)}", styles["Heading2"]),
            _ChartRoom(chart, 24, placed),
            PageBreak(),
        ]
    story += [
        Paragraph(SECTIONS[4], styles["Heading2"]),
        _table(content.risks, [2, 6, 2, 16])
        if len(content.risks)
        else Paragraph(NO_RISKS, styles["BodyText"]),
        Paragraph(escape(_more(content.more_risks, *AT_RISK, content)), styles["BodyText"]),
        Paragraph(SECTIONS[5], styles["Heading2"]),
        _table(content.decisions, [3, 15, 5, 3])
        if len(content.decisions)
        else Paragraph(NO_DECISIONS, styles["BodyText"]),
        Paragraph(escape(_more(content.more_decisions, *DECISIONS, content)), styles["BodyText"]),
        Paragraph(
            SECTIONS[6] + (f" ({escape(content.baseline)})" if content.baseline else ""),
            styles["Heading2"],
        ),
    ]
    if len(content.changes):
        story.append(_table(content.changes, [2, 6, 3, 15]))
    else:
        story.append(Paragraph(NO_CHANGES, styles["BodyText"]))
    if content.appendix is not None:
        story += [PageBreak(), Paragraph(APPENDIX, styles["Heading2"])]
        story.append(_table(content.appendix, [2, 6, 2, 16]))

    def footer(canvas: Any, document: Any) -> None:  # the plan the pack shows, on every page
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(1.5 * cm, 0.8 * cm, f"{content.title} — page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return _charts_laid_over(out.getvalue(), placed)


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

    def picture(page, chart: Chart) -> None:  # type: ignore[no-untyped-def]
        """A chart as large as fits between the slide's title and its footer."""
        width, height = Inches(12.3), Inches(5.5)
        png = io.BytesIO(chart_png(chart))
        shape = page.shapes.add_picture(png, Inches(0.5), Inches(1.4), height=height)
        if shape.width > width:  # a wide chart: as wide as the slide allows instead
            shape.height, shape.width = int(shape.height * width / shape.width), width

    def table_on(page, shown: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
        """A table across the slide, each column as wide as its share (WIDTHS)."""
        width = Inches(12.5)
        table = page.shapes.add_table(
            len(shown) + 1, len(shown.columns), Inches(0.4), Inches(1.4), width, Inches(0.3)
        ).table
        shares = [WIDTHS.get(str(c), 4) for c in shown.columns]
        for j, column in enumerate(shown.columns):
            table.columns[j].width = int(width * shares[j] / sum(shares))
            table.cell(0, j).text = str(column)
        for i, row in enumerate(shown.itertuples(index=False), start=1):
            for j, value in enumerate(row):
                table.cell(i, j).text = shortened(value)
                table.cell(i, j).text_frame.paragraphs[0].font.size = Pt(10)

    def tables(title: str, frame: pd.DataFrame, note: str = "", empty: str = "") -> None:
        """Every row of `frame`, ROWS_PER_SLIDE to a slide, continuing on further slides
        titled "(continued, 2 of 3)"; a slide saying `empty` when there are none."""
        frame = in_words(frame)
        parts = max(1, -(-len(frame) // ROWS_PER_SLIDE))
        for part in range(parts):
            name = title if part == 0 else f"{title} (continued, {part + 1} of {parts})"
            page = slide(name)
            shown = frame.iloc[part * ROWS_PER_SLIDE : (part + 1) * ROWS_PER_SLIDE]
            if len(shown):
                table_on(page, shown)
            else:
                box = page.shapes.add_textbox(Inches(0.5), Inches(1.5), Inches(12), Inches(1))
                box.text_frame.text = empty
            if note and part == parts - 1:
                box = page.shapes.add_textbox(Inches(0.5), Inches(6.5), Inches(12), Inches(0.4))
                box.text_frame.text = note

    title = deck.slides.add_slide(deck.slide_layouts[0])
    title.shapes.title.text = content.title
    briefing = slide(SUMMARY).shapes.add_textbox(
        Inches(0.5), Inches(1.4), Inches(12.3), Inches(5.4)
    )
    briefing.text_frame.word_wrap = True
    for n, line in enumerate(content.summary):
        paragraph = (
            briefing.text_frame.paragraphs[0] if n == 0 else briefing.text_frame.add_paragraph()
        )
        paragraph.text = "• " + line
        paragraph.font.size = Pt(16)
    tables(SECTIONS[0], pd.DataFrame(content.figures, columns=["Figure", "Value"]))
    if content.curve is not None:
        picture(slide(SECTIONS[1]), content.curve)
    else:
        tables(SECTIONS[1], pd.DataFrame(), empty=NO_SYSTEMS)
    tables(SECTIONS[2], content.savings, _councils_more(content.more_councils).strip(), NO_MONEY)
    if content.savings_chart is not None:
        picture(slide(f"{SECTIONS[2]}: {SAVINGS_CHART}"), content.savings_chart)
    for council, chart in content.roadmap_charts:
        picture(slide(f"{SECTIONS[3]}: {council}"), chart)
    tables(SECTIONS[4], content.risks, _more(content.more_risks, *AT_RISK, content), NO_RISKS)
    tables(
        SECTIONS[5],
        content.decisions,
        _more(content.more_decisions, *DECISIONS, content),
        NO_DECISIONS,
    )
    tables(SECTIONS[6], content.changes, empty=NO_CHANGES)
    if content.appendix is not None:
        tables(APPENDIX, content.appendix, empty=NO_RISKS)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()
