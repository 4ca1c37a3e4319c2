#!/usr/bin/env bash
# sysbench OLTP workloads against a freshly started release build of FerroDB; prints one line per
# workload (qps, tps, p95 ms). Uses the team's shared runner (../shared/bench/sysbench.sh), which
# installs sysbench and the mariadb client when missing.
#   usage: bench/sysbench.sh [WORKLOAD...]     env: SB_SECS SB_SIZE SB_THREADS (see the runner)
# Prepared statements are not supported yet, so the text protocol is used (SB_PS=disable).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ferrodb/target}"
cargo build --release --quiet -p ferrodb
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$CARGO_TARGET_DIR/release/ferrodb" --port "$port" --data-dir "$data" --log-level warn &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
SB_PS=disable bash ../shared/bench/sysbench.sh 127.0.0.1 "$port" root "" "$@"
