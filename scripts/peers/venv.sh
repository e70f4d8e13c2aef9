#!/usr/bin/env bash
# scripts/peers/venv.sh — sourced by the peer install scripts: makes a pinned virtualenv under
# ~/.cache/sluice-peers once and reuses it while its pins stay the same.
#
#   PEER_VENV=<dir> PEER_REQUIREMENTS=<pins> PEER_IMPORTS=<module,...> PEER_NAME=<label>
#   source scripts/peers/venv.sh; peer_venv [extra pip install arguments...]
# leaves the venv's python in PEER_PYTHON. Needs python3 with venv and pip, and PyPI.

PEERS_CACHE="${SLUICE_PEERS_CACHE:-$HOME/.cache/sluice-peers}"
PEER_INSTALL_TIMEOUT="${SLUICE_PEERS_PIP_TIMEOUT:-900}"

peer_log() { printf '%s\n' "$PEER_NAME: $*" >&2; }
peer_die() { printf '%s\n' "$PEER_NAME: error: $*" >&2; exit 1; }

# True when the venv exists, was built from these pins and its modules import.
peer_venv_ready() {
  local marker="$PEER_VENV/.sluice-requirements"
  [[ -x "$PEER_VENV/bin/python" && -f "$marker" && "$(cat "$marker")" == "$PEER_REQUIREMENTS" ]] &&
    "$PEER_VENV/bin/python" -c "import ${PEER_IMPORTS}" >/dev/null 2>&1
}

peer_venv() {
  PEER_PYTHON="$PEER_VENV/bin/python"
  peer_venv_ready && return 0
  local base="${PEER_BASE_PYTHON:-python3}"
  command -v "$base" >/dev/null 2>&1 || peer_die "$base not found (install Python 3 with venv and pip)"
  "$base" -c 'import venv, ensurepip' >/dev/null 2>&1 || peer_die "$base lacks venv or ensurepip (Debian: apt-get install python3-venv)"
  # pip carries its own CA bundle; behind an intercepting proxy only the system store works.
  if [[ -z "${PIP_CERT:-}" && -f /etc/ssl/certs/ca-certificates.crt ]]; then export PIP_CERT=/etc/ssl/certs/ca-certificates.crt; fi
  export PIP_DISABLE_PIP_VERSION_CHECK=1
  mkdir -p "$(dirname "$PEER_VENV")"
  exec 9>"$PEER_VENV.lock"
  flock -w "$PEER_INSTALL_TIMEOUT" 9 || peer_die "timed out waiting for another install into $PEER_VENV"
  peer_venv_ready && return 0
  local t0=$SECONDS pins
  rm -rf "$PEER_VENV"
  peer_log "installing into $PEER_VENV (first run only)..."
  "$base" -m venv "$PEER_VENV" >&2 || peer_die "could not create a virtualenv at $PEER_VENV"
  pins="$(mktemp)"
  printf '%s\n' "$PEER_REQUIREMENTS" >"$pins"
  if ! timeout "$PEER_INSTALL_TIMEOUT" "$PEER_PYTHON" -m pip install --quiet --requirement "$pins" "$@" >&2 </dev/null; then
    rm -f "$pins"
    peer_die "pip install failed (is PyPI reachable? behind a proxy, set PIP_CERT or PIP_INDEX_URL)"
  fi
  rm -f "$pins"
  "$PEER_PYTHON" -c "import ${PEER_IMPORTS}" >&2 || peer_die "the installed packages do not import"
  printf '%s' "$PEER_REQUIREMENTS" >"$PEER_VENV/.sluice-requirements"
  peer_log "ready in $((SECONDS - t0)) s"
}
