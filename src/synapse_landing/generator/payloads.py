"""App event payload texts: the fast path for plain events, and the payload
object of one event for everything that needs changing (styles, faults).

Plain payloads are assembled from per-session fragments with one f-string per
event, far faster than ``json.dumps`` per event and byte-identical to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activity import Activity
from .faults import (
    ABSENT,
    FEATURE_BLANKS,
    FUTURE_VARIANTS,
    INVALID_TS_VARIANTS,
    MALFORMED_VARIANTS,
    MISSING_EVENT_ID_VARIANTS,
    MISSING_USER_ID_VARIANTS,
    PG_LOOKALIKE_VARIANTS,
    SESSION_ID_BLANKS,
    UNKNOWN_EVENT_TYPE_VARIANTS,
    EventQuarantine,
    MissingValue,
    bad_timestamp,
    future_timestamp,
    malformed_payload,
    with_extra_keys,
)
from .population import Population
from .primitives import CHUNK, MINUTE, compact_json, iso_us, offset_text
from .vocabulary import (
    APP_VERSIONS,
    COUNTRY_CODES,
    ERROR_CODES,
    ET_ERROR,
    ET_FEATURE,
    ET_MESSAGE,
    ET_PAGE,
    EVENT_TYPE_NAMES,
    FEATURES,
    OFFSETS_MIN,
    PAGES,
    PLATFORMS,
)

KEEP_EVENT_ID = object()  # PayloadBuilder.quarantined: the row keeps its id


@dataclass(frozen=True)
class Styles:
    """How each base event's valid payload is written (per base event)."""

    occurred: np.ndarray  # the instant the occurred_at text says
    digits: np.ndarray  # fraction digits, 0..6
    offset_index: np.ndarray  # 0: Z; else 1 + index into OFFSETS_MIN
    extra_keys: np.ndarray  # 0 or an ExtraKeys
    missing_session: np.ndarray  # 0 or a MissingValue
    missing_feature: np.ndarray  # 0 or a MissingValue


def occurred_texts(styles: Styles) -> list[str]:
    """The occurred_at text of every base event: local time, digits, zone."""
    occurred, digits, offset_index = (
        styles.occurred,
        styles.digits,
        styles.offset_index,
    )
    offset_minutes = np.array((0, *OFFSETS_MIN), dtype=np.int64)[offset_index]
    suffix = ["Z"] + [offset_text(m) for m in OFFSETS_MIN]
    out: list[str] = []
    for lo in range(0, occurred.size, CHUNK):
        part = slice(lo, lo + CHUNK)
        iso = iso_us(occurred[part] + offset_minutes[part] * MINUTE).tolist()
        lengths = np.where(digits[part] == 0, 19, 20 + digits[part]).tolist()
        out += [
            f"{text[:length]}{suffix[zone]}"
            for text, length, zone in zip(
                iso, lengths, offset_index[part].tolist(), strict=True
            )
        ]
    return out


def plain_payloads(
    population: Population, activity: Activity, texts: list[str]
) -> list[str]:
    """Compact JSON payload of every base event, without styles or faults."""
    events = activity.events
    users, sessions = population.users, population.sessions
    message_ids = activity.user_message_ids
    event_type = events.event_type
    properties = np.full(event_type.size, "{}", dtype=object)
    values = events.property_value.tolist()
    for code, render in (
        (ET_MESSAGE, lambda no: f'{{"message_id":"{message_ids[no]}"}}'),
        (ET_FEATURE, lambda no: f'{{"feature":"{FEATURES[no]}"}}'),
        (ET_PAGE, lambda no: f'{{"page":"{PAGES[no]}"}}'),
        (ET_ERROR, lambda no: f'{{"error_code":"{ERROR_CODES[no]}"}}'),
    ):
        rows = np.flatnonzero(event_type == code)
        properties[rows] = [render(values[i]) for i in rows.tolist()]
    # per-session fragments: user, session, platform, country, app version
    user_fragment = [f'"user_id":"{u}"' for u in users.user_ids]
    country_fragment = [
        "" if COUNTRY_CODES[c] is None else f',"country":"{COUNTRY_CODES[c]}"'
        for c in users.country.tolist()
    ]
    session_user = sessions.user.tolist()
    head = [
        f'{user_fragment[user]},"session_id":"{session_id}"'
        for user, session_id in zip(session_user, sessions.ids, strict=True)
    ]
    tail = [
        f'"platform":"{PLATFORMS[platform]}"{country_fragment[user]},'
        f'"app_version":"{APP_VERSIONS[version]}"'
        for user, platform, version in zip(
            session_user,
            sessions.platform.tolist(),
            sessions.app_version.tolist(),
            strict=True,
        )
    ]
    type_fragment = [f'{{"event_type":"{name}",' for name in EVENT_TYPE_NAMES]
    return [
        f'{type_fragment[event]}{head[session]},"occurred_at":"{occurred}",'
        f'{tail[session]},"properties":{props}}}'
        for event, session, occurred, props in zip(
            event_type.tolist(),
            events.session.tolist(),
            texts,
            properties.tolist(),
            strict=True,
        )
    ]


