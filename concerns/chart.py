"""Daily observations drawn as small multiples: one server-rendered SVG line chart per indicator,
a point for each day's score, the line broken where a day has none, and the indicator's alert
level dashed across it. The figures are those of the table the page shows beneath (each day's
last observation, concerns.services.observations.chart_days).

Everything is drawn with SVG presentation attributes (``fill``, ``stroke``...), never a ``style``
attribute or element, which the pages' Content-Security-Policy (``style-src 'self'``) refuses.
Each chart is an image to assistive technology (``role="img"``), named by its ``<title>`` and
described by its ``<desc>``; the table gives every figure as text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from hub.config import ObservationPolicy

# GOV.UK Frontend's colours: blue for the scores, red for a score at the alert level and the
# level itself; mid-grey lines and dark-grey text.
BLUE = "#1d70b8"
RED = "#d4351c"
GRID = "#b1b4b6"
TEXT = "#505a5f"

WIDTH, HEIGHT = 320, 132
LEFT, RIGHT, TOP, BOTTOM = 22, 10, 10, 26

Day = tuple[date, Mapping[str, int] | None]


@dataclass(frozen=True)
class Chart:
    indicator: str
    label: str
    svg: Markup


def alert_level(indicator: str, policy: ObservationPolicy) -> int | None:
    """The lowest score of ``indicator`` that crosses a threshold (as concerns.rules.score_thresholds
    reads the policy), None when none applies."""
    levels = [level for level in (policy.any_indicator_at, policy.indicator_at.get(indicator, 0)) if level]
    return min(levels) if levels else None


def _day_words(day: date) -> str:
    return f"{day.day} {day:%B}"


def _short(day: date) -> str:
    return f"{day.day} {day:%b}"


def _runs(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """The points in runs of consecutive days: a day without a score breaks the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if len(run) > 1]


def indicator_chart(indicator: str, label: str, scores: Sequence[tuple[date, int | None]], *,
                    scale_max: int, alert_at: int | None) -> Markup:
    """One indicator's chart: ``scores`` is each day, oldest first, with its score or None."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(scores)
    step = plot_w / (count - 1) if count > 1 else 0.0

    def x(n: int) -> float:
        return LEFT + n * step

    def y(score: int) -> float:
        return TOP + plot_h * (scale_max - min(max(score, 0), scale_max)) / scale_max

    title_id, desc_id = f"chart-{indicator}-title", f"chart-{indicator}-desc"
    parts: list[Markup] = []
    for level in range(scale_max + 1):
        parts.append(Markup('<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="1"/>')
                     .format(LEFT, WIDTH - RIGHT, y(level), y(level), GRID))
        parts.append(Markup('<text x="{}" y="{:.1f}" font-size="10" fill="{}" text-anchor="end">{}</text>')
                     .format(LEFT - 6, y(level) + 3.5, TEXT, level))
    if alert_at is not None and 0 < alert_at <= scale_max:
        parts.append(Markup('<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="1.5" '
                            'stroke-dasharray="4 3"/>').format(LEFT, WIDTH - RIGHT, y(alert_at), y(alert_at),
                                                              RED))
    for n, (day, _score) in enumerate(scores):
        if n == 0 or n == count - 1 or n % 7 == 0:
            anchor = "start" if n == 0 else ("end" if n == count - 1 else "middle")
            parts.append(Markup('<text x="{:.1f}" y="{}" font-size="10" fill="{}" text-anchor="{}">{}</text>')
                         .format(x(n), HEIGHT - 8, TEXT, anchor, _short(day)))
    points = [(x(n), y(score)) if score is not None else None for n, (_day, score) in enumerate(scores)]
    for run in _runs(points):
        parts.append(Markup('<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>')
                     .format(" ".join(f"{px:.1f},{py:.1f}" for px, py in run), BLUE))
    for n, (day, score) in enumerate(scores):
        if score is None:
            continue
        colour = RED if alert_at is not None and score >= alert_at else BLUE
        parts.append(Markup('<circle cx="{:.1f}" cy="{:.1f}" r="3.5" fill="{}" data-day="{}" data-score="{}">'
                            '<title>{}: {}</title></circle>')
                     .format(x(n), y(score), colour, day.isoformat(), score, _day_words(day), score))
    return Markup('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" '
                  'focusable="false" aria-labelledby="{} {}" data-indicator="{}">'
                  '<title id="{}">{}, the last {} days</title><desc id="{}">{}</desc>{}</svg>').format(
        WIDTH, HEIGHT, title_id, desc_id, indicator, title_id, label, count, desc_id,
        _description(label, scores, scale_max=scale_max, alert_at=alert_at), Markup("").join(parts))


def _description(label: str, scores: Sequence[tuple[date, int | None]], *, scale_max: int,
                 alert_at: int | None) -> str:
    observed = [(day, score) for day, score in scores if score is not None]
    if not scores:
        return f"{label}: no days to show."
    words = (f"{label}, scored 0 to {scale_max}, each day from {_day_words(scores[0][0])} to "
             f"{_day_words(scores[-1][0])}: scored on {len(observed)} of {len(scores)} days")
    if observed:
        highest = max(score for _day, score in observed)
        last = max(day for day, score in observed if score == highest)
        words += f"; highest {highest}, last on {_day_words(last)}"
    if alert_at is not None:
        words += f". {alert_at} or more raises an alert"
    return words + ". The table below gives every day's score."


def charts(days: Sequence[Day], policy: ObservationPolicy, names: Mapping[str, str]) -> list[Chart]:
    """One chart per indicator of the policy, from the days of chart_days."""
    return [Chart(indicator, names[indicator], indicator_chart(
        indicator, names[indicator],
        [(day, scores.get(indicator) if scores else None) for day, scores in days],
        scale_max=policy.scale_max, alert_at=alert_level(indicator, policy)))
        for indicator in policy.indicators]
