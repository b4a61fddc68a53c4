"""Developer tooling around the dbt project, none of it part of the pipeline:
the Redshift capture and conformance check, catalog coverage and the docs site.

Kept apart from ``synapse_landing`` (ingestion) because nothing here runs in
production.
"""
