"""What to generate: fault rates, the run's config, and the resolved run context.

:class:`RunContext` is the one object every stage receives: the config, the
time window resolved to microseconds, the id salts and the random streams.
Each stage draws from its own numpy stream (``Stream``), seeded by the config
seed and the stream number, so a stage's draws do not depend on how many draws
another stage made. Changing a stream number changes the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import NamedTuple

import numpy as np

from .primitives import DAY, MINUTE, from_us, to_us

# shares of other faults (not per-row rates): FaultRates.scaled leaves them alone
_FAULT_SHARES = frozenset(
    {"duplicate_tie", "pg_lookalike", "key_only_delete", "quarantine_reuse_id"}
)


@dataclass(frozen=True)
class FaultRates:
    """Fault rates: fractions of the rows of the relevant kind.

    Event rates are per valid base event; ``duplicate_tie`` is a share of the
    duplicates, ``pg_lookalike`` of the invalid timestamps, ``key_only_delete``
    of the deletes; CDC rates are per written CDC row of the table;
    ``user_delete`` per user; ``message_delete``/``message_edit`` per message;
    ``billing_*`` per billing row. A positive rate always yields at least one
    fault (when there is a row to apply it to); zero disables it.
    """

    malformed_json: float = 0.004
    missing_event_id: float = 0.002
    missing_user_id: float = 0.003
    unknown_event_type: float = 0.003
    invalid_timestamp: float = 0.006
    future_timestamp: float = 0.003
    duplicate: float = 0.02
    duplicate_tie: float = 0.15
    late_arrival: float = 0.01
    earlier_redelivery: float = 0.003
    extra_keys: float = 0.01
    offset_timestamp: float = 0.02
    pg_lookalike: float = 0.3
    cdc_repeat: float = 0.01
    cdc_out_of_order: float = 0.005
    cdc_malformed: float = 0.003
    cdc_missing_key: float = 0.003
    user_delete: float = 0.01
    key_only_delete: float = 0.5
    message_delete: float = 0.003
    billing_missing_id: float = 0.01
    # -- additions (not faults of the contract, but edges worth covering)
    boundary_timestamp: float = 0.0005  # valid: occurred_at == received_at + 5 min
    clock_skew: float = 0.003  # valid: device clock ahead by < 5 min
    missing_session_id: float = 0.002  # valid events without a usable session_id
    missing_feature: float = 0.03  # share of feature_used without a usable feature
    quarantine_reuse_id: float = 0.3  # quarantined rows that copy a valid event's id
    message_edit: float = 0.005  # user messages edited later ('u' in messages_cdc)
    billing_refetch: float = 0.03  # unchanged objects fetched again

    def scaled(self, factor: float) -> FaultRates:
        """Every rate times ``factor`` (capped at 1); shares of faults unchanged.

        ``scaled(0)`` is clean data: no quarantine, duplicates or other faults.
        """
        values = {
            name: value if name in _FAULT_SHARES else min(1.0, value * factor)
            for name, value in asdict(self).items()
        }
        return FaultRates(**values)


@dataclass(frozen=True)
class GeneratorConfig:
    """How much to simulate and how dirty to land it.

    ``end`` fixes the window's last instant; with it, the same config gives
    byte-identical files (``None`` means now, truncated to the minute).
    """

    seed: int = 42
    users: int = 1000
    days: int = 90
    end: datetime | None = None  # naive UTC; None => now (UTC) truncated to minute
    events_per_active_day: float = 12.0  # mean events per active user-day
    faults: FaultRates = field(default_factory=FaultRates)
    anonymous_share: float = 0.02  # share of event user_ids unknown to users

    def to_json(self) -> dict:
        out = asdict(self)
        out["end"] = None if self.end is None else self.end.isoformat()
        return out


# raw app_events rows per configured user with the default shape over 90 days
# (measured: 9,200 users -> ~996,000 rows)
_EVENT_ROWS_PER_USER_90D = 108.3


def _event_rows_per_user(days: int, events_per_active_day: float = 12.0) -> float:
    """Raw app_events rows per known user of the default shape."""
    per_user = (
        _EVENT_ROWS_PER_USER_90D * min(days, 90) / 90
        if days < 90
        else (_EVENT_ROWS_PER_USER_90D * (1 + 0.6 * (days - 90) / 90))
    )
    return per_user * events_per_active_day / 12.0


def expected_event_rows(config: GeneratorConfig) -> float:
    """About how many app_events rows ``config`` lands (for sizing shards)."""
    return config.users * _event_rows_per_user(
        config.days, config.events_per_active_day
    )


def config_for_events(
    events: int,
    seed: int = 42,
    days: int = 90,
    end: datetime | None = None,
    faults: FaultRates | None = None,
) -> GeneratorConfig:
    """A default-shaped config sized to land about ``events`` app_events rows."""
    users = max(1, round(events / _event_rows_per_user(days)))
    return GeneratorConfig(
        seed=seed,
        users=users,
        days=days,
        end=end,
        faults=faults if faults is not None else FaultRates(),
    )


class Stream(IntEnum):
    """Random streams: numpy ``default_rng([seed, stream])`` per stage."""

    IDS = 1
    USERS = 2
    SESSIONS = 3
    DELETES = 4
    EVENTS = 5
    MESSAGES = 6
    BILLING = 7
    USERS_CDC = 8
    CDC = 9
    FAULTS = 10
    BATCHES = 11
    PULLS = 12
    MESSAGES_CDC_BATCHES = 99


@dataclass(frozen=True)
class Shard:
    """One of ``count`` independent slices of a run, by known users.

    A large dataset is generated shard by shard (see ``streaming``) so that
    only one shard is in memory at a time. Shard ``index`` simulates
    ``config.users`` known users, numbered from ``first_user`` among the
    run's ``total_users``, with its own random streams. Every scrambled id is drawn
    from ``index (mod count)`` (``RunContext.id_index``) and every WAL
    position likewise, so no id or lsn of one shard equals one of another.
    The whole run is shard 0 of 1, which changes nothing.
    """

    index: int = 0
    count: int = 1
    first_user: int = 0
    total_users: int | None = None  # None: the config's users


class Salts(NamedTuple):
    """Per-kind salts of the scrambled ids (drawn once from ``Stream.IDS``)."""

    event: int
    session: int
    conversation: int
    message: int
    subscription: int
    anonymous: int


# seeds of the stdlib ``random.Random`` used by the per-user lifecycle loops
_BILLING_PY_SEED_OFFSET = 7
_USERS_CDC_PY_SEED_OFFSET = 11


@dataclass(frozen=True)
class RunContext:
    """The config of one run with its window resolved, shared by every stage."""

    config: GeneratorConfig
    end_dt: datetime  # naive UTC
    end: int  # microseconds
    start: int
    snapshot: int  # when the CDC connector's initial snapshot was taken
    salts: Salts
    say: Callable[[str], None]
    shard: Shard = Shard()

    @classmethod
    def resolve(
        cls,
        config: GeneratorConfig,
        say: Callable[[str], None],
        shard: Shard | None = None,
    ) -> RunContext:
        """Validate ``config`` and fix the window (``end=None`` means now).

        With ``shard``, ``config.users`` is the shard's own known users; the
        salts stay those of the seed, so ids stay in one id space."""
        if config.users < 1 or config.days < 1:
            raise ValueError("users and days must be >= 1")
        shard = shard or Shard()
        if not 0 <= shard.index < shard.count:
            raise ValueError(f"shard {shard.index} is not one of {shard.count}")
        if config.seed < 0:
            raise ValueError("seed must be >= 0")
        end_dt = config.end
        if end_dt is None:
            end_dt = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
        elif end_dt.tzinfo is not None:
            end_dt = end_dt.astimezone(UTC).replace(tzinfo=None)
        end = to_us(end_dt)
        start = end - config.days * DAY
        rng = np.random.default_rng([config.seed, Stream.IDS])
        salts = rng.integers(0, 1 << 62, size=16).tolist()
        return cls(
            config=config,
            end_dt=end_dt,
            end=end,
            start=start,
            snapshot=start - 30 * MINUTE,
            salts=Salts(*salts[: len(Salts._fields)]),
            say=say,
            shard=shard,
        )

    @property
    def faults(self) -> FaultRates:
        return self.config.faults

    @property
    def start_dt(self) -> datetime:
        return from_us(self.start)

    def rng(self, stream: Stream) -> np.random.Generator:
        """A fresh numpy generator of one stream (same seed -> same draws);
        each shard of a sharded run has streams of its own."""
        if self.shard.count == 1:
            return np.random.default_rng([self.config.seed, int(stream)])
        return np.random.default_rng([self.config.seed, int(stream), self.shard.index])

    def id_index(self, idx: np.ndarray) -> np.ndarray:
        """Indexes of scrambled ids, in this shard's residue class."""
        return idx * self.shard.count + self.shard.index

    @property
    def first_user(self) -> int:
        """The run-wide number of this shard's first known user."""
        return self.shard.first_user

    @property
    def total_users(self) -> int:
        """Known users of the whole run (all shards)."""
        return self.shard.total_users or self.config.users

    def py_random_seed(self, stage: Stream) -> int:
        """Seed of the stdlib ``random.Random`` of the billing / users CDC loops."""
        offsets = {
            Stream.BILLING: _BILLING_PY_SEED_OFFSET,
            Stream.USERS_CDC: _USERS_CDC_PY_SEED_OFFSET,
        }
        return (
            self.config.seed * 1_000_003
            + offsets[stage]
            + self.shard.index * 1_000_000_007
        )
