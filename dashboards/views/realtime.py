"""The realtime page (see synapse_dashboards.pages.realtime)."""

from synapse_dashboards.pages import realtime

realtime.render()
