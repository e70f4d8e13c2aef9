#!/usr/bin/env bash
# Runs the @kafkajs/confluent-schema-registry project's own jest suite, unchanged, against
# Sluice's /registry: a Sluice on the embedded store in a temporary directory, a tenant and a
# key whose id and secret are the suite's Basic credentials (REGISTRY_HOST/USER/PASS).
#
#   scripts/registry-conformance.sh [suite-dir]     (default: ../shared/conformance/kafkajs-csr)
#
# The suite is copied to a cache directory and its dev dependencies installed there from the
# npm registry; its .avdl conversions run avro-tools 1.12.0 from Maven Central. Exit status is
# jest's.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
suite="${1:-${SLUICE_CONFORMANCE_DIR:-${root}/../shared/conformance}/kafkajs-csr}"
if [ ! -f "${suite}/package.json" ]; then
  echo "registry-conformance: no suite at ${suite}; skipped" >&2
  exit 0
fi
cache="${HOME}/.cache/sluice-conformance"
work="${cache}/kafkajs-csr"
mkdir -p "${cache}"

# The suite's files, refreshed each run; node_modules kept between runs.
mkdir -p "${work}"
(cd "${suite}" && tar --exclude=node_modules -cf - .) | (cd "${work}" && tar -xf -)
if [ ! -d "${work}/node_modules/jest" ]; then
  (cd "${work}" && npm install --no-audit --no-fund --ignore-scripts >/dev/null)
fi
# The suite declares protobufjs ^7.4.0 and ships no lockfile. From 7.5 on, protobufjs's verify()
# no longer reports a missing proto2 `required` field, which one of the suite's own tests relies
# on (whatever the registry): install the version its tests were written against.
if [ "$(cd "${work}" && node -p 'require("protobufjs/package.json").version')" != "7.4.0" ]; then
  (cd "${work}" && npm install --no-save --no-audit --no-fund --ignore-scripts protobufjs@7.4.0 >/dev/null)
fi

jar="${cache}/avro-tools-1.12.0.jar"
if [ ! -s "${jar}" ]; then
  curl -sSfL -o "${jar}.part" https://repo1.maven.org/maven2/org/apache/avro/avro-tools/1.12.0/avro-tools-1.12.0.jar
  mv "${jar}.part" "${jar}"
fi

data="$(mktemp -d)"
token="conformance-admin-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
port="$(node -e 'const s=require("node:net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
SLUICE_ADMIN_TOKEN="${token}" node bin/sluice.js start --port "${port}" --data-dir "${data}" --log-level warn >"${data}/server.log" 2>&1 &
server=$!
cleanup() {
  kill "${server}" 2>/dev/null || true
  wait "${server}" 2>/dev/null || true
  rm -rf "${data}"
}
trap cleanup EXIT
url="http://127.0.0.1:${port}"
for _ in $(seq 1 100); do
  curl -sf "${url}/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

curl -sf -X POST "${url}/v1/tenants" -H "authorization: Bearer ${token}" -H 'content-type: application/json' -d '{"id":"csr"}' >/dev/null
key="$(curl -sf -X POST "${url}/v1/tenants/csr/keys" -H "authorization: Bearer ${token}" -H 'content-type: application/json' -d '{"scopes":["produce","consume","manage"]}' | node -e 'let t="";process.stdin.on("data",(d)=>t+=d).on("end",()=>console.log(JSON.parse(t).key))')"
key_id="$(echo "${key}" | cut -d. -f2)"
secret="$(echo "${key}" | cut -d. -f3)"

cd "${work}"
REGISTRY_HOST="${url}/registry" REGISTRY_USER="${key_id}" REGISTRY_PASS="${secret}" AVRO_TOOLS_JAR="${jar}" npx jest --runInBand "${@:2}"
