"""A raw zone larger than memory: generated and written one shard at a time.

``generate`` holds a whole dataset in memory, about 1.4 GiB per million app
events. ``write_raw_zone`` splits a large config into shards of about
``shard_events`` events each, by known users (``configuration.Shard``):
every shard is a complete, smaller simulation with its own random streams,
written as its own part file of each partition and then dropped, so peak
memory follows the shard size, not the dataset. The shards' truth
summaries add up to the run's ``_truth.json``.

A config expected to land no more than ``shard_events`` events is one shard:
its files are byte for byte what ``write_jsonl(generate(config))`` writes.
A sharded run is as deterministic as an unsharded one, but it is a
different dataset: users of different shards never share a session, a
conversation or a subscription.
"""

from __future__ import annotations

import dataclasses
import gc
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from synapse_landing.rawzone import paused_gc, write_tables, write_truth

from .configuration import (
    GeneratorConfig,
    RunContext,
    Shard,
    expected_event_rows,
)
from .pipeline import generate, run_stages

DEFAULT_SHARD_EVENTS = 1_000_000


@dataclass(frozen=True)
class RawZone:
    """What ``write_raw_zone`` wrote: the files and the run's truth summary."""

    files: list[Path]
    truth: dict
    shards: int


def plan_shards(config: GeneratorConfig, shard_events: int) -> list[tuple[Shard, int]]:
    """Equal slices of the known users, each expected to land at most about
    ``shard_events`` app events: each shard with its number of users."""
    if shard_events < 1:
        raise ValueError("shard_events must be >= 1")
    count = max(1, math.ceil(expected_event_rows(config) / shard_events))
    count = min(count, config.users)
    bounds = [config.users * i // count for i in range(count + 1)]
    return [
        (
            Shard(index=i, count=count, first_user=bounds[i], total_users=config.users),
            bounds[i + 1] - bounds[i],
        )
        for i in range(count)
    ]


def write_raw_zone(
    config: GeneratorConfig,
    out_dir: Path,
    progress: Callable[[str], None] | None = None,
    shard_events: int = DEFAULT_SHARD_EVENTS,
) -> RawZone:
    """Generate ``config`` shard by shard into the raw zone at ``out_dir``."""
    say = progress or (lambda _msg: None)
    shards = plan_shards(config, shard_events)
    if len(shards) == 1:
        dataset = generate(config, progress=say)
        files = write_tables(dataset.tables, out_dir)
        return RawZone([*files, write_truth(dataset.truth, out_dir)], dataset.truth, 1)
    files: list[Path] = []
    truth: dict | None = None
    for shard, users in shards:
        say(f"shard {shard.index + 1}/{shard.count}: {users:,} users")
        shard_config = dataclasses.replace(config, users=users)
        with paused_gc():
            dataset = run_stages(RunContext.resolve(shard_config, say, shard))
        files += write_tables(
            dataset.tables, out_dir, part=shard.index, replace=shard.index == 0
        )
        truth = dataset.truth if truth is None else merge_truth(truth, dataset.truth)
        del dataset
        gc.collect()
    assert truth is not None  # at least one shard
    truth["config"] = {**config.to_json(), "shards": len(shards)}
    return RawZone([*files, write_truth(truth, out_dir)], truth, len(shards))


def merge_truth(a: dict, b: dict) -> dict:
    """The truth summary of two shards' rows together: counts add up, the
    activity window and the latest landing times widen; the rest is equal."""
    out: dict = {}
    for key, value in a.items():
        other = b[key]
        if key == "window":
            out[key] = {
                "first_date": _extreme(min, value["first_date"], other["first_date"]),
                "last_date": _extreme(max, value["last_date"], other["last_date"]),
            }
        elif key == "latest_loaded_at":
            out[key] = {t: _extreme(max, v, other[t]) for t, v in value.items()}
        elif isinstance(value, dict) and key != "config":
            out[key] = merge_truth(value, other)
        elif isinstance(value, int) and not isinstance(value, bool):
            out[key] = value + other
        else:
            out[key] = value
    return out


def _extreme(pick: Callable, x: str | None, y: str | None) -> str | None:
    """min/max of two ISO texts (which sort as text), ignoring a None."""
    present = [v for v in (x, y) if v is not None]
    return pick(present) if present else None
