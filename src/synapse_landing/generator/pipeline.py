"""``generate``: the stages in order, each handing frozen results to the next.

users → sessions → deletes (population) → events (activity) → messages →
billing → users changes → CDC → app_events landing → truth. Each stage draws
from its own random stream, so the order above only matters for what a stage
reads; the draws inside a stage are in a fixed order.
"""

from __future__ import annotations

from collections.abc import Callable

from synapse_landing import contract
from synapse_landing.rawzone import paused_gc

from .activity import simulate_activity
from .app_events import land_events
from .billing import simulate_billing
from .cdc import land_cdc
from .configuration import GeneratorConfig, RunContext
from .dataset import Dataset
from .messages import simulate_messages
from .population import simulate_population
from .truth import StageResults, ground_truth
from .user_changes import simulate_user_changes


def generate(
    config: GeneratorConfig, progress: Callable[[str], None] | None = None
) -> Dataset:
    """Simulate the product and land it in the four raw tables, with truth."""
    with paused_gc():
        return run_stages(RunContext.resolve(config, progress or (lambda _msg: None)))


def run_stages(ctx: RunContext) -> Dataset:
    """The stages in order; each result is frozen and read by later stages."""
    population = simulate_population(ctx)
    activity = simulate_activity(ctx, population)
    messages = simulate_messages(ctx, population, activity)
    billing = simulate_billing(ctx, population)
    user_changes = simulate_user_changes(ctx, population, messages, billing)
    cdc = land_cdc(ctx, population, messages, user_changes)
    events = land_events(ctx, population, activity)
    tables = {
        "app_events": events.table,
        "users_cdc": cdc.users.public_columns(),
        "messages_cdc": cdc.messages.public_columns(),
        "billing_subscriptions": billing.table,
    }
    for name, columns in tables.items():
        contract.require_columns(name, list(columns))
    results = StageResults(
        population=population,
        activity=activity,
        messages=messages,
        billing=billing,
        user_changes=user_changes,
        cdc=cdc,
        events=events,
    )
    truth = ground_truth(ctx, tables, results)
    ctx.say("truth: done")
    return Dataset(
        tables=tables,
        truth=truth.summary,
        truth_events=truth.events,
        truth_users=truth.users,
        truth_messages=truth.messages,
        truth_subscriptions=billing.truth_subscriptions,
        truth_user_changes=truth.user_changes,
        start=ctx.start_dt,
        end=ctx.end_dt,
    )
