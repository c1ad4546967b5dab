#!/usr/bin/env bash
# Signing benchmark of the browser API against Uppy Companion 6.2.2 from npm (bench/companion), side by side in one
# run, on the same local RGW; wrk, c64. The broker runs with api-key auth and an allow-list. Two routes:
#   batch (default): GET /s3/multipart/{uploadId}/batch with 5 part numbers, on both servers;
#   sign: one UploadPart signed, the broker's POST /s3/sign (Uppy 6's signRequest) against Companion's
#         GET /s3/multipart/{uploadId}/{partNumber}; targets: >= 20x Companion's rate and p99 < 20 ms.
# Reports requests/s, p99 and the peak RSS of each server, and appends the table to bench/results-companion.md.
#
# usage: bench/companion-bench.sh [batch|sign]   (needs target/quarkus-app: ./mvnw package -DskipTests first)
# Environment (optional): BENCH_DURATION=20s BENCH_WARMUP=10s BENCH_CONNECTIONS=64 BENCH_THREADS=2
#   BENCH_BROKER_PORT=8297 (its health on the management port, 1000 above) BENCH_COMPANION_PORT=8298; the local S3/STS
#   server of LOCAL_S3STS_* (scripts/local-s3-sts.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${BENCH_DURATION:-20s}"
warmup="${BENCH_WARMUP:-10s}"
connections="${BENCH_CONNECTIONS:-64}"
threads="${BENCH_THREADS:-2}"
broker_port="${BENCH_BROKER_PORT:-8297}"
broker_management_port=$((broker_port + 1000))
companion_port="${BENCH_COMPANION_PORT:-8298}"
results=bench/results-companion.md
route="${1:-batch}"
case "$route" in batch|sign) ;; *) echo "usage: $0 [batch|sign]" >&2; exit 2 ;; esac

command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
test -f target/quarkus-app/quarkus-run.jar || { echo "no target/quarkus-app: run ./mvnw package -DskipTests" >&2; exit 1; }
if [ ! -f bench/companion/node_modules/.package-lock.json ] \
    || [ bench/companion/package-lock.json -nt bench/companion/node_modules/.package-lock.json ]; then
  (cd bench/companion && npm ci --no-audit --no-fund --loglevel=error)
fi

env_file=$(scripts/local-s3-sts.sh up)
set -a
# shellcheck source=/dev/null
. "$env_file"
set +a

work=$(mktemp -d /tmp/companion-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat > "$work/broker.properties" <<PROPS
broker.auth.api-keys=bench:$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)
broker.access.write=$LOCAL_S3STS_BUCKET/
broker.companion.bucket=$LOCAL_S3STS_BUCKET
quarkus.http.host=127.0.0.1
quarkus.http.port=$broker_port
quarkus.management.host=127.0.0.1
quarkus.management.port=$broker_management_port
PROPS
QUARKUS_CONFIG_LOCATIONS="file:$work/broker.properties" MALLOC_ARENA_MAX=2 \
  java @docker/jvm.options -jar target/quarkus-app/quarkus-run.jar > "$work/broker.log" 2>&1 &
pids+=($!)
broker_pid=$!

# Companion signs with long-term keys of its own: the bucket owner's.
mkdir -p "$work/companion-data"
COMPANION_PORT=$companion_port COMPANION_DOMAIN="127.0.0.1:$companion_port" COMPANION_PROTOCOL=http \
  COMPANION_DATADIR="$work/companion-data" COMPANION_SECRET="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  COMPANION_AWS_KEY="$LOCAL_S3STS_ADMIN_ACCESS_KEY" COMPANION_AWS_SECRET="$LOCAL_S3STS_ADMIN_SECRET_KEY" \
  COMPANION_AWS_BUCKET="$LOCAL_S3STS_BUCKET" COMPANION_AWS_ENDPOINT="$LOCAL_S3STS_ENDPOINT" \
  COMPANION_AWS_REGION="$BROKER_REGION" COMPANION_AWS_FORCE_PATH_STYLE=true COMPANION_AWS_EXPIRES=2400 \
  COMPANION_CLIENT_ORIGINS=true COMPANION_UPLOAD_URLS='http://127\.0\.0\.1:.*' NODE_ENV=production \
  node bench/companion/node_modules/@uppy/companion/bin/companion > "$work/companion.log" 2>&1 &
pids+=($!)
companion_pid=$!

wait_for() {
  for _ in $(seq 1 240); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.5; done
  echo "not up: $1" >&2
  for log in "$work"/broker.log "$work"/companion.log; do echo "== $log" >&2; tail -n 30 "$log" >&2; done
  exit 1
}
wait_for "http://127.0.0.1:$broker_management_port/q/health/ready"
wait_for "http://127.0.0.1:$companion_port/"

