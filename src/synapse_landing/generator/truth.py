"""The ground truth: what a correct pipeline must make of the landed rows.

Everything here is read back from the rows as written (and from the simulated
state they were written from), never echoed from the fault rates: a count is
what the raw zone really holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from .activity import Activity
from .app_events import LandedEvents
from .billing import Billing
from .cdc import CdcTable, CdcTables
from .configuration import RunContext
from .faults import (
    VALID,
    BillingMissingId,
    CdcQuarantine,
    EventQuarantine,
    MessageChange,
)
from .messages import Messages
from .population import Population
from .primitives import DAY, as_datetime64, iso_one
from .user_changes import UserChanges, UserState
from .vocabulary import (
    ACTIVITY_CODES,
    APP_VERSIONS,
    COUNTRY_CODES,
    ERROR_CODES,
    ET_ERROR,
    ET_FEATURE,
    ET_MESSAGE,
    ET_PAGE,
    EVENT_TYPE_NAMES,
    FEATURES,
    MESSAGE_STATUSES,
    PAGES,
    PLATFORMS,
    ROLES,
)


@dataclass(frozen=True)
class Truth:
    """The summary (``_truth.json``) and the truth arrays of ``Dataset``."""

    summary: dict
    events: dict[str, np.ndarray]
    users: dict[str, np.ndarray]
    user_changes: dict[str, np.ndarray]
    messages: dict[str, np.ndarray]


@dataclass(frozen=True)
class StageResults:
    """Every stage's result: what the truth is read from."""

    population: Population
    activity: Activity
    messages: Messages
    billing: Billing
    user_changes: UserChanges
    cdc: CdcTables
    events: LandedEvents


def ground_truth(
    ctx: RunContext, tables: dict[str, dict], results: StageResults
) -> Truth:
    """The truth arrays and the summary, from the landed tables and stages."""
    truth_events, kept_sources = _truth_events(results)
    truth_users, truth_changes = _truth_users(results)
    truth_messages = _truth_messages(results)
    summary = _summary(
        ctx, results, tables, truth_events, truth_users, truth_messages, kept_sources
    )
    return Truth(
        summary=summary,
        events=truth_events,
        users=truth_users,
        user_changes=truth_changes,
        messages=truth_messages,
    )


