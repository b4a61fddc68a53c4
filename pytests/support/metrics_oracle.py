"""The metrics of docs/catalog/_metrics__docs.md, computed in plain Python from
the generator's ground truth (``Dataset.truth_*``), never from the warehouse.

It shares no code and no SQL with the dbt project: it reads the definitions
literally, so a wrong join or an off-by-one in a mart cannot hide in both
places. Every function returns the rows of one model as dicts keyed by its
column names; dates are ``datetime.date``, timestamps naive UTC ``datetime``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import Counter, defaultdict
from typing import Any

from metrics_truth import (
    DAY,
    Row,
    Truth,
    add_months,
    date_range,
    month_start,
    percentile_cont,
    ratio,
)

# The inputs (Truth) and helpers live in metrics_truth.py; re-exported here
# so that callers keep reading `metrics_oracle.Truth`.
__all__ = ["MARTS", "Row", "Truth", "as_of", "differences", "keyed", "same_value"]


# ----------------------------------------------------------------- marts
def fct_daily_active_users(t: Truth) -> list[Row]:
    rows = []
    for day in t.window:
        dau = len(t.active.get(day, ()))
        wau = len(t.active_between(day - 6 * DAY, day))
        mau = len(t.active_between(day - 29 * DAY, day))
        rows.append(
            {
                "activity_date": day,
                "dau": dau,
                "wau": wau,
                "mau": mau,
                "stickiness": ratio(dau, mau),
            }
        )
    return rows


def fct_retention_cohorts(t: Truth) -> list[Row]:
    rows = []
    for cohort_date, users in sorted(t.signups().items()):
        if cohort_date > t.last_date:
            continue
        row: Row = {"cohort_date": cohort_date, "cohort_size": len(users)}
        for n in (1, 7, 30):
            day = cohort_date + n * DAY
            if t.first_date <= day <= t.last_date:
                active = t.active.get(day, set())
                retained = sum(1 for u in users if u["user_id"] in active)
                row[f"retained_d{n}"] = retained
                row[f"retention_d{n}"] = retained / len(users)
            else:
                row[f"retained_d{n}"] = None
                row[f"retention_d{n}"] = None
        rows.append(row)
    return rows


def fct_monthly_churn(t: Truth) -> list[Row]:
    rows = []
    month = month_start(t.first_date)
    while month <= t.last_date:
        previous = add_months(month, -1)
        month_end = add_months(month, 1) - DAY
        if previous >= t.first_date and month_end <= t.last_date:
            before = t.active_between(previous, month - DAY)
            now = t.active_between(month, month_end)
            churned = len(before - now)
            rows.append(
                {
                    "month_start": month,
                    "active_users_previous_month": len(before),
                    "churned_users": churned,
                    "churn_rate": ratio(churned, len(before)),
                }
            )
        month = add_months(month, 1)
    return rows


def fct_conversion(t: Truth) -> list[Row]:
    conversions = t.conversions()
    rows = []
    for cohort_date, users in sorted(t.signups().items()):
        if cohort_date > t.last_date:
            continue
        observable = cohort_date + 30 * DAY <= t.last_date
        converted = sum(
            1
            for u in users
            if u["user_id"] in conversions
            and conversions[u["user_id"]] <= u["created_at"] + dt.timedelta(hours=720)
        )
        rows.append(
            {
                "cohort_date": cohort_date,
                "signups": len(users),
                "converted_d30": converted if observable else None,
                "conversion_rate_d30": converted / len(users) if observable else None,
            }
        )
    return rows


def sessions(t: Truth) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    spans: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for event in t.events:
        session_id = event["session_id"]
        if session_id is None or not session_id.strip():
            continue
        at = event["occurred_at"]
        first, last = spans.get(session_id, (at, at))
        spans[session_id] = (min(first, at), max(last, at))
    return spans


def fct_sessions_daily(t: Truth) -> list[Row]:
    durations: dict[dt.date, list[float]] = defaultdict(list)
    for first, last in sessions(t).values():
        durations[first.date()].append((last - first).total_seconds())
    return [
        {
            "session_date": day,
            "sessions": len(values),
            "avg_duration_seconds": sum(values) / len(values),
            "median_duration_seconds": percentile_cont(values, 0.5),
        }
        for day, values in sorted(durations.items())
    ]


def fct_feature_usage_daily(t: Truth) -> list[Row]:
    users: dict[tuple, set[str]] = defaultdict(set)
    uses: Counter = Counter()
    for event in t.events:
        if event["event_type"] != "feature_used":
            continue
        feature = event["feature"]
        if feature is None or not feature.strip():
            feature = "unknown"
        key = (event["occurred_at"].date(), feature)
        users[key].add(event["user_id"])
        uses[key] += 1
    return [
        {
            "usage_date": day,
            "feature": feature,
            "users": len(ids),
            "uses": uses[day, feature],
        }
        for (day, feature), ids in sorted(users.items())
    ]


def fct_assistant_performance_daily(t: Truth) -> list[Row]:
    by_day: dict[dt.date, list[Row]] = defaultdict(list)
    for response in t.responses():
        by_day[response["created_at"].date()].append(response)
    rows = []
    for day, responses in sorted(by_day.items()):
        errors = sum(1 for r in responses if r["status"] == "error")
        timings = [
            r["response_ms"] for r in responses if not math.isnan(r["response_ms"])
        ]
        rows.append(
            {
                "response_date": day,
                "responses": len(responses),
                "error_responses": errors,
                "error_rate": errors / len(responses),
                "p50_response_ms": percentile_cont(timings, 0.5),
                "p95_response_ms": percentile_cont(timings, 0.95),
            }
        )
    return rows


def fct_user_growth_daily(t: Truth) -> list[Row]:
    signups = {day: len(users) for day, users in t.signups().items()}
    if not signups:
        return []
    start = min(signups)
    cumulative: dict[dt.date, int] = {}
    running = 0
    rows = []
    for day in date_range(start, t.last_date):
        running += signups.get(day, 0)
        cumulative[day] = running
        earlier = cumulative.get(day - 7 * DAY)
        rows.append(
            {
                "signup_date": day,
                "new_users": signups.get(day, 0),
                "cumulative_users": running,
                "wow_growth_rate": running / earlier - 1 if earlier else None,
            }
        )
    return rows


def messages_per_day(t: Truth) -> Counter:
    return Counter(
        e["occurred_at"].date() for e in t.events if e["event_type"] == "message_sent"
    )


def fct_usage_trends_daily(t: Truth) -> list[Row]:
    messages = messages_per_day(t)
    rows = []
    for day in t.window:
        dau = len(t.active.get(day, ()))
        trailing = [
            messages.get(d, 0)
            for d in date_range(max(day - 6 * DAY, t.first_date), day)
        ]
        rows.append(
            {
                "activity_date": day,
                "messages_sent": messages.get(day, 0),
                "dau": dau,
                "messages_per_active_user": ratio(messages.get(day, 0), dau),
                "messages_sent_7d_avg": sum(trailing) / len(trailing),
            }
        )
    return rows


def fct_regional_adoption_daily(t: Truth) -> list[Row]:
    regions = t.regions()
    signups = t.signups()
    rows = []
    for day in t.window:
        active = t.active.get(day, set())
        active_by_region = Counter(regions.get(u, "Unknown") for u in active)
        new_by_region = Counter(regions[u["user_id"]] for u in signups.get(day, []))
        for region in sorted(set(active_by_region) | set(new_by_region)):
            rows.append(
                {
                    "activity_date": day,
                    "region": region,
                    "active_users": active_by_region[region],
                    "new_users": new_by_region[region],
                    "share_of_active": ratio(active_by_region[region], len(active)),
                }
            )
    return rows


def engagement_tier(active_days: int) -> str:
    if active_days >= 15:
        return "power"
    return "core" if active_days >= 5 else "casual"


def fct_active_users_by_segment_daily(t: Truth) -> list[Row]:
    platforms: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    for event in t.activity_events:
        platforms[event["user_id"], event["occurred_at"].date()].add(
            event["platform"] or "unknown"
        )
    segments: dict[tuple, set[str]] = defaultdict(set)
    for (user_id, day), user_platforms in platforms.items():
        plan = t.plan_on(user_id, day) or "unknown"
        tier = engagement_tier(t.active_days(user_id, day))
        for platform in user_platforms:
            segments[day, platform, plan, tier].add(user_id)
    return [
        {
            "activity_date": day,
            "platform": platform,
            "plan": plan,
            "engagement_tier": tier,
            "active_users": len(users),
        }
        for (day, platform, plan, tier), users in sorted(segments.items())
    ]


def rpt_weekly_kpis(t: Truth) -> list[Row]:
    daily = {row["activity_date"]: row for row in fct_daily_active_users(t)}
    signups = t.signups()
    messages = messages_per_day(t)
    conversion = {row["cohort_date"]: row for row in fct_conversion(t)}
    responses = t.responses()
    weeks = sorted({day - day.weekday() * DAY for day in t.window})
    rows = []
    for week in weeks:
        days = date_range(week, week + 6 * DAY)
        inside = [d for d in days if t.first_date <= d <= t.last_date]
        week_responses = [r for r in responses if r["created_at"].date() in days]
        errors = sum(1 for r in week_responses if r["status"] == "error")
        timings = [
            r["response_ms"] for r in week_responses if not math.isnan(r["response_ms"])
        ]
        cohorts = [d for d in days if signups.get(d)]
        observable = bool(cohorts) and all(
            d in conversion and conversion[d]["converted_d30"] is not None
            for d in cohorts
        )
        rows.append(
            {
                "week_start": week,
                "avg_dau": sum(daily[d]["dau"] for d in inside) / len(inside),
                "wau_at_week_end": daily[inside[-1]]["wau"],
                "new_users": sum(len(signups.get(d, [])) for d in days),
                "messages_sent": sum(messages.get(d, 0) for d in days),
                "assistant_error_rate": ratio(errors, len(week_responses)),
                "p95_response_ms": percentile_cont(timings, 0.95),
                "conversion_rate_d30": (
                    sum(conversion[d]["converted_d30"] for d in cohorts)
                    / sum(conversion[d]["signups"] for d in cohorts)
                    if observable
                    else None
                ),
            }
        )
    return rows


def dim_users(t: Truth) -> list[Row]:
    regions = t.regions()
    days_by_user: dict[str, list[dt.date]] = defaultdict(list)
    for day, users in t.active.items():
        for user_id in users:
            days_by_user[user_id].append(day)
    rows = []
    for user in t.users:
        days = sorted(days_by_user.get(user["user_id"], []))
        email = None if user["is_deleted"] else user["email"].lower()
        rows.append(
            {
                "user_id": user["user_id"],
                "plan": user["plan"],
                "region": regions[user["user_id"]],
                "is_deleted": bool(user["is_deleted"]),
                "signup_date": user["created_at"].date(),
                "first_activity_date": days[0] if days else None,
                "latest_activity_date": days[-1] if days else None,
                "latest_engagement_tier": (
                    engagement_tier(t.active_days(user["user_id"], days[-1]))
                    if days
                    else None
                ),
                "email_domain": email.rsplit("@", 1)[1] if email else None,
                "email_hash": (
                    hashlib.sha256((t.salt + email).encode("utf-8")).hexdigest()
                    if email
                    else None
                ),
            }
        )
    return rows


def dim_dates(t: Truth) -> list[Row]:
    signup_days = [d for d in t.signups() if d <= t.last_date]
    start = min([t.first_date, *signup_days])
    return [
        {
            "date_day": day,
            "week_start": day - day.weekday() * DAY,
            "month_start": month_start(day),
            "iso_day_of_week": day.isoweekday(),
            "calendar_year": day.year,
            "calendar_month": day.month,
            "day_of_month": day.day,
            "is_weekend": day.isoweekday() >= 6,
            "is_in_data_window": day >= t.first_date,
        }
        for day in date_range(start, t.last_date)
    ]


# ----------------------------------------------------------------- real time
def as_of(t: Truth) -> dt.datetime:
    return max(e["received_at"] for e in t.events)


def rt_active_users(t: Truth) -> list[Row]:
    now = as_of(t)
    row: Row = {"as_of": now}
    for minutes in (5, 15, 60):
        start = now - dt.timedelta(minutes=minutes)
        row[f"active_users_{minutes}m"] = len(
            {e["user_id"] for e in t.activity_events if start < e["received_at"] <= now}
        )
    return [row]


def rt_message_rate(t: Truth) -> list[Row]:
    now = as_of(t)
    last_minute = now.replace(second=0, microsecond=0)
    counts = Counter(
        e["received_at"].replace(second=0, microsecond=0)
        for e in t.events
        if e["event_type"] == "message_sent" and e["received_at"] <= now
    )
    return [
        {"minute_start": minute, "messages_sent": counts.get(minute, 0)}
        for minute in (last_minute - dt.timedelta(minutes=k) for k in range(60))
    ]


def rt_system_health(t: Truth, max_lag_minutes: int = 30, max_error_rate=0.01):
    now = as_of(t)
    start = now - dt.timedelta(minutes=15)
    recent = [r for r in t.responses() if start < r["created_at"] <= now]
    errors = sum(1 for r in recent if r["status"] == "error")
    timings = [r["response_ms"] for r in recent if not math.isnan(r["response_ms"])]
    lags = [
        (e["loaded_at"] - e["received_at"]).total_seconds()
        for e in t.events
        if now - dt.timedelta(minutes=60) < e["received_at"] <= now
    ]
    error_rate = ratio(errors, len(recent))
    lag = percentile_cont(lags, 0.95)
    alert = (lag is not None and lag > max_lag_minutes * 60) or (
        error_rate is not None and error_rate > max_error_rate
    )
    return [
        {
            "as_of": now,
            "responses_15m": len(recent),
            "error_responses_15m": errors,
            "error_rate_15m": error_rate,
            "p95_response_ms_15m": percentile_cont(timings, 0.95),
            "pipeline_lag_p95_seconds": lag,
            "status": "alert" if alert else "ok",
        }
    ]


# ----------------------------------------------------------------- catalog
# model -> (function, primary key columns)
MARTS = {
    "fct_daily_active_users": (fct_daily_active_users, ["activity_date"]),
    "fct_retention_cohorts": (fct_retention_cohorts, ["cohort_date"]),
    "fct_monthly_churn": (fct_monthly_churn, ["month_start"]),
    "fct_conversion": (fct_conversion, ["cohort_date"]),
    "fct_sessions_daily": (fct_sessions_daily, ["session_date"]),
    "fct_feature_usage_daily": (fct_feature_usage_daily, ["usage_date", "feature"]),
    "fct_assistant_performance_daily": (
        fct_assistant_performance_daily,
        ["response_date"],
    ),
    "fct_user_growth_daily": (fct_user_growth_daily, ["signup_date"]),
    "fct_usage_trends_daily": (fct_usage_trends_daily, ["activity_date"]),
    "fct_regional_adoption_daily": (
        fct_regional_adoption_daily,
        ["activity_date", "region"],
    ),
    "fct_active_users_by_segment_daily": (
        fct_active_users_by_segment_daily,
        ["activity_date", "platform", "plan", "engagement_tier"],
    ),
    "rpt_weekly_kpis": (rpt_weekly_kpis, ["week_start"]),
    "dim_users": (dim_users, ["user_id"]),
    "dim_dates": (dim_dates, ["date_day"]),
    "rt_active_users": (rt_active_users, ["as_of"]),
    "rt_message_rate": (rt_message_rate, ["minute_start"]),
    "rt_system_health": (rt_system_health, ["as_of"]),
}


def keyed(rows: list[Row], key: list[str]) -> dict[tuple, Row]:
    return {tuple(row[k] for k in key): row for row in rows}


def _normal(value: Any) -> Any:
    """Engine values as plain Python: Decimal -> float, numpy -> Python."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, dt.date):
        value = value.item()
    if type(value).__name__ == "Decimal":
        return float(value)
    return value


