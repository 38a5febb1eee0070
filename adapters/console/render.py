"""Replies rendered for the web console: a JSON object per reply, with its HTML.

The page's script inserts ``html`` as is and wires the buttons in it by their
``data-*`` attributes: ``data-action`` (an ``ActionKind`` value, with
``data-value`` and ``data-ref``) sends a button press, ``data-ask`` asks a
question. Every text is escaped here, so the script never builds markup from
what users or documents wrote. The other fields carry the reply's data for API
clients and tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from adapters.console.markup import inline, to_html
from bot.messages import (
    ActionKind,
    AnswerReply,
    DimensionScore,
    NoticeReply,
    QuestionReply,
    Recommendation,
    Related,
    Reply,
    ResultReply,
    Source,
)

__all__ = ["CHART_PATH", "chart_url", "label", "log_entries", "render", "render_all"]

CHART_PATH = "/console/api/chart/"
_ARROW = "\u203a"  # between a document's title and its section


def chart_url(assessment_id: str) -> str:
    """Where the page fetches a result's radar chart."""
    return f"{CHART_PATH}{assessment_id}"


def label(value: str) -> str:
    """A stored id such as ``"decentralised"`` or ``"ml_pipeline"`` as a label."""
    text = value.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def render_all(replies: list[Reply]) -> list[dict[str, object]]:
    """Every reply, rendered, in order."""
    return [render(reply) for reply in replies]


def log_entries(replies: list[Reply], suggestions: list[str]) -> str:
    """Replies and suggestion chips as the page's conversation log shows them.

    The same markup the page's script builds for a reply (``entry advisor <kind>``), so
    the welcome can be served inside the page and shows before any script runs.
    """
    entries = [
        f'<div class="entry advisor {escape(str(item["kind"]))}">{item["html"]}</div>'
        for item in render_all(replies)
    ]
    if suggestions:
        chips = "".join(_button(text, "chip", ask=text) for text in suggestions)
        box = f'<div class="suggestions">{chips}</div>'
        entries.append(f'<div class="entry advisor suggestions-entry">{box}</div>')
    return "\n".join(entries)


def render(reply: Reply) -> dict[str, object]:
    """One reply as a JSON-ready object with a ``kind``, its ``html`` and its data."""
    if isinstance(reply, AnswerReply):
        return _answer(reply)
    if isinstance(reply, QuestionReply):
        return _question(reply)
    if isinstance(reply, ResultReply):
        return _result(reply)
    return _notice(reply)


def _button(text: str, css: str = "", **data: str) -> str:
    attributes = "".join(
        f' data-{name.replace("_", "-")}="{escape(value, quote=True)}"'
        for name, value in data.items()
    )
    return f'<button type="button" class="{css}"{attributes}>{escape(text)}</button>'


def _action(text: str, kind: ActionKind, value: str = "", ref: str = "", css: str = "") -> str:
    return _button(text, css, action=kind.value, value=value, ref=ref)


def _list_box(css: str, heading: str, tag: str, items: Iterable[str]) -> str:
    """A titled box with a list (``tag``: ``ul`` or ``ol``) of ``<li>`` items."""
    return f'<div class="{css}"><h3>{heading}</h3><{tag}>{"".join(items)}</{tag}></div>'


def _notice(reply: NoticeReply) -> dict[str, object]:
    return {
        "kind": "notice",
        "text": reply.text,
        "html": f'<div class="card notice">{to_html(reply.text)}</div>',
    }


def _answer(reply: AnswerReply) -> dict[str, object]:
    names = {s.number: f"{s.title} {_ARROW} {s.section}" for s in reply.sources}
    parts = [f'<div class="card answer{"" if reply.covered else " not-covered"}">']
    if reply.note:
        parts.append(f'<p class="note">{escape(reply.note)}</p>')
    parts.append(f'<div class="answer-text">{to_html(reply.text, names)}</div>')
    if reply.covered and reply.sources:
        items = (_source_item(s, names[s.number]) for s in reply.sources)
        parts.append(_list_box("sources", "Sources", "ol", items))
    if reply.covered and reply.related:
        links = (_related_item(r) for r in reply.related)
        parts.append(_list_box("see-also", "See also", "ul", links))
    if reply.answer_id:
        parts.append(
            '<div class="buttons feedback"><span>Was this helpful?</span>'
            + _action("Helpful", ActionKind.FEEDBACK, "up", reply.answer_id)
            + _action("Not helpful", ActionKind.FEEDBACK, "down", reply.answer_id)
            + "</div>"
        )
    parts.append("</div>")
    data = reply.as_dict()
    data["text"] = data.pop("answer")  # every console reply's words are under "text"
    return {"kind": "answer", "answer_id": reply.answer_id, **data, "html": "".join(parts)}


def _source_item(source: Source, name: str) -> str:
    return (
        f'<li value="{source.number}"><span class="source-name">{escape(name)}</span> '
        f'<span class="source-path">{escape(source.source)}</span></li>'
    )


