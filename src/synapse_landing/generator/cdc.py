"""Debezium CDC of users.users and chat.messages, as it lands in the raw zone.

Both tables share one write-ahead log, so ``source_lsn`` follows commit order
across them. Changes land in 5-minute batches of their own pipeline; Debezium
keeps the order of one row's changes, except for the out-of-order faults this
module injects, next to repeated rows, malformed images and missing keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from json.encoder import encode_basestring

import numpy as np

from synapse_landing.rawzone import json_string_literals

from .configuration import RunContext, Stream
from .faults import (
    CDC_MALFORMED_VARIANTS,
    VALID,
    CdcQuarantine,
    MessageChange,
    cdc_malformed,
    drop_key,
)
from .messages import Messages
from .population import Population
from .primitives import (
    CHUNK,
    DAY,
    HOUR,
    MINUTE,
    SECOND,
    LoadBatches,
    as_datetime64,
    fault_count,
    iso_z,
    iso_z_one,
)
from .user_changes import UserChanges
from .vocabulary import MESSAGE_STATUSES, ROLES

FIRST_LSN = 0x16B3A0000
_STATUS_JSON = tuple("null" if s is None else f'"{s}"' for s in MESSAGE_STATUSES)


@dataclass(frozen=True)
class ChangeStream:
    """The changes of one table, before landing (one entry per change)."""

    key: np.ndarray  # user / message index
    op: list[str]
    before: list[str | None]
    after: list[str | None]


@dataclass(frozen=True)
class CdcTable:
    """One landed CDC table (rows in landing order) and where rows came from."""

    op: list[str]
    before: list[str | None]
    after: list[str | None]
    source_lsn: np.ndarray
    source_ts_ms: np.ndarray
    loaded_at: np.ndarray  # microseconds
    row_key: np.ndarray  # per row: the user / message index
    row_change: np.ndarray  # per row: the change it copies
    row_label: np.ndarray  # per row: VALID or a CdcQuarantine
    change_commit: np.ndarray  # per change: commit time (microseconds)
    change_lsn: np.ndarray  # per change

    def public_columns(self) -> dict[str, list | np.ndarray]:
        """The contract's columns of the table."""
        return {
            "op": self.op,
            "before": self.before,
            "after": self.after,
            "source_lsn": self.source_lsn.astype(np.int64),
            "source_ts_ms": self.source_ts_ms.astype(np.int64),
            "loaded_at": as_datetime64(self.loaded_at),
        }


@dataclass(frozen=True)
class MessageChanges:
    """What the truth needs of the chat.messages changes (creates, edits,
    deletes, in the order of ``CdcTables.messages.change_*``)."""

    key: np.ndarray  # message index per change
    kind: np.ndarray  # MessageChange per change
    edited_content: dict[int, str]  # message index -> content after its edit


@dataclass(frozen=True)
class CdcTables:
    """Both landed CDC tables and what the truth needs of their changes."""

    users: CdcTable
    messages: CdcTable
    user_change_lsn: np.ndarray  # per users change (UserChanges order)
    message_changes: MessageChanges


def land_cdc(
    ctx: RunContext,
    population: Population,
    messages: Messages,
    user_changes: UserChanges,
) -> CdcTables:
    """Message changes, key-only deletes, one WAL, then both landed tables."""
    rng = ctx.rng(Stream.CDC)
    message_stream, message_commit, message_changes = _message_changes(
        ctx, rng, population, messages
    )
    users_stream = _users_stream(ctx, rng, population, user_changes)
    user_count = user_changes.count
    commit = np.concatenate([user_changes.commit, message_commit])
    lsn = _wal_positions(ctx, rng, commit)
    is_snapshot = np.zeros(commit.size, dtype=bool)
    is_snapshot[:user_count] = np.array(
        [op == "r" for op in user_changes.op], dtype=bool
    )
    delay = np.where(
        is_snapshot,
        rng.integers(50_000, 240 * SECOND, commit.size),
        rng.integers(50_000, 2500_000, commit.size),
    )
    arrival = commit + delay
    users_batches = LoadBatches(ctx.rng(Stream.BATCHES), ctx.snapshot - DAY, ctx.end)
    messages_batches = LoadBatches(
        ctx.rng(Stream.MESSAGES_CDC_BATCHES), ctx.snapshot - DAY, ctx.end
    )
    users_part = slice(0, user_count)
    messages_part = slice(user_count, commit.size)
    users = _land_table(
        ctx,
        rng,
        users_stream,
        "user_id",
        users_batches,
        commit[users_part],
        lsn[users_part],
        arrival[users_part],
    )
    messages_table = _land_table(
        ctx,
        rng,
        message_stream,
        "message_id",
        messages_batches,
        commit[messages_part],
        lsn[messages_part],
        arrival[messages_part],
    )
    ctx.say(
        "cdc: users_cdc "
        f"{len(users.op):,} rows, messages_cdc "
        f"{len(messages_table.op):,} rows"
    )
    return CdcTables(
        users=users,
        messages=messages_table,
        user_change_lsn=lsn[users_part],
        message_changes=message_changes,
    )


