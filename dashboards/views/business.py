"""The business page (see synapse_dashboards.pages.business)."""

from synapse_dashboards.pages import business

business.render()
