"""The PNG chart attached to /feedback: votes and opens per item, drawn with matplotlib's
Agg backend. Figures are made without pyplot, whose global state is not thread safe:
the chart is drawn in a worker thread (it is CPU work the event loop cannot spare)."""

from __future__ import annotations

import io

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from db.repositories.feedback import Feedback

FILENAME = "feedback.png"
DPI = 100
MIN_WIDTH, MAX_WIDTH, INCHES_PER_ITEM = 6.0, 20.0, 0.3
TITLE_CHARS = 80


def _bars(axes: Axes, numbers: list[int], series: list[tuple[str, list[int], str]]) -> None:
    width = 0.8 / len(series)
    for n, (label, values, colour) in enumerate(series):
        offset = (n - (len(series) - 1) / 2) * width
        axes.bar([x + offset for x in numbers], values, width, label=label, color=colour)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    axes.grid(axis="y", alpha=0.3)
    axes.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]


def render_chart(report: Feedback) -> bytes:
    """Two panels sharing the item axis: Helpful / Not helpful votes, and /item / Full text
    opens (opens usually outnumber votes by far, so one scale would flatten the votes)."""
    items = report.items
    numbers = [i.number for i in items]
    width = min(MAX_WIDTH, max(MIN_WIDTH, INCHES_PER_ITEM * len(items)))
    figure = Figure(figsize=(width, 6), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    votes, opens = figure.subplots(2, 1, sharex=True)
    _bars(
        votes,
        numbers,
        [
            ("Helpful", [i.helpful for i in items], "#2e8b57"),
            ("Not helpful", [i.not_helpful for i in items], "#c0392b"),
        ],
    )
    votes.set_ylabel("votes")
    _bars(
        opens,
        numbers,
        [
            ("/item", [i.item_opens for i in items], "#2f6db5"),
            ("Full text", [i.full_text_opens for i in items], "#e08e0b"),
        ],
    )
    opens.set_ylabel("opens")
    opens.set_xlabel("item")
    if numbers:
        step = max(1, len(numbers) // 40)  # readable labels for a long issue
        opens.set_xticks(numbers[::step])
    title = report.issue.title
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1] + "…"
    # Titles are text, not mathtext: a "$" in a title must not be parsed.
    figure.suptitle(f"Feedback: {title}", usetex=False, parse_math=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
