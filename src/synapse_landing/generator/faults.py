"""Faults of the landing contract: reason codes and the bad payloads themselves.

The reason enums give names to the small integer labels the stages keep in
numpy arrays (``0`` is always a valid row). Their order follows the contract's
reason lists and is checked when this module is imported, because the label
values end up in the ground truth counts. The payload builders are pure
functions of the row they spoil and of a variant name, so each kind of bad
input can be read (and tested) on its own.
"""

from __future__ import annotations

import json
from enum import IntEnum

from synapse_landing import contract
from synapse_landing.contract import ContractViolation

from .primitives import (
    DAY,
    FUTURE_TOLERANCE,
    HOUR,
    MINUTE,
    SECOND,
    compact_json,
    iso_one,
    render_occurred,
)

VALID = 0  # the label of a row that breaks no rule


class EventQuarantine(IntEnum):
    """Why an app_events row is quarantined (contract order, from 1)."""

    MALFORMED_JSON = 1
    MISSING_EVENT_ID = 2
    MISSING_USER_ID = 3
    UNKNOWN_EVENT_TYPE = 4
    INVALID_TIMESTAMP = 5
    FUTURE_TIMESTAMP = 6

    @property
    def reason(self) -> str:
        """The contract's reason text, also the ``FaultRates`` field name."""
        return self.name.lower()


class CdcQuarantine(IntEnum):
    """Why a users_cdc / messages_cdc row is quarantined (contract order)."""

    MALFORMED_JSON = 1
    MISSING_KEY = 2

    @property
    def reason(self) -> str:
        return self.name.lower()


class BillingMissingId(IntEnum):
    """Which identifier a spoiled billing row lacks."""

    SUBSCRIPTION_ID = 1
    USER_ID = 2
    BOTH = 3

    @property
    def reason(self) -> str:
        """The contract's reason: rules apply in order, so both -> the first."""
        first = (
            BillingMissingId.SUBSCRIPTION_ID if self is BillingMissingId.BOTH else self
        )
        return f"missing_{first.name.lower()}"


class ExtraKeys(IntEnum):
    """Where unknown keys are added to a valid payload (see with_extra_keys)."""

    SDK_AND_AB_GROUP = 1
    SCHEMA_VERSION_AND_CLIENT_TS = 2
    CONTEXT_AND_TAGS = 3
    AB_GROUP_ONLY = 4
    DEBUG_AND_CLIENT_TS = 5


class MissingValue(IntEnum):
    """How a valid event lacks an optional value (session_id, feature)."""

    ABSENT = 1
    NULL = 2
    EMPTY = 3
    BLANK = 4


class MessageChange(IntEnum):
    """The kind of a chat.messages change."""

    CREATE = 0
    EDIT = 1
    DELETE = 2


def _check_against_contract() -> None:
    """The enums' order is the contract's: label values are counted by it."""
    pairs = (
        (EventQuarantine, contract.EVENT_QUARANTINE_REASONS),
        (CdcQuarantine, contract.CDC_QUARANTINE_REASONS),
        (BillingMissingId, contract.BILLING_QUARANTINE_REASONS),
    )
    for enum, reasons in pairs:
        names = tuple(dict.fromkeys(member.reason for member in enum))
        if names != tuple(reasons):
            raise ContractViolation(
                f"{enum.__name__} {names} differs from the contract's {reasons}"
            )


_check_against_contract()

# ------------------------------------------------------------ variant lists
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


ABSENT = object()  # bad_timestamp: drop the occurred_at key altogether
# blank values of a valid event's session_id / feature, by MissingValue
SESSION_ID_BLANKS = {
    MissingValue.NULL: None,
    MissingValue.EMPTY: "",
    MissingValue.BLANK: "   ",
}
FEATURE_BLANKS = {
    MissingValue.NULL: None,
    MissingValue.EMPTY: "",
    MissingValue.BLANK: "  ",
}


