"""The pure pieces of the dashboards: number formats, ISO weeks, week-over-week
changes and the report's SVG axes (no warehouse needed)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from synapse_dashboards import formatting as fmt
from synapse_dashboards import kpis, svg
from synapse_dashboards.connection import Warehouse, WarehouseUnavailable


@pytest.mark.parametrize(
    ("function", "value", "text"),
    [
        (fmt.count, 1234567, "1,234,567"),
        (fmt.count, None, "n/a"),
        (fmt.count, math.nan, "n/a"),
        (fmt.decimal, 1234.56, "1,234.6"),
        (fmt.percent, 0.253, "25.3%"),
        (fmt.milliseconds, 842.5, "842 ms"),
        (fmt.milliseconds, 12345, "12.3 s"),
        (fmt.seconds, 42, "42 s"),
        (fmt.seconds, 330, "5.5 min"),
        (fmt.seconds, 7200, "2.0 h"),
    ],
)
def test_numbers_for_people(function, value, text) -> None:
    assert function(value) == text


def test_changes_are_relative_for_counts_and_points_for_rates() -> None:
    assert fmt.change(110, 100) == "+10.0%"
    assert fmt.change(5, 0) == "n/a"
    assert fmt.point_change(0.25, 0.2) == "+5.0 pp"
    rate = next(k for k in kpis.KPIS if k.column == "assistant_error_rate")
    assert rate.change(0.02, 0.01) == "+1.0 pp"


def test_iso_weeks_round_trip_and_reject_bad_input() -> None:
    assert kpis.parse_week("2026-W10") == dt.date(2026, 3, 2)
    assert kpis.week_label(dt.date(2026, 3, 8)) == "2026-W10"
    assert kpis.week_label(dt.date(2027, 1, 1)) == "2026-W53"
    with pytest.raises(ValueError, match="not in the form YYYY-Www"):
        kpis.parse_week("2026-10")
    with pytest.raises(ValueError, match="does not exist"):
        kpis.parse_week("2025-W53")


def test_week_over_week_only_compares_adjacent_weeks() -> None:
    frame = pd.DataFrame(
        {
            "week_start": [dt.date(2026, 3, 2), dt.date(2026, 3, 9),
                           dt.date(2026, 3, 23)],
            "new_users": [10, 15, 30],
        }
    )  # fmt: skip
    table = kpis.with_changes(frame)
    assert list(table["New users vs prev. week"]) == ["n/a", "+50.0%", "n/a"]


def test_svg_axes_end_on_round_numbers() -> None:
    assert svg._nice_max(37) == 40
    assert svg._nice_max(0.033) == pytest.approx(0.04)
    assert svg._nice_max(1001) == 2000
    chart = svg.bar_chart(
        ["W01", "W02"], [3, None], title="T", x_title="X", y_title="Y (n)",
        tick=fmt.count,
    )  # fmt: skip
    assert chart.startswith("<svg") and chart.count("<rect") == 1
    assert ">Y (n)</text>" in chart


def test_unknown_target_is_a_clear_error(monkeypatch) -> None:
    with pytest.raises(WarehouseUnavailable, match="unknown target 'bigquery'"):
        Warehouse(target="bigquery")
