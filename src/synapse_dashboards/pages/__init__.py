"""The dashboard pages; each `render()` draws one page of dashboards/app.py."""
