"""The usage report as one self-contained HTML page, its charts embedded as PNG data URIs.

Charts are drawn with a bare matplotlib ``Figure`` on the Agg canvas (no display,
no pyplot state). The page loads nothing from anywhere: styles are inline, images
are ``data:`` URIs, and every stored text (questions people asked) is escaped.
"""

from __future__ import annotations

import base64
from html import escape
from io import BytesIO
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.report import UsageReport, percent

__all__ = ["render_html", "write_html"]

_BLUE, _AMBER, _GREY = "#1f6feb", "#d29922", "#6e7781"
_NUMERIC = ' class="n"'  # right-aligned, tabular figures
_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #1f2328; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { margin-bottom: 0.2rem; } .scope { color: #59636e; margin-top: 0; }
.figures { display: grid; gap: 0.8rem;
           grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); }
.figure { background: #eef4ff; border-radius: 8px; padding: 0.7rem 0.9rem; }
.figure .value { font-size: 1.6rem; font-weight: 600; } .figure .label { color: #59636e; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; }
th, td { text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #d1d9e0; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; } .empty { color: #59636e; font-style: italic; }
"""


def _png_uri(figure: Figure) -> str:
    buffer = BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _img(uri: str, alt: str) -> str:
    return f'<img src="{uri}" alt="{escape(alt)}">'


def activity_chart(report: UsageReport) -> str:
    """Questions per day, covered and not covered stacked, as a data URI ("" without data)."""
    if not report.daily:
        return ""
    days = [d.isoformat() for d, _, _ in report.daily]
    covered = [c for _, c, _ in report.daily]
    missed = [m for _, _, m in report.daily]
    figure = Figure(figsize=(8, 3))
    axes = figure.add_subplot()
    axes.bar(days, covered, color=_BLUE, label="covered")
    axes.bar(days, missed, bottom=covered, color=_AMBER, label="not covered")
    axes.set_ylabel("questions")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(frameon=False)
    axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _png_uri(figure)


def phases_chart(report: UsageReport) -> str:
    """Teams per phase as horizontal bars, as a data URI ("" without assessments)."""
    if not report.teams:
        return ""
    names = [phase for phase, _ in report.phases][::-1]
    counts = [count for _, count in report.phases][::-1]
    figure = Figure(figsize=(8, 2.4))
    axes = figure.add_subplot()
    axes.barh(names, counts, color=_BLUE)
    axes.set_xlabel("teams (latest result)")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole teams only
    axes.spines[["top", "right"]].set_visible(False)
    return _png_uri(figure)


def dimensions_chart(report: UsageReport) -> str:
    """Mean score per dimension, weakest on top, as a data URI ("" without scores)."""
    if not report.dimensions:
        return ""
    ordered = report.dimensions[::-1]  # barh draws bottom-up; the weakest goes on top
    figure = Figure(figsize=(8, 0.45 * len(ordered) + 1))
    axes = figure.add_subplot()
    colours = [_AMBER if d is report.dimensions[0] else _BLUE for d in ordered]
    axes.barh([d.name for d in ordered], [d.mean_score for d in ordered], color=colours)
    axes.set_xlim(0, 100)
    axes.set_xlabel("mean score across teams (0-100)")
    axes.axvline(50, color=_GREY, linewidth=0.8, linestyle="--")
    axes.spines[["top", "right"]].set_visible(False)
    return _png_uri(figure)


def _figure(value: str, label: str) -> str:
    return (
        f'<div class="figure"><div class="value">{escape(value)}</div>'
        f'<div class="label">{escape(label)}</div></div>'
    )


def _table(headers: list[str], rows: list[list[str]], numeric_from: int) -> str:
    def cells(values: list[str], tag: str) -> str:
        return "".join(
            f"<{tag}{_NUMERIC if i >= numeric_from else ''}>{escape(v)}</{tag}>"
            for i, v in enumerate(values)
        )

    body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in rows)
    return f"<table><thead><tr>{cells(headers, 'th')}</tr></thead><tbody>{body}</tbody></table>"


def _section(title: str, chart: str, alt: str, body: str, empty: str) -> str:
    if not chart and not body:
        return f'<h2>{escape(title)}</h2><p class="empty">{escape(empty)}</p>'
    image = _img(chart, alt) if chart else ""
    return f"<h2>{escape(title)}</h2>{image}{body}"


def render_html(report: UsageReport) -> str:
    """The report as a self-contained HTML page."""
    scope = report.workspace if report.workspace is not None else "all workspaces"
    figures = "".join(
        (
            _figure(str(report.questions), "questions asked"),
            _figure(percent(report.not_covered_share), f"not covered ({report.not_covered})"),
            _figure(
                percent(report.helpful_share),
                f"helpful ({report.feedback_up} up, {report.feedback_down} down)",
            ),
            _figure(str(report.assessments), f"assessments by {report.teams} teams"),
        )
    )
    gaps = (
        _table(
            ["Question (normalised)", "Times asked"],
            [[q, str(n)] for q, n in report.top_uncovered],
            1,
        )
        if report.top_uncovered
        else ""
    )
    gap_groups = (
        _table(
            ["Workspace", "Kind", "Questions, most asked first (times)", "Times"],
            [
                [
                    f"{g.platform}/{g.workspace}",
                    g.kind,
                    "; ".join(f"{q} ({n})" for q, n in g.questions),
                    str(g.count),
                ]
                for g in report.gaps
            ],
            3,
        )
        if report.gaps
        else ""
    )
    dimensions = (
        _table(
            ["Dimension", "Mean score", "Weakest for (teams)"],
            [[d.name, f"{d.mean_score:.1f}", str(d.weakest_in)] for d in report.dimensions],
            1,
        )
        if report.dimensions
        else ""
    )
    workspaces = (
        _table(
            ["Platform", "Workspace", "Questions", "Not covered", "Up", "Down", "Assessments"],
            [
                [
                    row.platform,
                    row.workspace,
                    str(row.questions),
                    str(row.not_covered),
                    str(row.feedback_up),
                    str(row.feedback_down),
                    str(row.assessments),
                ]
                for row in report.per_workspace
            ],
            2,
        )
        if report.per_workspace
        else ""
    )
    sections = "".join(
        (
            _section(
                "Questions per day",
                activity_chart(report),
                "Questions per day, covered and not covered",
                "",
                "No questions in this period.",
            ),
            _section(
                "Most frequent uncovered questions",
                "",
                "",
                gaps,
                "Every question in this period was covered."
                if report.questions
                else "No questions in this period.",
            ),
            _section(
                "Knowledge gaps: alike questions, not covered or voted down",
                "",
                "",
                gap_groups,
                "No question went uncovered or was voted down in this period.",
            ),
            _section(
                "Phases across teams",
                phases_chart(report),
                "Teams per phase",
                "",
                "No assessments completed in this period.",
            ),
            _section(
                "Weakest dimensions across teams",
                dimensions_chart(report),
                "Mean dimension scores, weakest first",
                dimensions,
                "No assessments completed in this period.",
            ),
            _section("By workspace", "", "", workspaces, "Nothing recorded in this period."),
        )
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Scaling Advisor usage report</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>Scaling Advisor usage report</h1>"
        f'<p class="scope">Workspace: {escape(scope)} | Period: '
        f"{escape(report.period.describe())} (UTC)</p>"
        f'<div class="figures">{figures}</div>{sections}</body></html>\n'
    )


def write_html(report: UsageReport, path: Path) -> Path:
    """Write the report page to ``path`` (creating its folder) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path
