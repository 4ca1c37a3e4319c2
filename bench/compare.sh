#!/usr/bin/env bash
# sysbench OLTP side by side: FerroDB (release build) and MariaDB (Debian package, installed if
# missing), each on its own temporary data dir and port, same workloads in one run, durable
# commits on both (InnoDB flushes its log at every commit; FerroDB fsyncs every commit group).
# Prints each server's qps and FerroDB/MariaDB ratios.
#   usage: bench/compare.sh [WORKLOAD...]   env: SB_SECS SB_SIZE SB_THREADS (see the runner)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ferrodb/target}"
runner=../shared/bench/sysbench.sh
workloads=${*:-oltp_point_select oltp_read_only oltp_read_write oltp_insert}

command -v mariadbd >/dev/null || { apt-get update -qq && apt-get install -y -qq mariadb-server >/dev/null; }
cargo build --release --quiet -p ferrodb

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 300); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }

fdata=$(mktemp -d) mdata=$(mktemp -d)
fport=$(free_port) mport=$(free_port)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$fdata" "$mdata"' EXIT

"$CARGO_TARGET_DIR/release/ferrodb" --port "$fport" --data-dir "$fdata" --log-level warn &
pids+=($!)
mariadb-install-db --no-defaults --datadir="$mdata/db" --user=root --auth-root-authentication-method=normal >/dev/null
mariadbd --no-defaults --datadir="$mdata/db" --port="$mport" --bind-address=127.0.0.1 \
  --socket="$mdata/sock" --user=root --skip-grant-tables --innodb-flush-log-at-trx-commit=1 \
  --innodb-buffer-pool-size=512M --max-connections=500 --log-error="$mdata/err.log" &
pids+=($!)
wait_port "$fport" && wait_port "$mport"

declare -A fqps mqps
while read -r w qps _; do fqps[$w]=$qps; done < <(SB_PS=disable bash "$runner" 127.0.0.1 "$fport" root "" $workloads | tail -n +2)
while read -r w qps _; do mqps[$w]=$qps; done < <(SB_PS=disable bash "$runner" 127.0.0.1 "$mport" root "" $workloads | tail -n +2)

printf '%-20s %12s %12s %8s\n' workload ferrodb_qps mariadb_qps ratio
for w in $workloads; do
  f=${fqps[$w]:-0} m=${mqps[$w]:-0}
  printf '%-20s %12s %12s %8s\n' "$w" "$f" "$m" "$(python3 -c "print(f'{$f/$m:.2f}' if $m else '?')")"
done
