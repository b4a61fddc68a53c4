"""Synthetic raw-zone data for the landing contract (see ``_legacy``)."""

from synapse_landing.rawzone import write_jsonl

from ._legacy import Dataset, FaultRates, GeneratorConfig, config_for_events, generate

__all__ = [
    "Dataset",
    "FaultRates",
    "GeneratorConfig",
    "config_for_events",
    "generate",
    "write_jsonl",
]