def _wal_positions(
    ctx: RunContext, rng: np.random.Generator, commit: np.ndarray
) -> np.ndarray:
    """One WAL for both tables: lsn follows commit order (ties: input order).
    A shard's positions are in its own residue class, so they are distinct
    from every other shard's and keep commit order within the shard."""
    order = np.lexsort((np.arange(commit.size), commit))
    increments = rng.integers(56, 4096, commit.size)
    lsn = np.empty(commit.size, dtype=np.int64)
    lsn[order] = FIRST_LSN + ctx.id_index(np.cumsum(increments))
    return lsn


def _users_stream(
    ctx: RunContext,
    rng: np.random.Generator,
    population: Population,
    user_changes: UserChanges,
) -> ChangeStream:
    """The users changes, some deletes with a key-only before image."""
    before = list(user_changes.before)
    deletes = [i for i, op in enumerate(user_changes.op) if op == "d"]
    key_only = fault_count(ctx.faults.key_only_delete, len(deletes))
    user_ids = population.users.user_ids
    for i in rng.permutation(np.array(deletes, dtype=np.int64))[:key_only].tolist():
        before[i] = f'{{"user_id":"{user_ids[user_changes.user[i]]}"}}'
    return ChangeStream(
        key=user_changes.user,
        op=user_changes.op,
        before=before,
        after=user_changes.after,
    )


# ------------------------------------------------------------------ messages
class _MessageImages:
    """After images of chat.messages rows, as Debezium serialises them."""

    def __init__(self, population: Population, messages: Messages) -> None:
        user_ids = population.users.user_ids
        self.messages = messages
        self.user_ids = [user_ids[u] for u in messages.user.tolist()]
        self.response_ms = messages.response_ms.tolist()
        self.roles = messages.role.tolist()
        self.statuses = messages.status.tolist()

    def one(self, row: int, content: str) -> str:
        """The image of one row with ``content`` (an edited message)."""
        msg = self.messages
        response = "null" if self.response_ms[row] < 0 else self.response_ms[row]
        return (
            f'{{"message_id":"{msg.message_id[row]}",'
            f'"conversation_id":"{msg.conversation_id[row]}",'
            f'"user_id":"{self.user_ids[row]}","role":"{ROLES[self.roles[row]]}",'
            f'"content":{encode_basestring(content)},"status":'
            f'{_STATUS_JSON[self.statuses[row]]},"response_ms":{response},'
            f'"created_at":"{iso_z_one(int(msg.created[row]))}"}}'
        )

    def all(self) -> list[str]:
        """Images of every row as created (chunks bound the temporary texts)."""
        msg = self.messages
        images: list[str] = []
        for lo in range(0, msg.count, CHUNK):
            hi = min(msg.count, lo + CHUNK)
            images += [
                f'{{"message_id":"{message_id}","conversation_id":"{conversation}",'
                f'"user_id":"{user_id}","role":"{ROLES[role]}","content":{content},'
                f'"status":{_STATUS_JSON[status]},"response_ms":'
                f'{"null" if response < 0 else response},"created_at":"{created}"}}'
                for (
                    message_id,
                    conversation,
                    user_id,
                    role,
                    content,
                    status,
                    response,
                    created,
                ) in zip(
                    msg.message_id[lo:hi],
                    msg.conversation_id[lo:hi],
                    self.user_ids[lo:hi],
                    self.roles[lo:hi],
                    json_string_literals(msg.content[lo:hi]),
                    self.statuses[lo:hi],
                    self.response_ms[lo:hi],
                    iso_z(msg.created[lo:hi]),
                    strict=True,
                )
            ]
        return images


