"""Who uses the product and when: users, their sessions, and erasure requests.

Three stages, each with its own random stream, in this order: users (signup
time, lifetime, engagement, country, platform, name), sessions (days a user is
active and the sessions of each day, plus the signup session and a live tail
so a window ending now is fresh) and deletes (users who ask to be erased).
Anonymous ids (events of people without an account) are users too, after the
known ones, so every array indexes the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .configuration import RunContext, Stream
from .primitives import (
    DAY,
    HOUR,
    MINUTE,
    SECOND,
    fault_count,
    hex_ids,
    weighted_choice,
)
from .vocabulary import (
    APP_VERSION_RELEASES,
    COUNTRY_CODES,
    COUNTRY_UTC_OFFSETS,
    COUNTRY_WEIGHTS,
    FIRST_NAMES,
    LAST_NAMES,
    PLATFORM_WEIGHTS,
)

PRE_EXISTING_SHARE = 0.15  # users created before the window (CDC snapshot 'r')
SIGNUP_GROWTH = 2.0  # signup rate at the window's end = (1 + growth) x at start
SHORT_LIFE_SHARE = 0.3  # users who try the product and leave within days
SHORT_LIFE_MEAN_DAYS = 4.0
LONG_LIFE_MEAN_DAYS = 100.0
SEASON = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.72, 0.66])  # Monday .. Sunday
SESSIONS_EXTRA_MEAN = 0.4  # sessions per active day = 1 + Poisson(0.4)
SESSION_END_SHARE = 0.95  # the rest of the sessions are killed without an end
LATEST_SESSION_BEFORE_END = 12 * MINUTE  # room for a session's events to land


@dataclass(frozen=True)
class Users:
    """Known users first (``known`` of them), then anonymous ids."""

    known: int
    anonymous: int
    user_ids: list[str]
    created: np.ndarray  # microseconds (ms precision, as Postgres would echo)
    pre_existing: np.ndarray  # created before the window: a CDC snapshot read
    active_end: np.ndarray  # no sessions after this instant
    engagement: np.ndarray  # probability of being active on a given day
    country: np.ndarray  # index into vocabulary.COUNTRIES
    tz_hours: np.ndarray
    platform: np.ndarray  # index into vocabulary.PLATFORMS
    first_name: np.ndarray  # index into vocabulary.FIRST_NAMES
    last_name: np.ndarray  # index into vocabulary.LAST_NAMES

    @property
    def total(self) -> int:
        return self.known + self.anonymous


@dataclass(frozen=True)
class Sessions:
    """App sessions in start order; ``live_tail`` marks the last-hour ones."""

    user: np.ndarray
    start: np.ndarray
    live_tail: np.ndarray
    platform: np.ndarray
    app_version: np.ndarray  # index into vocabulary.APP_VERSIONS
    middle_events: np.ndarray  # events between session_start and session_end
    has_end: np.ndarray
    ids: list[str]
    conversation_ids: list[str]

    @property
    def count(self) -> int:
        return self.start.size


@dataclass(frozen=True)
class Population:
    """Users, their sessions and their erasure requests."""

    users: Users
    sessions: Sessions
    deleted_at: np.ndarray  # per known user, microseconds; -1: not deleted


def simulate_population(ctx: RunContext) -> Population:
    """Users, then their sessions, then who of them asks to be erased."""
    users = simulate_users(ctx)
    sessions = simulate_sessions(ctx, users)
    deleted_at = simulate_deletes(ctx, users, sessions)
    return Population(users=users, sessions=sessions, deleted_at=deleted_at)


# ------------------------------------------------------------------------ users
def simulate_users(ctx: RunContext) -> Users:
    """Known users and anonymous ids with signup, lifetime and profile."""
    rng = ctx.rng(Stream.USERS)
    config = ctx.config
    known = config.users
    share = min(max(config.anonymous_share, 0.0), 0.9)
    anonymous = round(known * share / (1 - share)) if share > 0 else 0
    total = known + anonymous
    is_known = np.arange(total) < known
    pre_existing = is_known & (rng.random(total) < PRE_EXISTING_SHARE)
    created = _signup_times(ctx, rng, total, pre_existing)
    short = rng.random(total) < SHORT_LIFE_SHARE
    life_days = np.where(
        short,
        rng.geometric(1 / SHORT_LIFE_MEAN_DAYS, total),
        rng.geometric(1 / LONG_LIFE_MEAN_DAYS, total),
    )
    anchor = np.maximum(created, ctx.start)
    active_end = anchor + life_days.astype(np.int64) * DAY
    engagement = np.clip(rng.beta(1.3, 2.4, total), 0.03, 0.97)
    country = weighted_choice(rng, total, COUNTRY_WEIGHTS)
    if known >= 50:  # always a few users outside the region seed
        spots = rng.choice(known, size=2, replace=False)
        for spot, code in zip(spots.tolist(), ("AQ", None), strict=True):
            if not np.any(country[:known] == COUNTRY_CODES.index(code)):
                country[spot] = COUNTRY_CODES.index(code)
    tz_hours = np.array(COUNTRY_UTC_OFFSETS)[country]
    platform = weighted_choice(rng, total, PLATFORM_WEIGHTS)
    first_name = rng.integers(0, len(FIRST_NAMES), total)
    last_name = rng.integers(0, len(LAST_NAMES), total)
    width = max(6, len(str(ctx.total_users)))
    anon_ids = hex_ids(
        "anon_", ctx.id_index(np.arange(anonymous)), ctx.salts.anonymous, 48
    )
    first = ctx.first_user + 1
    user_ids = [f"u_{i:0{width}d}" for i in range(first, first + known)] + anon_ids
    ctx.say(f"users: {known:,} (+{anonymous:,} anonymous ids)")
    return Users(
        known=known,
        anonymous=anonymous,
        user_ids=user_ids,
        created=created,
        pre_existing=pre_existing,
        active_end=active_end,
        engagement=engagement,
        country=country,
        tz_hours=tz_hours,
        platform=platform,
        first_name=first_name,
        last_name=last_name,
    )


def _signup_times(
    ctx: RunContext, rng: np.random.Generator, total: int, pre_existing: np.ndarray
) -> np.ndarray:
    """Signups at a rate rising linearly over the window (inverse CDF); the
    pre-existing users up to 400 days before it. Millisecond precision."""
    growth = SIGNUP_GROWTH
    fraction = (
        np.sqrt(1 + 2 * growth * rng.random(total) * (1 + growth / 2)) - 1
    ) / growth
    span = max(ctx.end - HOUR - ctx.start, MINUTE)
    created = ctx.start + (fraction * span).astype(np.int64)
    created[pre_existing] = ctx.start - (
        rng.uniform(1, 400, pre_existing.sum()) * DAY
    ).astype(np.int64)
    return created - created % 1000  # Postgres keeps microseconds; ms here


# --------------------------------------------------------------------- sessions
def simulate_sessions(ctx: RunContext, users: Users) -> Sessions:
    """Daily, signup and live-tail sessions in start order, with platform,
    app version and how many events each holds."""
    rng = ctx.rng(Stream.SESSIONS)
    daily_user, daily_start = _daily_sessions(ctx, rng, users)
    signup_user, signup_start = _signup_sessions(ctx, rng, users)
    tail_user, tail_start = _live_tail_sessions(ctx, rng, users)
    tail_count = tail_user.size
    session_user = np.concatenate([daily_user, signup_user, tail_user])
    session_start = np.concatenate([daily_start, signup_start, tail_start])
    live_tail = np.concatenate(
        [
            np.zeros(session_user.size - tail_count, dtype=bool),
            np.ones(tail_count, dtype=bool),
        ]
    )
    order = np.lexsort((session_user, session_start))
    session_user = session_user[order]
    session_start = session_start[order]
    live_tail = live_tail[order]
    count = session_user.size
    other_platform = rng.integers(0, 3, count)
    platform = np.where(
        rng.random(count) < 0.85, users.platform[session_user], other_platform
    )
    window_fraction = (session_start - ctx.start) / max(ctx.end - ctx.start, 1)
    latest = np.searchsorted(APP_VERSION_RELEASES, window_fraction, side="right") - 1
    upgrade_lag = np.minimum(rng.geometric(0.65, count) - 1, latest)
    mean_middle = max(
        0.0, ctx.config.events_per_active_day / 1.4 - 1 - SESSION_END_SHARE
    )
    middle_events = rng.poisson(mean_middle, count)
    middle_events[live_tail] = np.maximum(middle_events[live_tail], 3)
    has_end = rng.random(count) < SESSION_END_SHARE
    ctx.say(f"sessions: {count:,}")
    return Sessions(
        user=session_user,
        start=session_start,
        live_tail=live_tail,
        platform=platform,
        app_version=latest - upgrade_lag,
        middle_events=middle_events,
        has_end=has_end,
        ids=hex_ids("s_", ctx.id_index(np.arange(count)), ctx.salts.session, 64),
        conversation_ids=hex_ids(
            "c_", ctx.id_index(np.arange(count)), ctx.salts.conversation, 64
        ),
    )


def _daily_sessions(
    ctx: RunContext, rng: np.random.Generator, users: Users
) -> tuple[np.ndarray, np.ndarray]:
    """(user, start) of sessions on the days each user is active."""
    anchor = np.maximum(users.created, ctx.start)
    first_day = anchor // DAY
    last_day = np.minimum(users.active_end, ctx.end) // DAY
    days_alive = np.clip(last_day - first_day + 1, 0, None)
    user = np.repeat(np.arange(users.total), days_alive)
    offsets = np.cumsum(days_alive) - days_alive
    day = first_day[user] + np.arange(user.size) - offsets[user]
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
    active = rng.random(user.size) < users.engagement[user] * SEASON[weekday]
    user, day = user[active], day[active]
    per_day = 1 + rng.poisson(SESSIONS_EXTRA_MEAN, user.size)
    session_user = np.repeat(user, per_day)
    session_day = np.repeat(day, per_day)
    evening = rng.random(session_user.size) < 0.55
    local_hour = np.where(
        evening,
        rng.normal(20.5, 2.2, session_user.size),
        rng.normal(11.0, 2.5, session_user.size),
    )
    utc_hour = np.mod(local_hour - users.tz_hours[session_user], 24.0)
    start = session_day * DAY + (utc_hour * HOUR).astype(np.int64)
    ok = (
        (start >= np.maximum(users.created[session_user] + 2 * MINUTE, ctx.start))
        & (start < users.active_end[session_user])
        & (start <= ctx.end - LATEST_SESSION_BEFORE_END)
    )
    return session_user[ok], start[ok]


def _signup_sessions(
    ctx: RunContext, rng: np.random.Generator, users: Users
) -> tuple[np.ndarray, np.ndarray]:
    """The session right after signing up, for users created in the window."""
    fresh = np.flatnonzero(users.created >= ctx.start)
    start = users.created[fresh] + rng.integers(3 * SECOND, 60 * SECOND, fresh.size)
    keep = start <= ctx.end - LATEST_SESSION_BEFORE_END
    return fresh[keep], start[keep]


def _live_tail_sessions(
    ctx: RunContext, rng: np.random.Generator, users: Users
) -> tuple[np.ndarray, np.ndarray]:
    """Sessions in the last hour, so a dataset ending "now" is fresh."""
    alive = np.flatnonzero(
        (users.created <= ctx.end - 2 * HOUR) & (users.active_end >= ctx.end)
    )
    if alive.size == 0:
        alive = np.flatnonzero(users.created <= ctx.end - 2 * HOUR)
    if alive.size == 0:
        alive = np.arange(users.total)
    count = max(3, round(0.003 * users.total))
    user = rng.choice(alive, size=count, replace=alive.size < count)
    start = ctx.end - rng.integers(12 * MINUTE, 40 * MINUTE, count)
    return user, start


# ---------------------------------------------------------------------- deletes
def simulate_deletes(ctx: RunContext, users: Users, sessions: Sessions) -> np.ndarray:
    """When each known user asked to be erased (-1: never), after their last
    session, never a live-tail user, at least a day and three hours later."""
    rng = ctx.rng(Stream.DELETES)
    known = users.known
    last_seen = np.full(users.total, -1, dtype=np.int64)
    np.maximum.at(last_seen, sessions.user, sessions.start)
    last_seen = np.maximum(last_seen, np.maximum(users.created, ctx.start))[:known]
    in_tail = np.zeros(users.total, dtype=bool)
    in_tail[sessions.user[sessions.live_tail]] = True
    earliest = last_seen + 3 * HOUR + DAY
    eligible = np.flatnonzero((earliest < ctx.end - 2 * HOUR) & ~in_tail[:known])
    count = min(fault_count(ctx.faults.user_delete, known), eligible.size)
    chosen = np.sort(rng.choice(eligible, size=count, replace=False))
    deleted_at = np.full(known, -1, dtype=np.int64)
    lo = earliest[chosen]
    hi = np.minimum(lo + 20 * DAY, ctx.end - 2 * HOUR)
    deleted_at[chosen] = lo + (rng.random(count) * (hi - lo)).astype(np.int64)
    ctx.say(f"deleted users: {count:,}")
    return deleted_at
