#!/usr/bin/env bash
# TPC-H side by side with MariaDB: generated data at scale factor SF (default 0.1) loaded into
# both, the 22 queries timed on both and their results compared (bench/tpch/run.py).
#   usage: bench/tpch.sh [QUERY...]     env: SF (0.1), TPCH_TIMEOUT (seconds per query, 60),
#                                            TPCH_RUNS (runs per query and server, median kept; 3)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
venv=$(scripts/setup-test-env.sh)
start_servers
"$venv/bin/python" bench/tpch/run.py --sf "${SF:-0.1}" --ferrodb-port "$FPORT" \
  --mariadb-port "$MPORT" --ferrodb-pid "$FPID" --timeout "${TPCH_TIMEOUT:-60}" --runs "${TPCH_RUNS:-3}" "$@"