def _related_item(related: Related) -> str:
    return (
        f'<li><a href="#" data-ask="{escape(related.question, quote=True)}">'
        f"{escape(related.title.replace(' > ', f' {_ARROW} '))}</a></li>"
    )


def _question(reply: QuestionReply) -> dict[str, object]:
    ref = reply.ref
    progress = f"Question {reply.number} of {reply.total}"
    options = "".join(
        _action(
            f"{index + 1}. {option}",
            ActionKind.ASSESS_ANSWER,
            str(index),
            ref,
            css="option chosen" if index == reply.selected else "option",
        )
        for index, option in enumerate(reply.options)
    )
    steps = _action("Restart", ActionKind.ASSESS_RESTART, reply.mode, ref, css="secondary")
    if reply.can_go_back:
        steps = _action("Back", ActionKind.ASSESS_BACK, "", ref, css="secondary") + steps
    html = (
        '<div class="card question">'
        f'<p class="progress">Scale check ({escape(reply.mode)}) \u00b7 {progress} \u00b7 '
        f"{escape(reply.dimension)}</p>"
        f'<progress max="{reply.total}" value="{reply.number - 1}"></progress>'
        f"<h2>{escape(reply.text)}</h2>"
        f'<div class="options">{options}</div>'
        f'<div class="buttons steps">{steps}</div>'
        "</div>"
    )
    return {
        "kind": "question",
        "assessment_id": reply.assessment_id,
        "question_id": reply.question_id,
        "number": reply.number,
        "total": reply.total,
        "options": list(reply.options),
        "html": html,
    }


def _dimension_row(score: DimensionScore) -> str:
    change = ""
    if score.change:
        change = f' <span class="change">({score.change:+.0f})</span>'
    return (
        f"<tr><th>{escape(score.name)}</th>"
        # A progress bar, not a styled span: the page's CSP allows no inline styles.
        f'<td class="bar"><progress max="100" value="{score.score:.0f}"></progress></td>'
        f'<td class="score">{score.score:.0f}{change}</td></tr>'
    )


def _recommendation(rec: Recommendation) -> str:
    blocker = ' <span class="tag">blocker</span>' if rec.blocker else ""
    source = escape(rec.source).replace(" &gt; ", f" {_ARROW} ")
    return (
        f'<li class="recommendation"><h4>{escape(rec.title)}{blocker}</h4>'
        f"<p>{inline(rec.why)}</p>"
        f'<p class="avoid"><strong>Avoid:</strong> {inline(rec.mistake)}</p>'
        f'<p class="source">Source: {source}</p>'
        f"{_button('Ask about this', 'secondary ask', ask=rec.ask)}</li>"
    )


def _result(reply: ResultReply) -> dict[str, object]:
    facts = "".join(
        f"<div><dt>{name}</dt><dd>{escape(value)}</dd></div>"
        for name, value in (
            ("Phase", reply.phase),
            ("MLOps level", label(reply.mlops_level)),
            ("Operating model", label(reply.operating_model)),
        )
    )
    parts = [
        '<div class="card result">',
        "<h2>Your scale check result</h2>",
        f'<dl class="facts">{facts}</dl>',
        '<div class="result-body">',
        f'<img class="chart" src="{chart_url(reply.assessment_id)}" width="480" height="480" '
        'alt="Radar chart of your dimension scores">',
        '<table class="dimensions"><caption>Dimension scores (0-100)</caption>',
        "".join(_dimension_row(d) for d in reply.dimensions),
        "</table></div>",
    ]
    if reply.previous_completed_at:
        parts.append(
            f'<p class="note">Changes are against your result of '
            f"{escape(reply.previous_completed_at[:10])}.</p>"
        )
    if reply.blockers:
        blockers = (f"<li>{escape(b)}</li>" for b in reply.blockers)
        parts.append(_list_box("blockers", "Blockers", "ul", blockers))
    if reply.recommendations:
        actions = (_recommendation(r) for r in reply.recommendations)
        parts.append(_list_box("recommendations", "Recommended next actions", "ol", actions))
    parts.append(
        '<div class="buttons">'
        + _action("Retake (quick)", ActionKind.ASSESS_START, "quick", css="secondary")
        + _action("Retake (full)", ActionKind.ASSESS_START, "full", css="secondary")
        + "</div></div>"
    )
    return {
        "kind": "result",
        "assessment_id": reply.assessment_id,
        "phase": reply.phase,
        "mlops_level": reply.mlops_level,
        "operating_model": reply.operating_model,
        "dimensions": [
            {"id": d.dimension_id, "name": d.name, "score": d.score, "change": d.change}
            for d in reply.dimensions
        ],
        "blockers": list(reply.blockers),
        "recommendations": [
            {
                "title": r.title,
                "why": r.why,
                "source": r.source,
                "ask": r.ask,
                "blocker": r.blocker,
            }
            for r in reply.recommendations
        ],
        "chart_url": chart_url(reply.assessment_id),
        "html": "".join(parts),
    }
