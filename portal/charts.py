"""Charts drawn on the server as SVG geometry: no JavaScript, no chart library, no CDN.

`line_chart` is a pure function from numbers to coordinates; the template
portal/includes/line_chart.html turns the result into an <svg> with a table of the same numbers
for screen readers. Colours come from CSS classes (the CSP forbids inline styles).
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

Number = int | float
XValue = Number | date | datetime

# Drawing area inside the SVG viewBox, leaving room for the axis labels.
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 28, 12, 28


@dataclass(frozen=True)
class Tick:
    position: float  # x or y in SVG units
    label: str


@dataclass(frozen=True)
class Line:
    name: str
    css: str  # CSS class of the stroke, e.g. "series-1"
    points: str  # "x,y x,y …" for <polyline points>
    dots: tuple[tuple[float, float, str], ...]  # (x, y, value as text) for markers and titles
    total: Number


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    lines: tuple[Line, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    rows: tuple[tuple[str, tuple[Number, ...]], ...]  # the data as a table: (x label, values)
    empty: bool


def nice_ceiling(value: Number) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above `value` (at least 1): a y-axis top that reads
    well. The charts count things, so the axis is whole numbers."""
    if value <= 1:
        return 1
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return int(candidate)
    return 10 ** (exponent + 1)  # pragma: no cover - the loop always returns


def _divisions(top: int) -> int:
    """How many gridlines split 0…top into whole steps (at most 5)."""
    return next(n for n in (5, 4, 2, 1) if top % n == 0)


def _as_number(x: XValue) -> float:
    if isinstance(x, datetime):
        return x.timestamp()
    if isinstance(x, date):
        return float(x.toordinal())
    return float(x)


def _default_label(x: XValue) -> str:
    if isinstance(x, datetime):
        return x.strftime("%d.%m %H:%M")
    if isinstance(x, date):
        return x.strftime("%d.%m.%Y")
    return f"{x:g}" if isinstance(x, float) else str(x)


def _format_value(value: Number) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return f"{int(value):,}".replace(",", "\u202f")  # narrow no-break space groups thousands


def line_chart(
    xs: Sequence[XValue],
    series: Sequence[tuple[str, Sequence[Number]]],
    *,
    width: int = 640,
    height: int = 220,
    max_x_ticks: int = 6,
    x_label: Callable[[XValue], str] = _default_label,
) -> Chart:
    """Lay out one or more series over shared x values (numbers, dates or datetimes, ascending).

    x positions are proportional to the values, so an irregular series (checks at uneven times)
    is drawn to scale. y starts at 0 and ends at a round number above the largest value."""
    for name, values in series:
        if len(values) != len(xs):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(xs)} x values")
    left, right = MARGIN_LEFT, width - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, height - MARGIN_BOTTOM
    rows = tuple(
        (x_label(x), tuple(values[i] for _name, values in series)) for i, x in enumerate(xs)
    )
    if not xs:
        return Chart(width, height, left, right, top, bottom, (), (), (), rows, True)

    numeric = [_as_number(x) for x in xs]
    x_min, x_max = numeric[0], numeric[-1]
    span = x_max - x_min

    def x_at(value: float) -> float:
        if span == 0:
            return (left + right) / 2
        return left + (value - x_min) / span * (right - left)

    peak = max((v for _name, values in series for v in values), default=0)
    y_top = nice_ceiling(peak)

    def y_at(value: Number) -> float:
        return bottom - (value / y_top) * (bottom - top)

    lines = []
    for index, (name, values) in enumerate(series, start=1):
        coords = [
            (round(x_at(n), 1), round(y_at(v), 1)) for n, v in zip(numeric, values, strict=True)
        ]
        lines.append(
            Line(
                name=name,
                css=f"series-{index}",
                points=" ".join(f"{x},{y}" for x, y in coords),
                dots=tuple(
                    (x, y, _format_value(v)) for (x, y), v in zip(coords, values, strict=True)
                ),
                total=sum(values),
            )
        )

    count = min(max_x_ticks, len(xs))
    if count == 1:
        indices = [0]
    else:
        indices = sorted({round(i * (len(xs) - 1) / (count - 1)) for i in range(count)})
    x_ticks = tuple(Tick(round(x_at(numeric[i]), 1), x_label(xs[i])) for i in indices)
    divisions = _divisions(y_top)
    y_ticks = tuple(
        Tick(round(y_at(y_top * i // divisions), 1), _format_value(y_top * i // divisions))
        for i in range(divisions + 1)
    )
    return Chart(
        width, height, left, right, top, bottom, tuple(lines), x_ticks, y_ticks, rows, False
    )
