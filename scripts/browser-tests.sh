#!/usr/bin/env bash
# Uppy and tus clients against the broker and the local S3 + STS server: Debian's Chromium driven by
# playwright-core, byte-for-byte checks in RGW. Uppy 6 through POST /s3/sign (the page /upload, its vendored bundle
# first checked against a rebuild by scripts/upload-bundle.sh --check) and through GET /s3/sts
# (src/test/browser/uppy6.test.js); Uppy 5 through the Companion API (companion-uppy5.test.js); resumable uploads
# (/files, tus): tus-js-client in Node, cut off and resumed on the same broker and on a second one started beside it,
# and Uppy's Tus in Chromium through an offline gap (tus.test.js). Needs the packaged broker: run after
# `./mvnw verify` (or `./mvnw package -DskipTests`). Installs Chromium (apt-get) and the npm packages of
# src/test/browser (npm ci) when missing. Ports: BROWSER_TEST_PORT (default 8295), the second broker's
# BROWSER_TEST_SECOND_PORT (default BROWSER_TEST_PORT + 1), and for health BROWSER_TEST_MANAGEMENT_PORT (default
# 1000 above BROWSER_TEST_PORT; the second broker's is one above it). BROWSER_TESTS names test files to run instead
# of all (src/test/browser/manual/ holds one run only by hand that way).
set -euo pipefail
cd "$(dirname "$0")/.."

port="${BROWSER_TEST_PORT:-8295}"
management_port="${BROWSER_TEST_MANAGEMENT_PORT:-$((port + 1000))}"
second_port="${BROWSER_TEST_SECOND_PORT:-$((port + 1))}"
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
broker.access.write=$LOCAL_S3STS_BUCKET/browser-tests/{caller}/,$LOCAL_S3STS_BUCKET/tus-tests/{caller}/
broker.access.callers."outsider".write=$LOCAL_S3STS_BUCKET/elsewhere/
broker.companion.bucket=$LOCAL_S3STS_BUCKET
broker.companion.key-prefix=browser-tests/{caller}/
# RGW 16 stores nothing from a POST form signed by a session with a session policy (docs/decisions/0021).
broker.companion.post-signer=role
# GET /s3/sts (Uppy 6 getCredentials) answers only where credential vending is on.
broker.credentials.enabled=true
broker.tus.bucket=$LOCAL_S3STS_BUCKET
broker.tus.key-prefix=tus-tests/{caller}/
# The 100 MiB uploads fit exactly; the test of a larger simple upload is refused by RGW itself.
broker.upload.max-size=100M
quarkus.http.host=127.0.0.1
quarkus.management.host=127.0.0.1
PROPS

# Two brokers of the same configuration, as two replicas: a resumable upload begun on one is continued on the other.
broker_pids=()
cleanup() {
  for pid in "${broker_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

declare -A management_of=(["$port"]="$management_port" ["$second_port"]="$((management_port + 1))")
for p in "$port" "$second_port"; do
  QUARKUS_CONFIG_LOCATIONS="file:$work/broker.properties" QUARKUS_HTTP_PORT=$p \
    QUARKUS_MANAGEMENT_PORT="${management_of[$p]}" MALLOC_ARENA_MAX=2 \
    java -Xmx256m -jar target/quarkus-app/quarkus-run.jar > "$work/broker-$p.log" 2>&1 &
  broker_pids+=($!)
done
for p in "$port" "$second_port"; do
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:${management_of[$p]}/q/health/ready" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:${management_of[$p]}/q/health/ready" >/dev/null \
    || { tail -50 "$work/broker-$p.log" >&2; echo "the broker on port $p did not start" >&2; exit 1; }
done

status=0
started=$(date -u +%Y-%m-%dT%H:%M:%S)
BROKER_URL="http://127.0.0.1:$port" SECOND_BROKER_URL="http://127.0.0.1:$second_port" API_KEY="$key_a" \
  MANAGEMENT_URL="http://127.0.0.1:${management_of[$port]}" SECOND_MANAGEMENT_URL="http://127.0.0.1:${management_of[$second_port]}" \
  OTHER_KEY="$key_b" OUTSIDER_KEY="$key_c" KEY_PREFIX=browser-tests/ TUS_PREFIX=tus-tests/ \
  MAX_SIZE=$((100 * 1024 * 1024)) CHROMIUM="$(command -v chromium)" WORK_DIR="$work" \
  node --test --test-concurrency=1 --test-reporter=spec ${BROWSER_TESTS:-src/test/browser/*.test.js} || status=$?
if [ "$status" -ne 0 ]; then
  for p in "$port" "$second_port"; do
    echo "[browser-tests] failed; the log of the broker on port $p:" >&2
    tail -100 "$work/broker-$p.log" >&2
  done
  # What RGW did not answer well during the run (an error status, a failed op, or slow), for failures on its side.
  echo "[browser-tests] RGW requests of this run that failed or took over 2 s:" >&2
  awk -v since="$started" '$1 < since { next }
    /req done/ && ((/op status=-/ && !/http_status=4/) || /latency=([2-9]|[1-9][0-9]+)\./) { print; want[$7] = 1; next }
    /beast: / { id = $5; sub(/:$/, "", id); if (("req=" id) in want) { print; delete want["req=" id] } }' "$LOCAL_S3STS_RGW_LOG" | tail -40 >&2 || true
  [ -z "${BROWSER_TESTS_KEEP_LOGS:-}" ] || cp "$work"/broker-*.log "$BROWSER_TESTS_KEEP_LOGS"/
fi
exit "$status"
