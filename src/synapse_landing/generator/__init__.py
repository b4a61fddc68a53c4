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

Modules, in the order the stages run: ``configuration`` (config, random
streams), ``population`` (users, sessions, deletes), ``activity`` (app
events), ``messages``, ``billing``, ``user_changes`` and ``cdc`` (Debezium
tables), ``app_events`` with ``payloads`` and ``faults`` (the landed
app_events rows), ``truth``; ``pipeline.generate`` chains them. The JSON-lines
writer is :func:`synapse_landing.rawzone.write_jsonl`, next to the loader's
reader. ``streaming.write_raw_zone`` generates a dataset too large for memory
shard by shard (``configuration.Shard``), one shard in memory at a time; the
CLI's ``generate`` uses it. Stages hand frozen dataclasses to the stages
after them; nothing is shared or changed in place across stages.

Changing the generator: every stage draws from its own random stream
(``configuration.Stream``) in a fixed order, and ``test_generator.py`` pins
the output byte for byte. A new draw in the middle of a stage shifts every
later draw of that stage; put new randomness in a new stream instead, and
compare the raw zone of a fixed seed and ``--end`` before and after a
refactor (``diff -r``).
"""

from synapse_landing.rawzone import write_jsonl

from .configuration import FaultRates, GeneratorConfig, config_for_events
from .dataset import Dataset
from .pipeline import generate
from .streaming import DEFAULT_SHARD_EVENTS, write_raw_zone

__all__ = [
    "DEFAULT_SHARD_EVENTS",
    "Dataset",
    "FaultRates",
    "GeneratorConfig",
    "config_for_events",
    "generate",
    "write_jsonl",
    "write_raw_zone",
]
