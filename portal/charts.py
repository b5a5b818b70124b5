"""Charts drawn on the server as SVG geometry: no JavaScript, no chart library, no CDN.

`line_chart` is a pure function from numbers to coordinates; the template
portal/includes/line_chart.html turns the result into an <svg> with a table of the same numbers
for screen readers. Colours come from CSS classes (the CSP forbids inline styles).

Three choices make the charts read well (docs/design.md §4.6, the README's "Charts"):

* **A spike does not flatten the rest.** The y axis ends at a round number above the largest
  value, unless that value is far above the others: then it ends at a round number above 1.5 ×
  the 90th percentile of the positive values (:func:`axis_top`), and each point above it is
  drawn on the top edge, marked as clipped and labelled with its value. A linear axis that
  stops short reads better than a log scale, which officers misread as "nothing happened".
* **The current period is marked.** `partial` names the last period as still running (this
  week, this month); its band is hatched and labelled, so a low last point is not read as a
  fall.
* **Two layouts, one picked by the width it gets.** :func:`responsive_line_chart` lays out the
  same numbers twice, wide and narrow; the stylesheet shows the one that fits its container
  (a CSS container query), so labels stay at least 11 px on a phone without scripts.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

Number = int | float
XValue = Number | date | datetime

# Drawing area inside the SVG viewBox, leaving room for the axis labels (and, at the top, for
# the labels of clipped points and of the partial period).
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 28, 22, 28
NARROW_MARGIN_LEFT = 44
# The axis is cut short when the peak exceeds CLIP_FACTOR × the robust top (see axis_top).
ROBUST_QUANTILE, HEADROOM, CLIP_FACTOR = 0.9, 1.5, 2
# The layouts of responsive_line_chart: SVG units; the stylesheet sizes the text to match.
WIDE = {"width": 560, "height": 220, "max_x_ticks": 6}
NARROW = {"width": 320, "height": 240, "max_x_ticks": 4}


@dataclass(frozen=True)
class Tick:
    position: float  # x or y in SVG units
    label: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    value: str  # the value as text, for the marker's title (and label when clipped)
    clipped: bool = False  # above the axis: drawn on the top edge, labelled with its value
    partial: bool = False  # the value of a period still running


@dataclass(frozen=True)
class Line:
    name: str
    css: str  # CSS class of the stroke, e.g. "series-1"
    points: str  # "x,y x,y …" for <polyline points>
    dots: tuple[Dot, ...]
    total: Number


@dataclass(frozen=True)
class Band:
    """A hatched stretch of the x axis: the period still running."""

    x: float
    y: float
    width: float
    height: float
    label: str


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
    y_top: int = 1  # the value at the top of the axis
    clipped: bool = False  # some value is above y_top (axis_top)
    partial: Band | None = None


@dataclass(frozen=True)
class Responsive:
    """The same chart laid out for a wide and a narrow container."""

    wide: Chart
    narrow: Chart

    @property
    def empty(self) -> bool:
        return self.wide.empty


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


def _quantile(ordered: Sequence[Number], q: float) -> float:
    """The q-quantile of ascending values, interpolated linearly between ranks."""
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def axis_top(values: Sequence[Number]) -> tuple[int, bool]:
    """(the value at the top of the y axis, whether some value is above it).

    Normally a round number at or above the largest value. When the largest is more than
    CLIP_FACTOR × a robust top (a round number above HEADROOM × the 90th percentile of the
    positive values; zeros of quiet series would drag the percentile down), the axis ends at
    the robust top and the spike is clipped: one week of 300 links no longer presses eleven
    weeks of 10 to the floor. Fewer than four positive values are too few to call one a spike."""
    peak = max(values, default=0)
    full = nice_ceiling(peak)
    positive = sorted(v for v in values if v > 0)
    if len(positive) < 4:
        return full, False
    robust = nice_ceiling(_quantile(positive, ROBUST_QUANTILE) * HEADROOM)
    if peak > CLIP_FACTOR * robust:
        return robust, True
    return full, False


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
    partial: str = "",
) -> Chart:
    """Lay out one or more series over shared x values (numbers, dates or datetimes, ascending).

    x positions are proportional to the values, so an irregular series (checks at uneven times)
    is drawn to scale. y starts at 0 and ends at :func:`axis_top`. `partial`, when given, is
    the label of the last x value's period, which is still running (e.g. "week so far")."""
    for name, values in series:
        if len(values) != len(xs):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(xs)} x values")
    left = MARGIN_LEFT if width >= 400 else NARROW_MARGIN_LEFT
    right = width - MARGIN_RIGHT
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

    y_top, clipped = axis_top([v for _name, values in series for v in values])

    def y_at(value: Number) -> float:
        return bottom - (min(value, y_top) / y_top) * (bottom - top)

    last = len(xs) - 1

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
                    Dot(x, y, _format_value(v), v > y_top, bool(partial) and i == last)
                    for i, ((x, y), v) in enumerate(zip(coords, values, strict=True))
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
    band = None
    if partial:
        # From halfway back to the previous point to the right edge of the drawing.
        x_last = x_at(numeric[-1])
        step = (x_last - x_at(numeric[-2])) if len(xs) > 1 else (right - left) / 2
        start = max(left, x_last - step / 2)
        end = min(width, x_last + step / 2)
        band = Band(round(start, 1), top, round(end - start, 1), bottom - top, partial)
    return Chart(
        width, height, left, right, top, bottom, tuple(lines), x_ticks, y_ticks, rows, False,
        y_top, clipped, band,
    )  # fmt: skip


def responsive_line_chart(
    xs: Sequence[XValue], series: Sequence[tuple[str, Sequence[Number]]], **options
) -> Responsive:
    """:func:`line_chart` laid out twice, for a wide container and a narrow one (a phone)."""
    return Responsive(
        wide=line_chart(xs, series, **{**WIDE, **options}),
        narrow=line_chart(xs, series, **{**NARROW, **options}),
    )
