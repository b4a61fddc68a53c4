"""Synapse landing tooling: synthetic raw data, the raw-zone loader and helpers."""

__version__ = "0.1.0"
