"""Development tooling for the Synapse dbt project (not part of the pipeline)."""
