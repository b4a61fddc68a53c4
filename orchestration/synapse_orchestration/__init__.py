"""Dagster code location for Synapse analytics: the dbt project as assets,
the design's workflows as jobs and schedules, and alerting sensors."""
