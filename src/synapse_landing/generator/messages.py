"""The chat: every message_sent event's message and the assistant's reply.

Row ``2i`` is user message ``i`` (the i-th simulated message_sent event, whose
id the event's properties carry) and row ``2i + 1`` is its reply. Texts come
from templates filled with the user's name and phone number, so personal data
reaches the raw zone the way it would in the real product. The users' phone
numbers are drawn here (their place in the random stream is fixed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activity import Activity
from .configuration import RunContext, Stream
from .population import Population, Users
from .primitives import SECOND, hex_ids
from .vocabulary import (
    ANON_NAME,
    ASSISTANT_ERROR_TEMPLATES,
    ASSISTANT_TEMPLATES,
    COUNTRY_CALLING_CODES,
    FIRST_NAMES,
    LANGUAGES,
    LAST_NAMES,
    PAIRS,
    TASKS,
    TOPICS,
    USER_TEMPLATES,
)

ASSISTANT_ERROR_SHARE = 0.02
ANONYMOUS_PHONE = "555 0100"
ROLE_USER, ROLE_ASSISTANT = 0, 1  # indexes into vocabulary.ROLES
STATUS_NONE, STATUS_OK, STATUS_ERROR = 0, 1, 2  # vocabulary.MESSAGE_STATUSES
TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Messages:
    """chat.messages rows as created; ``response_ms`` -1 and status 0 = null."""

    message_id: list[str]
    conversation_id: list[str]
    user: np.ndarray
    role: np.ndarray
    content: list[str]
    status: np.ndarray
    response_ms: np.ndarray
    created: np.ndarray
    user_phones: list[str]  # per known user: also the users table's phone

    @property
    def count(self) -> int:
        return self.created.size


@dataclass(frozen=True)
class _Replies:
    """Timing and outcome of each assistant reply."""

    user_created: np.ndarray
    assistant_created: np.ndarray
    is_error: np.ndarray
    response_ms: np.ndarray  # -1: no response time recorded


def simulate_messages(
    ctx: RunContext, population: Population, activity: Activity
) -> Messages:
    """A message per simulated message_sent event, and the reply to it."""
    rng = ctx.rng(Stream.MESSAGES)
    users = population.users
    session = activity.message_session
    author = population.sessions.user[session]
    count = session.size
    replies = _replies(rng, activity.message_occurred)
    assistant_ids = hex_ids(
        "m_", ctx.id_index(np.arange(count, 2 * count)), ctx.salts.message, 64
    )  # same id space as the events' message ids
    names = [
        f"{FIRST_NAMES[first]} {LAST_NAMES[last]}"
        for first, last in zip(
            users.first_name.tolist(), users.last_name.tolist(), strict=True
        )
    ]
    for anonymous in range(users.known, users.total):
        names[anonymous] = ANON_NAME
    phones = _phones(rng, users)
    user_texts, assistant_texts = _texts(
        rng, author.tolist(), replies.is_error.tolist(), names, phones, users.known
    )
    conversation_ids = population.sessions.conversation_ids
    ctx.say(f"messages: {2 * count:,}")
    # interleave: row 2i = user message i, row 2i+1 = its assistant reply
    return Messages(
        message_id=_interleave(activity.user_message_ids, assistant_ids),
        conversation_id=[conversation_ids[s] for s in session.tolist() for _ in (0, 1)],
        user=np.repeat(author, 2),
        role=np.tile(np.array([ROLE_USER, ROLE_ASSISTANT]), count),
        content=_interleave(user_texts, assistant_texts),
        status=np.repeat(np.where(replies.is_error, STATUS_ERROR, STATUS_OK), 2)
        * np.tile([0, 1], count),
        response_ms=np.where(
            np.tile([False, True], count), np.repeat(replies.response_ms, 2), -1
        ),
        created=np.stack(
            [replies.user_created, replies.assistant_created], axis=1
        ).reshape(-1),
        user_phones=phones,
    )


def _interleave(first: list[str], second: list[str]) -> list[str]:
    """first[0], second[0], first[1], second[1], ..."""
    return [x for pair in zip(first, second, strict=True) for x in pair]


def _replies(rng: np.random.Generator, occurred: np.ndarray) -> _Replies:
    """When each message is stored and answered; errors and timeouts."""
    count = occurred.size
    user_created = occurred + rng.integers(30_000, 900_000, count)
    is_error = rng.random(count) < ASSISTANT_ERROR_SHARE
    slow = rng.random(count) < 0.04
    response = np.where(
        slow,
        np.exp(rng.normal(np.log(9000.0), 0.5, count)),
        np.exp(rng.normal(np.log(1400.0), 0.55, count)),
    ).astype(np.int64)
    error_kind = rng.random(count)
    response = np.where(is_error & (error_kind < 0.4), TIMEOUT_MS, response)
    no_response = is_error & (error_kind >= 0.4) & (error_kind < 0.7)
    wait = np.where(no_response, rng.integers(1, 30, count) * SECOND, response * 1000)
    assistant_created = user_created + wait + rng.integers(5_000, 50_000, count)
    return _Replies(
        user_created=user_created,
        assistant_created=assistant_created,
        is_error=is_error,
        response_ms=np.where(no_response, -1, response),
    )


def _phones(rng: np.random.Generator, users: Users) -> list[str]:
    """A phone number per known user, with the country's calling code."""
    known = users.known
    codes = [COUNTRY_CALLING_CODES[c] for c in users.country[:known].tolist()]
    area = rng.integers(200, 1000, known).tolist()
    middle = rng.integers(0, 1000, known).tolist()
    last = rng.integers(0, 1000, known).tolist()
    return [
        f"+{code} {a} {b:03d} {c:03d}"
        for code, a, b, c in zip(codes, area, middle, last, strict=True)
    ]


def _texts(
    rng: np.random.Generator,
    author: list[int],
    is_error: list[bool],
    names: list[str],
    phones: list[str],
    known: int,
) -> tuple[list[str], list[str]]:
    """The user messages and the assistant replies, from the templates."""
    count = len(author)
    template = rng.integers(0, len(USER_TEMPLATES), count).tolist()
    other = rng.integers(0, len(FIRST_NAMES), count).tolist()
    topic = rng.integers(0, len(TOPICS), count).tolist()
    misc = rng.integers(0, 5, count).tolist()  # task / language / error text
    pair = rng.integers(0, len(PAIRS), count).tolist()
    reply_template = rng.integers(0, len(ASSISTANT_TEMPLATES), count).tolist()
    user_texts = [
        USER_TEMPLATES[template_no].format(
            me=names[user],
            other=FIRST_NAMES[other_no],
            topic=TOPICS[topic_no],
            task=TASKS[misc_no],
            lang=LANGUAGES[misc_no],
            a=PAIRS[pair_no][0],
            b=PAIRS[pair_no][1],
            phone=phones[user] if user < known else ANONYMOUS_PHONE,
        )
        for template_no, user, other_no, topic_no, misc_no, pair_no in zip(
            template, author, other, topic, misc, pair, strict=True
        )
    ]
    assistant_texts = [
        ASSISTANT_ERROR_TEMPLATES[misc_no % 2]
        if error
        else ASSISTANT_TEMPLATES[template_no].format(
            me_first=names[user].split(" ")[0],
            a=PAIRS[pair_no][0],
            b=PAIRS[pair_no][1],
        )
        for error, template_no, user, pair_no, misc_no in zip(
            is_error, reply_template, author, pair, misc, strict=True
        )
    ]
    return user_texts, assistant_texts
