#!/usr/bin/env bash
# sysbench OLTP side by side, binary (prepared) and text protocol: FerroDB (release build) and
# MariaDB (Debian package, installed if missing), each on its own temporary data dir and port,
# durable commits on both. For each protocol and workload the two servers run one after the
# other (alternating, so drift hits both); prints QPS, ratio, p95 latency and each server's
# peak RSS.
#   usage: bench/sysbench-compare.sh [WORKLOAD...]
#   env:   SB_SECS (20) SB_SIZE (10000) SB_THREADS (4) SB_MODES ("auto disable")
#   e.g.   SB_THREADS=64 bench/sysbench-compare.sh      SB_SIZE=100000 bench/sysbench-compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runner=../shared/bench/sysbench.sh
workloads=${*:-oltp_point_select oltp_read_only oltp_read_write oltp_write_only oltp_insert oltp_update_index oltp_update_non_index oltp_delete}
modes=${SB_MODES:-auto disable}

source bench/lib.sh
start_servers
MPID=${SERVER_PIDS[1]}

run() { # port mode workload -> "qps p95"
  SB_PS=$2 bash "$runner" 127.0.0.1 "$1" root "" "$3" | awk -v w="$3" '$1 == w { print $2, $4 }'
}
hwm() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

echo "sysbench: ${SB_SIZE:-10000} rows, ${SB_THREADS:-4} threads, ${SB_SECS:-20} s per run; $(date -u +%F) $(git rev-parse --short HEAD)"
printf '%-8s %-22s %11s %11s %7s %9s %9s\n' ps workload ferrodb_qps mariadb_qps ratio f_p95_ms m_p95_ms
for mode in $modes; do
  for w in $workloads; do
    read -r fq fp < <(run "$FPORT" "$mode" "$w")
    read -r mq mp < <(run "$MPORT" "$mode" "$w")
    ratio=$(python3 -c "print(f'{$fq/$mq:.2f}' if $mq else '?')" 2>/dev/null || echo '?')
    printf '%-8s %-22s %11s %11s %7s %9s %9s\n' "$mode" "$w" "$fq" "$mq" "$ratio" "$fp" "$mp"
  done
done
echo "peak RSS: ferrodb $(hwm "$FPID") MiB, mariadb $(hwm "$MPID") MiB"
