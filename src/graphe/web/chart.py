"""Bar charts drawn on the server as SVG geometry, so a figure reads without JavaScript.

:func:`bars` turns (label, value) pairs into rectangles and tick labels in a fixed
viewBox; the template ``pages/_chart.html`` draws them and the page shows the same figures
as a table beside the chart.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphe.web.tables import number

WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 36


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass
class Chart:
    title: str
    unit: str
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (y, text) of the value axis
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    base: float = HEIGHT - BOTTOM


def bars(title: str, unit: str, points: list[tuple]) -> Chart:
    """A bar chart of ``points`` (label, value[, text shown on the bar]), the value axis from 0 to a round maximum."""
    top = max([p[1] for p in points] + [0]) or 1
    step = _step(top)
    ceiling = step * -(-top // step)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    width = min(slot * 0.6, 60)
    result = []
    for i, (label, value, *shown) in enumerate(points):
        h = plot_h * value / ceiling
        x = LEFT + slot * i + (slot - width) / 2
        text = shown[0] if shown else number(value)
        result.append(Bar(round(x, 1), round(TOP + plot_h - h, 1), round(width, 1), round(h, 1), label, text))
    ticks = []
    v = 0.0
    while v <= ceiling + 1e-9:
        ticks.append((round(TOP + plot_h - plot_h * v / ceiling, 1), number(v)))
        v += step
    return Chart(title, unit, result, ticks)


def _step(top: float) -> float:
    """A round step giving 3 to 6 ticks up to ``top``."""
    magnitude = 10 ** (len(str(int(top))) - 1) if top >= 1 else 0.1
    for factor in (1, 2, 2.5, 5, 10):
        if top / (magnitude * factor) <= 5:
            return magnitude * factor
    return magnitude * 10