# ----------------------------------------------------------------- events
def _truth_events(sources: StageResults) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The deduplicated valid events in occurrence order, and their base
    event indexes (in that order)."""
    landed = sources.events
    base = sources.activity.events
    styles = landed.styles
    users = sources.population.users
    sessions = sources.population.sessions
    kept = np.flatnonzero(landed.kept)
    source = landed.source[kept]
    order = np.lexsort((source, styles.occurred[source]))
    kept, source = kept[order], source[order]
    session = base.session[source]
    event_type = base.event_type[source]
    value = base.property_value[source].tolist()
    types = event_type.tolist()

    def property_column(code: int, names) -> np.ndarray:
        return np.array(
            [
                names[v] if t == code else None
                for t, v in zip(types, value, strict=True)
            ],
            dtype=object,
        )

    feature = property_column(ET_FEATURE, FEATURES)
    feature[styles.missing_feature[source] > 0] = None
    missing_session = styles.missing_session[source].tolist()
    columns = {
        "event_id": np.array(
            [base.event_ids[i] for i in source.tolist()], dtype=object
        ),
        "event_type": np.array(EVENT_TYPE_NAMES, dtype=object)[event_type],
        "user_id": np.array(
            [users.user_ids[u] for u in base.user[source].tolist()], dtype=object
        ),
        "session_id": np.array(
            [
                None if missing else sessions.ids[s]
                for s, missing in zip(session.tolist(), missing_session, strict=True)
            ],
            dtype=object,
        ),
        "occurred_at": as_datetime64(styles.occurred[source]),
        "platform": np.array(PLATFORMS, dtype=object)[sessions.platform[session]],
        "country": np.array(COUNTRY_CODES, dtype=object)[
            users.country[base.user[source]]
        ],
        "app_version": np.array(APP_VERSIONS, dtype=object)[
            sessions.app_version[session]
        ],
        "feature": feature,
        "message_id": property_column(ET_MESSAGE, sources.activity.user_message_ids),
        "page": property_column(ET_PAGE, PAGES),
        "error_code": property_column(ET_ERROR, ERROR_CODES),
        "received_at": as_datetime64(landed.received[kept]),
        "loaded_at": as_datetime64(landed.loaded[kept]),
    }
    return columns, source


# ------------------------------------------------------------------ users
def _truth_users(
    sources: StageResults,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """users.users now (deleted users included) and every written change."""
    table = sources.cdc.users
    changes = sources.user_changes
    change_lsn = sources.cdc.user_change_lsn
    user_ids = sources.population.users.user_ids
    valid = table.row_label == VALID
    written = np.unique(table.row_change[valid])  # distinct written changes
    order = written[np.argsort(change_lsn[written], kind="stable")]
    key = changes.user[order]
    ops = [changes.op[i] for i in order.tolist()]
    state_index = changes.state[order]
    commit = (changes.commit[order] // 1000) * 1000
    states = changes.states
    history = {
        "user_id": np.array([user_ids[k] for k in key.tolist()], dtype=object),
        "op": np.array(ops, dtype=object),
        "plan": np.array([states[s].plan for s in state_index.tolist()], dtype=object),
        "country": np.array(
            [states[s].country for s in state_index.tolist()], dtype=object
        ),
        "committed_at": as_datetime64(commit),
        "source_lsn": change_lsn[order].astype(np.int64),
    }
    latest: dict[int, int] = {}
    for position, user in enumerate(key.tolist()):
        latest[user] = position  # lsn order: the last one wins
    current_users = sorted(latest)
    rows = [latest[u] for u in current_users]
    current = {"user_id": np.array([user_ids[u] for u in current_users], dtype=object)}
    for column in UserState._fields:
        values = [getattr(states[state_index[j]], column) for j in rows]
        if column in ("created_at", "updated_at"):
            current[column] = np.array(
                [np.datetime64(v[:-1], "us") for v in values], dtype="datetime64[us]"
            )
        elif column == "marketing_opt_in":
            current[column] = np.array(values, dtype=bool)
        else:
            current[column] = np.array(values, dtype=object)
    is_deleted = np.array([ops[j] == "d" for j in rows], dtype=bool)
    current["is_deleted"] = is_deleted
    last_commit = commit[rows] if rows else np.zeros(0, np.int64)
    current["deleted_at"] = np.where(
        is_deleted, as_datetime64(last_commit), np.datetime64("NaT", "us")
    )
    current["last_change_at"] = as_datetime64(last_commit)
    return current, history


# --------------------------------------------------------------- messages
def _truth_messages(sources: StageResults) -> dict[str, np.ndarray]:
    """chat.messages now: edited content, deletes, from written changes only."""
    table = sources.cdc.messages
    changes = sources.cdc.message_changes
    messages = sources.messages
    written = np.unique(table.row_change[table.row_label == VALID])
    count = messages.count
    kind = changes.kind[written]
    keys = changes.key[written]
    deletes = kind == MessageChange.DELETE
    is_deleted = np.zeros(count, dtype=bool)
    is_deleted[keys[deletes]] = True
    deleted_at = np.full(count, -1, dtype=np.int64)
    deleted_at[keys[deletes]] = table.change_commit[written[deletes]] // 1000 * 1000
    edited = np.zeros(count, dtype=bool)
    edited[keys[kind == MessageChange.EDIT]] = True
    rows = keys[kind == MessageChange.CREATE]
    content = [
        changes.edited_content[i] if edited[i] else messages.content[i]
        for i in rows.tolist()
    ]
    response_ms = messages.response_ms[rows].astype(np.float64)
    response_ms[response_ms < 0] = np.nan
    user_ids = np.array(sources.population.users.user_ids, dtype=object)
    return {
        "message_id": np.array(messages.message_id, dtype=object)[rows],
        "conversation_id": np.array(messages.conversation_id, dtype=object)[rows],
        "user_id": user_ids[messages.user[rows]],
        "role": np.array(ROLES, dtype=object)[messages.role[rows]],
        "content": np.array(content, dtype=object),
        "status": np.array(MESSAGE_STATUSES, dtype=object)[messages.status[rows]],
        "response_ms": response_ms,
        "created_at": as_datetime64(messages.created[rows]),
        "is_edited": edited[rows],
        "is_deleted": is_deleted[rows],
        "deleted_at": np.where(
            is_deleted[rows],
            as_datetime64(deleted_at[rows]),
            np.datetime64("NaT", "us"),
        ),
    }


# ---------------------------------------------------------------- summary
def _summary(
    ctx: RunContext,
    sources: StageResults,
    tables: dict[str, dict],
    truth_events: dict[str, np.ndarray],
    truth_users: dict[str, np.ndarray],
    truth_messages: dict[str, np.ndarray],
    kept_sources: np.ndarray,
) -> dict:
    """``Dataset.truth`` (also ``_truth.json``): counts of the written rows."""
    landed = sources.events
    base = sources.activity.events
    styles = landed.styles
    event_type = base.event_type[kept_sources]
    activity = np.isin(event_type, ACTIVITY_CODES)
    activity_days = truth_events["occurred_at"][activity].astype("datetime64[D]")
    window = {
        "first_date": str(activity_days.min()) if activity_days.size else None,
        "last_date": str(activity_days.max()) if activity_days.size else None,
    }
    anonymous = base.user[kept_sources] >= sources.population.users.known
    valid, kept = landed.label == VALID, landed.kept
    ties, earlier = _duplicate_edges(landed, base.count)
    return {
        "generator": "synapse_landing.generator",
        "config": ctx.config.to_json(),
        "start": ctx.start_dt.isoformat(sep=" "),
        "end": ctx.end_dt.isoformat(sep=" "),
        "window": window,
        "raw_rows": {
            name: len(next(iter(cols.values()))) for name, cols in tables.items()
        },
        "latest_loaded_at": _latest_loaded(tables),
        "events": {
            "valid_kept": int(kept.sum()),
            "duplicates": int((valid & ~kept).sum()),
            "quarantined": {
                reason.reason: int((landed.label == reason).sum())
                for reason in EventQuarantine
            },
            "anonymous_kept": int(anonymous.sum()),
            "activity_kept": int(activity.sum()),
            "missing_session_ids": int(
                (styles.missing_session[kept_sources] > 0).sum()
            ),
            "missing_features": int((styles.missing_feature[kept_sources] > 0).sum()),
        },
        "users_cdc": _users_cdc_summary(sources, tables, truth_users),
        "messages_cdc": _messages_cdc_summary(sources, truth_messages),
        "billing_subscriptions": _billing_summary(sources.billing),
        "faults": {
            "duplicate_ties": ties,
            "earlier_redeliveries": earlier,
            "late_arrivals": _late_arrivals(landed),
            "extra_keys": int((styles.extra_keys[kept_sources] > 0).sum()),
            "offset_timestamps": int((styles.offset_index[kept_sources] > 0).sum()),
            "pg_lookalike_timestamps": int(landed.pg_lookalikes),
            "boundary_timestamps": int(np.isin(kept_sources, landed.boundary).sum()),
            "fraction_digits": {
                str(d): int((styles.digits[kept_sources] == d).sum()) for d in range(7)
            },
        },
    }


def _latest_loaded(tables: dict[str, dict]) -> dict[str, str | None]:
    """The latest landing time per table (freshness checks compare with it)."""
    latest = {}
    for name, cols in tables.items():
        column = cols["fetched_at" if name.startswith("billing") else "loaded_at"]
        latest[name] = (
            iso_one(int(column.max().astype(np.int64))).replace("T", " ")
            if len(column)
            else None
        )
    return latest


def _late_arrivals(landed: LandedEvents) -> int:
    """Kept copies received at least a day after the occurrence."""
    kept = np.flatnonzero(landed.kept)
    delay = landed.received[kept] - landed.styles.occurred[landed.source[kept]]
    return int((delay >= DAY).sum())


def _duplicate_edges(landed: LandedEvents, base_count: int) -> tuple[int, int]:
    """Duplicates tying with their kept copy on received_at and loaded_at, and
    event ids whose kept copy landed after another valid copy."""
    kept = np.flatnonzero(landed.kept)
    kept_row_of = np.full(base_count, -1, dtype=np.int64)
    kept_row_of[landed.source[kept]] = kept
    duplicates = np.flatnonzero((landed.label == VALID) & ~landed.kept)
    kept_copy = kept_row_of[landed.source[duplicates]]
    ties = int(
        (
            (landed.received[duplicates] == landed.received[kept_copy])
            & (landed.loaded[duplicates] == landed.loaded[kept_copy])
        ).sum()
    )
    landed_first = landed.loaded[duplicates] < landed.loaded[kept_copy]
    earlier = int(np.unique(landed.source[duplicates][landed_first]).size)
    return ties, earlier


def _users_cdc_summary(
    sources: StageResults, tables: dict[str, dict], truth_users: dict[str, np.ndarray]
) -> dict:
    """users_cdc counts, plus users, deletes and snapshot reads."""
    summary = _cdc_counts(sources.cdc.users, "user_id")
    summary["users"] = int(truth_users["user_id"].size)
    summary["deleted_users"] = int(truth_users["is_deleted"].sum())
    summary["snapshot_reads"] = sum(1 for op in tables["users_cdc"]["op"] if op == "r")
    return summary


def _messages_cdc_summary(
    sources: StageResults, truth_messages: dict[str, np.ndarray]
) -> dict:
    """messages_cdc counts, plus the state of the messages now."""
    summary = _cdc_counts(sources.cdc.messages, "message_id")
    alive = ~truth_messages["is_deleted"]
    assistant = (truth_messages["role"] == "assistant") & alive
    summary["messages"] = int(truth_messages["message_id"].size)
    summary["deleted_messages"] = int(truth_messages["is_deleted"].sum())
    summary["edited_messages"] = int(truth_messages["is_edited"].sum())
    summary["assistant_responses"] = int(assistant.sum())
    summary["assistant_errors"] = int(
        (assistant & (truth_messages["status"] == "error")).sum()
    )
    return summary


def _billing_summary(billing: Billing) -> dict:
    """Quarantined billing rows by reason, subscriptions, refetched rows."""
    missing = billing.missing_id
    subscriptions = billing.truth_subscriptions
    quarantined = dict.fromkeys((kind.reason for kind in BillingMissingId), 0)
    for kind in BillingMissingId:
        quarantined[kind.reason] += int((missing == kind).sum())
    return {
        "quarantined": quarantined,
        "subscriptions": len(subscriptions["subscription_id"]),
        "subscribed_users": len(set(subscriptions["user_id"].tolist())),
        "refetched_rows": int(billing.refetched_rows),
    }


def _cdc_counts(table: CdcTable, key_name: str) -> dict:
    """Counts of one CDC table, from its written rows."""
    label = table.row_label
    valid = np.flatnonzero(label == VALID)
    change = table.row_change[valid]
    loaded = table.loaded_at[valid]
    key = table.row_key[valid]
    # distinct changes (a change = one source row) and their first landing
    order = np.lexsort((loaded, change))
    sorted_change = change[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = sorted_change[1:] != sorted_change[:-1]
    distinct_row = valid[order[first]]
    distinct_change = sorted_change[first]
    distinct_loaded = loaded[order][first]
    distinct_key = key[order][first]
    out_of_order = _out_of_order_changes(
        table.change_lsn[distinct_change], distinct_key, distinct_loaded
    )
    deletes = key_only = 0
    for row in distinct_row.tolist():
        if table.op[row] == "d":
            deletes += 1
            if list(json.loads(table.before[row])) == [key_name]:
                key_only += 1
    return {
        "quarantined": {
            reason.reason: int((label == reason).sum()) for reason in CdcQuarantine
        },
        "repeated_rows": int(valid.size - distinct_change.size),
        "out_of_order_rows": out_of_order,
        "deletes": deletes,
        "key_only_deletes": key_only,
        "distinct_changes": int(distinct_change.size),
    }


def _out_of_order_changes(
    lsn: np.ndarray, key: np.ndarray, first_landing: np.ndarray
) -> int:
    """Changes whose first landing comes after the first landing of a
    later-lsn change of the same row."""
    order = np.lexsort((lsn, key))
    sorted_key = key[order]
    same = sorted_key[1:] == sorted_key[:-1]
    several = np.zeros(order.size, dtype=bool)
    several[1:] |= same
    several[:-1] |= same
    count = 0
    earliest_later = None
    previous_key = None
    rows = order[several][::-1]  # by key desc, lsn desc
    for row_key, landing in zip(
        key[rows].tolist(), first_landing[rows].tolist(), strict=True
    ):
        if row_key != previous_key:
            previous_key, earliest_later = row_key, landing
            continue
        if landing > earliest_later:
            count += 1
        earliest_later = min(earliest_later, landing)
    return count
