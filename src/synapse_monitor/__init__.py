"""synapse-monitor: reads the monitoring models and tells someone."""
