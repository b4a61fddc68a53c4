"""The app_events table as it lands: payload texts, faults, redeliveries.

The base events (one per simulated event that lands by the window's end) get
their payload texts here. A seeded permutation hands out disjoint sets of
events to each fault: quarantine reasons (the row is replaced by a bad one, or
a bad copy reuses its id), timing edges of valid events (boundary, clock skew,
late arrival), duplicates, ties and earlier redeliveries. Styles that keep an
event valid (offsets, extra keys, missing optional values) are independent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from synapse_landing.contract import ContractViolation

from .activity import Activity, BaseEvents
from .configuration import RunContext, Stream
from .faults import VALID, EventQuarantine, ExtraKeys, MissingValue, cosmetic_copy
from .payloads import (
    KEEP_EVENT_ID,
    PayloadBuilder,
    Styles,
    occurred_texts,
    plain_payloads,
)
from .population import Population
from .primitives import (
    DAY,
    FUTURE_TOLERANCE,
    HOUR,
    MINUTE,
    SECOND,
    LoadBatches,
    as_datetime64,
    compact_json,
    fault_count,
)
from .vocabulary import ET_FEATURE, OFFSETS_MIN


class _StyleCodes(NamedTuple):
    """Per base event codes of the styles that keep a payload valid."""

    offset_index: np.ndarray
    extra_keys: np.ndarray
    missing_session: np.ndarray
    missing_feature: np.ndarray


@dataclass(frozen=True)
class LandedEvents:
    """app_events rows in landing order, with where each row came from."""

    table: dict[str, list | np.ndarray]
    label: np.ndarray  # VALID or an EventQuarantine
    kept: np.ndarray  # the copy deduplication keeps
    source: np.ndarray  # base event index
    received: np.ndarray  # microseconds
    loaded: np.ndarray
    styles: Styles
    boundary: np.ndarray  # base events with occurred_at == received_at + 5 min
    pg_lookalikes: int  # invalid timestamps Postgres would accept


@dataclass(frozen=True)
class _Selection:
    """Disjoint sets of base events, one per fault (indexes)."""

    quarantined: dict[EventQuarantine, np.ndarray]
    boundary: np.ndarray
    skew: np.ndarray
    late: np.ndarray
    tie: np.ndarray
    duplicate: np.ndarray
    redeliver: np.ndarray


class _Timing(NamedTuple):
    """Per base event times after the timing faults, and redelivery copies."""

    occurred: np.ndarray
    digits: np.ndarray
    received: np.ndarray
    loaded: np.ndarray
    redelivery_received: np.ndarray
    redelivery_loaded: np.ndarray


class _Quarantined(NamedTuple):
    """Quarantined base events in reason order, with their variant number."""

    rows: np.ndarray
    reason: np.ndarray  # EventQuarantine values
    variant: np.ndarray  # n-th row of its reason
    reuses_id: np.ndarray  # an extra bad copy rather than a replacement


class _RowGroup(NamedTuple):
    """Rows of one kind (base, bad copies, duplicates, ...) before sorting."""

    event_id: list
    payload: list[str]
    received: np.ndarray
    loaded: np.ndarray
    label: np.ndarray
    kept: np.ndarray
    source: np.ndarray


def land_events(
    ctx: RunContext, population: Population, activity: Activity
) -> LandedEvents:
    """Fault selection, timing, payload texts, then every row in landing order."""
    rng = ctx.rng(Stream.FAULTS)
    events = activity.events
    batches = activity.batches
    selection = _select(ctx, rng, events)
    codes = _style_codes(ctx, rng, events)
    timing = _apply_timing(ctx, rng, events, batches, selection)
    styles = Styles(occurred=timing.occurred, digits=timing.digits, **codes._asdict())
    texts = occurred_texts(styles)
    builder = PayloadBuilder(population, activity, styles, texts)
    quarantined = _quarantined(ctx, rng, selection)
    special = (
        (styles.extra_keys > 0)
        | (styles.missing_session > 0)
        | (styles.missing_feature > 0)
    )
    special[quarantined.rows[~quarantined.reuses_id]] = True
    payload = plain_payloads(population, activity, texts)
    for row in np.flatnonzero(special).tolist():
        payload[row] = compact_json(builder.event(row))
    groups, pg_lookalikes = _row_groups(
        ctx, rng, events, batches, selection, timing, quarantined, builder, payload
    )
    del texts, builder  # payloads are built; free the texts
    landed = _landing_order(ctx, groups, styles, selection, pg_lookalikes)
    ctx.say(f"events: {landed.label.size:,} rows")
    return landed


# ---------------------------------------------------------------- selection
class _Picker:
    """Hands out base events in a seeded random order, each at most once."""

    def __init__(self, rng: np.random.Generator, count: int) -> None:
        self.order = rng.permutation(count)
        self.free = np.ones(count, dtype=bool)

    def take(self, count: int, eligible: np.ndarray | None = None) -> np.ndarray:
        mask = self.free[self.order]
        if eligible is not None:
            mask = mask & eligible[self.order]
        chosen = self.order[mask][:count]
        self.free[chosen] = False
        return chosen


def _select(
    ctx: RunContext, rng: np.random.Generator, events: BaseEvents
) -> _Selection:
    """Disjoint events per fault; the draw order of the picker is fixed."""
    faults, end, count = ctx.faults, ctx.end, events.count
    picker = _Picker(rng, count)
    quarantined = {
        reason: picker.take(fault_count(getattr(faults, reason.reason), count))
        for reason in EventQuarantine
    }
    occurred, received = events.occurred, events.received
    boundary = picker.take(
        fault_count(faults.boundary_timestamp, count), occurred <= end - 2 * HOUR
    )
    skew = picker.take(
        fault_count(faults.clock_skew, count), received <= end - 10 * MINUTE
    )
    late = picker.take(
        fault_count(faults.late_arrival, count), occurred <= end - DAY - 30 * MINUTE
    )
    duplicates = fault_count(faults.duplicate, count)
    ties = fault_count(faults.duplicate_tie, duplicates)
    can_duplicate = received <= end - 45 * MINUTE
    tie = picker.take(ties, can_duplicate)
    duplicate = picker.take(duplicates - ties, can_duplicate)
    redeliver = picker.take(
        fault_count(faults.earlier_redelivery, count), received <= end - 2 * HOUR
    )
    return _Selection(
        quarantined=quarantined,
        boundary=boundary,
        skew=skew,
        late=late,
        tie=tie,
        duplicate=duplicate,
        redeliver=redeliver,
    )


def _style_codes(
    ctx: RunContext, rng: np.random.Generator, events: BaseEvents
) -> _StyleCodes:
    """Offsets, extra keys and missing optional values (orthogonal to faults)."""
    faults, count = ctx.faults, events.count
    offset = rng.permutation(count)[: fault_count(faults.offset_timestamp, count)]
    offset_index = np.zeros(count, dtype=np.int64)  # 0 = Z
    offset_index[offset] = np.arange(offset.size) % len(OFFSETS_MIN) + 1
    extra_keys = _cycled_codes(rng, count, faults.extra_keys, len(ExtraKeys))
    missing_session = _cycled_codes(
        rng, count, faults.missing_session_id, len(MissingValue)
    )
    missing_feature = np.zeros(count, dtype=np.int8)
    features = np.flatnonzero(events.event_type == ET_FEATURE)
    chosen = rng.permutation(features)[
        : fault_count(faults.missing_feature, features.size)
    ]
    missing_feature[chosen] = np.arange(chosen.size) % len(MissingValue) + 1
    return _StyleCodes(
        offset_index=offset_index,
        extra_keys=extra_keys,
        missing_session=missing_session,
        missing_feature=missing_feature,
    )


def _cycled_codes(
    rng: np.random.Generator, count: int, rate: float, kinds: int
) -> np.ndarray:
    """Codes 1..kinds, in turn, on a random ``rate`` share of the events."""
    codes = np.zeros(count, dtype=np.int8)
    chosen = rng.permutation(count)[: fault_count(rate, count)]
    codes[chosen] = np.arange(chosen.size) % kinds + 1
    return codes


# ------------------------------------------------------------------- timing
def _apply_timing(
    ctx: RunContext,
    rng: np.random.Generator,
    events: BaseEvents,
    batches: LoadBatches,
    selection: _Selection,
) -> _Timing:
    """Boundary instants, skewed device clocks, late arrivals, redeliveries."""
    end = ctx.end
    received = events.received.copy()
    loaded = events.loaded.copy()
    occurred = events.occurred.copy()
    digits = events.digits.copy()
    boundary, skew, late = selection.boundary, selection.skew, selection.late
    occurred[boundary] = received[boundary] + FUTURE_TOLERANCE
    digits[boundary] = 6
    clock_ahead = rng.integers(5 * SECOND, 290 * SECOND, skew.size)
    received[skew] = (
        occurred[skew] + rng.integers(30_000, 2 * SECOND, skew.size) - clock_ahead
    )
    loaded[skew] = batches.loaded_at(received[skew])
    room = np.minimum(5 * DAY, end - 30 * MINUTE - occurred[late]) - DAY
    received[late] = (
        occurred[late] + DAY + (rng.random(late.size) * room).astype(np.int64)
    )
    loaded[late] = batches.loaded_at(received[late])
    # earlier redelivery: the first-landed copy was received later
    redeliver = selection.redeliver
    first_received = received[redeliver].copy()
    received[redeliver] = first_received + rng.integers(
        2 * SECOND, 3 * MINUTE, redeliver.size
    )
    first_batch = batches.index(received[redeliver])
    loaded[redeliver] = batches.load(first_batch)
    redelivery_loaded = batches.load(first_batch + rng.integers(1, 13, redeliver.size))
    return _Timing(
        occurred=occurred,
        digits=digits,
        received=received,
        loaded=loaded,
        redelivery_received=first_received,
        redelivery_loaded=redelivery_loaded,
    )


def _quarantined(
    ctx: RunContext, rng: np.random.Generator, selection: _Selection
) -> _Quarantined:
    """Quarantined events in contract reason order; which reuse an id."""
    picked = selection.quarantined
    rows = np.concatenate([picked[reason] for reason in EventQuarantine])
    reason = np.concatenate(
        [np.full(picked[r].size, r.value, np.int8) for r in EventQuarantine]
    )
    variant = np.concatenate([np.arange(picked[r].size) for r in EventQuarantine])
    reuses_id = rng.random(rows.size) < ctx.faults.quarantine_reuse_id
    # a row without an event id cannot reuse one
    reuses_id[reason == EventQuarantine.MISSING_EVENT_ID] = False
    return _Quarantined(rows=rows, reason=reason, variant=variant, reuses_id=reuses_id)


# --------------------------------------------------------------------- rows
def _row_groups(
    ctx: RunContext,
    rng: np.random.Generator,
    events: BaseEvents,
    batches: LoadBatches,
    selection: _Selection,
    timing: _Timing,
    quarantined: _Quarantined,
    builder: PayloadBuilder,
    payload: list[str],
) -> tuple[list[_RowGroup], int]:
    """Every row to land, by kind, and the count of Postgres look-alikes."""
    base_ids: list = list(events.event_ids)
    label = np.zeros(events.count, dtype=np.int8)
    bad_copies, pg_lookalikes = _bad_rows(
        ctx, rng, batches, timing, quarantined, builder, base_ids, payload, label
    )
    received, loaded = timing.received, timing.loaded
    duplicate, tie = selection.duplicate, selection.tie
    redeliver = selection.redeliver
    duplicate_received = received[duplicate] + rng.integers(
        SECOND, 20 * MINUTE, duplicate.size
    )
    tie_payload = [
        cosmetic_copy(builder.event(row), nth) for nth, row in enumerate(tie.tolist())
    ]
    kept = label == VALID
    # of two copies tying on received_at and loaded_at, the smaller payload wins
    tie_rows = tie.tolist()
    tie_copy_kept = np.array(
        [copy < payload[row] for copy, row in zip(tie_payload, tie_rows, strict=True)],
        dtype=bool,
    )
    kept[tie[tie_copy_kept]] = False
    kept[redeliver] = False
    event_ids = events.event_ids

    def copies(rows: np.ndarray) -> tuple[list, list[str]]:
        return [event_ids[i] for i in rows.tolist()], [
            payload[i] for i in rows.tolist()
        ]

    base = _RowGroup(
        base_ids, payload, received, loaded, label, kept, np.arange(events.count)
    )
    groups = [
        base,
        bad_copies,
        _RowGroup(
            *copies(duplicate),
            duplicate_received,
            batches.loaded_at(duplicate_received),
            np.zeros(duplicate.size, np.int8),
            np.zeros(duplicate.size, bool),
            duplicate,
        ),
        _RowGroup(
            [event_ids[i] for i in tie.tolist()],
            tie_payload,
            received[tie],
            loaded[tie],
            np.zeros(tie.size, np.int8),
            tie_copy_kept,
            tie,
        ),
        _RowGroup(
            *copies(redeliver),
            timing.redelivery_received,
            timing.redelivery_loaded,
            np.zeros(redeliver.size, np.int8),
            np.ones(redeliver.size, bool),
            redeliver,
        ),
    ]
    return groups, pg_lookalikes


def _bad_rows(
    ctx: RunContext,
    rng: np.random.Generator,
    batches: LoadBatches,
    timing: _Timing,
    quarantined: _Quarantined,
    builder: PayloadBuilder,
    base_ids: list,
    payload: list[str],
    label: np.ndarray,
) -> tuple[_RowGroup, int]:
    """Quarantined rows: a bad row replaces its base event (``base_ids``,
    ``payload`` and ``label`` change in place) or is an extra copy reusing
    its id (returned as a group). Also returns the Postgres look-alikes."""
    rows = quarantined.rows
    invalid_timestamps = int(
        (quarantined.reason == EventQuarantine.INVALID_TIMESTAMP).sum()
    )
    pg_share = fault_count(ctx.faults.pg_lookalike, invalid_timestamps)
    copy_received = timing.received[rows] - rng.integers(100_000, 5 * SECOND, rows.size)
    copy_ids, copy_payloads, copy_times, copy_labels = [], [], [], []
    pg_lookalikes = 0
    for nth, (row, reason, variant, reuses_id) in enumerate(
        zip(
            rows.tolist(),
            quarantined.reason.tolist(),
            quarantined.variant.tolist(),
            quarantined.reuses_id.tolist(),
            strict=True,
        )
    ):
        received = int(copy_received[nth]) if reuses_id else int(timing.received[row])
        event_id, text, is_pg = builder.quarantined(
            EventQuarantine(reason), variant, row, received, pg_share
        )
        pg_lookalikes += is_pg
        if event_id is KEEP_EVENT_ID:
            event_id = builder.events.event_ids[row]
        if reuses_id:
            copy_ids.append(event_id)
            copy_payloads.append(text)
            copy_times.append(received)
            copy_labels.append(reason)
        else:
            base_ids[row] = event_id
            payload[row] = text
            label[row] = reason
    copy_received_at = np.array(copy_times, dtype=np.int64)
    group = _RowGroup(
        copy_ids,
        copy_payloads,
        copy_received_at,
        batches.loaded_at(copy_received_at),
        np.array(copy_labels, dtype=np.int8),
        np.zeros(len(copy_ids), bool),
        rows[quarantined.reuses_id],
    )
    return group, pg_lookalikes


def _landing_order(
    ctx: RunContext,
    groups: list[_RowGroup],
    styles: Styles,
    selection: _Selection,
    pg_lookalikes: int,
) -> LandedEvents:
    """All rows sorted by (loaded_at, received_at, generation order)."""
    event_ids = [x for group in groups for x in group.event_id]
    payloads = [x for group in groups for x in group.payload]
    received = np.concatenate([group.received for group in groups])
    loaded = np.concatenate([group.loaded for group in groups])
    if loaded.max(initial=0) > ctx.end:
        raise ContractViolation(
            f"app_events rows would land at {loaded.max()} us, after the "
            f"window's end {ctx.end} us: a loaded_at in the future"
        )
    order = np.lexsort((np.arange(received.size), received, loaded))
    take = order.tolist()
    return LandedEvents(
        table={
            "event_id": [event_ids[i] for i in take],
            "payload": [payloads[i] for i in take],
            "received_at": as_datetime64(received[order]),
            "loaded_at": as_datetime64(loaded[order]),
        },
        label=np.concatenate([group.label for group in groups])[order],
        kept=np.concatenate([group.kept for group in groups])[order],
        source=np.concatenate([group.source for group in groups])[order],
        received=received[order],
        loaded=loaded[order],
        styles=styles,
        boundary=selection.boundary,
        pg_lookalikes=pg_lookalikes,
    )
