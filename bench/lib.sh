# Shared by the side-by-side benchmarks: start a release FerroDB and a MariaDB (installed from
# Debian packages when missing), each on its own temporary data dir and a free port, stopped
# and removed on exit. Source it, then call start_servers; it sets FPORT, MPORT and FPID.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ferrodb/target}"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 300); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }

start_servers() {
  command -v mariadbd >/dev/null || { apt-get update -qq && apt-get install -y -qq mariadb-server >/dev/null; }
  cargo build --release --quiet -p ferrodb
  FDATA=$(mktemp -d) MDATA=$(mktemp -d)
  FPORT=$(free_port) MPORT=$(free_port)
  SERVER_PIDS=()
  trap 'kill "${SERVER_PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$FDATA" "$MDATA"' EXIT
  "$CARGO_TARGET_DIR/release/ferrodb" --port "$FPORT" --data-dir "$FDATA" --log-level warn &
  FPID=$!
  SERVER_PIDS+=($FPID)
  mariadb-install-db --no-defaults --datadir="$MDATA/db" --user=root --auth-root-authentication-method=normal >/dev/null
  mariadbd --no-defaults --datadir="$MDATA/db" --port="$MPORT" --bind-address=127.0.0.1 \
    --socket="$MDATA/sock" --user=root --skip-grant-tables --innodb-flush-log-at-trx-commit=1 \
    --innodb-buffer-pool-size=512M --max-connections=500 --log-error="$MDATA/err.log" &
  SERVER_PIDS+=($!)
  wait_port "$FPORT" && wait_port "$MPORT"
}
