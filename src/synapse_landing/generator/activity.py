"""What users do in their sessions: the app events, before any fault.

Each session is a ``session_start``, some middle events (messages, features,
pages, errors) and usually a ``session_end``, seconds apart. Every event gets
a device-clock text precision, an arrival time and the 5-minute load batch it
lands in. Events that would land after the window's end are simulated (their
chat messages exist) but not landed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .configuration import RunContext, Stream
from .population import Population
from .primitives import DAY, SECOND, LoadBatches, hex_ids, uuid_ids, weighted_choice
from .vocabulary import (
    DIGIT_WEIGHTS,
    ERROR_CODES,
    ET_END,
    ET_ERROR,
    ET_FEATURE,
    ET_MESSAGE,
    ET_PAGE,
    ET_START,
    FEATURE_WEIGHTS,
    MID_TYPES,
    MID_WEIGHTS,
    PAGE_WEIGHTS,
)


@dataclass(frozen=True)
class BaseEvents:
    """The valid events that land by the window's end, one row per event."""

    session: np.ndarray
    user: np.ndarray
    event_type: np.ndarray  # index into contract.EVENT_TYPES
    # message index (message_sent) or vocabulary index (feature, page, error);
    # -1 for session_start / session_end
    property_value: np.ndarray
    digits: np.ndarray  # fraction digits of the device clock text, 0..6
    occurred: np.ndarray  # the instant as the text says it (truncated)
    received: np.ndarray
    loaded: np.ndarray
    event_ids: list[str]

    @property
    def count(self) -> int:
        return self.occurred.size


@dataclass(frozen=True)
class Activity:
    """The events stage's result: landed base events and the chat's seeds."""

    events: BaseEvents
    batches: LoadBatches  # the app event stream's load batches
    user_message_ids: list[str]  # ids of the message_sent events' messages
    # every simulated message_sent (landed or not): where the chat starts
    message_session: np.ndarray
    message_occurred: np.ndarray


def simulate_activity(ctx: RunContext, population: Population) -> Activity:
    """Every session's events, their properties, arrival and load batch."""
    rng = ctx.rng(Stream.EVENTS)
    sessions = population.sessions
    session, occurred_exact, event_type = _session_events(ctx, rng, population)
    count = occurred_exact.size
    ctx.say(f"events: {count:,} simulated")
    is_message = event_type == ET_MESSAGE
    message_index = np.cumsum(is_message) - 1
    user_message_count = int(is_message.sum())
    user_message_ids = hex_ids(
        "m_", ctx.id_index(np.arange(user_message_count)), ctx.salts.message, 64
    )
    property_value = np.full(count, -1, dtype=np.int64)
    property_value[is_message] = message_index[is_message]
    for code, weights in (
        (ET_FEATURE, FEATURE_WEIGHTS),
        (ET_PAGE, PAGE_WEIGHTS),
        (ET_ERROR, [1.0] * len(ERROR_CODES)),
    ):
        mask = event_type == code
        property_value[mask] = weighted_choice(rng, int(mask.sum()), weights)
    # device clock text precision, truth instant, arrival and load
    digits = weighted_choice(rng, count, DIGIT_WEIGHTS)
    occurred = occurred_exact - occurred_exact % (10 ** (6 - digits))
    delay = np.exp(rng.normal(np.log(0.6), 1.0, count))
    received = occurred + (np.clip(delay, 0.03, 120.0) * SECOND).astype(np.int64)
    batches = LoadBatches(ctx.rng(Stream.BATCHES), ctx.start - DAY, ctx.end)
    loaded = batches.loaded_at(received)
    landed = loaded <= ctx.end
    landed_count = int(landed.sum())
    events = BaseEvents(
        session=session[landed],
        user=sessions.user[session[landed]],
        event_type=event_type[landed],
        property_value=property_value[landed],
        digits=digits[landed],
        occurred=occurred[landed],
        received=received[landed],
        loaded=loaded[landed],
        event_ids=uuid_ids(ctx.id_index(np.arange(landed_count)), ctx.salts.event, rng),
    )
    ctx.say(f"events: {landed_count:,} landed by end")
    return Activity(
        events=events,
        batches=batches,
        user_message_ids=user_message_ids,
        message_session=session[is_message],
        message_occurred=occurred_exact[is_message],
    )


def _session_events(
    ctx: RunContext, rng: np.random.Generator, population: Population
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(session, instant, event type) of every event up to the window's end."""
    sessions = population.sessions
    per_session = 1 + sessions.middle_events + sessions.has_end
    total = int(per_session.sum())
    session = np.repeat(np.arange(sessions.count), per_session)
    first = np.cumsum(per_session) - per_session
    position = np.arange(total) - first[session]
    gap = (np.exp(rng.normal(np.log(22.0), 1.0, total)) * SECOND).astype(np.int64)
    gap[position == 0] = 0
    elapsed = np.cumsum(gap)
    instant = sessions.start[session] + elapsed - elapsed[first[session]]
    event_type = np.asarray(MID_TYPES)[weighted_choice(rng, total, MID_WEIGHTS)]
    event_type[position == 0] = ET_START
    is_last = position == per_session[session] - 1
    event_type[is_last & sessions.has_end[session] & (position > 0)] = ET_END
    # a live-tail session always sends a message right after it starts
    event_type[(position == 1) & sessions.live_tail[session]] = ET_MESSAGE
    keep = instant <= ctx.end
    return session[keep], instant[keep], event_type[keep]
