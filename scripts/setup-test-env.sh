#!/usr/bin/env bash
# Idempotently installs what the tests need and prints the Python venv's path:
#   - the mariadb client (Debian package mariadb-client) when `mariadb` is missing;
#   - a venv with the pinned packages of tests/e2e/requirements.txt, cached under
#     ~/.cache/ferrodb/ and keyed by the requirements' hash, so reruns cost nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "$@" >&2; }

if ! command -v mariadb >/dev/null 2>&1; then
  log "== installing mariadb-client"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq mariadb-client >&2
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
