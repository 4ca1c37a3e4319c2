#!/usr/bin/env bash
# Idempotently installs what the tests need and prints the Python venv's path:
#   - Debian packages: mariadb-client (the CLI), mariadb-server (the reference server a dump is
#     loaded into), libmariadb-dev and pkg-config (to build mysqlclient);
#   - a venv with the pinned packages of tests/e2e/requirements.txt, cached under
#     ~/.cache/ferrodb/ and keyed by the requirements' hash, so reruns cost nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "$@" >&2; }

# Debian packages: the mariadb CLI and server, and what building mysqlclient from PyPI needs.
missing=()
command -v mariadb >/dev/null 2>&1 || missing+=(mariadb-client)
command -v mariadbd >/dev/null 2>&1 || missing+=(mariadb-server)
command -v mariadb_config >/dev/null 2>&1 || command -v mysql_config >/dev/null 2>&1 || missing+=(libmariadb-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if [ ${#missing[@]} -gt 0 ]; then
  log "== installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
fi

req=tests/e2e/requirements.txt
hash=$(sha256sum "$req" | cut -c1-12)
venv="$HOME/.cache/ferrodb/venv-$hash"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  log "== creating test venv $venv"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
  touch "$venv/.complete"
fi
echo "$venv"
