"""Subscriptions and the hourly billing API pull that lands them.

A subscriber's subscription renews monthly, may fail a payment, upgrade from
plus to pro, be canceled (and later restarted), and is canceled before an
erasure request. Each change is a *version* of the subscription object. The
billing pull runs hourly and only sees the latest version at that moment, some
unchanged objects are fetched again, and a few rows lose an identifier.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .configuration import RunContext, Stream
from .faults import VALID, BillingMissingId
from .population import Population
from .primitives import (
    DAY,
    HOUR,
    MINUTE,
    SECOND,
    as_datetime64,
    fault_count,
    hex_ids,
    weighted_choice,
)
from .vocabulary import CURRENCIES, CURRENCY_WEIGHTS, PLAN_AMOUNT

SUBSCRIBER_SHARE = 0.105  # ~8% of users end up with a subscription
PRO_SHARE = 0.35
SAME_DAY_SUBSCRIBE_SHARE = 0.35
SUB_BEFORE_SIGNUP_SHARE = 0.25  # of same-day subscribers: billing first
RESUBSCRIBE_SHARE = 0.15


class SubscriptionVersion(NamedTuple):
    """One state of a subscription object (what one pull could return)."""

    subscription: int
    user: int
    plan: str
    status: str
    currency: int  # index into vocabulary.CURRENCIES
    started: int
    canceled: int | None
    updated: int


class PlanChange(NamedTuple):
    """A user's plan from ``at`` on (the users table follows billing)."""

    at: int
    plan: str


@dataclass(frozen=True)
class Billing:
    """The billing stage's result: the landed table, its truth, plan history."""

    table: dict[str, list | np.ndarray]  # billing_subscriptions, landing order
    missing_id: np.ndarray  # per row: VALID or a BillingMissingId
    refetched_rows: int
    truth_subscriptions: dict[str, np.ndarray]
    plan_changes: dict[int, list[PlanChange]]  # per known user, in time order


def simulate_billing(ctx: RunContext, population: Population) -> Billing:
    """Subscriptions, the hourly pulls that see them, refetches, missing ids."""
    rng = ctx.rng(Stream.BILLING)
    py_random = random.Random(ctx.py_random_seed(Stream.BILLING))
    versions, plan_changes, subscriptions = _subscription_versions(
        ctx, rng, py_random, population
    )
    subscription_ids = hex_ids(
        "sub_", ctx.id_index(np.arange(subscriptions)), ctx.salts.subscription, 56
    )
    pulls = _pull_times(ctx)
    updated = np.array([v.updated for v in versions], dtype=np.int64)
    subscription = np.array([v.subscription for v in versions], dtype=np.int64)
    pull_of = np.searchsorted(pulls, updated, side="left")
    rows = _seen_versions(pull_of, subscription, updated, pulls.size)
    row_version, row_pull = _with_refetches(ctx, rng, rows, pull_of, updated, pulls)
    refetched = row_version.size - rows.size
    row_version, row_pull, missing = _with_missing_ids(ctx, rng, row_version, row_pull)
    order = np.lexsort(
        (missing, updated[row_version], subscription[row_version], row_pull)
    )
    row_version, row_pull, missing = row_version[order], row_pull[order], missing[order]
    table = _table(
        versions,
        row_version,
        missing,
        subscription_ids,
        population.users.user_ids,
        pulls[row_pull],
    )
    current = _current_rows(
        missing, subscription[row_version], updated[row_version], row_pull
    )
    truth = {
        column: (
            np.asarray(values, dtype=object)[current]
            if isinstance(values, list)
            else np.asarray(values)[current]
        )
        for column, values in table.items()
    }
    ctx.say(f"billing: {row_version.size:,} rows, {current.size:,} subscriptions")
    return Billing(
        table=table,
        missing_id=missing,
        refetched_rows=refetched,
        truth_subscriptions=truth,
        plan_changes=plan_changes,
    )


# ------------------------------------------------------------ subscriptions
def _subscription_versions(
    ctx: RunContext,
    rng: np.random.Generator,
    py_random: random.Random,
    population: Population,
) -> tuple[list[SubscriptionVersion], dict[int, list[PlanChange]], int]:
    """Every version of every subscription, the plan history, and the count."""
    users = population.users
    deleted_at = population.deleted_at
    known = users.known
    subscriber = rng.random(known) < SUBSCRIBER_SHARE
    plan_pro = rng.random(known) < PRO_SHARE
    currency = weighted_choice(rng, known, CURRENCY_WEIGHTS)
    versions: list[SubscriptionVersion] = []
    plan_changes: dict[int, list[PlanChange]] = {}
    count = 0
    for user in np.flatnonzero(subscriber).tolist():
        created = int(users.created[user])
        cap = ctx.end if deleted_at[user] < 0 else int(deleted_at[user]) - HOUR
        started = _first_start(ctx, py_random, created, bool(users.pre_existing[user]))
        plan = "pro" if plan_pro[user] else "plus"
        while started < cap - HOUR:
            lifecycle = _Lifecycle(
                py_random, count, user, int(currency[user]), versions, plan_changes
            )
            count += 1
            ended = lifecycle.run(plan, started, cap, deleted_at[user] >= 0)
            if ended is None or py_random.random() > RESUBSCRIBE_SHARE:
                break
            started = ended + int((3 + 37 * py_random.random()) * DAY)
            plan = "pro" if py_random.random() < PRO_SHARE else "plus"
    return versions, plan_changes, count


