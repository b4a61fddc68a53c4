"""The history of ``users.users``: every change Debezium would capture.

A user is created (or read by the connector's initial snapshot when they
existed before the window), then changes plan with billing, edits their
profile now and then, toggles marketing consent (a few in the last half hour,
so users_cdc is fresh) and may be deleted. Each change keeps the full row
state after it (``states``), which the truth reads back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .billing import Billing
from .configuration import RunContext, Stream
from .messages import Messages
from .population import Population
from .primitives import (
    DAY,
    HOUR,
    MINUTE,
    SECOND,
    ascii_slug,
    compact_json,
    iso_z_one,
    weighted_choice,
)
from .vocabulary import (
    COUNTRIES,
    COUNTRY_CODES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    PROFILE_EDIT_KINDS,
)

PROFILE_UPDATES_MEAN = 0.3  # users CDC 'u' changes (email, country, ...) per user
EMAIL_DOMAIN_WEIGHTS = (0.8, 0.12, 0.08)
MARKETING_OPT_IN_SHARE = 0.4
# profile edits pick a real country (never the null one)
EDIT_COUNTRY_WEIGHTS = [c[1] if c[0] else 0.0 for c in COUNTRIES]


class UserState(NamedTuple):
    """A users.users row after a change (without its key)."""

    email: str
    full_name: str
    phone: str
    country: str | None
    plan: str
    marketing_opt_in: bool
    created_at: str  # Debezium's timestamptz text
    updated_at: str


class _Edit(NamedTuple):
    """A change to apply to a user's row at ``at``."""

    at: int
    kind: str  # "plan", "marketing" or one of PROFILE_EDIT_KINDS
    value: str | None  # the new plan of a "plan" change


@dataclass(frozen=True)
class UserChanges:
    """Every change of users.users in generation order (per user, in time)."""

    user: np.ndarray
    commit: np.ndarray  # microseconds
    op: list[str]
    before: list[str | None]  # JSON image before the change
    after: list[str | None]
    state: np.ndarray  # index into ``states``: the row after the change
    states: list[UserState]

    @property
    def count(self) -> int:
        return len(self.op)


@dataclass
class _ChangeLog:
    """Accumulates changes while one user's history is replayed."""

    user: list[int] = field(default_factory=list)
    commit: list[int] = field(default_factory=list)
    op: list[str] = field(default_factory=list)
    before: list[str | None] = field(default_factory=list)
    after: list[str | None] = field(default_factory=list)
    state: list[int] = field(default_factory=list)
    states: list[UserState] = field(default_factory=list)

    def add(self, user: int, commit: int, op: str, before, after, row=None) -> None:
        """Record a change; ``row`` (a new state) is appended to ``states``."""
        if row is not None:
            self.states.append(UserState(*(row[k] for k in UserState._fields)))
        self.user.append(user)
        self.commit.append(commit)
        self.op.append(op)
        self.before.append(before)
        self.after.append(after)
        self.state.append(len(self.states) - 1)

    def freeze(self) -> UserChanges:
        return UserChanges(
            user=np.array(self.user, dtype=np.int64),
            commit=np.array(self.commit, dtype=np.int64),
            op=self.op,
            before=self.before,
            after=self.after,
            state=np.array(self.state, dtype=np.int64),
            states=self.states,
        )


def simulate_user_changes(
    ctx: RunContext, population: Population, messages: Messages, billing: Billing
) -> UserChanges:
    """Each known user's create / snapshot read, updates and delete."""
    rng = ctx.rng(Stream.USERS_CDC)
    py_random = random.Random(ctx.py_random_seed(Stream.USERS_CDC))
    users = population.users
    known = users.known
    first = [FIRST_NAMES[i] for i in users.first_name[:known].tolist()]
    last = [LAST_NAMES[i] for i in users.last_name[:known].tolist()]
    slugs = [
        f"{ascii_slug(a)}.{ascii_slug(b)}" for a, b in zip(first, last, strict=True)
    ]
    modulus = 10 ** max(5, len(str(known)))
    number = ((np.arange(known, dtype=np.int64) * 7919 + 12345) % modulus).tolist()
    domain = weighted_choice(rng, known, EMAIL_DOMAIN_WEIGHTS).tolist()
    opt_in = (rng.random(known) < MARKETING_OPT_IN_SHARE).tolist()
    edit_count = rng.poisson(PROFILE_UPDATES_MEAN, known).tolist()
    heartbeat = _heartbeat_edits(ctx, rng, py_random, population)
    log = _ChangeLog()
    for user in range(known):
        created = int(users.created[user])
        email = f"{slugs[user]}{number[user]}@{EMAIL_DOMAINS[domain[user]]}"
        row = {
            "user_id": users.user_ids[user],
            "email": email,
            "full_name": f"{first[user]} {last[user]}",
            "phone": messages.user_phones[user],
            "country": COUNTRY_CODES[int(users.country[user])],
            "plan": "free",
            "marketing_opt_in": opt_in[user],
            "created_at": iso_z_one(created),
            "updated_at": iso_z_one(created),
        }
        edits = _edits(
            ctx,
            py_random,
            population,
            billing,
            user,
            edit_count[user],
            heartbeat.get(user),
        )
        _replay_user(ctx, py_random, population, log, user, row, edits, slugs[user])
    changes = log.freeze()
    ctx.say(f"users_cdc: {changes.count:,} changes")
    return changes


