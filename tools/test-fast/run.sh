#!/usr/bin/env bash
# `make test-fast`: the quick check before a push, in a few minutes.
#
#   1. lint (every pre-commit hook) on the files changed since the base
#   2. the unit and project test layers (pytests/unit, pytests/project)
#   3. a DuckDB `dbt build --select state:modified+` of the changed models,
#      seeds and snapshots and their children, on a tiny generated dataset
#
# The base is TEST_FAST_BASE, else `main`, else `origin/main`, else HEAD:
# "changed" means changed since the merge base with it, committed or not,
# plus untracked files. With nothing changed it lints and builds nothing and
# says so. The state manifest is the base commit's own (`git archive`, then
# `dbt parse`), so dbt's state:modified sees exactly the branch's changes.
# Parents of the changed models are built from the same tiny dataset (no
# tests) rather than deferred: a fresh clone has no warehouse to defer to.
# `make test` (the CI job) still runs everything.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin
export DBT_PROFILES_DIR="${DBT_PROFILES_DIR:-$PWD/.dbt}"  # as `make` sets it
WORK="$PWD/target/test-fast"
WORKERS="${PYTEST_WORKERS:-2}"
log() { printf '\n==> [test-fast %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
started=$SECONDS

base="${TEST_FAST_BASE:-}"
if [ -z "$base" ]; then
    for ref in main origin/main HEAD; do
        if git rev-parse -q --verify "$ref^{commit}" >/dev/null; then
            base=$ref
            break
        fi
    done
fi
base_commit="$(git merge-base "$base" HEAD)"
mapfile -t changed < <(
    { git diff --name-only "$base_commit"; git ls-files --others --exclude-standard; } \
        | sort -u | while IFS= read -r path; do [ -f "$path" ] && echo "$path"; done
)
log "base: $base (${base_commit:0:12}); ${#changed[@]} file(s) changed since"

# ---------- 1. lint ----------
if [ "${#changed[@]}" -gt 0 ]; then
    log "lint: pre-commit on the ${#changed[@]} changed file(s)"
    "$BIN/pre-commit" run --show-diff-on-failure --files "${changed[@]}"
else
    log "lint: no file changed since $base, nothing to lint"
fi

# ---------- 2. unit and project tests ----------
log "pytest: the unit and project layers ($WORKERS workers)"
parallel=(-p no:xdist)
[ "$WORKERS" = 0 ] || parallel=(-n "$WORKERS" --dist loadfile)
"$BIN/pytest" pytests/unit pytests/project -m "unit or project" -q "${parallel[@]}"

# ---------- 3. DuckDB build of what changed ----------
dbt_changed=()
for path in "${changed[@]}"; do
    case "$path" in
        models/* | macros/* | seeds/* | snapshots/* | tests/* | analyses/* \
            | dbt_project.yml | selectors.yml | packages.yml)
            dbt_changed+=("$path") ;;
    esac
done
if [ "${#dbt_changed[@]}" -eq 0 ]; then
    log "dbt: no dbt file changed since $base, nothing to build"
    log "done in $((SECONDS - started)) s"
    exit 0
fi

rm -rf "$WORK"
mkdir -p "$WORK/base"
export SYNAPSE_DUCKDB_PATH="$WORK/test-fast.duckdb"
# The same env on both sides, so only the files make a node "modified".
log "dbt: the state of $base (${base_commit:0:12}), parsed from its own files"
git archive "$base_commit" | tar -x -C "$WORK/base"
"$BIN/dbt" parse --quiet --project-dir "$WORK/base" --target local \
    --target-path "$WORK/state" --log-path "$WORK/logs"
state=(--state "$WORK/state" --target local --target-path "$WORK/run"
    --log-path "$WORK/logs")

selected="$("$BIN/dbt" ls --quiet --select state:modified+ "${state[@]}" \
    --resource-type model --resource-type seed --resource-type snapshot \
    | grep -c . || true)"
if [ "$selected" -eq 0 ]; then
    log "dbt: ${#dbt_changed[@]} dbt file(s) changed, but no model, seed or" \
        "snapshot is modified (state:modified+): nothing to build"
    log "done in $((SECONDS - started)) s"
    exit 0
fi
log "dbt: $selected modified node(s) and children (state:modified+)"

log "landing a tiny dataset (${TEST_FAST_USERS:-100} users, ${TEST_FAST_DAYS:-21} days)"
"$BIN/synapse-land" generate --users "${TEST_FAST_USERS:-100}" \
    --days "${TEST_FAST_DAYS:-21}" --seed 42 --out "$WORK/landing" \
    --load duckdb --replace

# @state:modified: the changed nodes, their children and every parent of
# those. Built once without tests so that each unit test below finds the
# relations it reads its column types from (its model's and its inputs').
log "dbt: the modified nodes, their children and all their parents, without tests"
"$BIN/dbt" build --select @state:modified \
    --exclude-resource-type test --exclude-resource-type unit_test "${state[@]}"

log "dbt build --select state:modified+ (with their tests)"
"$BIN/dbt" build --select state:modified+ "${state[@]}"
log "done in $((SECONDS - started)) s"