def _first_start(
    ctx: RunContext, py_random: random.Random, created: int, pre_existing: bool
) -> int:
    """When a subscriber first subscribes (sometimes just before signing up)."""
    if pre_existing:
        return created + int(py_random.random() * (ctx.start - created))
    if py_random.random() < SAME_DAY_SUBSCRIBE_SHARE:
        if py_random.random() < SUB_BEFORE_SIGNUP_SHARE:
            return created - int((1 + 29 * py_random.random()) * SECOND)
        return created + int((5 + py_random.random() * 355) * MINUTE)
    return created + int(py_random.expovariate(1 / 25.0) * DAY)


class _Lifecycle:
    """Monthly lifecycle of one subscription, appending its versions."""

    def __init__(
        self,
        py_random: random.Random,
        subscription: int,
        user: int,
        currency: int,
        versions: list[SubscriptionVersion],
        plan_changes: dict[int, list[PlanChange]],
    ) -> None:
        self.random = py_random
        self.subscription = subscription
        self.user = user
        self.currency = currency
        self.versions = versions
        self.changes = plan_changes.setdefault(user, [])
        self.started = 0

    def _add(self, at: int, plan: str, status: str, canceled: int | None = None):
        at -= at % SECOND
        self.versions.append(
            SubscriptionVersion(
                self.subscription,
                self.user,
                plan,
                status,
                self.currency,
                self.started,
                canceled,
                at,
            )
        )

    def _cancel(self, at: int, plan: str) -> int:
        at -= at % SECOND
        self._add(at, plan, "canceled", at)
        self.changes.append(PlanChange(at, "free"))
        return at

    def run(self, plan: str, started: int, cap: int, erased: bool) -> int | None:
        """Versions until ``cap``; returns the cancel time or None (still on)."""
        rand = self.random
        started -= started % SECOND
        self.started = started
        self._add(started, plan, "active")
        self.changes.append(PlanChange(started, plan))
        period_start = started
        while True:
            period_end = period_start + int((29.5 + rand.random()) * DAY)
            if period_end >= cap:
                break
            draw = rand.random()
            if draw < 0.05:  # voluntary cancel during the period
                return self._cancel(
                    period_start + int(rand.random() * (period_end - period_start)),
                    plan,
                )
            if draw < 0.10:  # renewal payment fails
                self._add(period_end, plan, "past_due")
                retry = period_end + int((1 + 9 * rand.random()) * DAY)
                if retry >= cap:
                    break
                if rand.random() >= 0.55:
                    return self._cancel(retry, plan)
                self._add(retry, plan, "active")
            elif draw < 0.14 and plan == "plus":
                upgrade = period_start + int(
                    rand.random() * (period_end - period_start)
                )
                plan = "pro"
                self._add(upgrade, plan, "active")
                self.changes.append(PlanChange(upgrade - upgrade % SECOND, plan))
            period_start = period_end
        if erased:  # erasure requests cancel billing first
            last_update = self.versions[-1].updated
            return self._cancel(
                max(last_update + MINUTE, cap - int(rand.random() * DAY)), plan
            )
        return None


