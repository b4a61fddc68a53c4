"""The landing contract as data: the four raw tables, their columns and types.

Everything that creates or checks raw tables (generator sinks, loader, tests)
reads this module, so the contract is written down once in Python. The
prose version, with the validity rules, is
``docs/catalog/_landing_contract__docs.md`` (rendered in the catalog).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # portable SQL type as the contract states it

    @property
    def is_timestamp(self) -> bool:
        return self.sql_type == "timestamp"


RAW_TABLES: dict[str, tuple[Column, ...]] = {
    "app_events": (
        Column("event_id", "varchar(64)"),
        Column("payload", "varchar(65535)"),
        Column("received_at", "timestamp"),
        Column("loaded_at", "timestamp"),
    ),
    "users_cdc": (
        Column("op", "varchar(1)"),
        Column("before", "varchar(65535)"),
        Column("after", "varchar(65535)"),
        Column("source_lsn", "bigint"),
        Column("source_ts_ms", "bigint"),
        Column("loaded_at", "timestamp"),
    ),
    "messages_cdc": (
        Column("op", "varchar(1)"),
        Column("before", "varchar(65535)"),
        Column("after", "varchar(65535)"),
        Column("source_lsn", "bigint"),
        Column("source_ts_ms", "bigint"),
        Column("loaded_at", "timestamp"),
    ),
    "billing_subscriptions": (
        Column("subscription_id", "varchar(64)"),
        Column("user_id", "varchar(64)"),
        Column("plan", "varchar(16)"),
        Column("status", "varchar(16)"),
        Column("amount_cents", "integer"),
        Column("currency", "varchar(3)"),
        Column("started_at", "timestamp"),
        Column("canceled_at", "timestamp"),
        Column("updated_at", "timestamp"),
        Column("fetched_at", "timestamp"),
    ),
}

# The contract's value lists. dbt reads the same lists from the vars of
# dbt_project.yml (event_types, activity_event_types, cdc_ops,
# quarantine_reasons); pytests/project/test_constants_agree.py checks that both, and
# the prose of docs/catalog/_landing_contract__docs.md, say the same. The
# generator draws values by index, so the order of each tuple is part of its
# output.
EVENT_TYPES = (
    "session_start",
    "session_end",
    "message_sent",
    "feature_used",
    "page_view",
    "error",
)
ACTIVITY_EVENT_TYPES = ("session_start", "message_sent", "feature_used", "page_view")

EVENT_QUARANTINE_REASONS = (
    "malformed_json",
    "missing_event_id",
    "missing_user_id",
    "unknown_event_type",
    "invalid_timestamp",
    "future_timestamp",
)
CDC_QUARANTINE_REASONS = ("malformed_json", "missing_key")
BILLING_QUARANTINE_REASONS = ("missing_subscription_id", "missing_user_id")

# An event payload's platform (optional in the payload).
PLATFORMS = ("web", "ios", "android")
# Plans of a user image; the billing API only sends the paid ones.
PLANS = ("free", "plus", "pro")
PAID_PLANS = ("plus", "pro")
SUBSCRIPTION_STATUSES = ("active", "past_due", "canceled")
# Debezium change kinds: c insert, u update, d delete, r snapshot read.
CDC_OPS = ("c", "u", "d", "r")
# An event is future (quarantined) when occurred_at > received_at + this.
FUTURE_TOLERANCE_MINUTES = 5

# Text form used for timestamps in JSON-lines raw-zone files.
TIMESTAMP_TEXT_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def column_names(table: str) -> list[str]:
    return [column.name for column in RAW_TABLES[table]]


def create_table_sql(table: str, schema: str = "raw") -> str:
    columns = ",\n    ".join(
        f'"{column.name}" {column.sql_type}' for column in RAW_TABLES[table]
    )
    return f"create table if not exists {schema}.{table} (\n    {columns}\n)"


class ContractViolation(ValueError):
    """Data about to be landed breaks the landing contract (a bug upstream)."""


def require_columns(table: str, columns: list[str]) -> None:
    """Raise :class:`ContractViolation` unless ``columns`` are the contract's."""
    expected = column_names(table)
    if list(columns) != expected:
        raise ContractViolation(
            f"{table}: columns {list(columns)} differ from the landing contract's "
            f"{expected}"
        )
