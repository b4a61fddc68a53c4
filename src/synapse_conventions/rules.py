"""Conventions every model follows, checked on dbt's manifest by dbt-score.

Each rule returns a RuleViolation whose message says what to change; the
layer of a model is the first folder under models/ (staging, intermediate,
marts, monitoring)."""

from dbt_score import Model, RuleViolation, Severity, rule

CLASSIFICATIONS = {"public", "internal", "confidential"}
# Mart name prefixes by folder under models/marts/ (default: facts, dims).
MART_PREFIXES = {
    "realtime": ("rt_",),
    "reporting": ("rpt_",),
    "monitoring": ("mon_",),
}
DEFAULT_MART_PREFIXES = ("fct_", "dim_")
# Tests that make a column set the model's primary key, beside unique+not_null.
COMPOUND_KEY_TESTS = {
    "expect_compound_columns_to_be_unique",
    "unique_combination_of_columns",
}


def path_parts(model: Model) -> list[str]:
    """Folders of the model below models/, e.g. ['marts', 'growth']."""
    return model.original_file_path.split("/")[1:-1]


def layer(model: Model) -> str:
    parts = path_parts(model)
    return parts[0] if parts else ""


def is_ours(model: Model) -> bool:
    return model.package_name == "synapse"


@rule(severity=Severity.HIGH)
def named_for_its_layer(model: Model) -> RuleViolation | None:
    """Names follow the layer: stg_<source>__* (base_<source>__* for the one
    model that parses a raw table, as in dbt's structure guide), int_*,
    fct_/dim_/rpt_/rt_, mon_."""
    if not is_ours(model):
        return None
    parts, name = path_parts(model), model.name
    if layer(model) == "staging":
        source = parts[1] if len(parts) > 1 else ""
        if not name.startswith((f"stg_{source}__", f"base_{source}__")):
            return RuleViolation(
                f"rename to stg_{source}__<entity>s: staging models in "
                f"models/staging/{source}/ are named for their source"
            )
    elif layer(model) == "intermediate":
        if not name.startswith("int_"):
            return RuleViolation("rename to int_<entity>s_<verb>s (intermediate)")
    elif layer(model) == "marts":
        folder = parts[1] if len(parts) > 1 else ""
        prefixes = MART_PREFIXES.get(folder, DEFAULT_MART_PREFIXES)
        if not name.startswith(prefixes):
            return RuleViolation(
                f"rename with a prefix of {'/'.join(prefixes)} "
                f"(marts in models/marts/{folder}/)"
            )
    elif layer(model) == "monitoring":
        if not name.startswith("mon_"):
            return RuleViolation("rename to mon_<subject> (monitoring)")
    else:
        return RuleViolation(
            "move the model under models/staging, models/intermediate, "
            "models/marts or models/monitoring"
        )
    return None


@rule(severity=Severity.HIGH)
def staging_reads_only_its_source(model: Model) -> RuleViolation | None:
    """Staging reads only its own source, or staging (stg_/base_) models of
    that source."""
    if not is_ours(model) or layer(model) != "staging":
        return None
    parts = path_parts(model)
    source = parts[1] if len(parts) > 1 else ""
    wrong = []
    for parent in model.parents:
        source_name = getattr(parent, "source_name", None)
        if source_name is not None:
            if source_name != source:
                wrong.append(f"source {source_name}.{parent.name}")
        elif not parent.name.startswith((f"stg_{source}__", f"base_{source}__")):
            wrong.append(parent.name)
    if wrong:
        return RuleViolation(
            f"staging may read only source '{source}' or stg_{source}__ models; "
            f"move the logic reading {', '.join(sorted(wrong))} to intermediate/"
        )
    return None


@rule(severity=Severity.HIGH)
def marts_never_read_sources(model: Model) -> RuleViolation | None:
    """Marts read staging or intermediate models, never a source."""
    if not is_ours(model) or layer(model) != "marts":
        return None
    sources = [
        f"{parent.source_name}.{parent.name}"
        for parent in model.parents
        if getattr(parent, "source_name", None) is not None
    ]
    if sources:
        return RuleViolation(
            f"read {', '.join(sorted(sources))} through its staging model "
            "(ref('stg_...')), not source()"
        )
    return None


@rule(severity=Severity.HIGH)
def documented(model: Model) -> RuleViolation | None:
    """The model and each of its columns have a description."""
    if not is_ours(model):
        return None
    missing = [column.name for column in model.columns if not column.description]
    if not model.description:
        return RuleViolation(
            "add a description to the model in its folder's _<dir>__models.yml"
        )
    if not model.columns:
        return RuleViolation("list and describe the model's columns in its YAML")
    if missing:
        return RuleViolation(f"describe the columns {', '.join(missing)}")
    return None


@rule(severity=Severity.HIGH)
def owned_by_a_group(model: Model) -> RuleViolation | None:
    """Every model belongs to a group (models/_groups.yml names its owner)."""
    if is_ours(model) and not model.group:
        return RuleViolation(
            "set `group:` (ingestion, product_analytics, operations; see "
            "models/_groups.yml) in dbt_project.yml for the folder or the model"
        )
    return None


def primary_key_columns(model: Model) -> bool:
    """True when some column is tested unique and not_null, or a compound key
    test or a primary-key constraint covers the model."""
    if any(c.type == "primary_key" for c in model.constraints):
        return True
    if any(test.type in COMPOUND_KEY_TESTS for test in model.tests):
        return True
    for column in model.columns:
        types = {test.type for test in column.tests}
        if {"unique", "not_null"} <= types:
            return True
        constraints = {c.type for c in column.constraints}
        if "primary_key" in constraints:
            return True
    return False


@rule(severity=Severity.HIGH)
def has_primary_key_test(model: Model) -> RuleViolation | None:
    """The grain is tested: unique + not_null on the key (or a compound key
    test), so a fan-out join fails the build instead of doubling a metric."""
    if not is_ours(model) or primary_key_columns(model):
        return None
    return RuleViolation(
        "test the primary key: `unique` and `not_null` on its column, or "
        "`expect_compound_columns_to_be_unique` for a compound key"
    )


@rule(severity=Severity.HIGH)
def columns_classified(model: Model) -> RuleViolation | None:
    """Every column has meta.classification public, internal or confidential."""
    if not is_ours(model):
        return None
    bad = [
        column.name
        for column in model.columns
        if (column.meta or {}).get("classification") not in CLASSIFICATIONS
    ]
    if bad:
        return RuleViolation(
            "set meta.classification (public/internal/confidential) on "
            + ", ".join(bad)
        )
    return None


@rule(severity=Severity.HIGH)
def public_models_have_enforced_contracts(model: Model) -> RuleViolation | None:
    """Public models are an interface: their contract is enforced."""
    if not is_ours(model) or model.access != "public":
        return None
    contract = model.config.get("contract") or {}
    if not contract.get("enforced"):
        return RuleViolation(
            "enforce the contract (`contract: {enforced: true}` with a data_type "
            "per column), or make the model protected"
        )
    return None
