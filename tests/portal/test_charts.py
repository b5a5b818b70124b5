"""portal.charts: the SVG geometry of line charts, as a pure function."""

import datetime as dt

import pytest

from portal.charts import axis_top, line_chart, nice_ceiling, responsive_line_chart


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


def test_a_spike_is_clipped_so_that_it_does_not_flatten_the_rest():
    weeks = list(range(12))
    registered = [10, 12, 9, 11, 10, 300, 12, 8, 11, 10, 9, 12]
    chart = line_chart(weeks, [("registered", registered)])
    assert chart.clipped and chart.y_top == 20  # 1.5 × the 90th percentile, rounded up
    spike = chart.lines[0].dots[5]
    assert spike.clipped and spike.value == "300" and spike.y == chart.top
    others = [dot for i, dot in enumerate(chart.lines[0].dots) if i != 5]
    assert not any(dot.clipped for dot in others)
    # The other weeks use half the height or more, not the bottom 4 % of it.
    assert min(chart.bottom - dot.y for dot in others) >= (chart.bottom - chart.top) * 0.4
    assert chart.y_ticks[-1].label == "20"


def test_values_without_a_spike_keep_the_full_axis():
    assert axis_top([10, 12, 9, 11, 10, 35, 12, 8]) == (50, False)  # 35 is not far above the rest
    assert axis_top([0, 0, 0, 50]) == (50, False)  # too few values to call one a spike
    assert axis_top([]) == (1, False)
    chart = line_chart([1, 2, 3], [("a", [1, 2, 3])])
    assert not chart.clipped and chart.y_top == 5


def test_quiet_series_do_not_drag_the_robust_top_down():
    # Three series of zeros beside one of steady values: the zeros are not "the rest".
    values = [5] * 12 + [0] * 36
    assert axis_top(values) == (5, False)


def test_the_running_period_is_marked_partial():
    days = [dt.date(2026, 11, 2) + dt.timedelta(weeks=n) for n in range(4)]
    chart = line_chart(days, [("registered", [4, 5, 6, 1])], partial="week so far")
    band = chart.partial
    assert band.label == "week so far"
    last = chart.lines[0].dots[-1]
    assert last.partial and not chart.lines[0].dots[-2].partial
    assert band.x < last.x <= band.x + band.width  # the band covers the last point
    assert band.y == chart.top and band.height == chart.bottom - chart.top
    assert line_chart(days, [("registered", [4, 5, 6, 1])]).partial is None


def test_a_responsive_chart_lays_out_the_same_numbers_twice():
    chart = responsive_line_chart([1, 2, 3, 4, 5, 6, 7], [("a", [1, 2, 3, 4, 5, 6, 7])])
    assert chart.wide.width > chart.narrow.width
    assert chart.wide.rows == chart.narrow.rows
    assert len(chart.narrow.x_ticks) <= 4 < len(chart.wide.x_ticks)
    assert not chart.empty
