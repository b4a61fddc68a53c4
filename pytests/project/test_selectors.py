"""selectors.yml: each workflow selects exactly the models the design puts in
it, and every model belongs to some workflow (so a new model is never left out
of the schedules). dbt runs in process: one parse, then cheap `ls` calls."""

from __future__ import annotations

import os
from functools import cache

import pytest
from harness import PROFILES_DIR, ROOT, ensure_profiles, work_dir

STAGING_APP = {
    "stg_app__event_deliveries",
    "stg_app__event_duplicates",
    "stg_app__events",
    "stg_app__events_quarantine",
}
STAGING_BILLING = {
    "stg_billing__subscription_pulls",
    "stg_billing__subscriptions",
    "stg_billing__subscriptions_quarantine",
}
STAGING_OLTP = {
    # Base models: each CDC table's JSON parsed once (restricted schema).
    "base_oltp__messages_cdc",
    "base_oltp__users_cdc",
    "stg_oltp__message_changes",
    "stg_oltp__message_contents",
    "stg_oltp__messages",
    "stg_oltp__messages_cdc_quarantine",
    "stg_oltp__user_changes",
    "stg_oltp__user_contacts",
    "stg_oltp__user_contacts_masked",
    "stg_oltp__user_history",
    "stg_oltp__users",
    "stg_oltp__users_cdc_quarantine",
}
MONITORING = {
    "mon_alerts",
    "mon_data_quality_daily",
    "mon_pipeline_health",
    "mon_source_volumes_daily",
}
REALTIME_VIEWS = {"rt_active_users", "rt_message_rate", "rt_system_health"}
# The incremental staging models the real-time views read.
REALTIME_STAGING = {
    "base_oltp__messages_cdc",
    "stg_app__event_deliveries",
    "stg_app__events",
    "stg_oltp__message_changes",
    "stg_oltp__messages",
}

EXPECTED: dict[str, set[str]] = {
    "data_validation": STAGING_APP
    | STAGING_BILLING
    | STAGING_OLTP
    | {"stg_secrets__email_hash_salt"}
    | MONITORING
    | {"country_regions", "snap_billing__subscriptions"},
    "user_metrics": {
        "int_activity_windows_derived",
        "int_dates_spined",
        "int_sessions_aggregated",
        "int_user_days_aggregated",
        "int_user_platform_days_aggregated",
        "int_assistant_responses_filtered",
        "int_user_plan_periods_resolved",
        "int_users_converted",
        "int_users_enriched",
        "dim_users",
        "dim_dates",
    },
    "daily_aggregate": {
        "fct_active_users_by_segment_daily",
        "fct_daily_active_users",
        "fct_feature_usage_daily",
        "fct_monthly_churn",
        "fct_retention_cohorts",
        "fct_sessions_daily",
        "fct_usage_trends_daily",
        "fct_assistant_performance_daily",
    },
    "business_metrics": {
        "fct_conversion",
        "fct_regional_adoption_daily",
        "fct_user_growth_daily",
    },
    "weekly_reports": {"rpt_weekly_kpis"},
    "realtime": REALTIME_VIEWS | REALTIME_STAGING,
    "realtime_staging": REALTIME_STAGING,
}

BUILDABLE = ["model", "seed", "snapshot"]


@cache
def _runner():
    """A dbtRunner holding one parsed manifest, reused by every `ls`."""
    from dbt.cli.main import dbtRunner

    ensure_profiles()
    os.environ["DBT_PROFILES_DIR"] = str(PROFILES_DIR)
    os.environ.setdefault("SYNAPSE_DUCKDB_PATH", str(work_dir("selectors.duckdb")))
    parsed = dbtRunner().invoke(["parse", *_common_args()])
    assert parsed.success, parsed.exception
    return dbtRunner(manifest=parsed.result)


def _common_args() -> list[str]:
    work = work_dir("selectors")
    return [
        "--project-dir",
        str(ROOT),
        "--target",
        "local",
        "--target-path",
        str(work),
        "--log-path",
        str(work / "logs"),
        "--quiet",
    ]


def dbt_ls(*selection: str, resource_types: list[str] = BUILDABLE) -> set[str]:
    types = [arg for kind in resource_types for arg in ("--resource-type", kind)]
    result = _runner().invoke(
        ["ls", *selection, *types, "--output", "name", *_common_args()]
    )
    assert result.success, result.exception
    return set(result.result)


@pytest.mark.parametrize("selector", sorted(EXPECTED))
def test_selector_selects_exactly_its_models(selector: str) -> None:
    selected = dbt_ls("--selector", selector)
    missing = EXPECTED[selector] - selected
    extra = selected - EXPECTED[selector]
    assert not missing and not extra, (
        f"selector {selector}: missing {sorted(missing)}, unexpected {sorted(extra)}"
    )


def test_data_validation_runs_the_source_checks() -> None:
    tests = dbt_ls("--selector", "data_validation", resource_types=["test"])
    source_checks = {name for name in tests if name.startswith("source_")}
    assert len(source_checks) == 4, sorted(source_checks)


def test_every_buildable_node_is_in_a_workflow() -> None:
    """A model outside every selector would never be scheduled."""
    every = dbt_ls()
    covered = set().union(*(dbt_ls("--selector", name) for name in EXPECTED))
    assert every - covered == set(), (
        f"not in any selector of selectors.yml: {sorted(every - covered)}; "
        "put the model in a folder a selector builds, or extend selectors.yml"
    )