def same_value(expected: Any, found: Any, rel: float = 1e-9) -> bool:
    expected, found = _normal(expected), _normal(found)
    if expected is None or found is None:
        return expected is None and found is None
    if isinstance(expected, float) or isinstance(found, float):
        return math.isclose(float(expected), float(found), rel_tol=rel, abs_tol=1e-12)
    if isinstance(expected, bool) or isinstance(found, bool):
        return bool(expected) == bool(found)
    return expected == found


def differences(
    expected: list[Row], found: list[Row], key: list[str], limit: int = 20
) -> list[str]:
    """Human-readable cell differences between two row sets (empty if equal)."""
    want = keyed(expected, key)
    got = keyed([{k: _normal(v) for k, v in row.items()} for row in found], key)
    problems = []
    for missing in sorted(set(want) - set(got), key=str):
        problems.append(f"missing row {missing}")
    for extra in sorted(set(got) - set(want), key=str):
        problems.append(f"unexpected row {extra}")
    for row_key in sorted(set(want) & set(got), key=str):
        for column, value in want[row_key].items():
            if column not in got[row_key]:
                problems.append(f"{row_key}: no column {column}")
            elif not same_value(value, got[row_key][column]):
                problems.append(
                    f"{row_key}.{column}: expected {value!r}, found "
                    f"{got[row_key][column]!r}"
                )
        for column in set(got[row_key]) - set(want[row_key]):
            problems.append(f"{row_key}: undocumented column {column}")
    return problems[:limit]