create() { # $1 base URL, $2 extra curl args; prints "key uploadId" (JSON-escaped key is URL-encoded by python)
  curl -fsS "${@:2}" -H 'Content-Type: application/json' -d '{"filename":"bench.bin","type":"application/octet-stream"}' \
    "$1/s3/multipart" | python3 -c 'import json,sys,urllib.parse as u; d=json.load(sys.stdin); print(u.quote(d["key"],safe=""), u.quote(d["uploadId"],safe=""))'
}
read -r broker_key broker_upload < <(create "http://127.0.0.1:$broker_port" -H "Authorization: Bearer $key")
read -r companion_key companion_upload < <(create "http://127.0.0.1:$companion_port")
if [ "$route" = batch ]; then
  broker_url="http://127.0.0.1:$broker_port/s3/multipart/$broker_upload/batch?key=$broker_key&partNumbers=1,2,3,4,5"
  companion_url="http://127.0.0.1:$companion_port/s3/multipart/$companion_upload/batch?key=$companion_key&partNumbers=1,2,3,4,5"
  curl -fsS -H "Authorization: Bearer $key" "$broker_url" | grep -q presignedUrls
  curl -fsS "$companion_url" | grep -q presignedUrls
  broker_args=()
  what="GET /s3/multipart/{uploadId}/batch, 5 part numbers"
else
  # Uppy 6's UploadPartRequest as signRequest sends it, for the upload the broker created for this caller.
  sign_body=$(python3 -c 'import json,sys,urllib.parse as u; print(json.dumps({"method": "PUT", "key": u.unquote(sys.argv[1]), "uploadId": u.unquote(sys.argv[2]), "partNumber": 1}))' "$broker_key" "$broker_upload")
  printf 'wrk.method = "POST"\nwrk.body = [[%s]]\nwrk.headers["Content-Type"] = "application/json"\n' "$sign_body" > "$work/sign.lua"
  broker_url="http://127.0.0.1:$broker_port/s3/sign"
  companion_url="http://127.0.0.1:$companion_port/s3/multipart/$companion_upload/1?key=$companion_key"
  curl -fsS -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$sign_body" "$broker_url" | grep -q '"url"'
  curl -fsS "$companion_url" | grep -q '"url"'
  broker_args=(-s "$work/sign.lua")
  what="one UploadPart signed: broker POST /s3/sign (signRequest), Companion GET /s3/multipart/{uploadId}/{partNumber}"
fi

run() { # $1 name, $2 url, $3.. wrk header args; prints "rate p99"
  wrk -t"$threads" -c"$connections" -d"$warmup" "${@:3}" "$2" > /dev/null
  wrk -t"$threads" -c"$connections" -d"$duration" --latency "${@:3}" "$2" > "$work/$1.wrk"
  local rate p99 errors
  rate=$(awk '/Requests\/sec/ {print $2}' "$work/$1.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$1.wrk")
  errors=$(grep -E 'Non-2xx|Socket errors' "$work/$1.wrk" | tr '\n' ' ' || true)
  echo "$rate $p99 ${errors:-none}"
}
rss() { awk '/VmHWM/ {printf "%d", $2/1024}' "/proc/$1/status"; }

read -r companion_rate companion_p99 companion_errors < <(run companion "$companion_url")
read -r broker_rate broker_p99 broker_errors < <(run broker "$broker_url" -H "Authorization: Bearer $key" "${broker_args[@]}")
ratio=$(python3 -c "print(f'{$broker_rate / $companion_rate:.1f}')")
p99_line=
[ "$route" = sign ] && p99_line="; broker p99 $broker_p99 (target: under 20ms)"
table=$(cat <<TABLE
| server | requests/s | p99 | peak RSS | errors |
| --- | --- | --- | --- | --- |
| broker (api-key auth, allow-list, audit log) | $broker_rate | $broker_p99 | $(rss "$broker_pid") MiB | $broker_errors |
| Companion 6.2.2 (node $(node --version)) | $companion_rate | $companion_p99 | $(rss "$companion_pid") MiB | $companion_errors |

broker / Companion: **${ratio}x** (target: 20x)${p99_line}
TABLE
)
echo "$table"
{
  echo
  echo "## $(date -u +'%Y-%m-%d %H:%M UTC'): $what, wrk -t$threads -c$connections -d$duration"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%d GiB", $2/1048576}' /proc/meminfo), load before: $(cut -d' ' -f1-3 /proc/loadavg);" \
    "commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with local changes)'). Command: \`bench/companion-bench.sh $route\`."
  echo
  echo "$table"
} >> "$results"