# -------------------------------------------------------------------- pulls
def _pull_times(ctx: RunContext) -> np.ndarray:
    """Hourly pulls from the first hour of the window, a few seconds late."""
    rng = ctx.rng(Stream.PULLS)
    first_pull = -(-ctx.start // HOUR) * HOUR
    hours = np.arange(first_pull, ctx.end + 1, HOUR)
    pulls = hours + rng.integers(2 * SECOND, 50 * SECOND, hours.size)
    pulls = pulls[pulls <= ctx.end]
    if pulls.size == 0:
        pulls = np.array([ctx.end], dtype=np.int64)
    return pulls


def _seen_versions(
    pull_of: np.ndarray, subscription: np.ndarray, updated: np.ndarray, pulls: int
) -> np.ndarray:
    """Versions some pull returns: of several before one pull, only the latest."""
    order = np.lexsort((updated, pull_of, subscription))
    latest_before_pull = np.ones(order.size, dtype=bool)
    same_pull = (subscription[order][1:] == subscription[order][:-1]) & (
        pull_of[order][1:] == pull_of[order][:-1]
    )
    latest_before_pull[:-1] = ~same_pull
    seen = np.zeros(subscription.size, dtype=bool)
    seen[order[latest_before_pull]] = True
    return np.flatnonzero(seen & (pull_of < pulls))


def _with_refetches(
    ctx: RunContext,
    rng: np.random.Generator,
    rows: np.ndarray,
    pull_of: np.ndarray,
    updated: np.ndarray,
    pulls: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(version, pull) of every row: unchanged objects are fetched again at a
    later pull, and the last pull always returns something (fresh source)."""
    row_pull = pull_of[rows]
    count = fault_count(ctx.faults.billing_refetch, rows.size)
    extra_versions, extra_pulls = [], []
    if rows.size:
        pick = rng.choice(rows.size, size=count, replace=True)
        later = row_pull[pick] + rng.integers(1, 25, count)
        ok = later < pulls.size
        extra_versions.append(rows[pick][ok])
        extra_pulls.append(later[ok])
        if not np.any(np.concatenate([row_pull, later[ok]]) == pulls.size - 1):
            newest = rows[np.argmax(updated[rows])]
            extra_versions.append(np.array([newest]))
            extra_pulls.append(np.array([pulls.size - 1]))
    versions = np.concatenate([rows, *extra_versions]).astype(np.int64)
    pull_index = np.concatenate([row_pull, *extra_pulls]).astype(np.int64)
    return versions, pull_index


def _with_missing_ids(
    ctx: RunContext,
    rng: np.random.Generator,
    versions: np.ndarray,
    pull_index: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Extra copies of rows without subscription_id, user_id or both."""
    count = fault_count(ctx.faults.billing_missing_id, versions.size)
    if count and versions.size:  # both reasons, even with a handful of rows
        count = max(count, 2)
    if versions.size:
        pick = rng.choice(versions.size, size=count, replace=True)
    else:
        pick = np.zeros(0, dtype=np.int64)
    kinds = np.array([kind.value for kind in BillingMissingId], dtype=np.int8)
    missing = np.concatenate(
        [np.full(versions.size, VALID, dtype=np.int8), kinds[np.arange(count) % 3]]
    )
    return (
        np.concatenate([versions, versions[pick]]),
        np.concatenate([pull_index, pull_index[pick]]),
        missing,
    )


def _table(
    versions: list[SubscriptionVersion],
    row_version: np.ndarray,
    missing: np.ndarray,
    subscription_ids: list[str],
    user_ids: list[str],
    fetched_at: np.ndarray,
) -> dict[str, list | np.ndarray]:
    """The billing_subscriptions columns of the landed rows."""
    no_subscription_id = (BillingMissingId.SUBSCRIPTION_ID, BillingMissingId.BOTH)
    no_user_id = (BillingMissingId.USER_ID, BillingMissingId.BOTH)
    rows = [versions[i] for i in row_version.tolist()]
    kinds = missing.tolist()
    canceled = np.array(
        [-1 if v.canceled is None else v.canceled for v in rows], dtype=np.int64
    )
    return {
        "subscription_id": [
            None if kind in no_subscription_id else subscription_ids[v.subscription]
            for v, kind in zip(rows, kinds, strict=True)
        ],
        "user_id": [
            None if kind in no_user_id else user_ids[v.user]
            for v, kind in zip(rows, kinds, strict=True)
        ],
        "plan": [v.plan for v in rows],
        "status": [v.status for v in rows],
        "amount_cents": np.array([PLAN_AMOUNT[v.plan] for v in rows], dtype=np.int64),
        "currency": [CURRENCIES[v.currency] for v in rows],
        "started_at": as_datetime64(np.array([v.started for v in rows], np.int64)),
        "canceled_at": np.where(
            canceled < 0,
            np.datetime64("NaT", "us"),
            canceled.astype("datetime64[us]"),
        ),
        "updated_at": as_datetime64(np.array([v.updated for v in rows], np.int64)),
        "fetched_at": as_datetime64(fetched_at),
    }


def _current_rows(
    missing: np.ndarray,
    subscription: np.ndarray,
    updated: np.ndarray,
    pull_index: np.ndarray,
) -> np.ndarray:
    """Row of each subscription's current state: latest updated_at, then the
    latest fetch; in subscription order."""
    current: dict[int, int] = {}
    for row in np.flatnonzero(missing == VALID).tolist():
        key = subscription[row]
        best = current.get(key)
        if best is None or (updated[row], pull_index[row]) >= (
            updated[best],
            pull_index[best],
        ):
            current[key] = row
    return np.array([current[key] for key in sorted(current)], dtype=np.int64)