def _message_changes(
    ctx: RunContext,
    rng: np.random.Generator,
    population: Population,
    messages: Messages,
) -> tuple[ChangeStream, np.ndarray, MessageChanges]:
    """A create per message, edits of user messages, deletes (some key-only):
    the change stream, the commit times, and what the truth keeps of them."""
    count = messages.count
    created = messages.created
    images = _MessageImages(population, messages)
    create_images = images.all()
    create_commit = created + rng.integers(100, 5000, count)
    edited, edit_commit = _edits(ctx, rng, messages)
    edited_content = {
        i: messages.content[i].rstrip(".?!") + " (edited)" for i in edited.tolist()
    }
    edited_image = {i: images.one(i, text) for i, text in edited_content.items()}
    deleted, delete_commit = _deletes(ctx, rng, messages, edited, edit_commit)
    key_only = fault_count(ctx.faults.key_only_delete, deleted.size)
    key_only_rows = set(rng.permutation(deleted)[:key_only].tolist())
    delete_before = [
        f'{{"message_id":"{messages.message_id[i]}"}}'
        if i in key_only_rows
        else edited_image.get(i, create_images[i])
        for i in deleted.tolist()
    ]
    key = np.concatenate([np.arange(count), edited, deleted])
    stream = ChangeStream(
        key=key,
        op=["c"] * count + ["u"] * edited.size + ["d"] * deleted.size,
        before=[None] * count
        + [create_images[i] for i in edited.tolist()]
        + delete_before,
        after=create_images
        + [edited_image[i] for i in edited.tolist()]
        + [None] * deleted.size,
    )
    kind = np.concatenate(
        [
            np.full(count, MessageChange.CREATE, np.int8),
            np.full(edited.size, MessageChange.EDIT, np.int8),
            np.full(deleted.size, MessageChange.DELETE, np.int8),
        ]
    )
    commit = np.concatenate([create_commit, edit_commit, delete_commit])
    return (
        stream,
        commit,
        MessageChanges(key=key, kind=kind, edited_content=edited_content),
    )


def _edits(
    ctx: RunContext, rng: np.random.Generator, messages: Messages
) -> tuple[np.ndarray, np.ndarray]:
    """(message, commit) of edits: user messages only, seconds to hours later."""
    user_rows = np.flatnonzero(messages.role == 0)
    count = fault_count(ctx.faults.message_edit, user_rows.size)
    edited = (
        np.sort(rng.choice(user_rows, size=count, replace=False))
        if count
        else user_rows[:0]
    )
    commit = messages.created[edited] + rng.integers(10 * SECOND, 2 * HOUR, edited.size)
    ok = commit <= ctx.end - 10 * MINUTE
    return edited[ok], commit[ok]


