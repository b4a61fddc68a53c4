"""Building blocks shared by the generator's stages: time units, ids, texts.

Instants are int64 microseconds since the Unix epoch (naive UTC) everywhere in
the generator: numpy handles millions of them at once, and they convert to the
contract's ``timestamp`` columns without rounding.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime

import numpy as np

from synapse_landing import contract

# --------------------------------------------------------------------------- time
US = 1_000_000
SECOND = US
MINUTE = 60 * US
HOUR = 60 * MINUTE
DAY = 24 * HOUR
BATCH = 5 * MINUTE  # app events and CDC land in 5-minute batches
# contract: occurred_at <= received_at + the tolerance
FUTURE_TOLERANCE = contract.FUTURE_TOLERANCE_MINUTES * MINUTE
EPOCH = datetime(1970, 1, 1)
_ONE_US = datetime(1970, 1, 1, 0, 0, 0, 1) - EPOCH
CHUNK = 1 << 20  # rows per slice where temporary texts would otherwise pile up


def to_us(value: datetime) -> int:
    """Naive UTC datetime -> microseconds since the epoch."""
    return (value - EPOCH) // _ONE_US


def from_us(value: int) -> datetime:
    """Microseconds since the epoch -> naive UTC datetime."""
    return EPOCH + value * _ONE_US


def as_datetime64(values: np.ndarray) -> np.ndarray:
    """int64 microseconds since the epoch -> datetime64[us]."""
    return np.asarray(values, dtype=np.int64).astype("datetime64[us]")


# ------------------------------------------------------------------------ counts
def fault_count(rate: float, n: int) -> int:
    """Deterministic fault count: round(rate * n), at least 1 when rate > 0."""
    if rate <= 0 or n <= 0:
        return 0
    return int(min(n, max(1, round(rate * n))))


def weighted_choice(rng: np.random.Generator, n: int, weights) -> np.ndarray:
    """``n`` indexes drawn with probabilities proportional to ``weights``."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


# --------------------------------------------------------------------------- ids
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


def _hex_digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) uint8 matrix of the lowercase hex digits of uint64 values."""
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64) * np.uint64(4)
    return _HEX[((values[:, None] >> shifts) & np.uint64(15)).astype(np.intp)]


def _const(text: str, n: int) -> np.ndarray:
    """(n, len(text)) uint8 matrix repeating ``text`` (no copy)."""
    return np.broadcast_to(np.frombuffer(text.encode(), dtype=np.uint8), (n, len(text)))


def _ascii_rows(parts: list[np.ndarray]) -> list[str]:
    """Concatenate (n, k) uint8 character matrices into n ASCII strings."""
    matrix = np.ascontiguousarray(np.concatenate(parts, axis=1))
    if matrix.shape[0] == 0:
        return []
    width = matrix.shape[1]
    return matrix.view(f"S{width}").ravel().astype(f"U{width}").tolist()


def hex_ids(prefix: str, idx: np.ndarray, salt: int, bits: int) -> list[str]:
    """prefix + bits/4 hex digits, distinct for distinct idx (vectorised)."""
    out: list[str] = []
    for lo in range(0, idx.size, CHUNK):
        mixed = _mix(idx[lo : lo + CHUNK], salt, bits)
        out += _ascii_rows([_const(prefix, mixed.size), _hex_digits(mixed, bits // 4)])
    return out


def uuid_ids(idx: np.ndarray, salt: int, rng: np.random.Generator) -> list[str]:
    """UUID-shaped ids: 64 bits that are distinct per idx, 62 random bits."""
    low_all = rng.integers(0, 1 << 62, size=idx.size, dtype=np.int64).astype(
        np.uint64
    ) | np.uint64(1 << 63)
    out: list[str] = []
    for lo in range(0, idx.size, CHUNK):
        high = _hex_digits(_mix(idx[lo : lo + CHUNK], salt, 64), 16)
        low = _hex_digits(low_all[lo : lo + CHUNK], 16)
        dash = _const("-", high.shape[0])
        out += _ascii_rows(
            [
                high[:, :8],
                dash,
                high[:, 8:12],
                dash,
                high[:, 12:],
                dash,
                low[:, :4],
                dash,
                low[:, 4:],
            ]
        )
    return out


# ------------------------------------------------------------------------- texts
def iso_us(values: np.ndarray) -> np.ndarray:
    """int64 microseconds -> 'YYYY-MM-DDTHH:MM:SS.ffffff' (numpy U26)."""
    return np.datetime_as_string(values.astype("datetime64[us]"), unit="us")


def iso_z(values: np.ndarray) -> list[str]:
    """ISO-8601 UTC text as Debezium writes timestamptz: 6 digits and Z."""
    return [s + "Z" for s in iso_us(values).tolist()]


def iso_one(value: int) -> str:
    """'YYYY-MM-DDTHH:MM:SS.ffffff' of one int64 microsecond instant."""
    return from_us(value).isoformat(timespec="microseconds")


def iso_z_one(value: int) -> str:
    """:func:`iso_z` of one instant."""
    return iso_one(value) + "Z"


def offset_text(minutes: int) -> str:
    """A UTC offset in minutes as '+HH:MM' / '-HH:MM'."""
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def render_occurred(us: int, digits: int, offset_min: int | None) -> str:
    """Contract form of an instant: local time, 0-6 digits, Z or +HH:MM."""
    local = us + (offset_min or 0) * MINUTE
    text = iso_one(local)
    text = text[:19] if digits == 0 else text[: 20 + digits]
    return text + ("Z" if offset_min is None else offset_text(offset_min))


def ascii_slug(text: str) -> str:
    """Lowercase ASCII letters of a name, for e-mail local parts."""
    text = text.translate(str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L"}))
    text = text.replace("\u0131", "i").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", text.lower())


def compact_json(obj) -> str:
    """JSON without spaces, non-ASCII kept: how the clients send payloads."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# ----------------------------------------------------------------------- batches
class LoadBatches:
    """5-minute load batches of one pipeline: batch b lands at end-of-b + jitter.

    Batches are numbered by ``instant // BATCH``; each gets its own landing
    jitter, drawn once, so every row of a batch lands at the same time.
    """

    def __init__(self, rng: np.random.Generator, lo_us: int, hi_us: int) -> None:
        self.first = lo_us // BATCH - 1
        self.last = hi_us // BATCH + 2
        count = self.last - self.first + 1
        self.jitter = rng.integers(8 * SECOND, 95 * SECOND, size=count)

    def index(self, instants: np.ndarray) -> np.ndarray:
        """The batch that collects rows arriving at ``instants``."""
        return np.clip(instants // BATCH, self.first, self.last)

    def load(self, batches: np.ndarray) -> np.ndarray:
        """When the ``batches`` land (microseconds)."""
        batches = np.clip(batches, self.first, self.last)
        return (batches + 1) * BATCH + self.jitter[batches - self.first]

    def loaded_at(self, instants: np.ndarray) -> np.ndarray:
        """When rows arriving at ``instants`` land."""
        return self.load(self.index(instants))
