#!/usr/bin/env bash
# scripts/python-clients.sh — a Python virtualenv with the stock Confluent client for tests.
#
# Installs the PyPI package confluent-kafka (its wheel bundles librdkafka) with the schema
# registry serializers (Avro, JSON Schema, Protobuf), plus grpcio-tools to compile .proto
# files, at pinned versions, into ${SLUICE_PY_VENV:-$HOME/.cache/sluice-pyclients}.
# test/helpers/confluent_client.py drives it; test/helpers/confluent-client.ts runs this.
#
# Idempotent: a marker file in the venv records the pinned set, so a second run only checks
# it and returns at once. Progress goes to stderr; the last stdout line is the venv's python:
#     PY=$(scripts/python-clients.sh | tail -n 1)
# Needs only python3 (3.9+) with the venv module and pip (ensurepip), and access to PyPI
# (or to the index that PIP_INDEX_URL / pip.conf name). Wheels only: nothing is compiled.
#
# Environment:
#   SLUICE_PY_VENV          where the venv lives (default $HOME/.cache/sluice-pyclients)
#   SLUICE_PYTHON           the python to create it with (default python3)
#   SLUICE_PY_TIMEOUT       seconds allowed for the pip install (default 600)
#   PIP_CERT, PIP_INDEX_URL and other pip settings are honoured.
set -euo pipefail

VENV="${SLUICE_PY_VENV:-$HOME/.cache/sluice-pyclients}"
PYTHON="${SLUICE_PYTHON:-python3}"
INSTALL_TIMEOUT="${SLUICE_PY_TIMEOUT:-600}"
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

# The complete pinned set (checked as manylinux/py3 wheels for CPython 3.11 on x86_64).
# Changing a line here makes the next run reinstall.
REQUIREMENTS="$(cat <<'EOF'
confluent-kafka[avro,schemaregistry,json,protobuf]==2.16.1
grpcio-tools==1.85.1
grpcio==1.85.3
setuptools==84.2.1
anyio==4.16.0
attrs==26.1.0
Authlib==1.9.10
avro==1.12.2
cachetools==8.0.2
certifi==2026.10.19.post1
cffi==2.1.1
charset-normalizer==3.5.3
cryptography==50.0.2
fastavro==1.13.1
googleapis-common-protos==1.76.0
h11==0.16.0
httpcore2==2.17.0
httpx2==2.17.0
idna==3.21
joserfc==1.8.0
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
protobuf==7.36.2
pycparser==3.12
referencing==0.37.0
requests==2.34.2
rpds-py==2026.9.1
truststore==0.10.5
typing_extensions==4.16.0
urllib3==2.8.0
EOF
)"

log() { printf '%s\n' "python-clients.sh: $*" >&2; }
die() { printf '%s\n' "python-clients.sh: error: $*" >&2; exit 1; }

MARKER="$VENV/.sluice-requirements"
VPY="$VENV/bin/python"

# Fast path: the venv exists, its python runs, and it was built from this exact set.
if [[ -x "$VPY" && -f "$MARKER" ]] && [[ "$(cat "$MARKER")" == "$REQUIREMENTS" ]] &&
   "$VPY" -c 'import confluent_kafka, fastavro, jsonschema, google.protobuf, grpc_tools' >/dev/null 2>&1; then
  echo "$VPY"
  exit 0
fi

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (install Python 3.9+ with venv and pip, or set SLUICE_PYTHON)"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
  die "$PYTHON is older than 3.9"
"$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 ||
  die "$PYTHON lacks the venv or ensurepip module (on Debian/Ubuntu: apt-get install python3-venv)"

# A registry reached through a TLS-intercepting proxy needs the system CA store; pip uses its
# own bundle (certifi) unless told. Point pip at the system store when nothing else is set.
if [[ -z "${PIP_CERT:-}" && -f "$CA_BUNDLE" ]] &&
   ! "$PYTHON" -m pip config list 2>/dev/null | grep -q '\.cert='; then
  export PIP_CERT="$CA_BUNDLE"
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1

# Serialise concurrent installs into the same venv.
mkdir -p "$(dirname "$VENV")"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$VENV.lock"
  flock -w "$INSTALL_TIMEOUT" 9 || die "timed out waiting for another install into $VENV"
  # Another run may have finished the install while this one waited.
  if [[ -x "$VPY" && -f "$MARKER" ]] && [[ "$(cat "$MARKER")" == "$REQUIREMENTS" ]]; then
    echo "$VPY"
    exit 0
  fi
fi

t0=$SECONDS
if [[ -d "$VENV" ]] && ! "$VPY" -c 'import sys' >/dev/null 2>&1; then
  log "removing a broken venv at $VENV"
  rm -rf "$VENV"
fi
if [[ ! -x "$VPY" ]]; then
  log "creating a virtualenv at $VENV"
  "$PYTHON" -m venv "$VENV" >&2 || { rm -rf "$VENV"; die "could not create a virtualenv at $VENV"; }
fi
rm -f "$MARKER"

req_file="$(mktemp)"
trap 'rm -f "$req_file"' EXIT
printf '%s\n' "$REQUIREMENTS" >"$req_file"
log "installing confluent-kafka and its serializers into $VENV (first run only)..."
if ! timeout "$INSTALL_TIMEOUT" "$VPY" -m pip install --quiet --only-binary=:all: --requirement "$req_file" >&2 </dev/null; then
  die "pip install failed (is PyPI reachable? behind a proxy, set PIP_CERT/PIP_INDEX_URL)"
fi
"$VPY" -c 'import confluent_kafka, fastavro, jsonschema, google.protobuf, grpc_tools' >&2 ||
  die "the installed packages do not import"
printf '%s' "$REQUIREMENTS" >"$MARKER"
log "confluent-kafka $("$VPY" -c 'import confluent_kafka as c; v = c.version(); print(v[0] if isinstance(v, tuple) else v, "with librdkafka", c.libversion()[0])') ready in $(( SECONDS - t0 ))s"
echo "$VPY"