# ------------------------------------------------------------ payload builders
def with_extra_keys(payload: dict, kind: ExtraKeys, row: int) -> dict:
    """Unknown extra keys at the top level and/or inside properties.

    Valid events must keep validating with keys the contract does not name;
    ``row`` only varies the values.
    """
    props = payload["properties"]
    if kind in (ExtraKeys.SDK_AND_AB_GROUP, ExtraKeys.AB_GROUP_ONLY):
        props["ab_group"] = "B" if row % 2 else "A"
    if kind in (ExtraKeys.SCHEMA_VERSION_AND_CLIENT_TS, ExtraKeys.DEBUG_AND_CLIENT_TS):
        props["client_ts_ms"] = 1_700_000_000_000 + row
    if kind == ExtraKeys.CONTEXT_AND_TAGS:
        props["tags"] = ["beta", "mobile"]
    if kind == ExtraKeys.SDK_AND_AB_GROUP:
        payload["sdk"] = {"name": "synapse-js", "version": "4.2.0"}
    elif kind == ExtraKeys.SCHEMA_VERSION_AND_CLIENT_TS:
        payload = {"schema_version": 1, **payload}
    elif kind == ExtraKeys.CONTEXT_AND_TAGS:
        items = list(payload.items())
        items.insert(4, ("context", {"locale": "pt-PT", "screen": "1920x1080"}))
        payload = dict(items)
    if kind == ExtraKeys.DEBUG_AND_CLIENT_TS:
        payload["debug"] = False
    return payload


def cosmetic_copy(payload: dict, nth: int) -> str:
    """Same content, different bytes: whitespace, key order or a retry key."""
    style = nth % 3
    if style == 0:
        return json.dumps(payload, ensure_ascii=False)
    if style == 1:
        return compact_json(dict(reversed(list(payload.items()))))
    return compact_json({**payload, "_retry": 1})


def malformed_payload(variant: str, payload: dict, row: int, received_us: int) -> str:
    """A payload text that is not one JSON object (what a broken client sends)."""
    text = compact_json(payload)
    if variant == "truncated":
        return text[: 1 + (row * 7919) % (len(text) - 2)]
    if variant == "array":
        return f"[{text}]"
    if variant == "json_string":
        return json.dumps(text)
    if variant == "number":
        return str(received_us // SECOND)
    event_type, user_id = payload.get("event_type"), payload.get("user_id")
    if variant == "form_encoded":
        return f"event_type={event_type}&user_id={user_id}"
    if variant == "html":
        return "<html><head><title>502 Bad Gateway</title></head></html>"
    if variant == "empty":
        return ""
    if variant == "json_null":
        return "null"
    if variant == "unquoted_keys":
        return f"{{event_type: {event_type}, user_id: {user_id}}}"
    return repr(payload)  # python_repr: single quotes, True/None


def bad_timestamp(variant: str, occurred_us: int) -> object:
    """An occurred_at value the contract rejects (ABSENT: drop the key)."""
    text = iso_one(occurred_us)
    date, time = text[:10], text[11:19]
    ms = text[19:23]
    year = int(date[:4])
    non_leap = year if year % 4 else year - 1
    return {
        "absent": ABSENT,
        "null": None,
        "epoch_number": occurred_us // 1000,
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


def future_timestamp(variant: str, received_us: int) -> str:
    """An occurred_at more than the tolerated 5 minutes after receipt."""
    if variant == "plus_5min_1us":
        return render_occurred(received_us + FUTURE_TOLERANCE + 1, 6, None)
    if variant == "plus_5min_1ms":
        edge = received_us + FUTURE_TOLERANCE
        return render_occurred(edge - edge % 1000 + 1000, 3, None)
    if variant == "plus_6min":
        return render_occurred(received_us + 6 * MINUTE, 3, None)
    if variant == "plus_2h":
        return render_occurred(received_us + 2 * HOUR, 3, None)
    if variant == "plus_2h_hidden_by_offset":  # local text looks 3 h in the past
        return render_occurred(received_us + 2 * HOUR, 3, -300)
    if variant == "plus_1d":
        return render_occurred(received_us + DAY + SECOND, 0, None)
    if variant == "plus_400d":
        return render_occurred(received_us + 400 * DAY, 3, 60)
    if variant == "year_2099":
        return "2099-01-01T00:00:00Z"
    return "9999-12-31T23:59:59.999999Z"


def cdc_malformed(variant: str, text: str | None) -> str:
    """A before/after image that is not one JSON object."""
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


def drop_key(text: str, key: str) -> str:
    """The image without its primary key (a missing_key row)."""
    image = json.loads(text)
    image.pop(key, None)
    return compact_json(image)
