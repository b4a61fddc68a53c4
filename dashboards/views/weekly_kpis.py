"""The Weekly KPIs page (see synapse_dashboards.pages.weekly)."""

from synapse_dashboards.pages import weekly

weekly.render()