def _heartbeat_edits(
    ctx: RunContext,
    rng: np.random.Generator,
    py_random: random.Random,
    population: Population,
) -> dict[int, int]:
    """A few profile edits in the last half hour (fresh users_cdc)."""
    users, deleted_at = population.users, population.deleted_at
    candidates = np.flatnonzero(
        (users.created[: users.known] <= ctx.end - DAY) & (deleted_at < 0)
    )
    if candidates.size == 0:
        candidates = np.flatnonzero(deleted_at < 0)
    count = max(2, int(np.ceil(users.known / 1000)))
    chosen = rng.choice(candidates, size=min(count, candidates.size), replace=False)
    return {
        user: ctx.end - int((8 + 17 * py_random.random()) * MINUTE)
        for user in chosen.tolist()
    }


def _edits(
    ctx: RunContext,
    py_random: random.Random,
    population: Population,
    billing: Billing,
    user: int,
    edit_count: int,
    heartbeat_at: int | None,
) -> list[_Edit]:
    """A user's plan changes and profile edits, in time order."""
    created = int(population.users.created[user])
    deleted = int(population.deleted_at[user])
    horizon = ctx.end - 30 * MINUTE if deleted < 0 else deleted - MINUTE
    edits = [_Edit(at, "plan", plan) for at, plan in billing.plan_changes.get(user, ())]
    earliest = max(created, ctx.start) + HOUR
    for _ in range(edit_count):
        if horizon > earliest:
            at = earliest + int(py_random.random() * (horizon - earliest))
            edits.append(_Edit(at, py_random.choice(PROFILE_EDIT_KINDS), None))
    if heartbeat_at is not None:
        edits.append(_Edit(heartbeat_at, "marketing", None))
    edits.sort(key=lambda edit: edit.at)
    return edits


def _replay_user(
    ctx: RunContext,
    py_random: random.Random,
    population: Population,
    log: _ChangeLog,
    user: int,
    row: dict,
    edits: list[_Edit],
    slug: str,
) -> None:
    """Log a user's create (or snapshot read), updates and delete."""
    created = int(population.users.created[user])
    if population.users.pre_existing[user]:
        first_commit = ctx.snapshot
        updated = created + int(py_random.random() * (ctx.start - DAY - created))
        before_snapshot = [e for e in edits if e.at < ctx.snapshot]
        edits = [e for e in edits if e.at >= ctx.snapshot]
        for edit in before_snapshot:
            _apply(row, edit, py_random, slug)
            updated = max(updated, edit.at)
        row["updated_at"] = iso_z_one(max(updated, created))
        op = "r"
    else:
        first_commit = created + py_random.randint(1, 50) * 1000
        op = "c"
    previous = dict(row)
    log.add(user, first_commit, op, None, compact_json(previous), previous)
    previous_commit = first_commit
    for edit in edits:
        commit = edit.at + int((1 + py_random.random() * 120) * SECOND)
        commit = max(commit, previous_commit + 1000)
        if commit > ctx.end:
            continue
        new = dict(previous)
        _apply(new, edit, py_random, slug)
        new["updated_at"] = iso_z_one(commit)
        log.add(user, commit, "u", compact_json(previous), compact_json(new), new)
        previous, previous_commit = new, commit
    deleted = int(population.deleted_at[user])
    if deleted >= 0:  # key-only delete images are chosen later, in cdc
        commit = max(deleted, previous_commit + SECOND)
        log.add(user, commit, "d", compact_json(previous), None)


def _apply(row: dict, edit: _Edit, py_random: random.Random, slug: str) -> None:
    """Change ``row`` in place as the edit says."""
    if edit.kind == "plan":
        row["plan"] = edit.value
    elif edit.kind == "email":
        domain = EMAIL_DOMAINS[int(py_random.random() * len(EMAIL_DOMAINS))]
        row["email"] = f"{slug}{py_random.randint(1, 9999)}@{domain}"
    elif edit.kind == "country":
        row["country"] = py_random.choices(COUNTRY_CODES, weights=EDIT_COUNTRY_WEIGHTS)[
            0
        ]
    elif edit.kind == "phone":
        head = row["phone"].split(" ")[0]
        row["phone"] = (
            f"{head} {py_random.randint(200, 999)} {py_random.randint(0, 999):03d} "
            f"{py_random.randint(0, 999):03d}"
        )
    else:  # marketing consent toggled
        row["marketing_opt_in"] = not row["marketing_opt_in"]
