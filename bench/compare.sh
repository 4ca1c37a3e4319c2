#!/usr/bin/env bash
# sysbench OLTP side by side: FerroDB (release build) and MariaDB (Debian package, installed if
# missing), each on its own temporary data dir and port, same workloads in one run, durable
# commits on both (InnoDB flushes its log at every commit; FerroDB fsyncs every commit group).
# Prints each server's qps and FerroDB/MariaDB ratios.
#   usage: bench/compare.sh [WORKLOAD...]   env: SB_SECS SB_SIZE SB_THREADS (see the runner)
set -euo pipefail
cd "$(dirname "$0")/.."
runner=../shared/bench/sysbench.sh
workloads=${*:-oltp_point_select oltp_read_only oltp_read_write oltp_insert}

source bench/lib.sh
start_servers
fport=$FPORT mport=$MPORT

declare -A fqps mqps
while read -r w qps _; do fqps[$w]=$qps; done < <(SB_PS=disable bash "$runner" 127.0.0.1 "$fport" root "" $workloads | tail -n +2)
while read -r w qps _; do mqps[$w]=$qps; done < <(SB_PS=disable bash "$runner" 127.0.0.1 "$mport" root "" $workloads | tail -n +2)

printf '%-20s %12s %12s %8s\n' workload ferrodb_qps mariadb_qps ratio
for w in $workloads; do
  f=${fqps[$w]:-0} m=${mqps[$w]:-0}
  printf '%-20s %12s %12s %8s\n' "$w" "$f" "$m" "$(python3 -c "print(f'{$f/$m:.2f}' if $m else '?')")"
done
