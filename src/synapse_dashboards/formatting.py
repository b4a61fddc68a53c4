"""Numbers for people: thousands separators, percentages, durations.

One module so the pages, the report and the tests format a figure the same
way; a test compares the text shown with the mart value passed through here.
"""

from __future__ import annotations

import math
from typing import Any

MISSING = "n/a"


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def count(value: Any) -> str:
    """1234567 -> '1,234,567'."""
    return MISSING if _is_missing(value) else f"{round(float(value)):,}"


def decimal(value: Any, places: int = 1) -> str:
    """1234.56 -> '1,234.6'."""
    return MISSING if _is_missing(value) else f"{float(value):,.{places}f}"


def percent(value: Any, places: int = 1) -> str:
    """A plain ratio (0.253) -> '25.3%'."""
    return MISSING if _is_missing(value) else f"{float(value) * 100:.{places}f}%"


def milliseconds(value: Any) -> str:
    """842.5 -> '843 ms'; 12345 -> '12.3 s'."""
    if _is_missing(value):
        return MISSING
    ms = float(value)
    return f"{ms:,.0f} ms" if ms < 10_000 else f"{ms / 1000:,.1f} s"


def seconds(value: Any) -> str:
    """Durations: 42 -> '42 s', 330 -> '5.5 min', 7200 -> '2.0 h'."""
    if _is_missing(value):
        return MISSING
    s = float(value)
    if s < 120:
        return f"{s:,.0f} s"
    if s < 7200:
        return f"{s / 60:,.1f} min"
    return f"{s / 3600:,.1f} h"


def change(current: Any, previous: Any) -> str:
    """Relative change for week-over-week columns: '+12.5%', '-3.0%', 'n/a'."""
    if _is_missing(current) or _is_missing(previous) or float(previous) == 0:
        return MISSING
    return f"{(float(current) / float(previous) - 1) * 100:+.1f}%"


def point_change(current: Any, previous: Any) -> str:
    """Change of a ratio in percentage points: 0.25 vs 0.20 -> '+5.0 pp'."""
    if _is_missing(current) or _is_missing(previous):
        return MISSING
    return f"{(float(current) - float(previous)) * 100:+.1f} pp"
