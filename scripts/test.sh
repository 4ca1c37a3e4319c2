#!/usr/bin/env bash
# Runs every FerroDB test: formatting, lints, unit and golden tests, then the end-to-end suite
# (the real server binary driven by PyMySQL, SQLAlchemy and the mariadb CLI).
# Installs what the tests need first (scripts/setup-test-env.sh), so a fresh machine works.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ferrodb/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

VENV="$(scripts/setup-test-env.sh)"

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== cargo test"
cargo test --workspace --quiet

echo "== end-to-end (pytest)"
cargo build --quiet -p ferrodb
export FERRODB_BIN="$CARGO_TARGET_DIR/debug/ferrodb"
"$VENV/bin/python" -m pytest tests/e2e -q -p no:cacheprovider "$@"