class PayloadBuilder:
    """The payload object of one base event, to change before serialising."""

    def __init__(
        self,
        population: Population,
        activity: Activity,
        styles: Styles,
        texts: list[str],
    ) -> None:
        self.users = population.users
        self.sessions = population.sessions
        self.events = activity.events
        self.message_ids = activity.user_message_ids
        self.styles = styles
        self.texts = texts

    def event(self, row: int) -> dict:
        """The payload of base event ``row`` as an ordered dict (styles applied)."""
        events, sessions, styles = self.events, self.sessions, self.styles
        session = int(events.session[row])
        user = int(events.user[row])
        event_type = int(events.event_type[row])
        value = int(events.property_value[row])
        payload: dict = {
            "event_type": EVENT_TYPE_NAMES[event_type],
            "user_id": self.users.user_ids[user],
            "session_id": sessions.ids[session],
            "occurred_at": self.texts[row],
            "platform": PLATFORMS[int(sessions.platform[session])],
        }
        country = COUNTRY_CODES[int(self.users.country[user])]
        if country is not None:
            payload["country"] = country
        payload["app_version"] = APP_VERSIONS[int(sessions.app_version[session])]
        properties: dict = {}
        if event_type == ET_MESSAGE:
            properties["message_id"] = self.message_ids[value]
        elif event_type == ET_FEATURE:
            properties["feature"] = FEATURES[value]
        elif event_type == ET_PAGE:
            properties["page"] = PAGES[value]
        elif event_type == ET_ERROR:
            properties["error_code"] = ERROR_CODES[value]
        payload["properties"] = properties
        missing_session = int(styles.missing_session[row])
        if missing_session == MissingValue.ABSENT:
            del payload["session_id"]
        elif missing_session:
            payload["session_id"] = SESSION_ID_BLANKS[missing_session]
        missing_feature = int(styles.missing_feature[row])
        if missing_feature == MissingValue.ABSENT:
            del properties["feature"]
        elif missing_feature:
            properties["feature"] = FEATURE_BLANKS[missing_feature]
        extra = int(styles.extra_keys[row])
        if extra:
            payload = with_extra_keys(payload, extra, row)
        return payload

    def quarantined(
        self,
        reason: EventQuarantine,
        variant: int,
        row: int,
        received: int,
        pg_lookalikes: int,
    ) -> tuple[object, str, bool]:
        """(event id or KEEP_EVENT_ID, payload text, is a Postgres look-alike)
        of a bad row modelled on base event ``row``."""
        payload = self.event(row)
        event_id = KEEP_EVENT_ID
        if reason == EventQuarantine.MALFORMED_JSON:
            name = MALFORMED_VARIANTS[variant % len(MALFORMED_VARIANTS)]
            return event_id, malformed_payload(name, payload, row, received), False
        is_pg = False
        if reason == EventQuarantine.MISSING_EVENT_ID:
            event_id = MISSING_EVENT_ID_VARIANTS[variant % 3]
        elif reason == EventQuarantine.MISSING_USER_ID:
            self._spoil_user_id(payload, variant, row)
        elif reason == EventQuarantine.UNKNOWN_EVENT_TYPE:
            name = UNKNOWN_EVENT_TYPE_VARIANTS[
                variant % len(UNKNOWN_EVENT_TYPE_VARIANTS)
            ]
            if name == "<absent>":
                del payload["event_type"]
            else:
                payload["event_type"] = name
        elif reason == EventQuarantine.INVALID_TIMESTAMP:
            is_pg = variant < pg_lookalikes
            if is_pg:
                name = PG_LOOKALIKE_VARIANTS[variant % len(PG_LOOKALIKE_VARIANTS)]
            else:
                nth = variant - pg_lookalikes
                name = INVALID_TS_VARIANTS[nth % len(INVALID_TS_VARIANTS)]
            value = bad_timestamp(name, int(self.styles.occurred[row]))
            if value is ABSENT:
                del payload["occurred_at"]
            else:
                payload["occurred_at"] = value
        elif reason == EventQuarantine.FUTURE_TIMESTAMP:
            name = FUTURE_VARIANTS[variant % len(FUTURE_VARIANTS)]
            payload["occurred_at"] = future_timestamp(name, received)
        return event_id, compact_json(payload), is_pg

    def _spoil_user_id(self, payload: dict, variant: int, row: int) -> None:
        name = MISSING_USER_ID_VARIANTS[variant % len(MISSING_USER_ID_VARIANTS)]
        if name == "absent":
            del payload["user_id"]
            return
        payload["user_id"] = {
            "null": None,
            "number": int(self.events.user[row]) + 1,
            "empty": "",
            "blank": "  ",
        }[name]
