#!/usr/bin/env bash
# Uppy in a real browser against the broker and the local S3 + STS server: Debian's Chromium driven by
# playwright-core, byte-for-byte checks in RGW. Uppy 6 through POST /s3/sign (the page /upload, its vendored bundle
# first checked against a rebuild by scripts/upload-bundle.sh --check) and through GET /s3/sts
# (src/test/browser/uppy6.test.js); Uppy 5 through the Companion API (companion-uppy5.test.js). Needs the packaged
# broker: run after `./mvnw verify` (or `./mvnw package -DskipTests`). Installs Chromium (apt-get) and the npm
# packages of src/test/browser (npm ci) when missing. Ports: BROWSER_TEST_PORT (default 8295) and, for health,
# BROWSER_TEST_MANAGEMENT_PORT (default 1000 above). BROWSER_TESTS names test files to run instead of all
# (src/test/browser/manual/ holds one run only by hand that way).
set -euo pipefail
cd "$(dirname "$0")/.."

port="${BROWSER_TEST_PORT:-8295}"
management_port="${BROWSER_TEST_MANAGEMENT_PORT:-$((port + 1000))}"
test -f target/quarkus-app/quarkus-run.jar || { echo "no target/quarkus-app: run ./mvnw package first" >&2; exit 1; }

if ! command -v chromium >/dev/null; then
  echo "[browser-tests] installing chromium" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
# npm ci again only when the lockfile changed since the last install.
if [ ! -f src/test/browser/node_modules/.package-lock.json ] \
    || [ src/test/browser/package-lock.json -nt src/test/browser/node_modules/.package-lock.json ]; then
  (cd src/test/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
scripts/upload-bundle.sh --check

env_file=$(scripts/local-s3-sts.sh up)
set -a
# shellcheck source=/dev/null
. "$env_file"
set +a

# Two callers with fresh keys (the broker keeps only their SHA-256) and one that may not write the upload prefix.
key_a=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
key_b=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
key_c=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

work=$(mktemp -d /tmp/browser-tests.XXXXXX)
cat > "$work/broker.properties" <<PROPS
broker.auth.mode=api-key
broker.auth.api-keys=browser:$(sha "$key_a"),other:$(sha "$key_b"),outsider:$(sha "$key_c")
broker.access.read=$LOCAL_S3STS_BUCKET/
broker.access.write=$LOCAL_S3STS_BUCKET/browser-tests/{caller}/
broker.access.callers."outsider".write=$LOCAL_S3STS_BUCKET/elsewhere/
broker.companion.bucket=$LOCAL_S3STS_BUCKET
broker.companion.key-prefix=browser-tests/{caller}/
# RGW 16 stores nothing from a POST form signed by a session with a session policy (docs/decisions/0021).
broker.companion.post-signer=role
# GET /s3/sts (Uppy 6 getCredentials) answers only where credential vending is on.
broker.credentials.enabled=true
# The 100 MiB uploads fit exactly; the test of a larger simple upload is refused by RGW itself.
broker.upload.max-size=100M
quarkus.http.host=127.0.0.1
quarkus.http.port=$port
quarkus.management.host=127.0.0.1
quarkus.management.port=$management_port
PROPS

broker_pid=
cleanup() {
  if [ -n "$broker_pid" ]; then kill "$broker_pid" 2>/dev/null || true; wait "$broker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

QUARKUS_CONFIG_LOCATIONS="file:$work/broker.properties" MALLOC_ARENA_MAX=2 \
  java -Xmx256m -jar target/quarkus-app/quarkus-run.jar > "$work/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$management_port/q/health/ready" >/dev/null 2>&1 && break
  kill -0 "$broker_pid" 2>/dev/null || { cat "$work/broker.log" >&2; echo "the broker did not start" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$management_port/q/health/ready" >/dev/null || { tail -50 "$work/broker.log" >&2; exit 1; }

status=0
BROKER_URL="http://127.0.0.1:$port" API_KEY="$key_a" OTHER_KEY="$key_b" OUTSIDER_KEY="$key_c" \
  KEY_PREFIX=browser-tests/ MAX_SIZE=$((100 * 1024 * 1024)) CHROMIUM="$(command -v chromium)" WORK_DIR="$work" \
  node --test --test-concurrency=1 --test-reporter=spec ${BROWSER_TESTS:-src/test/browser/*.test.js} || status=$?
if [ "$status" -ne 0 ]; then
  echo "[browser-tests] failed; the broker's log:" >&2
  tail -100 "$work/broker.log" >&2
fi
exit "$status"
