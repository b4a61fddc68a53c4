"""Altair charts for the pages: a title, axis titles with units, human number
formats and the Okabe-Ito palette (safe for the common colour-vision
deficiencies) on every chart."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

# Okabe & Ito (2008), black left out: readable with protanopia, deuteranopia
# and tritanopia, and distinct in greyscale print.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#999999",  # grey
)
COUNT_FORMAT = ",.0f"
RATIO_FORMAT = ".0%"
HEIGHT = 260


def _axis(number_format: str) -> alt.Axis:
    """Counts tick on whole numbers only (no '1, 1, 2, 2' on small counts)."""
    if number_format == COUNT_FORMAT:
        return alt.Axis(format=number_format, tickMinStep=1)
    return alt.Axis(format=number_format)


def _colour(field: str, title: str, domain: Sequence[str] | None = None) -> alt.Color:
    scale = alt.Scale(range=list(OKABE_ITO))
    if domain is not None:
        scale = alt.Scale(domain=list(domain), range=list(OKABE_ITO[: len(domain)]))
    return alt.Color(f"{field}:N", title=title, scale=scale)


def lines(
    frame: pd.DataFrame,
    *,
    x: str,
    series: dict[str, str],
    title: str,
    x_title: str,
    y_title: str,
    y_format: str = COUNT_FORMAT,
    temporal_unit: str = "T",
) -> alt.Chart:
    """One line per column in `series` ({column: legend label}) over x."""
    long = frame[[x, *series]].melt(x, var_name="series", value_name="value")
    long["series"] = long["series"].map(series)
    return (
        alt.Chart(long, title=title, height=HEIGHT)
        .mark_line(point=len(frame) <= 31)
        .encode(
            x=alt.X(f"{x}:{temporal_unit}", title=x_title),
            y=alt.Y("value:Q", title=y_title, axis=_axis(y_format)),
            color=_colour("series", "", list(series.values())),
            tooltip=[
                alt.Tooltip(f"{x}:{temporal_unit}", title=x_title),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("value:Q", title=y_title, format=y_format),
            ],
        )
    )


def bars(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    x_title: str,
    y_title: str,
    y_format: str = COUNT_FORMAT,
    x_type: str = "T",
    colour: str | None = None,
    colour_title: str = "",
) -> alt.Chart:
    """Bars of y by x, stacked by `colour` when given."""
    encoding = {
        "x": alt.X(
            f"{x}:{x_type}",
            title=x_title,
            sort=None,
            axis=alt.Axis(labelAngle=0) if x_type == "O" else alt.Axis(),
        ),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=_axis(y_format)),
        "tooltip": [
            alt.Tooltip(f"{x}:{x_type}", title=x_title),
            alt.Tooltip(f"{y}:Q", title=y_title, format=y_format),
        ],
    }
    if colour:
        encoding["color"] = _colour(colour, colour_title)
        encoding["tooltip"].insert(1, alt.Tooltip(f"{colour}:N", title=colour_title))
    else:
        encoding["color"] = alt.value(OKABE_ITO[0])
    return alt.Chart(frame, title=title, height=HEIGHT).mark_bar().encode(**encoding)


def horizontal_bars(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    category_title: str,
    value_title: str,
    value_format: str = COUNT_FORMAT,
) -> alt.Chart:
    """Ranked categories (features, regions, segments), largest first."""
    return (
        alt.Chart(frame, title=title, height=max(220, 100 + 26 * len(frame)))
        .mark_bar(color=OKABE_ITO[0])
        .encode(
            y=alt.Y(f"{category}:N", title=category_title, sort="-x"),
            x=alt.X(f"{value}:Q", title=value_title, axis=_axis(value_format)),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category_title),
                alt.Tooltip(f"{value}:Q", title=value_title, format=value_format),
            ],
        )
    )


def heatmap(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    value: str,
    title: str,
    x_title: str,
    y_title: str,
    value_title: str,
) -> alt.Chart:
    """Retention cohorts: a sequential single-hue scale (colour-blind safe)."""
    base = alt.Chart(frame, title=title, height=max(160, 12 * frame[y].nunique()))
    cells = base.mark_rect().encode(
        x=alt.X(f"{x}:O", title=x_title, sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{y}:O", title=y_title, sort="descending"),
        color=alt.Color(
            f"{value}:Q",
            title=value_title,
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            legend=alt.Legend(format=RATIO_FORMAT),
        ),
        tooltip=[
            alt.Tooltip(f"{y}:O", title=y_title),
            alt.Tooltip(f"{x}:O", title=x_title),
            alt.Tooltip(f"{value}:Q", title=value_title, format=".1%"),
        ],
    )
    return cells
