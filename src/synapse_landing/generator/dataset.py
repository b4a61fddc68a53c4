"""The generator's result: the four raw tables and the ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np


@dataclass
class Dataset:
    """Raw tables as landed plus the truth they were made from.

    Not frozen on purpose: callers (tests, the CLI) attach run metadata to it.
    """

    tables: dict[str, dict[str, list | np.ndarray]]
    truth: dict
    truth_events: dict[str, np.ndarray]
    truth_users: dict[str, np.ndarray]
    truth_messages: dict[str, np.ndarray]
    truth_subscriptions: dict[str, np.ndarray]
    # every distinct written users change, in lsn order: the plan history
    truth_user_changes: dict[str, np.ndarray] = field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None
