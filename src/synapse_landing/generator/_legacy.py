"""Synthetic raw-zone data for the landing contract, with a known ground truth.

``generate(config)`` simulates the Synapse product (users signing up, sessions of
app events, chat messages with assistant replies, subscriptions) and lands it
the way the real pipelines would: the app event stream (JSON payloads, 5-minute
load batches, at-least-once delivery), Debezium CDC of ``users.users`` and
``chat.messages`` and the hourly billing API pull, with every kind of fault the
landing contract describes injected at configurable rates. ``write_jsonl``
writes the four raw tables as a JSON-lines raw zone, partitioned by load date.

Representation in :class:`Dataset`
----------------------------------
``Dataset.tables[table][column]`` holds exactly the columns of
``contract.RAW_TABLES[table]``:

* text columns (``varchar``): a ``list`` of ``str`` or ``None`` (SQL null);
* ``bigint`` / ``integer`` columns: ``numpy.ndarray`` of ``int64``;
* ``timestamp`` columns: ``numpy.ndarray`` of ``datetime64[us]`` (naive UTC),
  ``NaT`` for null.

Rows are ordered by ``loaded_at`` (billing: ``fetched_at``), i.e. landing order.

The truth arrays (``truth_events``, ``truth_users``, ...) are ``dict[str,
numpy.ndarray]``: text as ``object`` arrays (``None`` for null), timestamps as
``datetime64[us]`` (``NaT`` for null), counts as ``int64``, flags as ``bool``,
``response_ms`` as ``float64`` (``nan`` for null).

``truth_users`` is the current state of ``users.users`` (deleted users included,
``is_deleted``/``deleted_at``; their attributes from their last image);
``truth_user_changes`` lists every written change in lsn order (``op``, ``plan``,
``country``, ``committed_at`` = ``source_ts_ms``): the plan history.
``truth_messages`` is the current state of ``chat.messages`` (with ``is_deleted``)
and ``truth_subscriptions`` the current state of every billing subscription.

Ground truth summary (``Dataset.truth``, also ``_truth.json``)
--------------------------------------------------------------
Counted from the rows as written, never echoed from the rates:

* ``raw_rows``: rows per table; ``latest_loaded_at`` per table;
* ``events``: ``valid_kept``, ``duplicates``, ``quarantined`` (all six reasons),
  with ``raw_rows == valid_kept + duplicates + sum(quarantined)``;
* ``users_cdc`` / ``messages_cdc``: ``quarantined`` (``malformed_json``,
  ``missing_key``), ``repeated_rows`` (extra copies of a written change),
  ``out_of_order_rows`` (changes whose first landing comes after the first
  landing of a later-lsn change of the same row), ``deletes`` and
  ``key_only_deletes`` (distinct delete changes), ``distinct_changes``;
* ``billing_subscriptions``: ``quarantined`` (``missing_subscription_id`` first,
  then ``missing_user_id``);
* ``faults``: ``duplicate_ties`` (duplicates equal to their kept copy on
  received_at and loaded_at), ``earlier_redeliveries`` (event ids whose kept
  copy landed after another valid copy), ``late_arrivals`` (kept copies
  received >= 1 day after occurred_at), ``extra_keys``, ``offset_timestamps``,
  ``boundary_timestamps`` (occurred_at == received_at + 5 min) and
  ``fraction_digits`` (0..6) over kept events; ``pg_lookalike_timestamps`` over
  quarantined rows;
* ``config``, ``start``, ``end`` and ``window`` (first/last activity date).

Same seed and same config (with an explicit ``end``) give byte-identical files.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring

import numpy as np

from synapse_landing import contract
from synapse_landing.rawzone import json_string_literals as _json_texts
from synapse_landing.rawzone import paused_gc as _no_gc

__all__ = [
    "Dataset",
    "FaultRates",
    "GeneratorConfig",
    "config_for_events",
    "generate",
]

# --------------------------------------------------------------------------- time
US = 1_000_000
SECOND = US
MINUTE = 60 * US
HOUR = 60 * MINUTE
DAY = 24 * HOUR
BATCH = 5 * MINUTE  # app events and CDC land in 5-minute batches
FUTURE_TOLERANCE = 5 * MINUTE  # contract: occurred_at <= received_at + 5 min
EPOCH = datetime(1970, 1, 1)

# ------------------------------------------------------------------ shape knobs
PRE_EXISTING_SHARE = 0.15  # users created before the window (CDC snapshot 'r')
SIGNUP_GROWTH = 2.0  # signup rate at the window's end = (1 + growth) x at start
SHORT_LIFE_SHARE = 0.3  # users who try the product and leave within days
SHORT_LIFE_MEAN_DAYS = 4.0
LONG_LIFE_MEAN_DAYS = 100.0
SEASON = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.72, 0.66])  # Monday .. Sunday
SESSIONS_EXTRA_MEAN = 0.4  # sessions per active day = 1 + Poisson(0.4)
SESSION_END_SHARE = 0.95  # the rest of the sessions are killed without an end
SUBSCRIBER_SHARE = 0.105  # ~8% of users end up with a subscription
SAME_DAY_SUBSCRIBE_SHARE = 0.35
SUB_BEFORE_SIGNUP_SHARE = 0.25  # of same-day subscribers: billing first
ASSISTANT_ERROR_SHARE = 0.02
PROFILE_UPDATES_MEAN = 0.3  # users CDC 'u' changes (email, country, ...) per user

# ---------------------------------------------------------------- vocabularies
# (code, weight, calling code, utc offset hours): all four regions, null, AQ
COUNTRIES: tuple[tuple[str | None, float, str, float], ...] = (
    ("US", 20.0, "1", -5),
    ("CA", 4.0, "1", -5),
    ("GB", 7.0, "44", 0),
    ("DE", 6.0, "49", 1),
    ("FR", 5.0, "33", 1),
    ("PT", 3.0, "351", 0),
    ("ES", 4.0, "34", 1),
    ("IT", 3.0, "39", 1),
    ("NL", 2.0, "31", 1),
    ("PL", 2.0, "48", 1),
    ("SE", 1.0, "46", 1),
    ("TR", 1.5, "90", 3),
    ("RU", 1.0, "7", 3),
    ("EG", 1.0, "20", 2),
    ("AE", 1.0, "971", 4),
    ("IL", 1.0, "972", 2),
    ("ZA", 1.0, "27", 2),
    ("NG", 1.0, "234", 1),
    ("KE", 0.5, "254", 3),
    ("BR", 6.0, "55", -3),
    ("MX", 4.0, "52", -6),
    ("AR", 2.0, "54", -3),
    ("CO", 2.0, "57", -5),
    ("CL", 1.0, "56", -4),
    ("IN", 7.0, "91", 5.5),
    ("JP", 4.0, "81", 9),
    ("KR", 2.0, "82", 9),
    ("CN", 1.0, "86", 8),
    ("SG", 1.0, "65", 8),
    ("ID", 2.0, "62", 7),
    ("PH", 1.0, "63", 8),
    ("AU", 3.0, "61", 10),
    ("NZ", 0.5, "64", 12),
    (None, 3.0, "1", 0),
    ("AQ", 0.3, "672", 0),
)
PLATFORMS = ("web", "ios", "android")
PLATFORM_WEIGHTS = (0.45, 0.3, 0.25)
APP_VERSIONS = ("3.0.2", "3.1.0", "3.1.4", "3.2.0", "3.2.1", "3.3.0")
APP_VERSION_RELEASES = (-1.0, 0.15, 0.35, 0.55, 0.75, 0.9)  # window fraction
FEATURES = (
    "summarize",
    "translate",
    "rewrite",
    "code_review",
    "image_generation",
    "web_search",
    "file_upload",
)
FEATURE_WEIGHTS = (0.25, 0.18, 0.15, 0.1, 0.12, 0.12, 0.08)
PAGES = ("/chat", "/history", "/settings", "/pricing", "/explore", "/help")
PAGE_WEIGHTS = (0.5, 0.2, 0.08, 0.07, 0.1, 0.05)
ERROR_CODES = ("E_NETWORK", "E_TIMEOUT", "E_RATE_LIMITED", "E_RENDER", "E_AUTH")
# middle-of-session event types (contract.EVENT_TYPES indexes) and weights
ET_START, ET_END, ET_MESSAGE, ET_FEATURE, ET_PAGE, ET_ERROR = range(6)
MID_TYPES = (ET_MESSAGE, ET_FEATURE, ET_PAGE, ET_ERROR)
MID_WEIGHTS = (0.42, 0.2, 0.35, 0.03)
# digits of the occurred_at fraction, 0..6 (JavaScript clients send 3)
DIGIT_WEIGHTS = (0.08, 0.03, 0.03, 0.55, 0.03, 0.03, 0.25)
# non-Z offsets for offset_timestamp (minutes); includes +00:00 and the +14:00 edge
OFFSETS_MIN = (60, 120, -300, -240, 330, 480, 540, -180, 600, 345, -570, 840, 0)
PLANS = ("free", "plus", "pro")
PLAN_AMOUNT = {"plus": 1000, "pro": 2000}
CURRENCIES = ("USD", "EUR", "GBP", "BRL")
CURRENCY_WEIGHTS = (0.55, 0.35, 0.06, 0.04)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

FIRST_NAMES = (
    "Ana", "João", "Maria", "Pedro", "Sofia", "Miguel", "Emma", "Liam", "Olivia",
    "Noah", "Ava", "Lucas", "Mia", "Mateo", "Chloé", "Léa", "Hugo", "Zoë",
    "Søren", "Freja", "Łukasz", "Zofia", "Hannah", "Jonas", "Aisha", "Omar",
    "Fatima", "Yusuf", "Priya", "Arjun", "Ananya", "Wei", "Mei", "Hiroshi",
    "Yuki", "Min-jun", "Seo-yeon", "Carlos", "Valentina", "Camila", "Diego",
    "Isabela", "Thabo", "Amara", "Chinedu", "Ngozi", "Olga", "Dmitri", "Elif",
    "Mehmet", "Noa", "Daniel", "Grace", "Jack", "Charlotte", "James", "Isla",
    "Ethan", "Renée", "José",
)  # fmt: skip
LAST_NAMES = (
    "Silva", "Santos", "Ferreira", "Costa", "Oliveira", "Smith", "Johnson",
    "Brown", "Garcia", "Martínez", "Rodríguez", "López", "Müller", "Schmidt",
    "Schneider", "Dubois", "Moreau", "Rossi", "Bianchi", "Kowalski", "Nowak",
    "Jensen", "Nielsen", "Andersson", "Johansson", "Öztürk", "Y\u0131lmaz", "Haddad",
    "Cohen", "Levi", "Okafor", "Mensah", "Naidoo", "Patel", "Sharma", "Gupta",
    "Wang", "Li", "Zhang", "Tanaka", "Sato", "Kim", "Park", "Nguyen", "Santoso",
    "Reyes", "O'Brien", "MacDonald", "Ivanova", "Petrov", "van der Berg",
    "de la Cruz",
)  # fmt: skip
TOPICS = ("budget", "onboarding", "quarterly report", "marketing plan", "thesis")
TASKS = (
    "export my chat history",
    "change my password",
    "share a conversation",
    "cancel my plan",
    "upload a PDF",
)
LANGUAGES = ("Portuguese", "German", "Japanese", "Spanish", "Hindi")
PAIRS = (("Python", "Rust"), ("TCP", "UDP"), ("stocks", "bonds"), ("SQL", "NoSQL"))
USER_TEMPLATES = (
    "Can you summarize this article for me?",
    "Help me write a polite email to {other} about the {topic} deadline.",
    "Hi, I'm {me}. How do I {task}?",
    "Translate 'see you tomorrow' into {lang}.",
    "What is the difference between {a} and {b}?",
    "Draft a short birthday message for {other}.",
    "Explain {topic} like I'm five.",
    "My name is {me}, please call me back at {phone}.",
    "Give me three ideas for a {topic} project.",
    'Fix the grammar: "me and {other} goes to the office on monday"',
)
ASSISTANT_TEMPLATES = (
    "Sure! Here is a concise summary in three bullet points.",
    "Of course, {me_first}. Here is a draft you can adapt.",
    "Here are three ideas you could try.",
    "In short: {a} favours control, {b} favours convenience.",
    "Done. I corrected the grammar and kept your tone.",
)
ASSISTANT_ERROR_TEMPLATES = (
    "Sorry, something went wrong while generating a reply. Please try again.",
    "The request timed out.",
)
ANON_NAME = "Sam"

# --------------------------------------------------------- fault variant lists
MALFORMED_VARIANTS = (
    "truncated",
    "array",
    "json_string",
    "number",
    "form_encoded",
    "html",
    "empty",
    "json_null",
    "unquoted_keys",
    "python_repr",
)
MISSING_EVENT_ID_VARIANTS = (None, "", "   ")
MISSING_USER_ID_VARIANTS = ("absent", "null", "number", "empty", "blank")
UNKNOWN_EVENT_TYPE_VARIANTS = (
    "voice_note",
    "SESSION_START",
    "screen_view",
    "page_view ",
    "Message_Sent",
    "",
    None,
    "<absent>",
)
INVALID_TS_VARIANTS = (
    "absent",
    "null",
    "epoch_number",
    "space_for_t",
    "no_offset",
    "offset_no_colon",
    "lowercase_z",
    "lowercase_t",
    "feb_30",
    "feb_29_non_leap",
    "month_13",
    "day_00",
    "hour_24_offset",
    "leap_second",
    "minute_60",
    "seven_digits",
    "offset_plus_15",
    "offset_minus_14_30",
    "dot_no_digits",
    "year_0000",
    "one_digit_hour",
    "iso_week",
    "basic_format",
    "trailing_space",
    "words",
    "not_applicable",
    "empty",
)
PG_LOOKALIKE_VARIANTS = (
    "yesterday",
    "now",
    "epoch",
    "today",
    "tomorrow",
    "infinity",
    "-infinity",
    "t24",
    "space_plus00",
    "hour_only_offset",
    "date_only",
    "space_no_zone",
)
FUTURE_VARIANTS = (
    "plus_5min_1us",
    "plus_5min_1ms",
    "plus_6min",
    "plus_2h",
    "plus_2h_hidden_by_offset",
    "plus_1d",
    "plus_400d",
    "year_2099",
    "year_9999",
)
CDC_MALFORMED_VARIANTS = (
    "truncated",
    "array",
    "json_string",
    "number",
    "garbage",
    "empty",
)

ETYPE_NAMES = contract.EVENT_TYPES
REASONS = contract.EVENT_QUARANTINE_REASONS
_STAGES = {
    "ids": 1,
    "users": 2,
    "sessions": 3,
    "deletes": 4,
    "events": 5,
    "messages": 6,
    "billing": 7,
    "users_cdc": 8,
    "cdc": 9,
    "faults": 10,
    "batches": 11,
    "pulls": 12,
}


# =========================================================================== API
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


@dataclass
class Dataset:
    tables: dict[str, dict[str, list | np.ndarray]]
    truth: dict
    truth_events: dict[str, np.ndarray]
    truth_users: dict[str, np.ndarray]
    truth_messages: dict[str, np.ndarray]
    truth_subscriptions: dict[str, np.ndarray]
    # every distinct written users change, in lsn order: the plan history
    truth_user_changes: dict[str, np.ndarray] = field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None


# raw app_events rows per configured user with the default shape over 90 days
# (measured: 9,200 users -> ~996,000 rows)
_EVENT_ROWS_PER_USER_90D = 108.3


def config_for_events(
    events: int,
    seed: int = 42,
    days: int = 90,
    end: datetime | None = None,
    faults: FaultRates | None = None,
) -> GeneratorConfig:
    """A default-shaped config sized to land about ``events`` app_events rows."""
    per_user = (
        _EVENT_ROWS_PER_USER_90D * min(days, 90) / 90
        if days < 90
        else (_EVENT_ROWS_PER_USER_90D * (1 + 0.6 * (days - 90) / 90))
    )
    users = max(1, round(events / per_user))
    return GeneratorConfig(
        seed=seed,
        users=users,
        days=days,
        end=end,
        faults=faults if faults is not None else FaultRates(),
    )


def generate(
    config: GeneratorConfig, progress: Callable[[str], None] | None = None
) -> Dataset:
    """Simulate the product and land it in the four raw tables, with truth."""
    with _no_gc():
        return _Generator(config, progress or (lambda _msg: None)).run()


# ======================================================================= helpers
def _to_us(value: datetime) -> int:
    return (value - EPOCH) // _ONE_US


_ONE_US = datetime(1970, 1, 1, 0, 0, 0, 1) - EPOCH


def _from_us(value: int) -> datetime:
    return EPOCH + value * _ONE_US


def _count(rate: float, n: int) -> int:
    """Deterministic fault count: round(rate * n), at least 1 when rate > 0."""
    if rate <= 0 or n <= 0:
        return 0
    return int(min(n, max(1, round(rate * n))))


def _mix(idx: np.ndarray, salt: int, bits: int = 64) -> np.ndarray:
    """Bijective scramble of ``bits``-bit integers: distinct in, distinct out."""
    mask = np.uint64((1 << bits) - 1)
    with np.errstate(over="ignore"):
        x = (idx.astype(np.uint64) + np.uint64(salt & int(mask))) & mask
        x = (x * np.uint64(0x9E3779B97F4A7C15)) & mask
        x ^= x >> np.uint64(bits // 2 + 1)
        x = (x * np.uint64(0xBF58476D1CE4E5B9)) & mask
        x ^= x >> np.uint64(bits // 3 + 1)
    return x


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_CHUNK = 1 << 20


def _hex_digits(x: np.ndarray, width: int) -> np.ndarray:
    """(n, width) uint8 matrix of the lowercase hex digits of uint64 values."""
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64) * np.uint64(4)
    return _HEX[((x[:, None] >> shifts) & np.uint64(15)).astype(np.intp)]


def _const(text: str, n: int) -> np.ndarray:
    return np.broadcast_to(np.frombuffer(text.encode(), dtype=np.uint8), (n, len(text)))


def _ascii_rows(parts: list[np.ndarray]) -> list[str]:
    """Concatenate (n, k) uint8 character matrices into n ASCII strings."""
    m = np.ascontiguousarray(np.concatenate(parts, axis=1))
    if m.shape[0] == 0:
        return []
    w = m.shape[1]
    return m.view(f"S{w}").ravel().astype(f"U{w}").tolist()


def _hex_ids(prefix: str, idx: np.ndarray, salt: int, bits: int) -> list[str]:
    """prefix + bits/4 hex digits, distinct for distinct idx (vectorised)."""
    out: list[str] = []
    for lo in range(0, idx.size, _CHUNK):
        x = _mix(idx[lo : lo + _CHUNK], salt, bits)
        out += _ascii_rows([_const(prefix, x.size), _hex_digits(x, bits // 4)])
    return out


def _uuid_ids(idx: np.ndarray, salt: int, rng: np.random.Generator) -> list[str]:
    """UUID-shaped ids: 64 bits that are distinct per idx, 62 random bits."""
    low_all = rng.integers(0, 1 << 62, size=idx.size, dtype=np.int64).astype(
        np.uint64
    ) | np.uint64(1 << 63)
    out: list[str] = []
    for lo in range(0, idx.size, _CHUNK):
        a = _hex_digits(_mix(idx[lo : lo + _CHUNK], salt, 64), 16)
        b = _hex_digits(low_all[lo : lo + _CHUNK], 16)
        dash = _const("-", a.shape[0])
        out += _ascii_rows(
            [
                a[:, :8],
                dash,
                a[:, 8:12],
                dash,
                a[:, 12:],
                dash,
                b[:, :4],
                dash,
                b[:, 4:],
            ]
        )
    return out


def _iso_us(values: np.ndarray) -> np.ndarray:
    """int64 microseconds -> 'YYYY-MM-DDTHH:MM:SS.ffffff' (numpy U26)."""
    return np.datetime_as_string(values.astype("datetime64[us]"), unit="us")


def _iso_z(values: np.ndarray) -> list[str]:
    """ISO-8601 UTC text as Debezium writes timestamptz: 6 digits and Z."""
    return [s + "Z" for s in _iso_us(values).tolist()]


def _iso1(value: int) -> str:
    """'YYYY-MM-DDTHH:MM:SS.ffffff' of one int64 microsecond instant."""
    return _from_us(value).isoformat(timespec="microseconds")


def _iso_z1(value: int) -> str:
    return _iso1(value) + "Z"


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _render_occurred(us: int, digits: int, offset_min: int | None) -> str:
    """Contract form of an instant: local time, 0-6 digits, Z or +HH:MM."""
    local = us + (offset_min or 0) * MINUTE
    text = _iso1(local)
    text = text[:19] if digits == 0 else text[: 20 + digits]
    return text + ("Z" if offset_min is None else _offset_text(offset_min))


def _ascii_slug(text: str) -> str:
    text = text.translate(str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L"}))
    text = text.replace("\u0131", "i").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", text.lower())


def _compact(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _choice(rng: np.random.Generator, n: int, weights) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _dt64(values: np.ndarray) -> np.ndarray:
    """int64 microseconds since the epoch -> datetime64[us]."""
    return np.asarray(values, dtype=np.int64).astype("datetime64[us]")


class _Batches:
    """5-minute load batches of one pipeline: batch b lands at end-of-b + jitter."""

    def __init__(self, rng: np.random.Generator, lo_us: int, hi_us: int) -> None:
        self.b_lo = lo_us // BATCH - 1
        self.b_hi = hi_us // BATCH + 2
        n = self.b_hi - self.b_lo + 1
        self.jitter = rng.integers(8 * SECOND, 95 * SECOND, size=n)

    def index(self, t: np.ndarray) -> np.ndarray:
        return np.clip(t // BATCH, self.b_lo, self.b_hi)

    def load(self, b: np.ndarray) -> np.ndarray:
        b = np.clip(b, self.b_lo, self.b_hi)
        return (b + 1) * BATCH + self.jitter[b - self.b_lo]

    def loaded_at(self, t: np.ndarray) -> np.ndarray:
        return self.load(self.index(t))


# ===================================================================== generator
class _Generator:
    def __init__(self, config: GeneratorConfig, say: Callable[[str], None]) -> None:
        if config.users < 1 or config.days < 1:
            raise ValueError("users and days must be >= 1")
        if config.seed < 0:
            raise ValueError("seed must be >= 0")
        self.cfg = config
        self.f = config.faults
        self.say = say
        end = config.end
        if end is None:
            end = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
        elif end.tzinfo is not None:
            end = end.astimezone(UTC).replace(tzinfo=None)
        self.end_dt = end
        self.end = _to_us(end)
        self.start = self.end - config.days * DAY
        self.snapshot = self.start - 30 * MINUTE
        salts = self._rng("ids").integers(0, 1 << 62, size=16).tolist()
        self.salt = dict(
            zip(
                ("event", "session", "conv", "message", "sub", "anon"),
                salts[:6],
                strict=True,
            )
        )

    def _rng(self, stage: str) -> np.random.Generator:
        return np.random.default_rng([self.cfg.seed, _STAGES[stage]])

    # ------------------------------------------------------------------- run
    def run(self) -> Dataset:
        self._users()
        self._sessions()
        self._deletes()
        self._events()
        self._messages()
        self._billing()
        self._users_cdc()
        self._cdc()
        self._event_rows()
        return self._dataset()

    # ----------------------------------------------------------------- users
    def _users(self) -> None:
        rng = self._rng("users")
        cfg = self.cfg
        n_known = cfg.users
        share = min(max(cfg.anonymous_share, 0.0), 0.9)
        n_anon = round(n_known * share / (1 - share)) if share > 0 else 0
        n = n_known + n_anon
        self.n_known, self.n_anon, self.n_pseudo = n_known, n_anon, n
        known = np.arange(n) < n_known
        pre = known & (rng.random(n) < PRE_EXISTING_SHARE)
        # signups with a rate rising linearly over the window (inverse CDF)
        g = SIGNUP_GROWTH
        frac = (np.sqrt(1 + 2 * g * rng.random(n) * (1 + g / 2)) - 1) / g
        span = max(self.end - HOUR - self.start, MINUTE)
        created = self.start + (frac * span).astype(np.int64)
        created[pre] = self.start - (rng.uniform(1, 400, pre.sum()) * DAY).astype(
            np.int64
        )
        created = created - created % 1000  # Postgres keeps microseconds; ms here
        self.created = created
        self.pre = pre
        short = rng.random(n) < SHORT_LIFE_SHARE
        life_days = np.where(
            short,
            rng.geometric(1 / SHORT_LIFE_MEAN_DAYS, n),
            rng.geometric(1 / LONG_LIFE_MEAN_DAYS, n),
        )
        anchor = np.maximum(created, self.start)
        self.active_end = anchor + life_days.astype(np.int64) * DAY
        self.engagement = np.clip(rng.beta(1.3, 2.4, n), 0.03, 0.97)
        self.country = _choice(rng, n, [c[1] for c in COUNTRIES])
        if n_known >= 50:  # always a few users outside the region seed
            codes = [c[0] for c in COUNTRIES]
            spots = rng.choice(n_known, size=2, replace=False)
            for spot, code in zip(spots.tolist(), ("AQ", None), strict=True):
                if not np.any(self.country[:n_known] == codes.index(code)):
                    self.country[spot] = codes.index(code)
        self.tz_hours = np.array([c[3] for c in COUNTRIES])[self.country]
        self.platform = _choice(rng, n, PLATFORM_WEIGHTS)
        self.first = rng.integers(0, len(FIRST_NAMES), n)
        self.last = rng.integers(0, len(LAST_NAMES), n)
        width = max(6, len(str(n_known)))
        anon_ids = _hex_ids("anon_", np.arange(n_anon), self.salt["anon"], 48)
        self.user_ids = [f"u_{i + 1:0{width}d}" for i in range(n_known)] + anon_ids
        codes = [c[0] for c in COUNTRIES]
        self.ufrag = [f'"user_id":"{u}"' for u in self.user_ids]
        self.cfrag = [
            "" if codes[c] is None else f',"country":"{codes[c]}"'
            for c in self.country.tolist()
        ]
        self.say(f"users: {n_known:,} (+{n_anon:,} anonymous ids)")

    # -------------------------------------------------------------- sessions
    def _sessions(self) -> None:
        rng = self._rng("sessions")
        n = self.n_pseudo
        anchor = np.maximum(self.created, self.start)
        first_day = anchor // DAY
        last_day = np.minimum(self.active_end, self.end) // DAY
        nd = np.clip(last_day - first_day + 1, 0, None)
        uid = np.repeat(np.arange(n), nd)
        offs = np.cumsum(nd) - nd
        day = first_day[uid] + np.arange(uid.size) - offs[uid]
        dow = (day + 3) % 7  # 1970-01-01 was a Thursday
        active = rng.random(uid.size) < self.engagement[uid] * SEASON[dow]
        uid, day = uid[active], day[active]
        per_day = 1 + rng.poisson(SESSIONS_EXTRA_MEAN, uid.size)
        su = np.repeat(uid, per_day)
        sd = np.repeat(day, per_day)
        evening = rng.random(su.size) < 0.55
        local_h = np.where(
            evening, rng.normal(20.5, 2.2, su.size), rng.normal(11.0, 2.5, su.size)
        )
        utc_h = np.mod(local_h - self.tz_hours[su], 24.0)
        st = sd * DAY + (utc_h * HOUR).astype(np.int64)
        ok = (
            (st >= np.maximum(self.created[su] + 2 * MINUTE, self.start))
            & (st < self.active_end[su])
            & (st <= self.end - 12 * MINUTE)
        )
        su, st = su[ok], st[ok]
        # the signup session
        fresh = np.flatnonzero(self.created >= self.start)
        su2 = fresh
        st2 = self.created[fresh] + rng.integers(3 * SECOND, 60 * SECOND, fresh.size)
        keep2 = st2 <= self.end - 12 * MINUTE
        su2, st2 = su2[keep2], st2[keep2]
        # live tail: sessions in the last hour so a dataset ending "now" is fresh
        alive = np.flatnonzero(
            (self.created <= self.end - 2 * HOUR) & (self.active_end >= self.end)
        )
        if alive.size == 0:
            alive = np.flatnonzero(self.created <= self.end - 2 * HOUR)
        if alive.size == 0:
            alive = np.arange(n)
        k = max(3, round(0.003 * n))
        su3 = rng.choice(alive, size=k, replace=alive.size < k)
        st3 = self.end - rng.integers(12 * MINUTE, 40 * MINUTE, k)
        su = np.concatenate([su, su2, su3])
        st = np.concatenate([st, st2, st3])
        tail = np.concatenate(
            [np.zeros(su.size - k, dtype=bool), np.ones(k, dtype=bool)]
        )
        order = np.lexsort((su, st))
        self.s_user, self.s_start, self.s_tail = su[order], st[order], tail[order]
        s = su.size
        self.n_sessions = s
        other = rng.integers(0, 3, s)
        self.s_platform = np.where(
            rng.random(s) < 0.85, self.platform[self.s_user], other
        )
        f_window = (self.s_start - self.start) / max(self.end - self.start, 1)
        latest = np.searchsorted(APP_VERSION_RELEASES, f_window, side="right") - 1
        lag = np.minimum(rng.geometric(0.65, s) - 1, latest)
        self.s_version = latest - lag
        lam = max(0.0, self.cfg.events_per_active_day / 1.4 - 1 - SESSION_END_SHARE)
        n_mid = rng.poisson(lam, s)
        n_mid[self.s_tail] = np.maximum(n_mid[self.s_tail], 3)
        self.s_nmid = n_mid
        self.s_has_end = rng.random(s) < SESSION_END_SHARE
        self.s_ids = _hex_ids("s_", np.arange(s), self.salt["session"], 64)
        self.s_conv = _hex_ids("c_", np.arange(s), self.salt["conv"], 64)
        self.say(f"sessions: {s:,}")

    # --------------------------------------------------------------- deletes
    def _deletes(self) -> None:
        rng = self._rng("deletes")
        n = self.n_known
        last = np.full(self.n_pseudo, -1, dtype=np.int64)
        np.maximum.at(last, self.s_user, self.s_start)
        last = np.maximum(last, np.maximum(self.created, self.start))[:n]
        in_tail = np.zeros(self.n_pseudo, dtype=bool)
        in_tail[self.s_user[self.s_tail]] = True
        elig = np.flatnonzero(
            (last + 3 * HOUR + DAY < self.end - 2 * HOUR) & ~in_tail[:n]
        )
        k = min(_count(self.f.user_delete, n), elig.size)
        chosen = np.sort(rng.choice(elig, size=k, replace=False))
        deleted = np.full(n, -1, dtype=np.int64)
        lo = last[chosen] + 3 * HOUR + DAY
        hi = np.minimum(lo + 20 * DAY, self.end - 2 * HOUR)
        deleted[chosen] = lo + (rng.random(k) * (hi - lo)).astype(np.int64)
        self.deleted_at = deleted
        self.say(f"deleted users: {k:,}")

    # ---------------------------------------------------------------- events
    def _events(self) -> None:
        rng = self._rng("events")
        nev = 1 + self.s_nmid + self.s_has_end
        total = int(nev.sum())
        es = np.repeat(np.arange(self.n_sessions), nev)
        first = np.cumsum(nev) - nev
        pos = np.arange(total) - first[es]
        gap = (np.exp(rng.normal(np.log(22.0), 1.0, total)) * SECOND).astype(np.int64)
        gap[pos == 0] = 0
        cs = np.cumsum(gap)
        t = self.s_start[es] + cs - cs[first[es]]
        etype = np.asarray(MID_TYPES)[_choice(rng, total, MID_WEIGHTS)]
        etype[pos == 0] = ET_START
        is_last = pos == nev[es] - 1
        etype[is_last & self.s_has_end[es] & (pos > 0)] = ET_END
        etype[(pos == 1) & self.s_tail[es]] = ET_MESSAGE
        keep = t <= self.end
        es, t, etype = es[keep], t[keep], etype[keep]
        n = t.size
        self.say(f"events: {n:,} simulated")
        # properties
        is_msg = etype == ET_MESSAGE
        msg_idx = np.cumsum(is_msg) - 1
        self.n_user_msgs = int(is_msg.sum())
        user_msg_ids = _hex_ids(
            "m_", np.arange(self.n_user_msgs), self.salt["message"], 64
        )
        self.message_ids = user_msg_ids
        prop_val = np.full(n, -1, dtype=np.int64)
        prop_val[is_msg] = msg_idx[is_msg]
        for code, _names, weights in (
            (ET_FEATURE, FEATURES, FEATURE_WEIGHTS),
            (ET_PAGE, PAGES, PAGE_WEIGHTS),
            (ET_ERROR, ERROR_CODES, [1.0] * len(ERROR_CODES)),
        ):
            mask = etype == code
            prop_val[mask] = _choice(rng, int(mask.sum()), weights)
        # device clock text precision, truth instant, arrival and load
        digits = _choice(rng, n, DIGIT_WEIGHTS)
        tp = t - t % (10 ** (6 - digits))
        delay = np.exp(rng.normal(np.log(0.6), 1.0, n))
        received = tp + (np.clip(delay, 0.03, 120.0) * SECOND).astype(np.int64)
        self.ev_batches = _Batches(self._rng("batches"), self.start - DAY, self.end)
        loaded = self.ev_batches.loaded_at(received)
        self.ev_all = dict(
            session=es, t=t, etype=etype, prop=prop_val, msg=is_msg, msg_idx=msg_idx
        )
        base = loaded <= self.end
        self.b = dict(
            session=es[base],
            user=self.s_user[es[base]],
            etype=etype[base],
            prop=prop_val[base],
            digits=digits[base],
            tp=tp[base],
            received=received[base],
            loaded=loaded[base],
        )
        nb = int(base.sum())
        self.nb = nb
        self.b["eid"] = _uuid_ids(np.arange(nb), self.salt["event"], rng)
        self.say(f"events: {nb:,} landed by end")

    # -------------------------------------------------------------- messages
    def _messages(self) -> None:
        rng = self._rng("messages")
        ev = self.ev_all
        is_msg = ev["msg"]
        sess = ev["session"][is_msg]
        t_ev = ev["t"][is_msg]
        users = self.s_user[sess]
        m = t_ev.size
        u_created = t_ev + rng.integers(30_000, 900_000, m)
        err = rng.random(m) < ASSISTANT_ERROR_SHARE
        tail = rng.random(m) < 0.04
        resp = np.where(
            tail,
            np.exp(rng.normal(np.log(9000.0), 0.5, m)),
            np.exp(rng.normal(np.log(1400.0), 0.55, m)),
        ).astype(np.int64)
        err_kind = rng.random(m)
        resp = np.where(err & (err_kind < 0.4), 30_000, resp)
        resp_null = err & (err_kind >= 0.4) & (err_kind < 0.7)
        wait = np.where(resp_null, rng.integers(1, 30, m) * SECOND, resp * 1000)
        a_created = u_created + wait + rng.integers(5_000, 50_000, m)
        a_ids = _hex_ids(
            "m_", np.arange(m, 2 * m), self.salt["message"], 64
        )  # same id space as the events' message ids
        # content
        names = [f"{FIRST_NAMES[a]} {LAST_NAMES[b]}" for a, b in zip(
            self.first.tolist(), self.last.tolist(), strict=True)]  # fmt: skip
        for i in range(self.n_known, self.n_pseudo):
            names[i] = ANON_NAME
        phones = self._phones(rng)
        tpl = rng.integers(0, len(USER_TEMPLATES), m).tolist()
        other = rng.integers(0, len(FIRST_NAMES), m).tolist()
        topic = rng.integers(0, len(TOPICS), m).tolist()
        misc = rng.integers(0, 5, m).tolist()
        pair = rng.integers(0, len(PAIRS), m).tolist()
        atpl = rng.integers(0, len(ASSISTANT_TEMPLATES), m).tolist()
        ulist = users.tolist()
        u_content = [
            USER_TEMPLATES[k].format(
                me=names[u],
                other=FIRST_NAMES[o],
                topic=TOPICS[tp_],
                task=TASKS[x],
                lang=LANGUAGES[x],
                a=PAIRS[p][0],
                b=PAIRS[p][1],
                phone=phones[u] if u < self.n_known else "555 0100",
            )
            for k, u, o, tp_, x, p in zip(
                tpl, ulist, other, topic, misc, pair, strict=True
            )
        ]
        errl = err.tolist()
        a_content = [
            ASSISTANT_ERROR_TEMPLATES[x % 2]
            if e
            else ASSISTANT_TEMPLATES[k].format(
                me_first=names[u].split(" ")[0], a=PAIRS[p][0], b=PAIRS[p][1]
            )
            for e, k, u, p, x in zip(errl, atpl, ulist, pair, misc, strict=True)
        ]
        # interleave: row 2i = user message i, row 2i+1 = its assistant reply
        self.msg = dict(
            message_id=[
                x for pair_ in zip(self.message_ids, a_ids, strict=True) for x in pair_
            ],
            conversation_id=[self.s_conv[s] for s in sess.tolist() for _ in (0, 1)],
            user=np.repeat(users, 2),
            role=np.tile(np.array([0, 1]), m),  # 0 user, 1 assistant
            content=[
                x for pair_ in zip(u_content, a_content, strict=True) for x in pair_
            ],
            status=np.repeat(np.where(err, 2, 1), 2) * np.tile([0, 1], m),
            response_ms=np.where(
                np.tile([False, True], m),
                np.repeat(np.where(resp_null, -1, resp), 2),
                -1,
            ),
            created=np.stack([u_created, a_created], axis=1).reshape(-1),
        )
        self.n_messages = 2 * m
        del self.ev_all  # the simulated (pre-landing) events are no longer needed
        self.say(f"messages: {2 * m:,}")

    def _phones(self, rng: np.random.Generator) -> list[str]:
        n = self.n_known
        codes = [COUNTRIES[c][2] for c in self.country[:n].tolist()]
        a = rng.integers(200, 1000, n).tolist()
        b = rng.integers(0, 1000, n).tolist()
        c = rng.integers(0, 1000, n).tolist()
        self.phones = [
            f"+{cc} {x} {y:03d} {z:03d}"
            for cc, x, y, z in zip(codes, a, b, c, strict=True)
        ]
        return self.phones

    # --------------------------------------------------------------- billing
    def _billing(self) -> None:
        rng = self._rng("billing")
        n = self.n_known
        r = random.Random(self.cfg.seed * 1_000_003 + 7)
        end, start = self.end, self.start
        subscriber = rng.random(n) < SUBSCRIBER_SHARE
        plan_pro = rng.random(n) < 0.35
        currency = _choice(rng, n, CURRENCY_WEIGHTS)
        versions = []  # (sub, user, plan, status, currency, started, canceled, upd)
        plan_events: dict[int, list[tuple[int, str]]] = {}
        n_sub = 0
        for u in np.flatnonzero(subscriber).tolist():
            created = int(self.created[u])
            cap = end if self.deleted_at[u] < 0 else int(self.deleted_at[u]) - HOUR
            if self.pre[u]:
                started = created + int(r.random() * (start - created))
            elif r.random() < SAME_DAY_SUBSCRIBE_SHARE:
                if r.random() < SUB_BEFORE_SIGNUP_SHARE:
                    started = created - int((1 + 29 * r.random()) * SECOND)
                else:
                    started = created + int((5 + r.random() * 355) * MINUTE)
            else:
                started = created + int(r.expovariate(1 / 25.0) * DAY)
            plan = "pro" if plan_pro[u] else "plus"
            cur = int(currency[u])
            while started < cap - HOUR:
                sub = n_sub
                n_sub += 1
                ended = self._simulate_sub(
                    r, sub, u, plan, cur, started, cap, versions, plan_events
                )
                if ended is None or r.random() > 0.15:
                    break
                started = ended + int((3 + 37 * r.random()) * DAY)
                plan = "pro" if r.random() < 0.35 else "plus"
        self.plan_events = plan_events
        self.n_subs = n_sub
        sub_ids = _hex_ids("sub_", np.arange(n_sub), self.salt["sub"], 56)
        # hourly pulls from the first hour of the window
        rng_p = self._rng("pulls")
        first_pull = -(-start // HOUR) * HOUR
        hours = np.arange(first_pull, end + 1, HOUR)
        pulls = hours + rng_p.integers(2 * SECOND, 50 * SECOND, hours.size)
        pulls = pulls[pulls <= end]
        if pulls.size == 0:
            pulls = np.array([end], dtype=np.int64)
        vs = np.array([v[7] for v in versions], dtype=np.int64)
        v_sub = np.array([v[0] for v in versions], dtype=np.int64)
        pull_idx = np.searchsorted(pulls, vs, side="left")
        fetched = pull_idx < pulls.size
        # several versions before one pull: only the latest is seen
        order = np.lexsort((vs, pull_idx, v_sub))
        last_of = np.ones(order.size, dtype=bool)
        same = (v_sub[order][1:] == v_sub[order][:-1]) & (
            pull_idx[order][1:] == pull_idx[order][:-1]
        )
        last_of[:-1] = ~same
        seen = np.zeros(len(versions), dtype=bool)
        seen[order[last_of]] = True
        rows = np.flatnonzero(seen & fetched)
        row_pull = pull_idx[rows]
        # unchanged objects fetched again at a later pull
        k = _count(self.f.billing_refetch, rows.size)
        extra_v, extra_p = [], []
        if rows.size:
            pick = rng.choice(rows.size, size=k, replace=True)
            later = row_pull[pick] + rng.integers(1, 25, k)
            ok = later < pulls.size
            extra_v.append(rows[pick][ok])
            extra_p.append(later[ok])
            if not np.any(np.concatenate([row_pull, later[ok]]) == pulls.size - 1):
                newest = rows[np.argmax(vs[rows])]
                extra_v.append(np.array([newest]))
                extra_p.append(np.array([pulls.size - 1]))
        ev_ = np.concatenate([rows, *extra_v]).astype(np.int64)
        ep_ = np.concatenate([row_pull, *extra_p]).astype(np.int64)
        refetched = ev_.size - rows.size
        # rows without subscription_id or user_id (extra rows)
        k2 = _count(self.f.billing_missing_id, ev_.size)
        if k2 and ev_.size:  # both reasons, even with a handful of billing rows
            k2 = max(k2, 2)
        if ev_.size:
            pick2 = rng.choice(ev_.size, size=k2, replace=True)
        else:
            pick2 = np.zeros(0, dtype=np.int64)
        miss = np.concatenate(
            [np.zeros(ev_.size, dtype=np.int8), (np.arange(k2) % 3 + 1).astype(np.int8)]
        )  # 1 no subscription_id, 2 no user_id, 3 neither
        ev_ = np.concatenate([ev_, ev_[pick2]])
        ep_ = np.concatenate([ep_, ep_[pick2]])
        order = np.lexsort((miss, vs[ev_], v_sub[ev_], ep_))
        ev_, ep_, miss = ev_[order], ep_[order], miss[order]
        col = {
            "subscription_id": [],
            "user_id": [],
            "plan": [],
            "status": [],
            "amount_cents": [],
            "currency": [],
            "started_at": [],
            "canceled_at": [],
            "updated_at": [],
        }
        for vi, mi in zip(ev_.tolist(), miss.tolist(), strict=True):
            sub, u, plan, status, cur, started, canceled, upd = versions[vi]
            col["subscription_id"].append(None if mi in (1, 3) else sub_ids[sub])
            col["user_id"].append(None if mi in (2, 3) else self.user_ids[u])
            col["plan"].append(plan)
            col["status"].append(status)
            col["amount_cents"].append(PLAN_AMOUNT[plan])
            col["currency"].append(CURRENCIES[cur])
            col["started_at"].append(started)
            col["canceled_at"].append(canceled if canceled is not None else -1)
            col["updated_at"].append(upd)
        canceled = np.array(col["canceled_at"], dtype=np.int64)
        self.billing_table = {
            "subscription_id": col["subscription_id"],
            "user_id": col["user_id"],
            "plan": col["plan"],
            "status": col["status"],
            "amount_cents": np.array(col["amount_cents"], dtype=np.int64),
            "currency": col["currency"],
            "started_at": _dt64(np.array(col["started_at"], dtype=np.int64)),
            "canceled_at": np.where(
                canceled < 0,
                np.datetime64("NaT", "us"),
                canceled.astype("datetime64[us]"),
            ),
            "updated_at": _dt64(np.array(col["updated_at"], dtype=np.int64)),
            "fetched_at": _dt64(pulls[ep_]),
        }
        self.billing_miss = miss
        self.billing_refetched = refetched
        # truth: current state = latest updated_at (ties: latest fetched_at)
        valid_rows = np.flatnonzero(miss == 0)
        cur_rows: dict[int, int] = {}
        for i in valid_rows.tolist():
            s = v_sub[ev_[i]]
            j = cur_rows.get(s)
            if j is None or (vs[ev_[i]], ep_[i]) >= (vs[ev_[j]], ep_[j]):
                cur_rows[s] = i
        idx = np.array([cur_rows[s] for s in sorted(cur_rows)], dtype=np.int64)
        self.truth_subscriptions = {
            c: (
                np.asarray(v, dtype=object)[idx]
                if isinstance(v, list)
                else np.asarray(v)[idx]
            )
            for c, v in self.billing_table.items()
        }
        self.say(f"billing: {len(ev_):,} rows, {len(cur_rows):,} subscriptions")

    def _simulate_sub(self, r, sub, u, plan, cur, started, cap, versions, plan_events):
        """Monthly lifecycle of one subscription; returns cancel time or None."""
        started -= started % SECOND
        pe = plan_events.setdefault(u, [])

        def add(t, p, status, canceled=None):
            t -= t % SECOND
            versions.append((sub, u, p, status, cur, started, canceled, t))

        add(started, plan, "active")
        pe.append((started, plan))
        t = started
        while True:
            t_next = t + int((29.5 + r.random()) * DAY)
            if t_next >= cap:
                break
            x = r.random()
            if x < 0.05:  # voluntary cancel during the period
                tc = t + int(r.random() * (t_next - t))
                tc -= tc % SECOND
                add(tc, plan, "canceled", tc)
                pe.append((tc, "free"))
                return tc
            if x < 0.10:  # renewal payment fails
                add(t_next, plan, "past_due")
                tr = t_next + int((1 + 9 * r.random()) * DAY)
                if tr >= cap:
                    break
                if r.random() < 0.55:
                    add(tr, plan, "active")
                else:
                    tr -= tr % SECOND
                    add(tr, plan, "canceled", tr)
                    pe.append((tr, "free"))
                    return tr
            elif x < 0.14 and plan == "plus":
                tu = t + int(r.random() * (t_next - t))
                plan = "pro"
                add(tu, plan, "active")
                pe.append((tu - tu % SECOND, plan))
            t = t_next
        if self.deleted_at[u] >= 0:  # erasure requests cancel billing first
            last_t = versions[-1][7]
            tc = max(last_t + MINUTE, cap - int(r.random() * DAY))
            tc -= tc % SECOND
            add(tc, plan, "canceled", tc)
            pe.append((tc, "free"))
            return tc
        return None

    # ------------------------------------------------------------- users cdc
    def _users_cdc(self) -> None:
        rng = self._rng("users_cdc")
        r = random.Random(self.cfg.seed * 1_000_003 + 11)
        n = self.n_known
        end = self.end
        codes = [c[0] for c in COUNTRIES]
        weights = [c[1] if c[0] else 0.0 for c in COUNTRIES]
        first = [FIRST_NAMES[i] for i in self.first[:n].tolist()]
        last = [LAST_NAMES[i] for i in self.last[:n].tolist()]
        slug = [
            f"{_ascii_slug(a)}.{_ascii_slug(b)}"
            for a, b in zip(first, last, strict=True)
        ]
        mod = 10 ** max(5, len(str(n)))
        num = ((np.arange(n, dtype=np.int64) * 7919 + 12345) % mod).tolist()
        dom = _choice(rng, n, (0.8, 0.12, 0.08)).tolist()
        opt_in = (rng.random(n) < 0.4).tolist()
        n_upd = rng.poisson(PROFILE_UPDATES_MEAN, n).tolist()
        # heartbeat: a few profile edits in the last half hour (fresh users_cdc)
        hb_users = np.flatnonzero(
            (self.created[:n] <= end - DAY) & (self.deleted_at < 0)
        )
        if hb_users.size == 0:
            hb_users = np.flatnonzero(self.deleted_at < 0)
        k = max(2, int(np.ceil(n / 1000)))
        hb = rng.choice(hb_users, size=min(k, hb_users.size), replace=False).tolist()
        hb_set = {u: end - int((8 + 17 * r.random()) * MINUTE) for u in hb}
        ch_user, ch_commit, ch_op, ch_before, ch_after, ch_state = (
            [],
            [],
            [],
            [],
            [],
            [],
        )
        states = []  # (email, full_name, phone, country, plan, opt_in, created, upd)
        keys = (
            "user_id",
            "email",
            "full_name",
            "phone",
            "country",
            "plan",
            "marketing_opt_in",
            "created_at",
            "updated_at",
        )
        for u in range(n):
            created = int(self.created[u])
            uid = self.user_ids[u]
            email = f"{slug[u]}{num[u]}@{EMAIL_DOMAINS[dom[u]]}"
            state = {
                "user_id": uid,
                "email": email,
                "full_name": f"{first[u]} {last[u]}",
                "phone": self.phones[u],
                "country": codes[int(self.country[u])],
                "plan": "free",
                "marketing_opt_in": opt_in[u],
                "created_at": _iso_z1(created),
                "updated_at": _iso_z1(created),
            }
            deleted = int(self.deleted_at[u])
            horizon = end - 30 * MINUTE if deleted < 0 else deleted - MINUTE
            changes: list[tuple[int, str, object]] = []
            for t, p in self.plan_events.get(u, ()):
                changes.append((t, "plan", p))
            lo = max(created, self.start) + HOUR
            for _ in range(n_upd[u]):
                if horizon > lo:
                    t = lo + int(r.random() * (horizon - lo))
                    changes.append((t, r.choice(_PROFILE_KINDS), None))
            if u in hb_set:
                changes.append((hb_set[u], "marketing", None))
            changes.sort(key=lambda c: c[0])
            if self.pre[u]:
                first_commit = self.snapshot
                upd = created + int(r.random() * (self.start - DAY - created))
                before_snap = [c for c in changes if c[0] < self.snapshot]
                changes = [c for c in changes if c[0] >= self.snapshot]
                for t, kind, val in before_snap:
                    self._apply(state, kind, val, r, slug[u], weights, codes)
                    upd = max(upd, t)
                state["updated_at"] = _iso_z1(max(upd, created))
                op = "r"
            else:
                first_commit = created + r.randint(1, 50) * 1000
                op = "c"
            prev = dict(state)
            states.append(tuple(prev[k_] for k_ in keys[1:]))
            ch_user.append(u)
            ch_commit.append(first_commit)
            ch_op.append(op)
            ch_before.append(None)
            ch_after.append(_compact(prev))
            ch_state.append(len(states) - 1)
            t_prev = first_commit
            for t, kind, val in changes:
                commit = t + int((1 + r.random() * 120) * SECOND)
                commit = max(commit, t_prev + 1000)
                if commit > end:
                    continue
                new = dict(prev)
                self._apply(new, kind, val, r, slug[u], weights, codes)
                new["updated_at"] = _iso_z1(commit)
                states.append(tuple(new[k_] for k_ in keys[1:]))
                ch_user.append(u)
                ch_commit.append(commit)
                ch_op.append("u")
                ch_before.append(_compact(prev))
                ch_after.append(_compact(new))
                ch_state.append(len(states) - 1)
                prev, t_prev = new, commit
            if deleted >= 0:
                commit = max(deleted, t_prev + SECOND)
                ch_user.append(u)
                ch_commit.append(commit)
                ch_op.append("d")
                ch_before.append(_compact(prev))  # key-only chosen later
                ch_after.append(None)
                ch_state.append(len(states) - 1)
        self.uc = dict(
            key=np.array(ch_user, dtype=np.int64),
            commit=np.array(ch_commit, dtype=np.int64),
            op=ch_op,
            before=ch_before,
            after=ch_after,
            state=np.array(ch_state, dtype=np.int64),
        )
        self.user_states = states
        self.user_state_keys = keys[1:]
        self.say(f"users_cdc: {len(ch_op):,} changes")

    @staticmethod
    def _apply(state, kind, val, r, slug, weights, codes) -> None:
        if kind == "plan":
            state["plan"] = val
        elif kind == "email":
            dom = EMAIL_DOMAINS[int(r.random() * len(EMAIL_DOMAINS))]
            state["email"] = f"{slug}{r.randint(1, 9999)}@{dom}"
        elif kind == "country":
            state["country"] = r.choices(codes, weights=weights)[0]
        elif kind == "phone":
            head = state["phone"].split(" ")[0]
            state["phone"] = (
                f"{head} {r.randint(200, 999)} {r.randint(0, 999):03d} "
                f"{r.randint(0, 999):03d}"
            )
        else:  # marketing consent toggled
            state["marketing_opt_in"] = not state["marketing_opt_in"]

    # ------------------------------------------------------------------- cdc
    def _cdc(self) -> None:
        rng = self._rng("cdc")
        f = self.f
        end = self.end
        # ---- messages: 'c' per message, 'u' edits, 'd' deletes
        mg = self.msg
        m = self.n_messages
        created = mg["created"]
        status_txt = ("null", '"ok"', '"error"')
        ids = mg["message_id"]
        conv = mg["conversation_id"]
        users = [self.user_ids[u] for u in mg["user"].tolist()]
        role_txt = ("user", "assistant")
        rms = mg["response_ms"].tolist()
        roles = mg["role"].tolist()
        stats = mg["status"].tolist()
        contents = mg["content"]

        def image(i: int, content: str) -> str:
            rm = "null" if rms[i] < 0 else rms[i]
            return (
                f'{{"message_id":"{ids[i]}","conversation_id":"{conv[i]}",'
                f'"user_id":"{users[i]}","role":"{role_txt[roles[i]]}",'
                f'"content":{encode_basestring(content)},"status":'
                f'{status_txt[stats[i]]},"response_ms":{rm},'
                f'"created_at":"{_iso_z1(int(created[i]))}"}}'
            )

        images: list[str] = []
        for lo in range(0, m, _CHUNK):  # chunks bound the temporary texts
            hi = min(m, lo + _CHUNK)
            images += [
                f'{{"message_id":"{i_}","conversation_id":"{c_}","user_id":"{u_}",'
                f'"role":"{role_txt[r_]}","content":{t_},"status":{status_txt[s_]},'
                f'"response_ms":{"null" if x_ < 0 else x_},"created_at":"{z_}"}}'
                for i_, c_, u_, r_, t_, s_, x_, z_ in zip(
                    ids[lo:hi],
                    conv[lo:hi],
                    users[lo:hi],
                    roles[lo:hi],
                    _json_texts(contents[lo:hi]),
                    stats[lo:hi],
                    rms[lo:hi],
                    _iso_z(created[lo:hi]),
                    strict=True,
                )
            ]
        commit_c = created + rng.integers(100, 5000, m)
        # edits (user messages only)
        user_rows = np.flatnonzero(mg["role"] == 0)
        k = _count(f.message_edit, user_rows.size)
        edit = (
            np.sort(rng.choice(user_rows, size=k, replace=False))
            if k
            else user_rows[:0]
        )
        t_edit = created[edit] + rng.integers(10 * SECOND, 2 * HOUR, edit.size)
        ok = t_edit <= end - 10 * MINUTE
        edit, t_edit = edit[ok], t_edit[ok]
        edited_content = {
            i: contents[i].rstrip(".?!") + " (edited)" for i in edit.tolist()
        }
        edited_image = {i: image(i, c) for i, c in edited_content.items()}
        # deletes
        k = _count(f.message_delete, m)
        dele = np.sort(rng.choice(m, size=k, replace=False)) if k else np.zeros(0, int)
        t_del = created[dele] + rng.integers(MINUTE, 10 * DAY, dele.size)
        t_edit_of = dict(zip(edit.tolist(), t_edit.tolist(), strict=True))
        t_del = np.array(
            [
                max(td, t_edit_of.get(i, 0) + MINUTE)
                for i, td in zip(dele.tolist(), t_del.tolist(), strict=True)
            ],
            dtype=np.int64,
        )
        ok = t_del <= end - 10 * MINUTE
        dele, t_del = dele[ok], t_del[ok]
        k_only = _count(f.key_only_delete, dele.size)
        key_only_msgs = set(rng.permutation(dele)[:k_only].tolist())
        m_key = np.concatenate([np.arange(m), edit, dele])
        m_commit = np.concatenate([commit_c, t_edit, t_del])
        m_op = ["c"] * m + ["u"] * edit.size + ["d"] * dele.size
        m_before = (
            [None] * m
            + [images[i] for i in edit.tolist()]
            + [
                f'{{"message_id":"{ids[i]}"}}'
                if i in key_only_msgs
                else edited_image.get(i, images[i])
                for i in dele.tolist()
            ]
        )
        m_after = images + [edited_image[i] for i in edit.tolist()] + [None] * dele.size
        self.msg_edited_content = edited_content
        self.m_key = m_key
        self.m_op_code = np.concatenate(
            [
                np.zeros(m, np.int8),
                np.ones(edit.size, np.int8),
                np.full(dele.size, 2, np.int8),
            ]
        )
        # ---- users: choose key-only deletes
        uc = self.uc
        d_rows = [i for i, op in enumerate(uc["op"]) if op == "d"]
        k_only = _count(f.key_only_delete, len(d_rows))
        for i in rng.permutation(np.array(d_rows, dtype=np.int64))[:k_only].tolist():
            uc["before"][i] = f'{{"user_id":"{self.user_ids[uc["key"][i]]}"}}'
        # ---- one WAL for both tables: lsn follows commit order
        nu = len(uc["op"])
        commit_all = np.concatenate([uc["commit"], m_commit])
        table_all = np.concatenate(
            [np.zeros(nu, np.int8), np.ones(m_key.size, np.int8)]
        )
        seq = np.arange(commit_all.size)
        order = np.lexsort((seq, commit_all))
        inc = rng.integers(56, 4096, commit_all.size)
        lsn = np.empty(commit_all.size, dtype=np.int64)
        lsn[order] = 0x16B3A0000 + np.cumsum(inc)
        is_snap = np.zeros(commit_all.size, dtype=bool)
        is_snap[:nu] = np.array([op == "r" for op in uc["op"]], dtype=bool)
        delay = np.where(
            is_snap,
            rng.integers(50_000, 240 * SECOND, commit_all.size),
            rng.integers(50_000, 2500_000, commit_all.size),
        )
        self.cdc_batches = {
            "users_cdc": _Batches(self._rng("batches"), self.snapshot - DAY, end),
            "messages_cdc": _Batches(
                np.random.default_rng([self.cfg.seed, 99]), self.snapshot - DAY, end
            ),
        }
        arrival = commit_all + delay
        self.cdc_out = {}
        for name, tab, keys_, ops, befores, afters in (
            ("users_cdc", 0, uc["key"], uc["op"], uc["before"], uc["after"]),
            ("messages_cdc", 1, m_key, m_op, m_before, m_after),
        ):
            sel = np.flatnonzero(table_all == tab)
            self.cdc_out[name] = self._cdc_table(
                name,
                rng,
                np.asarray(keys_, dtype=np.int64),
                ops,
                befores,
                afters,
                commit_all[sel],
                lsn[sel],
                arrival[sel],
            )
        self.uc_lsn = lsn[:nu]
        self.say(
            "cdc: users_cdc "
            f"{len(self.cdc_out['users_cdc']['op']):,} rows, messages_cdc "
            f"{len(self.cdc_out['messages_cdc']['op']):,} rows"
        )

    def _cdc_table(self, name, rng, key, ops, befores, afters, commit, lsn, arrival):
        f = self.f
        end = self.end
        batches = self.cdc_batches[name]
        bidx = batches.index(arrival)
        # Debezium keeps per-key order: a change never lands before an earlier one
        order = np.lexsort((lsn, key))
        k_sorted, b_sorted = key[order], bidx[order]
        same_prev = np.zeros(order.size, dtype=bool)
        same_prev[1:] = k_sorted[1:] == k_sorted[:-1]
        while True:
            shifted = np.empty_like(b_sorted)
            shifted[0] = b_sorted[0]
            shifted[1:] = b_sorted[:-1]
            fix = same_prev & (b_sorted < shifted)
            if not fix.any():
                break
            b_sorted = np.where(fix, shifted, b_sorted)
        bidx[order] = b_sorted
        loaded = batches.load(bidx)
        written = loaded <= end
        # out of order: an earlier change delayed past a later change of its row
        next_of = np.full(order.size, -1, dtype=np.int64)
        nxt = np.zeros(order.size, dtype=bool)
        nxt[:-1] = k_sorted[:-1] == k_sorted[1:]
        next_of[order[:-1][nxt[:-1]]] = order[1:][nxt[:-1]]
        has_next = next_of >= 0
        nb = np.where(has_next, bidx[np.maximum(next_of, 0)], 0)
        elig = np.flatnonzero(
            written
            & has_next
            & written[np.maximum(next_of, 0)]
            & (batches.load(nb + 4) <= end)
        )
        n_written = int(written.sum())
        k = min(_count(f.cdc_out_of_order, n_written), elig.size)
        ooo = rng.choice(elig, size=k, replace=False) if k else elig[:0]
        bidx[ooo] = nb[ooo] + rng.integers(1, 4, ooo.size)
        loaded = batches.load(bidx)
        rows = np.flatnonzero(written)
        # repeated rows: same change loaded again in a later batch
        k = _count(f.cdc_repeat, rows.size)
        cand = rows[batches.load(bidx[rows] + 1) <= end]
        rep = rng.choice(cand, size=min(k, cand.size), replace=True) if k else cand[:0]
        rep_b = bidx[rep] + rng.integers(1, 25, rep.size)
        rep_ok = batches.load(rep_b) <= end
        rep, rep_b = rep[rep_ok], rep_b[rep_ok]
        # malformed images and missing keys: extra rows modelled on real ones
        k_mal = _count(f.cdc_malformed, rows.size)
        k_mis = _count(f.cdc_missing_key, rows.size)
        mal = rng.choice(rows, size=k_mal, replace=True) if k_mal else rows[:0]
        mis = rng.choice(rows, size=k_mis, replace=True) if k_mis else rows[:0]
        src = np.concatenate([rows, rep, mal, mis])
        out_b = np.concatenate([bidx[rows], rep_b, bidx[mal], bidx[mis]])
        label = np.concatenate(
            [
                np.zeros(rows.size + rep.size, np.int8),
                np.ones(mal.size, np.int8),
                np.full(mis.size, 2, np.int8),
            ]
        )
        op_out = [ops[i] for i in src.tolist()]
        before_out = [befores[i] for i in src.tolist()]
        after_out = [afters[i] for i in src.tolist()]
        keyname = "user_id" if name == "users_cdc" else "message_id"
        base = rows.size + rep.size
        for j in range(mal.size):
            i = base + j
            variant = CDC_MALFORMED_VARIANTS[j % len(CDC_MALFORMED_VARIANTS)]
            op = op_out[i]
            flip = (j // len(CDC_MALFORMED_VARIANTS)) % 2 == 0
            target = "after" if op in ("c", "r") or (op == "u" and flip) else "before"
            text = after_out[i] if target == "after" else before_out[i]
            bad = _cdc_malformed(variant, text)
            if target == "after":
                after_out[i] = bad
            else:
                before_out[i] = bad
        base += mal.size
        for j in range(mis.size):
            i = base + j
            op = op_out[i]
            if op == "d" and j % 2 == 0:
                before_out[i] = "{}"
            else:
                if before_out[i] is not None:
                    before_out[i] = _drop_key(before_out[i], keyname)
                if after_out[i] is not None:
                    after_out[i] = _drop_key(after_out[i], keyname)
        out_loaded = batches.load(out_b)
        seq = np.arange(src.size)
        order = np.lexsort((seq, lsn[src], out_loaded))
        take = order.tolist()
        return {
            "op": [op_out[i] for i in take],
            "before": [before_out[i] for i in take],
            "after": [after_out[i] for i in take],
            "source_lsn": lsn[src][order],
            "source_ts_ms": (commit[src] // 1000)[order],
            "loaded_at": out_loaded[order],
            # internal
            "_key": key[src][order],
            "_src": src[order],
            "_label": label[order],
            "_commit": commit,
            "_lsn": lsn,
            "_written": written,
        }

    # ------------------------------------------------------------ event rows
    def _event_rows(self) -> None:
        rng = self._rng("faults")
        f = self.f
        b = self.b
        nb = self.nb
        end = self.end
        bt = self.ev_batches
        received = b["received"].copy()
        loaded = b["loaded"].copy()
        tp = b["tp"].copy()
        digits = b["digits"].copy()
        etype = b["etype"]
        perm = rng.permutation(nb)
        free = np.ones(nb, dtype=bool)

        def take(count: int, elig: np.ndarray | None = None) -> np.ndarray:
            mask = free[perm] if elig is None else free[perm] & elig[perm]
            sel = perm[mask][:count]
            free[sel] = False
            return sel

        q_sel = {}
        for reason in REASONS:
            q_sel[reason] = take(_count(getattr(f, reason), nb))
        boundary = take(_count(f.boundary_timestamp, nb), tp <= end - 2 * HOUR)
        skew = take(_count(f.clock_skew, nb), received <= end - 10 * MINUTE)
        late = take(_count(f.late_arrival, nb), tp <= end - DAY - 30 * MINUTE)
        n_dup = _count(f.duplicate, nb)
        n_tie = _count(f.duplicate_tie, n_dup)
        dup_elig = received <= end - 45 * MINUTE
        tie = take(n_tie, dup_elig)
        dup = take(n_dup - n_tie, dup_elig)
        redeliver = take(_count(f.earlier_redelivery, nb), received <= end - 2 * HOUR)
        # orthogonal styles
        offset = rng.permutation(nb)[: _count(f.offset_timestamp, nb)]
        off_idx = np.zeros(nb, dtype=np.int64)  # 0 = Z
        off_idx[offset] = np.arange(offset.size) % len(OFFSETS_MIN) + 1
        extra = np.zeros(nb, dtype=np.int8)
        ek = rng.permutation(nb)[: _count(f.extra_keys, nb)]
        extra[ek] = np.arange(ek.size) % 5 + 1
        miss_sess = np.zeros(nb, dtype=np.int8)
        ms = rng.permutation(nb)[: _count(f.missing_session_id, nb)]
        miss_sess[ms] = np.arange(ms.size) % 4 + 1
        miss_feat = np.zeros(nb, dtype=np.int8)
        feats = np.flatnonzero(etype == ET_FEATURE)
        mf = rng.permutation(feats)[: _count(f.missing_feature, feats.size)]
        miss_feat[mf] = np.arange(mf.size) % 4 + 1
        # ---- timing modifiers of valid events
        tp[boundary] = received[boundary] + FUTURE_TOLERANCE
        digits[boundary] = 6
        skew_s = rng.integers(5 * SECOND, 290 * SECOND, skew.size)
        received[skew] = tp[skew] + rng.integers(30_000, 2 * SECOND, skew.size) - skew_s
        loaded[skew] = bt.loaded_at(received[skew])
        room = np.minimum(5 * DAY, end - 30 * MINUTE - tp[late]) - DAY
        received[late] = (
            tp[late] + DAY + (rng.random(late.size) * room).astype(np.int64)
        )
        loaded[late] = bt.loaded_at(received[late])
        # earlier redelivery: the first-landed copy was received later
        r_orig = received[redeliver].copy()
        received[redeliver] = r_orig + rng.integers(
            2 * SECOND, 3 * MINUTE, redeliver.size
        )
        b0 = bt.index(received[redeliver])
        loaded[redeliver] = bt.load(b0)
        red_loaded = bt.load(b0 + rng.integers(1, 13, redeliver.size))
        red_received = r_orig
        # ---- occurred_at texts of all base events
        off_min = np.array((0, *OFFSETS_MIN), dtype=np.int64)[off_idx]
        occ = self._occurred_texts(tp, digits, off_idx, off_min)
        # ---- payloads
        special = (extra > 0) | (miss_sess > 0) | (miss_feat > 0)
        q_all = np.concatenate([q_sel[r_] for r_ in REASONS])
        q_reason = np.concatenate(
            [np.full(q_sel[r_].size, i + 1, np.int8) for i, r_ in enumerate(REASONS)]
        )
        q_variant = np.concatenate([np.arange(q_sel[r_].size) for r_ in REASONS])
        reuse = rng.random(q_all.size) < f.quarantine_reuse_id
        reuse[q_reason == 2] = False
        replace_rows = q_all[~reuse]
        special[replace_rows] = True
        self._ctx = dict(
            occ=occ,
            extra=extra,
            miss_sess=miss_sess,
            miss_feat=miss_feat,
            tp=tp,
            digits=digits,
            off_min=off_min,
            off_idx=off_idx,
        )
        payload = self._plain_payloads(occ)
        for i in np.flatnonzero(special).tolist():
            payload[i] = _compact(self._event_obj(i))
        eids: list[str | None] = list(b["eid"])
        label = np.zeros(nb, dtype=np.int8)
        pg_count = 0
        # quarantined rows: replacing the event, or extra copies reusing its id
        x_eid, x_payload, x_recv, x_label = [], [], [], []
        pg_n = _count(f.pg_lookalike, q_sel["invalid_timestamp"].size)
        x_r = received[q_all] - rng.integers(100_000, 5 * SECOND, q_all.size)
        for j, (i, reason, variant, re_) in enumerate(
            zip(
                q_all.tolist(),
                q_reason.tolist(),
                q_variant.tolist(),
                reuse.tolist(),
                strict=True,
            )
        ):
            r_row = int(x_r[j]) if re_ else int(received[i])
            obj = self._event_obj(i)
            eid, text, is_pg = self._quarantine_payload(
                REASONS[reason - 1], variant, obj, i, r_row, pg_n
            )
            pg_count += is_pg
            if eid is _KEEP:
                eid = b["eid"][i]
            if re_:
                x_eid.append(eid)
                x_payload.append(text)
                x_recv.append(r_row)
                x_label.append(reason)
            else:
                eids[i] = eid
                payload[i] = text
                label[i] = reason
        x_recv_a = np.array(x_recv, dtype=np.int64)
        # duplicates
        d_recv = received[dup] + rng.integers(SECOND, 20 * MINUTE, dup.size)
        tie_payload = [
            _cosmetic(self._event_obj(i), j) for j, i in enumerate(tie.tolist())
        ]
        kept = label == 0
        tie_kept_variant = np.array(
            [v < payload[i] for v, i in zip(tie_payload, tie.tolist(), strict=True)],
            dtype=bool,
        )
        kept[tie[tie_kept_variant]] = False
        kept[redeliver] = False
        # ---- assemble all rows
        groups = [
            (eids, payload, received, loaded, label, kept, np.arange(nb)),
            (
                x_eid,
                x_payload,
                x_recv_a,
                bt.loaded_at(x_recv_a),
                np.array(x_label, dtype=np.int8),
                np.zeros(len(x_eid), bool),
                q_all[reuse],
            ),
            (
                [b["eid"][i] for i in dup.tolist()],
                [payload[i] for i in dup.tolist()],
                d_recv,
                bt.loaded_at(d_recv),
                np.zeros(dup.size, np.int8),
                np.zeros(dup.size, bool),
                dup,
            ),
            (
                [b["eid"][i] for i in tie.tolist()],
                tie_payload,
                received[tie],
                loaded[tie],
                np.zeros(tie.size, np.int8),
                tie_kept_variant,
                tie,
            ),
            (
                [b["eid"][i] for i in redeliver.tolist()],
                [payload[i] for i in redeliver.tolist()],
                red_received,
                red_loaded,
                np.zeros(redeliver.size, np.int8),
                np.ones(redeliver.size, bool),
                redeliver,
            ),
        ]
        all_eid = [x for g in groups for x in g[0]]
        all_payload = [x for g in groups for x in g[1]]
        all_recv = np.concatenate([g[2] for g in groups])
        all_load = np.concatenate([g[3] for g in groups])
        all_label = np.concatenate([g[4] for g in groups])
        all_kept = np.concatenate([g[5] for g in groups])
        all_src = np.concatenate([g[6] for g in groups])
        assert all_load.max(initial=0) <= end
        order = np.lexsort((np.arange(all_recv.size), all_recv, all_load))
        ol = order.tolist()
        self.app_events = {
            "event_id": [all_eid[i] for i in ol],
            "payload": [all_payload[i] for i in ol],
            "received_at": _dt64(all_recv[order]),
            "loaded_at": _dt64(all_load[order]),
        }
        self.ev_label = all_label[order]
        self.ev_kept = all_kept[order]
        self.ev_src = all_src[order]
        self.ev_recv = all_recv[order]
        self.ev_load = all_load[order]
        self.ev_fault = dict(
            tie=tie,
            redeliver=redeliver,
            pg=pg_count,
            extra=extra,
            off_idx=off_idx,
            digits=digits,
            tp=tp,
            miss_sess=miss_sess,
            miss_feat=miss_feat,
            boundary=boundary,
            future=q_sel["future_timestamp"],
            q_all=q_all,
            q_variant=q_variant,
            q_reason=q_reason,
        )
        self._ctx["occ"] = None  # payloads are built; free the texts
        self.say(f"events: {len(ol):,} rows")

    def _occurred_texts(self, tp, digits, off_idx, off_min) -> list[str]:
        suffix = ["Z"] + [_offset_text(m) for m in OFFSETS_MIN]
        out: list[str] = []
        for lo in range(0, tp.size, _CHUNK):
            sl = slice(lo, lo + _CHUNK)
            iso = _iso_us(tp[sl] + off_min[sl] * MINUTE).tolist()
            lens = np.where(digits[sl] == 0, 19, 20 + digits[sl]).tolist()
            out += [
                f"{s[:n]}{suffix[o]}"
                for s, n, o in zip(iso, lens, off_idx[sl].tolist(), strict=True)
            ]
        return out

    def _plain_payloads(self, occ: list[str]) -> list[str]:
        b = self.b
        et = b["etype"]
        prop = b["prop"]
        n = et.size
        props = np.full(n, "{}", dtype=object)
        pl = prop.tolist()
        for code, fmt in (
            (ET_MESSAGE, lambda v: f'{{"message_id":"{self.message_ids[v]}"}}'),
            (ET_FEATURE, lambda v: f'{{"feature":"{FEATURES[v]}"}}'),
            (ET_PAGE, lambda v: f'{{"page":"{PAGES[v]}"}}'),
            (ET_ERROR, lambda v: f'{{"error_code":"{ERROR_CODES[v]}"}}'),
        ):
            idx = np.flatnonzero(et == code)
            props[idx] = [fmt(pl[i]) for i in idx.tolist()]
        # per-session fragments: user, session, platform, country, app version
        su = self.s_user.tolist()
        head = [
            f'{self.ufrag[u]},"session_id":"{sid}"'
            for u, sid in zip(su, self.s_ids, strict=True)
        ]
        tail = [
            f'"platform":"{PLATFORMS[p]}"{self.cfrag[u]},"app_version":"{APP_VERSIONS[v]}"'
            for u, p, v in zip(
                su, self.s_platform.tolist(), self.s_version.tolist(), strict=True
            )
        ]
        et_txt = [f'{{"event_type":"{name}",' for name in ETYPE_NAMES]
        return [
            f'{et_txt[t]}{head[s]},"occurred_at":"{o}",{tail[s]},"properties":{pr}}}'
            for t, s, o, pr in zip(
                et.tolist(), b["session"].tolist(), occ, props.tolist(), strict=True
            )
        ]

    def _event_obj(self, i: int) -> dict:
        """The payload of base event i as an ordered dict (styles applied)."""
        b, c = self.b, self._ctx
        s = int(b["session"][i])
        u = int(b["user"][i])
        t = int(b["etype"][i])
        v = int(b["prop"][i])
        obj: dict = {
            "event_type": ETYPE_NAMES[t],
            "user_id": self.user_ids[u],
            "session_id": self.s_ids[s],
            "occurred_at": c["occ"][i],
            "platform": PLATFORMS[int(self.s_platform[s])],
        }
        country = COUNTRIES[int(self.country[u])][0]
        if country is not None:
            obj["country"] = country
        obj["app_version"] = APP_VERSIONS[int(self.s_version[s])]
        props: dict = {}
        if t == ET_MESSAGE:
            props["message_id"] = self.message_ids[v]
        elif t == ET_FEATURE:
            props["feature"] = FEATURES[v]
        elif t == ET_PAGE:
            props["page"] = PAGES[v]
        elif t == ET_ERROR:
            props["error_code"] = ERROR_CODES[v]
        obj["properties"] = props
        ms = int(c["miss_sess"][i])
        if ms == 1:
            del obj["session_id"]
        elif ms:
            obj["session_id"] = (None, "", "   ")[ms - 2]
        mf = int(c["miss_feat"][i])
        if mf == 1:
            del props["feature"]
        elif mf:
            props["feature"] = (None, "", "  ")[mf - 2]
        ek = int(c["extra"][i])
        if ek:
            obj = _with_extra_keys(obj, ek, i)
        return obj

    def _quarantine_payload(self, reason, variant, obj, i, r_row, pg_n):
        """(event_id or _KEEP, payload text, is_pg_lookalike) for one bad row."""
        eid = _KEEP
        is_pg = 0
        if reason == "malformed_json":
            v = MALFORMED_VARIANTS[variant % len(MALFORMED_VARIANTS)]
            return eid, _malformed(v, obj, i, r_row), 0
        if reason == "missing_event_id":
            eid = MISSING_EVENT_ID_VARIANTS[variant % 3]
        elif reason == "missing_user_id":
            v = MISSING_USER_ID_VARIANTS[variant % len(MISSING_USER_ID_VARIANTS)]
            if v == "absent":
                del obj["user_id"]
            else:
                obj["user_id"] = {
                    "null": None,
                    "number": int(self.b["user"][i]) + 1,
                    "empty": "",
                    "blank": "  ",
                }[v]
        elif reason == "unknown_event_type":
            v = UNKNOWN_EVENT_TYPE_VARIANTS[variant % len(UNKNOWN_EVENT_TYPE_VARIANTS)]
            if v == "<absent>":
                del obj["event_type"]
            else:
                obj["event_type"] = v
        elif reason == "invalid_timestamp":
            tp = int(self._ctx["tp"][i])
            if variant < pg_n:
                v = PG_LOOKALIKE_VARIANTS[variant % len(PG_LOOKALIKE_VARIANTS)]
                is_pg = 1
            else:
                k = variant - pg_n
                v = INVALID_TS_VARIANTS[k % len(INVALID_TS_VARIANTS)]
            value = _bad_timestamp(v, tp)
            if value is _ABSENT:
                del obj["occurred_at"]
            else:
                obj["occurred_at"] = value
        elif reason == "future_timestamp":
            v = FUTURE_VARIANTS[variant % len(FUTURE_VARIANTS)]
            obj["occurred_at"] = _future_timestamp(v, r_row)
        return eid, _compact(obj), is_pg

    # --------------------------------------------------------------- dataset
    def _dataset(self) -> Dataset:
        tables = {
            "app_events": self.app_events,
            "users_cdc": self._cdc_public("users_cdc"),
            "messages_cdc": self._cdc_public("messages_cdc"),
            "billing_subscriptions": self.billing_table,
        }
        for name, cols in tables.items():
            assert list(cols) == contract.column_names(name), name
        truth_events = self._truth_events()
        truth_users, truth_changes = self._truth_users()
        truth_messages = self._truth_messages()
        truth = self._truth_summary(tables, truth_events, truth_users, truth_messages)
        self.say("truth: done")
        return Dataset(
            tables=tables,
            truth=truth,
            truth_events=truth_events,
            truth_users=truth_users,
            truth_messages=truth_messages,
            truth_subscriptions=self.truth_subscriptions,
            truth_user_changes=truth_changes,
            start=_from_us(self.start),
            end=self.end_dt,
        )

    def _cdc_public(self, name: str) -> dict:
        out = self.cdc_out[name]
        return {
            "op": out["op"],
            "before": out["before"],
            "after": out["after"],
            "source_lsn": out["source_lsn"].astype(np.int64),
            "source_ts_ms": out["source_ts_ms"].astype(np.int64),
            "loaded_at": _dt64(out["loaded_at"]),
        }

    def _truth_events(self) -> dict[str, np.ndarray]:
        kept = np.flatnonzero(self.ev_kept)
        src = self.ev_src[kept]
        order = np.lexsort((src, self._ctx["tp"][src]))
        kept, src = kept[order], src[order]
        b, c = self.b, self._ctx
        sl = src.tolist()
        sess = b["session"][src]
        etype = b["etype"][src]
        prop = b["prop"][src].tolist()
        users = b["user"][src].tolist()
        ms = c["miss_sess"][src].tolist()
        mf = c["miss_feat"][src].tolist()
        et = etype.tolist()

        def prop_col(code, names):
            return np.array(
                [
                    names[v] if t == code else None
                    for t, v in zip(et, prop, strict=True)
                ],
                dtype=object,
            )

        feature = prop_col(ET_FEATURE, FEATURES)
        feature[np.array(mf, dtype=np.int64) > 0] = None
        self.kept_src = src
        return {
            "event_id": np.array([b["eid"][i] for i in sl], dtype=object),
            "event_type": np.array(ETYPE_NAMES, dtype=object)[etype],
            "user_id": np.array([self.user_ids[u] for u in users], dtype=object),
            "session_id": np.array(
                [
                    None if m_ else self.s_ids[s]
                    for s, m_ in zip(sess.tolist(), ms, strict=True)
                ],
                dtype=object,
            ),
            "occurred_at": _dt64(c["tp"][src]),
            "platform": np.array(PLATFORMS, dtype=object)[self.s_platform[sess]],
            "country": np.array([COUNTRIES[i][0] for i in range(len(COUNTRIES))],
                                dtype=object)[self.country[b["user"][src]]],
            "app_version": np.array(APP_VERSIONS, dtype=object)[self.s_version[sess]],
            "feature": feature,
            "message_id": prop_col(ET_MESSAGE, self.message_ids),
            "page": prop_col(ET_PAGE, PAGES),
            "error_code": prop_col(ET_ERROR, ERROR_CODES),
            "received_at": _dt64(self.ev_recv[kept]),
            "loaded_at": _dt64(self.ev_load[kept]),
        }  # fmt: skip

    def _truth_users(self):
        out = self.cdc_out["users_cdc"]
        uc = self.uc
        valid = out["_label"] == 0
        src = np.unique(out["_src"][valid])  # distinct written changes
        order = src[np.argsort(self.uc_lsn[src], kind="stable")]
        key = uc["key"][order]
        ops = [uc["op"][i] for i in order.tolist()]
        st_idx = uc["state"][order]
        commit = (uc["commit"][order] // 1000) * 1000
        lsn = self.uc_lsn[order]
        states = self.user_states
        plan_col = self.user_state_keys.index("plan")
        country_col = self.user_state_keys.index("country")
        changes = {
            "user_id": np.array([self.user_ids[k] for k in key.tolist()], dtype=object),
            "op": np.array(ops, dtype=object),
            "plan": np.array(
                [states[s][plan_col] for s in st_idx.tolist()], dtype=object
            ),
            "country": np.array(
                [states[s][country_col] for s in st_idx.tolist()], dtype=object
            ),
            "committed_at": _dt64(commit),
            "source_lsn": lsn.astype(np.int64),
        }
        latest: dict[int, int] = {}
        for j, k in enumerate(key.tolist()):
            latest[k] = j  # lsn order: the last one wins
        users = sorted(latest)
        rows = [latest[u] for u in users]
        cols = {name: [] for name in self.user_state_keys}
        for j in rows:
            for name, value in zip(
                self.user_state_keys, states[st_idx[j]], strict=True
            ):
                cols[name].append(value)
        is_del = np.array([ops[j] == "d" for j in rows], dtype=bool)
        truth = {"user_id": np.array([self.user_ids[u] for u in users], dtype=object)}
        for name in self.user_state_keys:
            if name in ("created_at", "updated_at"):
                truth[name] = np.array(
                    [np.datetime64(v[:-1], "us") for v in cols[name]],
                    dtype="datetime64[us]",
                )
            elif name == "marketing_opt_in":
                truth[name] = np.array(cols[name], dtype=bool)
            else:
                truth[name] = np.array(cols[name], dtype=object)
        truth["is_deleted"] = is_del
        last_commit = commit[rows] if rows else np.zeros(0, np.int64)
        truth["deleted_at"] = np.where(
            is_del, _dt64(last_commit), np.datetime64("NaT", "us")
        )
        truth["last_change_at"] = _dt64(last_commit)
        return truth, changes

    def _truth_messages(self):
        out = self.cdc_out["messages_cdc"]
        src = np.unique(out["_src"][out["_label"] == 0])  # distinct written changes
        m = self.n_messages
        msg = self.msg
        ops = self.m_op_code[src]  # 0 create, 1 edit, 2 delete
        keys = self.m_key[src]
        is_del = np.zeros(m, dtype=bool)
        is_del[keys[ops == 2]] = True
        deleted_at = np.full(m, -1, dtype=np.int64)
        deleted_at[keys[ops == 2]] = out["_commit"][src[ops == 2]] // 1000 * 1000
        edited = np.zeros(m, dtype=bool)
        edited[keys[ops == 1]] = True
        idx = keys[ops == 0]
        content = [
            self.msg_edited_content[i] if edited[i] else msg["content"][i]
            for i in idx.tolist()
        ]
        rms = msg["response_ms"][idx].astype(np.float64)
        rms[rms < 0] = np.nan
        return {
            "message_id": np.array(msg["message_id"], dtype=object)[idx],
            "conversation_id": np.array(msg["conversation_id"], dtype=object)[idx],
            "user_id": np.array(self.user_ids, dtype=object)[msg["user"][idx]],
            "role": np.array(["user", "assistant"], dtype=object)[msg["role"][idx]],
            "content": np.array(content, dtype=object),
            "status": np.array([None, "ok", "error"], dtype=object)[msg["status"][idx]],
            "response_ms": rms,
            "created_at": _dt64(msg["created"][idx]),
            "is_edited": edited[idx],
            "is_deleted": is_del[idx],
            "deleted_at": np.where(
                is_del[idx], _dt64(deleted_at[idx]), np.datetime64("NaT", "us")
            ),
        }

    def _truth_summary(self, tables, te, tu, tm) -> dict:
        label, kept = self.ev_label, self.ev_kept
        valid = label == 0
        quarantined = {
            reason: int((label == i + 1).sum()) for i, reason in enumerate(REASONS)
        }
        fault = self.ev_fault
        src = self.kept_src
        kept_idx = np.flatnonzero(kept)
        # late arrivals: kept copies received >= 1 day after the occurrence
        late = int(
            ((self.ev_recv[kept_idx] - fault["tp"][self.ev_src[kept_idx]]) >= DAY).sum()
        )
        # duplicates tying with their kept copy; ids whose kept copy landed last
        kept_row_of = np.full(self.nb, -1, dtype=np.int64)
        kept_row_of[self.ev_src[kept_idx]] = kept_idx
        dup_idx = np.flatnonzero(valid & ~kept)
        k_of_dup = kept_row_of[self.ev_src[dup_idx]]
        ties = int(
            (
                (self.ev_recv[dup_idx] == self.ev_recv[k_of_dup])
                & (self.ev_load[dup_idx] == self.ev_load[k_of_dup])
            ).sum()
        )
        earlier_first = self.ev_load[dup_idx] < self.ev_load[k_of_dup]
        earlier = int(np.unique(self.ev_src[dup_idx][earlier_first]).size)
        digits = fault["digits"][src]
        etype = self.b["etype"][src]
        activity = np.isin(etype, [ET_START, ET_MESSAGE, ET_FEATURE, ET_PAGE])
        act_days = te["occurred_at"][activity].astype("datetime64[D]")
        window = {
            "first_date": str(act_days.min()) if act_days.size else None,
            "last_date": str(act_days.max()) if act_days.size else None,
        }
        anon = self.b["user"][src] >= self.n_known
        users_cdc = self._cdc_truth("users_cdc", "user_id")
        users_cdc["users"] = int(tu["user_id"].size)
        users_cdc["deleted_users"] = int(tu["is_deleted"].sum())
        users_cdc["snapshot_reads"] = sum(
            1 for op in tables["users_cdc"]["op"] if op == "r"
        )
        messages_cdc = self._cdc_truth("messages_cdc", "message_id")
        alive = ~tm["is_deleted"]
        assistant = (tm["role"] == "assistant") & alive
        messages_cdc["messages"] = int(tm["message_id"].size)
        messages_cdc["deleted_messages"] = int(tm["is_deleted"].sum())
        messages_cdc["edited_messages"] = int(tm["is_edited"].sum())
        messages_cdc["assistant_responses"] = int(assistant.sum())
        messages_cdc["assistant_errors"] = int(
            (assistant & (tm["status"] == "error")).sum()
        )
        miss = self.billing_miss
        ts = self.truth_subscriptions
        billing = {
            "quarantined": {
                "missing_subscription_id": int(((miss == 1) | (miss == 3)).sum()),
                "missing_user_id": int((miss == 2).sum()),
            },
            "subscriptions": len(ts["subscription_id"]),
            "subscribed_users": len(set(ts["user_id"].tolist())),
            "refetched_rows": int(self.billing_refetched),
        }
        n_rows = {name: len(next(iter(cols.values()))) for name, cols in tables.items()}
        latest = {}
        for name, cols in tables.items():
            ts_col = cols["fetched_at" if name.startswith("billing") else "loaded_at"]
            latest[name] = (
                _iso1(int(ts_col.max().astype(np.int64))).replace("T", " ")
                if len(ts_col)
                else None
            )
        return {
            "generator": "synapse_landing.generator",
            "config": self.cfg.to_json(),
            "start": _from_us(self.start).isoformat(sep=" "),
            "end": self.end_dt.isoformat(sep=" "),
            "window": window,
            "raw_rows": n_rows,
            "latest_loaded_at": latest,
            "events": {
                "valid_kept": int(kept.sum()),
                "duplicates": int((valid & ~kept).sum()),
                "quarantined": quarantined,
                "anonymous_kept": int(anon.sum()),
                "activity_kept": int(activity.sum()),
                "missing_session_ids": int((fault["miss_sess"][src] > 0).sum()),
                "missing_features": int((fault["miss_feat"][src] > 0).sum()),
            },
            "users_cdc": users_cdc,
            "messages_cdc": messages_cdc,
            "billing_subscriptions": billing,
            "faults": {
                "duplicate_ties": ties,
                "earlier_redeliveries": earlier,
                "late_arrivals": late,
                "extra_keys": int((fault["extra"][src] > 0).sum()),
                "offset_timestamps": int((fault["off_idx"][src] > 0).sum()),
                "pg_lookalike_timestamps": int(fault["pg"]),
                "boundary_timestamps": int(np.isin(src, fault["boundary"]).sum()),
                "fraction_digits": {str(d): int((digits == d).sum()) for d in range(7)},
            },
        }

    def _cdc_truth(self, name: str, keyname: str) -> dict:
        """Counts of one CDC table, from its written rows."""
        out = self.cdc_out[name]
        lab = out["_label"]
        v = np.flatnonzero(lab == 0)
        srcs, loads, keys = out["_src"][v], out["loaded_at"][v], out["_key"][v]
        # distinct changes (a change = one source row) and their first landing
        order = np.lexsort((loads, srcs))
        s_sorted = srcs[order]
        first = np.ones(order.size, dtype=bool)
        first[1:] = s_sorted[1:] != s_sorted[:-1]
        d_row = v[order[first]]
        d_src, d_load, d_key = s_sorted[first], loads[order][first], keys[order][first]
        # out of order: a change whose first landing comes after the first
        # landing of a later-lsn change of the same row
        lsn = out["_lsn"][d_src]
        o2 = np.lexsort((lsn, d_key))
        k_s = d_key[o2]
        same = k_s[1:] == k_s[:-1]
        multi = np.zeros(o2.size, dtype=bool)
        multi[1:] |= same
        multi[:-1] |= same
        ooo = 0
        later_min = None
        prev_key = None
        rows = o2[multi][::-1]  # by key desc, lsn desc
        for k_, ld in zip(d_key[rows].tolist(), d_load[rows].tolist(), strict=True):
            if k_ != prev_key:
                prev_key, later_min = k_, ld
                continue
            if ld > later_min:
                ooo += 1
            later_min = min(later_min, ld)
        ops, befores = out["op"], out["before"]
        deletes = key_only = 0
        for j in d_row.tolist():
            if ops[j] == "d":
                deletes += 1
                if list(json.loads(befores[j])) == [keyname]:
                    key_only += 1
        return {
            "quarantined": {
                "malformed_json": int((lab == 1).sum()),
                "missing_key": int((lab == 2).sum()),
            },
            "repeated_rows": int(v.size - d_src.size),
            "out_of_order_rows": ooo,
            "deletes": deletes,
            "key_only_deletes": key_only,
            "distinct_changes": int(d_src.size),
        }


_PROFILE_KINDS = ("email", "country", "phone", "marketing", "marketing")
_KEEP = object()
_ABSENT = object()


# ============================================================ fault constructors
def _with_extra_keys(obj: dict, kind: int, i: int) -> dict:
    """Unknown extra keys at the top level and/or inside properties."""
    props = obj["properties"]
    if kind in (1, 4):
        props["ab_group"] = "B" if i % 2 else "A"
    if kind in (2, 5):
        props["client_ts_ms"] = 1_700_000_000_000 + i
    if kind == 3:
        props["tags"] = ["beta", "mobile"]
    if kind == 1:
        obj["sdk"] = {"name": "synapse-js", "version": "4.2.0"}
    elif kind == 2:
        obj = {"schema_version": 1, **obj}
    elif kind == 3:
        items = list(obj.items())
        items.insert(4, ("context", {"locale": "pt-PT", "screen": "1920x1080"}))
        obj = dict(items)
    # kind 4: top level untouched; kind 5: a debug flag at the top level
    if kind == 5:
        obj["debug"] = False
    return obj


def _cosmetic(obj: dict, j: int) -> str:
    """Same content, different bytes: whitespace, key order or a retry key."""
    kind = j % 3
    if kind == 0:
        return json.dumps(obj, ensure_ascii=False)
    if kind == 1:
        return _compact(dict(reversed(list(obj.items()))))
    return _compact({**obj, "_retry": 1})


def _malformed(variant: str, obj: dict, i: int, r_row: int) -> str:
    text = _compact(obj)
    if variant == "truncated":
        return text[: 1 + (i * 7919) % (len(text) - 2)]
    if variant == "array":
        return f"[{text}]"
    if variant == "json_string":
        return json.dumps(text)
    if variant == "number":
        return str(r_row // SECOND)
    if variant == "form_encoded":
        return f"event_type={obj.get('event_type')}&user_id={obj.get('user_id')}"
    if variant == "html":
        return "<html><head><title>502 Bad Gateway</title></head></html>"
    if variant == "empty":
        return ""
    if variant == "json_null":
        return "null"
    if variant == "unquoted_keys":
        return f"{{event_type: {obj.get('event_type')}, user_id: {obj.get('user_id')}}}"
    return repr(obj)  # python_repr: single quotes, True/None


def _bad_timestamp(variant: str, tp: int):
    text = _iso1(tp)
    date, time = text[:10], text[11:19]
    ms = text[19:23]
    year = int(date[:4])
    non_leap = year if year % 4 else year - 1
    return {
        "absent": _ABSENT,
        "null": None,
        "epoch_number": tp // 1000,
        "space_for_t": f"{date} {time}{ms}Z",
        "no_offset": f"{date}T{time}{ms}",
        "offset_no_colon": f"{date}T{time}{ms}+0200",
        "lowercase_z": f"{date}T{time}{ms}z",
        "lowercase_t": f"{date}t{time}Z",
        "feb_30": f"{year}-02-30T{time}Z",
        "feb_29_non_leap": f"{non_leap}-02-29T{time}Z",
        "month_13": f"{year}-13-{date[8:]}T{time}Z",
        "day_00": f"{date[:8]}00T{time}Z",
        "hour_24_offset": f"{date}T24:00:00+01:00",
        "leap_second": f"{date}T{time[:6]}60Z",
        "minute_60": f"{date}T{time[:3]}60:00Z",
        "seven_digits": f"{date}T{time}.1234567Z",
        "offset_plus_15": f"{date}T{time}+15:00",
        "offset_minus_14_30": f"{date}T{time}-14:30",
        "dot_no_digits": f"{date}T{time}.Z",
        "year_0000": f"0000-{date[5:]}T{time}Z",
        "one_digit_hour": f"{date}T7:{time[3:]}Z",
        "iso_week": f"{year}-W09-7T{time}Z",
        "basic_format": f"{date.replace('-', '')}T{time.replace(':', '')}Z",
        "trailing_space": f"{date}T{time}{ms}Z ",
        "words": "last tuesday at noon",
        "not_applicable": "N/A",
        "empty": "",
        # Postgres would accept every one of these
        "yesterday": "yesterday",
        "now": "now",
        "epoch": "epoch",
        "today": "today",
        "tomorrow": "tomorrow",
        "infinity": "infinity",
        "-infinity": "-infinity",
        "t24": f"{date}T24:00:00Z",
        "space_plus00": f"{date} {time}+00",
        "hour_only_offset": f"{date}T{time}+02",
        "date_only": date,
        "space_no_zone": f"{date} {time}",
    }[variant]


def _future_timestamp(variant: str, r: int) -> str:
    if variant == "plus_5min_1us":
        return _render_occurred(r + FUTURE_TOLERANCE + 1, 6, None)
    if variant == "plus_5min_1ms":
        t = r + FUTURE_TOLERANCE
        return _render_occurred(t - t % 1000 + 1000, 3, None)
    if variant == "plus_6min":
        return _render_occurred(r + 6 * MINUTE, 3, None)
    if variant == "plus_2h":
        return _render_occurred(r + 2 * HOUR, 3, None)
    if variant == "plus_2h_hidden_by_offset":  # local text looks 3 h in the past
        return _render_occurred(r + 2 * HOUR, 3, -300)
    if variant == "plus_1d":
        return _render_occurred(r + DAY + SECOND, 0, None)
    if variant == "plus_400d":
        return _render_occurred(r + 400 * DAY, 3, 60)
    if variant == "year_2099":
        return "2099-01-01T00:00:00Z"
    return "9999-12-31T23:59:59.999999Z"


def _cdc_malformed(variant: str, text: str | None) -> str:
    text = text or "{}"
    if variant == "truncated":
        return text[: max(1, len(text) // 2)]
    if variant == "array":
        return f"[{text}]"
    if variant == "json_string":
        return json.dumps(text)
    if variant == "number":
        return "42"
    if variant == "garbage":
        return "\\x00\\x01 not json"
    return ""


def _drop_key(text: str, key: str) -> str:
    obj = json.loads(text)
    obj.pop(key, None)
    return _compact(obj)
