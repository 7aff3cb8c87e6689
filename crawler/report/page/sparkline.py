"""Response-time sparklines: inline SVG coordinates computed in Python, so the
templates only ever print numbers into the chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crawler.report.page.filters import duration_ms


@dataclass(frozen=True)
class Sparkline:
    """Inline SVG chart, coordinates already computed (numbers only, formatted as text).

    ``lines`` and ``areas`` are ``points`` attribute values, one per run of consecutive
    measured checks (a down check has no response time and breaks the line); ``dots``
    are measured checks with no measured neighbour, drawn as round caps.
    """

    width: int
    height: int
    lines: list[str]
    areas: list[str]
    dots: list[str]
    last: str | None
    low_ms: float
    high_ms: float
    samples: int
    label: str



def _num(value: float) -> str:
    """SVG coordinate: at most one decimal, no trailing zeros; digits only, never data."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def build_sparkline(
    values: Sequence[float | None],
    *,
    slots: int | None = None,
    width: int = 300,
    height: int = 40,
    pad: float = 4.0,
    what: str | None = None,
) -> Sparkline | None:
    """Response-time chart points, or None when nothing was measured.

    Value ``i`` sits at the centre of slot ``slots - len(values) + i``, so with
    ``slots=HISTORY_SLOTS`` each point is right above its cell in the result strip.
    The scale starts at 0 ms: jitter of 10 ms on a 400 ms page stays a flat line
    instead of looking like an outage. ``None`` (a failed check) breaks the line.
    """
    count = len(values)
    present = [v for v in values if v is not None]
    if not present:
        return None
    slots = max(slots or count, count)
    offset = slots - count
    step = width / slots
    low, high = min(present), max(present)
    scale = (height - 2 * pad) / high if high > 0 else 0.0
    zero = height - pad

    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for index, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
            continue
        current.append(((offset + index + 0.5) * step, zero - value * scale))
    if current:
        runs.append(current)

    lines, areas, dots = [], [], []
    for run in runs:
        points = " ".join(f"{_num(x)},{_num(y)}" for x, y in run)
        if len(run) == 1:
            dots.append(f"{points} {points}")  # zero-length line + round cap = a dot
            continue
        lines.append(points)
        areas.append(f"{_num(run[0][0])},{_num(zero)} {points} {_num(run[-1][0])},{_num(zero)}")
    last = None
    if values[-1] is not None:
        x, y = runs[-1][-1]
        last = f"{_num(x)},{_num(y)} {_num(x)},{_num(y)}"
    what = what or (f"last {count} checks" if count != 1 else "last check")
    label = f"Response time, {what}: min {duration_ms(low)}, max {duration_ms(high)}"
    return Sparkline(width, height, lines, areas, dots, last, low, high, len(present), label)

