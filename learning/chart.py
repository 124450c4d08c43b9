"""The partnership report's charts: a measure's overall figure month by month, drawn on the server
by matplotlib as SVG and embedded as an image (``data:`` URI), so no chart JavaScript runs and the
pages' Content-Security-Policy stays as it is (an image's own styles are its own). GOV.UK colours:
blue bars, a grey baseline; a suppressed month is drawn as a short hatched stub and named in the
text summary, which says in words what the chart shows; the table beside it gives every figure."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.figure import Figure  # drawn without pyplot: no display, no global figure state

BLUE = "#1d70b8"
GREY = "#b1b4b6"
TEXT = "#0b0c0c"
matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "hub", "font.family": "sans-serif",
                            "font.size": 9})


@dataclass(frozen=True)
class Chart:
    title: str
    summary: str  # the chart in words, for everyone and as the image's text alternative
    src: str  # data:image/svg+xml;base64,...


def monthly_chart(title: str, months: Sequence[tuple[str, float | None]], *, unit: str = "") -> Chart:
    """Bars of ``months`` (label, value; None where suppressed)."""
    figure = Figure(figsize=(6.4, 2.4), dpi=96)
    axes = figure.subplots()
    positions = list(range(len(months)))
    shown = [value if value is not None else 0 for _, value in months]
    axes.bar(positions, shown, color=BLUE, width=0.7)
    top = max(shown, default=0) or 1
    hidden = [x for x, (_, value) in zip(positions, months, strict=True) if value is None]
    if hidden:
        axes.bar(hidden, [top * 0.04] * len(hidden), color="white", edgecolor=GREY, hatch="///", width=0.7)
    axes.set_xticks(positions, [label for label, _ in months], fontsize=8, color=TEXT)
    axes.set_ylim(0, top * 1.15)
    axes.tick_params(axis="y", labelsize=8, colors=TEXT)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(GREY)
    axes.spines["left"].set_color(GREY)
    figure.tight_layout(pad=0.4)
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    src = "data:image/svg+xml;base64," + base64.b64encode(out.getvalue().encode()).decode()
    return Chart(title, _summary(title, months, unit), src)


def _summary(title: str, months: Sequence[tuple[str, float | None]], unit: str) -> str:
    known = [(label, value) for label, value in months if value is not None]
    suppressed = [label for label, value in months if value is None]
    if not known:
        words = f"{title}: every month is suppressed (fewer than the smallest number shown)."
    else:
        high = max(known, key=lambda item: item[1])
        low = min(known, key=lambda item: item[1])
        words = (f"{title}, month by month: highest in {high[0]} ({_number(high[1])}{unit}), "
                 f"lowest in {low[0]} ({_number(low[1])}{unit}).")
        if suppressed:
            words += f" Suppressed (small numbers): {', '.join(suppressed)}."
    return words


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
