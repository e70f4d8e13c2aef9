#!/usr/bin/env bash
# scripts/peers/karapace.sh — Karapace (Aiven's Confluent-compatible schema registry, Apache-2.0)
# from its source, for the bench's registry comparison. Karapace is not published on PyPI, so
# it runs from a source tree at $SLUICE_PEERS_CACHE/karapace-src with its pinned dependencies
# (requirements/requirements.txt) from PyPI in a venv, and its Go extension (protopace, the
# Protobuf formatter and compatibility checker it imports at start) built with go.
#
# The source tree is exported from a git clone when it is absent (SLUICE_KARAPACE_GIT=<git dir>).
# protopace replaces github.com/bufbuild/buf with Aiven's fork, which the Go module proxy does
# not serve; it is exported from a clone of that fork (SLUICE_KARAPACE_BUF_GIT=<git dir>) at the
# commit go.mod names. Two deviations, both outside the JSON Schema path the bench measures:
#   - avro: Karapace pins a fork by URL; the Apache release from PyPI is installed instead;
#   - Python: Karapace asks for >= 3.12; a python3.12+ on PATH or from pyenv is used, else
#     python3 (or PEER_BASE_PYTHON), with a warning when it is older.
#
# Idempotent; progress on stderr; the last stdout line is a launcher that runs Karapace's
# registry in the foreground (configured through KARAPACE_* variables):
#     RUN=$(scripts/peers/karapace.sh | tail -n 1); KARAPACE_BOOTSTRAP_URI=127.0.0.1:9092 "$RUN"
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/venv.sh"

PEER_NAME="karapace.sh"
SRC="${SLUICE_KARAPACE_SRC:-$PEERS_CACHE/karapace-src}"
LIB="$PEERS_CACHE/karapace-lib"
BUF="$PEERS_CACHE/karapace-buf"
AVRO_PIN="avro==1.12.1"

if [[ ! -f "$SRC/pyproject.toml" ]]; then
  [[ -n "${SLUICE_KARAPACE_GIT:-}" ]] || peer_die "Karapace source not found at $SRC (set SLUICE_KARAPACE_GIT to a clone of Aiven-Open/karapace)"
  peer_log "exporting Karapace from $SLUICE_KARAPACE_GIT into $SRC"
  mkdir -p "$SRC"
  git --git-dir="$SLUICE_KARAPACE_GIT" archive HEAD -- pyproject.toml requirements src go LICENSE README.rst | tar -x -C "$SRC" ||
    peer_die "could not export Karapace from $SLUICE_KARAPACE_GIT"
fi
[[ -f "$SRC/requirements/requirements.txt" && -d "$SRC/src/karapace" && -d "$SRC/go/protopace" ]] ||
  peer_die "$SRC is not a Karapace source tree (no requirements/requirements.txt, src/karapace or go/protopace)"

# setuptools-scm writes this at build time; running from source needs it written.
[[ -f "$SRC/src/karapace/version.py" ]] ||
  printf '__version__ = "%s"\n' "$(git --git-dir="${SLUICE_KARAPACE_GIT:-/nonexistent}" rev-parse --short HEAD 2>/dev/null || echo source)" >"$SRC/src/karapace/version.py"

# Karapace's own images run 3.12 (runtime.txt). A name on PATH may be a pyenv shim for a version
# that is not selected, so a candidate counts only if it runs and is recent enough.
recent_python() {
  local candidate
  for candidate in python3.12 python3.13 python3.14; do
    "$candidate" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1 && { echo "$candidate"; return; }
  done
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.1[234]*/bin/python3; do
      "$candidate" -c 'import venv, ensurepip' >/dev/null 2>&1 && { echo "$candidate"; return; }
    done
  fi
  echo python3
}
PEER_BASE_PYTHON="${PEER_BASE_PYTHON:-$(recent_python)}"
export PEER_BASE_PYTHON
"$PEER_BASE_PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' ||
  peer_log "warning: Karapace asks for Python >= 3.12; running it on $("$PEER_BASE_PYTHON" --version 2>&1)"

PEER_VENV="$PEERS_CACHE/karapace-venv"
PEER_IMPORTS="fastapi, aiokafka, confluent_kafka, jsonschema, avro.compatibility, dependency_injector"
PEER_REQUIREMENTS="$(grep -v '^avro @' "$SRC/requirements/requirements.txt")
$AVRO_PIN"
peer_venv --only-binary=:all:

if [[ ! -f "$LIB/protopacelib.so" ]]; then
  command -v go >/dev/null 2>&1 || peer_die "go not found (Karapace's protopace extension is Go)"
  build="$(mktemp -d)"
  cp -r "$SRC/go/protopace/." "$build"
  # "github.com/Aiven-Open/buf v0.0.0-<date>-<commit>" on the replace line of go.mod.
  fork_commit="$(sed -n 's/^replace github.com\/bufbuild\/buf => github.com\/Aiven-Open\/buf v[^ ]*-\([0-9a-f]\{12\}\)$/\1/p' "$build/go.mod")"
  if [[ -n "$fork_commit" ]]; then
    if [[ ! -f "$BUF/go.mod" ]]; then
      [[ -n "${SLUICE_KARAPACE_BUF_GIT:-}" ]] ||
        peer_die "protopace needs Aiven's fork of buf at $fork_commit, which the Go module proxy does not serve (set SLUICE_KARAPACE_BUF_GIT to a clone of Aiven-Open/buf)"
      mkdir -p "$BUF"
      git --git-dir="$SLUICE_KARAPACE_BUF_GIT" archive "$fork_commit" | tar -x -C "$BUF" || peer_die "no commit $fork_commit in $SLUICE_KARAPACE_BUF_GIT"
    fi
    (cd "$build" && go mod edit -replace "github.com/bufbuild/buf=$BUF")
  fi
  peer_log "building protopace (Go) into $LIB"
  mkdir -p "$LIB"
  (cd "$build" && GOTOOLCHAIN=local GOFLAGS=-mod=mod GOMODCACHE="$PEERS_CACHE/go-mod" GOCACHE="$PEERS_CACHE/go-build" \
    timeout 900 go build -buildmode=c-shared -o "$LIB/protopacelib.so" . >&2) || { rm -rf "$build"; peer_die "go build of protopace failed"; }
  rm -rf "$build"
fi

launcher="$PEERS_CACHE/karapace-run"
cat >"$launcher" <<RUN
#!/usr/bin/env bash
# Written by scripts/peers/karapace.sh: Karapace's schema registry from $SRC.
export PYTHONPATH="$SRC/src:$LIB"
exec "$PEER_PYTHON" -m karapace "\$@"
RUN
chmod +x "$launcher"
echo "$launcher"
