"""Synapse dashboards: read-only access to the public marts, charts, formats and
the weekly KPI report. The Streamlit pages live in `dashboards/`."""
