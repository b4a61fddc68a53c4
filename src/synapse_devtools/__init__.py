"""Developer tooling around the dbt project: catalog checks and the docs site.

Kept apart from ``synapse_landing`` (ingestion) because nothing here runs in
production: these tools read dbt's artifacts in ``target/``.
"""
