"""portal.charts: the SVG geometry of line charts, as a pure function."""

import datetime as dt

import pytest

from portal.charts import line_chart, nice_ceiling


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (1, 1), (3, 5), (7, 10), (12, 20), (51, 100), (1234, 2000)]
)
def test_the_y_axis_ends_on_a_round_number(value, top):
    assert nice_ceiling(value) == top


def test_points_are_proportional_in_time_and_value():
    days = [dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 1, 5)]
    chart = line_chart(days, [("registered", [0, 5, 10])], width=400, height=200)
    points = [tuple(map(float, p.split(","))) for p in chart.lines[0].points.split()]
    xs, ys = [x for x, _y in points], [y for _x, y in points]
    assert xs[0] == chart.left and xs[-1] == chart.right
    # One day of four on the x axis; the values halve the height.
    assert xs[1] - xs[0] == pytest.approx((chart.right - chart.left) / 4, abs=0.1)
    assert ys[0] == chart.bottom and ys[2] == chart.top
    assert ys[1] == pytest.approx((chart.top + chart.bottom) / 2, abs=0.1)
    assert [t.label for t in chart.y_ticks] == ["0", "2", "4", "6", "8", "10"]
    assert chart.rows[1] == ("02.01.2026", (5,))


def test_several_series_share_the_axis_and_keep_their_totals():
    chart = line_chart([1, 2], [("a", [1, 3]), ("b", [2, 2])])
    assert [line.css for line in chart.lines] == ["series-1", "series-2"]
    assert [line.total for line in chart.lines] == [4, 4]
    assert chart.y_ticks[-1].label == "5"


def test_a_single_point_sits_in_the_middle_and_an_empty_chart_says_so():
    one = line_chart([dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)], [("views", [7])])
    x, _y = map(float, one.lines[0].points.split(","))
    assert x == (one.left + one.right) / 2
    assert line_chart([], [("views", [])]).empty


def test_mismatched_series_are_refused():
    with pytest.raises(ValueError, match="series 'a' has 1 values for 2 x values"):
        line_chart([1, 2], [("a", [1])])
