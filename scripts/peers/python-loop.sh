#!/usr/bin/env bash
# scripts/peers/python-loop.sh — the virtualenv that runs bench/peers/python/user_login_processor.py,
# the consume–validate–transform–produce loop the bench compares Sluice's Kafka source with:
# confluent-kafka (its wheel bundles librdkafka) and jsonschema, pinned with their dependencies.
#
# Idempotent; progress on stderr; the last stdout line is the venv's python:
#     PY=$(scripts/peers/python-loop.sh | tail -n 1)
# Environment: SLUICE_PEERS_CACHE (default ~/.cache/sluice-peers), SLUICE_PEERS_PIP_TIMEOUT,
# PEER_BASE_PYTHON (default python3), PIP_CERT / PIP_INDEX_URL.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/venv.sh"

PEER_NAME="python-loop.sh"
PEER_VENV="$PEERS_CACHE/python-loop"
PEER_IMPORTS="confluent_kafka, jsonschema"
# The same confluent-kafka and jsonschema as scripts/python-clients.sh, without the serializers.
PEER_REQUIREMENTS="$(cat <<'PINS'
confluent-kafka==2.16.1
jsonschema==4.26.0
attrs==26.1.0
jsonschema-specifications==2025.9.1
referencing==0.37.0
rpds-py==2026.9.1
typing_extensions==4.16.0
PINS
)"

peer_venv --only-binary=:all:
echo "$PEER_PYTHON"
