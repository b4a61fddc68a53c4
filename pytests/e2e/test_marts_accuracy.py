"""Every mart, cell by cell, against the metrics computed in Python from the
generator's own truth (pytests/support/metrics_oracle.py), on DuckDB and Postgres,
plus DuckDB == Postgres for the same data.

The dataset carries every fault of the landing contract (duplicates,
quarantined rows, late and out-of-order deliveries, erased users, users
unknown to the users table) and spans more than three full months, with a
fixed end so the numbers never depend on the wall clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import metrics_oracle
import pytest
from pipeline import pipeline, small_config

from synapse_landing import generator

pytestmark = pytest.mark.slow

END = dt.datetime(2026, 6, 30, 12, 0)
SALT = "accuracy-test-salt"  # pragma: allowlist secret
MARTS = list(metrics_oracle.MARTS)
_SNAPSHOTS: dict[str, dict[str, list[dict[str, Any]]]] = {}


@pytest.fixture(scope="module")
def dataset() -> generator.Dataset:
    return generator.generate(small_config(seed=11, users=240, days=112, end=END))


@pytest.fixture(scope="module")
def truth(dataset) -> metrics_oracle.Truth:
    return metrics_oracle.Truth.from_dataset(dataset, salt=SALT)


@pytest.fixture(scope="module")
def build_marts(dataset, tmp_path_factory):
    """Builds the project on one engine (once) and returns every mart's rows."""

    def build(engine: str) -> dict[str, list[dict[str, Any]]]:
        if engine not in _SNAPSHOTS:
            workdir = tmp_path_factory.mktemp(f"marts-{engine}")
            root = workdir / "landing"
            generator.write_jsonl(dataset, root)
            with pipeline(engine, "marts", workdir) as built:
                built.env["SYNAPSE_EMAIL_HASH_SALT"] = SALT
                built.land(root)
                built.dbt("build")
                build_times = built.build_time_columns()
                _SNAPSHOTS[engine] = {
                    name: [
                        {
                            column: value
                            for column, value in row.items()
                            if column not in build_times.get(name, set())
                        }
                        for row in built.rows(f"mart.{name}")
                    ]
                    for name in MARTS
                }
        return _SNAPSHOTS[engine]

    return build


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def marts(request, build_marts) -> dict[str, list[dict[str, Any]]]:
    if request.param == "postgres":
        request.getfixturevalue("postgres_server")
    return build_marts(request.param)


def test_dataset_spans_three_full_months_with_faults(dataset, truth) -> None:
    window = dataset.truth["window"]
    assert (str(truth.first_date), str(truth.last_date)) == (
        window["first_date"],
        window["last_date"],
    )
    assert (truth.last_date - truth.first_date).days >= 100
    events = dataset.truth["events"]
    assert events["duplicates"] and all(events["quarantined"].values())
    assert events["anonymous_kept"] > 0, "some user_ids must be unknown to users"
    assert dataset.truth["users_cdc"]["deleted_users"] > 0


@pytest.mark.parametrize("mart", MARTS)
def test_mart_equals_the_python_oracle(marts, truth, mart: str) -> None:
    compute, key = metrics_oracle.MARTS[mart]
    expected = compute(truth)
    found = marts[mart]
    assert expected, f"the oracle found no rows for {mart}: widen the dataset"
    assert found, f"{mart} is empty"
    assert metrics_oracle.differences(expected, found, key) == []


def test_churn_covers_at_least_two_months(marts) -> None:
    assert len(marts["fct_monthly_churn"]) >= 2


def test_nulls_sit_where_metrics_md_puts_them(marts, truth) -> None:
    """Cohorts before the window and not yet observable are null, not 0."""
    cohorts = {row["cohort_date"]: row for row in marts["fct_retention_cohorts"]}
    early = [day for day in cohorts if day + dt.timedelta(days=1) < truth.first_date]
    late = [day for day in cohorts if day + dt.timedelta(days=30) > truth.last_date]
    assert early and late, "the dataset should hold cohorts on both sides"
    assert all(cohorts[day]["retained_d1"] is None for day in early)
    assert all(cohorts[day]["retention_d30"] is None for day in late)
    conversion = {row["cohort_date"]: row for row in marts["fct_conversion"]}
    assert all(conversion[day]["converted_d30"] is None for day in late)
    last_week = max(marts["rpt_weekly_kpis"], key=lambda row: row["week_start"])
    assert last_week["conversion_rate_d30"] is None


def test_real_time_views_use_the_data_not_the_clock(marts, truth) -> None:
    (health,) = marts["rt_system_health"]
    (active,) = marts["rt_active_users"]
    assert health["as_of"] == active["as_of"] == metrics_oracle.as_of(truth)
    minutes = sorted(row["minute_start"] for row in marts["rt_message_rate"])
    assert len(minutes) == 60
    assert minutes[-1] == metrics_oracle.as_of(truth).replace(second=0, microsecond=0)


def test_duckdb_and_postgres_marts_are_equal(request, build_marts) -> None:
    request.getfixturevalue("postgres_server")
    duckdb_marts = build_marts("duckdb")
    postgres_marts = build_marts("postgres")
    for mart in MARTS:
        _, key = metrics_oracle.MARTS[mart]
        assert (
            metrics_oracle.differences(duckdb_marts[mart], postgres_marts[mart], key)
            == []
        ), mart