def _deletes(
    ctx: RunContext,
    rng: np.random.Generator,
    messages: Messages,
    edited: np.ndarray,
    edit_commit: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(message, commit) of deletes, always after the message's edit."""
    count = fault_count(ctx.faults.message_delete, messages.count)
    deleted = (
        np.sort(rng.choice(messages.count, size=count, replace=False))
        if count
        else np.zeros(0, int)
    )
    commit = messages.created[deleted] + rng.integers(MINUTE, 10 * DAY, deleted.size)
    edit_commit_of = dict(zip(edited.tolist(), edit_commit.tolist(), strict=True))
    commit = np.array(
        [
            max(at, edit_commit_of.get(i, 0) + MINUTE)
            for i, at in zip(deleted.tolist(), commit.tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    ok = commit <= ctx.end - 10 * MINUTE
    return deleted[ok], commit[ok]


# ------------------------------------------------------------------- landing
def _land_table(
    ctx: RunContext,
    rng: np.random.Generator,
    stream: ChangeStream,
    key_name: str,
    batches: LoadBatches,
    commit: np.ndarray,
    lsn: np.ndarray,
    arrival: np.ndarray,
) -> CdcTable:
    """Batches, out-of-order and repeated rows, spoiled rows; landing order."""
    key = np.asarray(stream.key, dtype=np.int64)
    batch = _in_key_order(batches, key, lsn, batches.index(arrival))
    written = batches.load(batch) <= ctx.end
    _delay_some_changes(ctx, rng, batches, key, lsn, batch, written)
    rows = np.flatnonzero(written)
    repeated, repeated_batch = _repeats(ctx, rng, batches, rows, batch)
    malformed_count = fault_count(ctx.faults.cdc_malformed, rows.size)
    missing_count = fault_count(ctx.faults.cdc_missing_key, rows.size)
    malformed = (
        rng.choice(rows, size=malformed_count, replace=True)
        if malformed_count
        else rows[:0]
    )
    missing = (
        rng.choice(rows, size=missing_count, replace=True)
        if missing_count
        else rows[:0]
    )
    source = np.concatenate([rows, repeated, malformed, missing])
    out_batch = np.concatenate(
        [batch[rows], repeated_batch, batch[malformed], batch[missing]]
    )
    label = np.concatenate(
        [
            np.full(rows.size + repeated.size, VALID, np.int8),
            np.full(malformed.size, CdcQuarantine.MALFORMED_JSON, np.int8),
            np.full(missing.size, CdcQuarantine.MISSING_KEY, np.int8),
        ]
    )
    ops = [stream.op[i] for i in source.tolist()]
    befores = [stream.before[i] for i in source.tolist()]
    afters = [stream.after[i] for i in source.tolist()]
    first_malformed = rows.size + repeated.size
    _spoil_images(ops, befores, afters, first_malformed, malformed.size)
    _drop_keys(
        ops, befores, afters, first_malformed + malformed.size, missing.size, key_name
    )
    out_loaded = batches.load(out_batch)
    order = np.lexsort((np.arange(source.size), lsn[source], out_loaded))
    take = order.tolist()
    return CdcTable(
        op=[ops[i] for i in take],
        before=[befores[i] for i in take],
        after=[afters[i] for i in take],
        source_lsn=lsn[source][order],
        source_ts_ms=(commit[source] // 1000)[order],
        loaded_at=out_loaded[order],
        row_key=key[source][order],
        row_change=source[order],
        row_label=label[order],
        change_commit=commit,
        change_lsn=lsn,
    )


def _in_key_order(
    batches: LoadBatches, key: np.ndarray, lsn: np.ndarray, batch: np.ndarray
) -> np.ndarray:
    """Debezium keeps per-key order: a change never lands before an earlier one."""
    order = np.lexsort((lsn, key))
    sorted_key, sorted_batch = key[order], batch[order]
    same_key_as_previous = np.zeros(order.size, dtype=bool)
    same_key_as_previous[1:] = sorted_key[1:] == sorted_key[:-1]
    while True:
        previous_batch = np.empty_like(sorted_batch)
        previous_batch[0] = sorted_batch[0]
        previous_batch[1:] = sorted_batch[:-1]
        fix = same_key_as_previous & (sorted_batch < previous_batch)
        if not fix.any():
            break
        sorted_batch = np.where(fix, previous_batch, sorted_batch)
    batch[order] = sorted_batch
    return batch


def _delay_some_changes(
    ctx: RunContext,
    rng: np.random.Generator,
    batches: LoadBatches,
    key: np.ndarray,
    lsn: np.ndarray,
    batch: np.ndarray,
    written: np.ndarray,
) -> None:
    """Out of order (in place): an earlier change delayed past a later change
    of its row, when both land by the window's end."""
    order = np.lexsort((lsn, key))
    sorted_key = key[order]
    next_change = np.full(order.size, -1, dtype=np.int64)
    has_next_sorted = np.zeros(order.size, dtype=bool)
    has_next_sorted[:-1] = sorted_key[:-1] == sorted_key[1:]
    next_change[order[:-1][has_next_sorted[:-1]]] = order[1:][has_next_sorted[:-1]]
    has_next = next_change >= 0
    next_batch = np.where(has_next, batch[np.maximum(next_change, 0)], 0)
    eligible = np.flatnonzero(
        written
        & has_next
        & written[np.maximum(next_change, 0)]
        & (batches.load(next_batch + 4) <= ctx.end)
    )
    count = min(
        fault_count(ctx.faults.cdc_out_of_order, int(written.sum())), eligible.size
    )
    delayed = rng.choice(eligible, size=count, replace=False) if count else eligible[:0]
    batch[delayed] = next_batch[delayed] + rng.integers(1, 4, delayed.size)


def _repeats(
    ctx: RunContext,
    rng: np.random.Generator,
    batches: LoadBatches,
    rows: np.ndarray,
    batch: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(change, batch) of repeated rows: a change loaded again later."""
    count = fault_count(ctx.faults.cdc_repeat, rows.size)
    candidates = rows[batches.load(batch[rows] + 1) <= ctx.end]
    repeated = (
        rng.choice(candidates, size=min(count, candidates.size), replace=True)
        if count
        else candidates[:0]
    )
    repeated_batch = batch[repeated] + rng.integers(1, 25, repeated.size)
    ok = batches.load(repeated_batch) <= ctx.end
    return repeated[ok], repeated_batch[ok]


def _spoil_images(
    ops: list[str], befores: list, afters: list, first: int, count: int
) -> None:
    """Malformed JSON in the image a reader needs (in place)."""
    variants = len(CDC_MALFORMED_VARIANTS)
    for nth in range(count):
        row = first + nth
        variant = CDC_MALFORMED_VARIANTS[nth % variants]
        op = ops[row]
        flip = (nth // variants) % 2 == 0
        in_after = op in ("c", "r") or (op == "u" and flip)
        if in_after:
            afters[row] = cdc_malformed(variant, afters[row])
        else:
            befores[row] = cdc_malformed(variant, befores[row])


def _drop_keys(
    ops: list[str], befores: list, afters: list, first: int, count: int, key: str
) -> None:
    """Images without the primary key (in place); half the deletes as ``{}``."""
    for nth in range(count):
        row = first + nth
        if ops[row] == "d" and nth % 2 == 0:
            befores[row] = "{}"
            continue
        if befores[row] is not None:
            befores[row] = drop_key(befores[row], key)
        if afters[row] is not None:
            afters[row] = drop_key(afters[row], key)
