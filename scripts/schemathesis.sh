#!/usr/bin/env bash
# scripts/schemathesis.sh — Schemathesis (from PyPI) in a virtualenv of its own, for the API
# conformance test (test/conformance/schemathesis.test.ts).
#
# Installs a pinned set into ${SLUICE_SCHEMATHESIS_VENV:-$HOME/.cache/sluice-schemathesis};
# a second run finds it and returns at once. The last stdout line is the `schemathesis`
# command's path:
#     ST=$(scripts/schemathesis.sh | tail -n 1)
# Needs python3 (3.9+) with venv and pip, and PyPI (or the index pip is told to use).
set -euo pipefail

VENV="${SLUICE_SCHEMATHESIS_VENV:-$HOME/.cache/sluice-schemathesis}"
PYTHON="${SLUICE_PYTHON:-python3}"
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

# Pinned with every dependency, as resolved for CPython 3.11 on x86_64.
REQUIREMENTS="$(cat <<'EOF_REQ'
schemathesis==4.32.5
anyio==4.16.0
certifi==2026.10.19.post1
charset-normalizer==3.5.3
click==8.5.1
graphql-core==3.3.2
harfile==0.6.0
hypothesis==6.170.27
hypothesis-graphql==0.13.5
idna==3.21
iniconfig==2.3.1
jsonschema_rs==0.60.3
markdown-it-py==4.3.0
MarkupSafe==3.0.4
mdurl==0.1.2
packaging==26.4
pluggy==1.7.0
Pygments==2.21.0
pyrate-limiter==4.6.0
pytest==9.2.0
PyYAML==6.0.4
requests==2.34.2
rich==15.0.0
sortedcontainers==2.4.0
typing_extensions==4.16.0
urllib3==2.8.0
Werkzeug==3.1.9
EOF_REQ
)"

MARKER="$VENV/.sluice-requirements"
BIN="$VENV/bin/schemathesis"

if [[ -x "$BIN" && -f "$MARKER" && "$(cat "$MARKER")" == "$REQUIREMENTS" ]]; then
  echo "$BIN"
  exit 0
fi

command -v "$PYTHON" >/dev/null 2>&1 || { echo "schemathesis.sh: $PYTHON not found (install Python 3.9+ with venv, or set SLUICE_PYTHON)" >&2; exit 1; }
if [[ -z "${PIP_CERT:-}" && -f "$CA_BUNDLE" ]]; then export PIP_CERT="$CA_BUNDLE"; fi
export PIP_DISABLE_PIP_VERSION_CHECK=1

mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock -w 600 9

rm -rf "$VENV"
echo "schemathesis.sh: installing Schemathesis into $VENV (first run only)..." >&2
"$PYTHON" -m venv "$VENV" >&2
req_file="$(mktemp)"
trap 'rm -f "$req_file"' EXIT
printf '%s\n' "$REQUIREMENTS" >"$req_file"
timeout "${SLUICE_PY_TIMEOUT:-600}" "$VENV/bin/python" -m pip install --quiet --only-binary=:all: --requirement "$req_file" >&2 </dev/null
"$BIN" --version >&2
printf '%s' "$REQUIREMENTS" >"$MARKER"
echo "$BIN"
