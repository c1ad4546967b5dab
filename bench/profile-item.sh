#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/lib
# Where the broker's CPU goes per GET /item: runs the built broker (target/quarkus-app, `./mvnw package` first)
# with auth on (api-key, the bucket allowed) against the shared local gateway, loads it with wrk
# (GET /item?check=false, or check=true), and profiles the measured part with async-profiler (as
# bench/profile-upload.sh does). Prints the heaviest frames and the broker's own code in microseconds of CPU per
# request. Not a benchmark: profiling slows the broker; compare builds by their frames, and measure with
# bench/item-bench.sh.
#
# usage: bench/profile-item.sh [false|true (check, default false)] [seconds profiled (15)]
#   PROFILE_WARMUP=40 seconds of load before (JIT); PROFILE_PORT (18095) is the broker's port; PROFILE_CONNECTIONS=64
#   wrk's connections; PROFILE_APP a built quarkus-app to run instead of target/quarkus-app (to compare two builds).
#   Writes the collapsed stacks to /tmp/profile-item-check-CHECK.collapsed. PROFILE_ONLY_CPU=1 profiles nothing and
#   prints the broker's CPU per request and its threads' wake-ups (voluntary context switches) per request by thread
#   group, from /proc: figures that other load on the machine disturbs far less than req/s.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=profile-item
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"
# shellcheck source=lib/profiler.sh
. "$HERE/lib/profiler.sh"
CHECK=${1:-false}
SECONDS_PROFILED=${2:-15}
WARMUP=${PROFILE_WARMUP:-40}
PORT=${PROFILE_PORT:-18095}
CONNECTIONS=${PROFILE_CONNECTIONS:-64}
APP=${PROFILE_APP:-$REPO/target/quarkus-app}
OUT=/tmp/profile-item-check-$CHECK.collapsed
[[ $CHECK =~ ^(true|false)$ ]] || die "check is true or false"
[[ -f $APP/quarkus-run.jar ]] || die "no $APP/quarkus-run.jar: run ./mvnw package -DskipTests"
ensure_tools wrk curl python3 java

rm -f "$OUT"
# shellcheck disable=SC2317 # called by bench_cleanup
cleanup_run() {
  stop_pid "$BROKER_PID"
}
profile_run_start /dev/shm/profile-item.XXXXXX
start_quarkus BROKER_PID broker "$PORT" "$WORK/broker.log" /q/health/ready "${AUTH_ON_ENV[@]}" MALLOC_ARENA_MAX=2 \
  java @"$REPO/docker/jvm.options" -jar "$APP/quarkus-run.jar"

key=profile-item/object
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "$AUTH_HEADER" -T /dev/null "http://127.0.0.1:$PORT/item?bucket=$BUCKET&key=$key")
[[ $code == 201 ]] || die "PUT of the object answered $code; broker log: $WORK/broker.log"
url="http://127.0.0.1:$PORT/item?bucket=$BUCKET&key=$key&check=$CHECK"
load() { wrk -H "$AUTH_HEADER" -t2 -c"$CONNECTIONS" -d"$1s" "$url" > "$WORK/wrk-$2.txt" 2>&1 || die "wrk failed: $(tail -3 "$WORK/wrk-$2.txt")"; }
load "$WARMUP" warmup
if [[ ${PROFILE_ONLY_CPU:-0} == 1 ]]; then
  cpu0=$(cpu_of "$BROKER_PID") switches0=$(thread_switches "$BROKER_PID")
  load "$SECONDS_PROFILED" measured
  cpu1=$(cpu_of "$BROKER_PID") switches1=$(thread_switches "$BROKER_PID")
  requests=$(awk '/requests in/ {print $1}' "$WORK/wrk-measured.txt")
  grep -q "Non-2xx" "$WORK/wrk-measured.txt" && die "some requests failed: $(cat "$WORK/wrk-measured.txt")"
  awk -v c0="$cpu0" -v c1="$cpu1" -v n="$requests" -v s="$SECONDS_PROFILED" 'BEGIN {
    printf "%d requests in %d s (%.0f/s, %d connections); broker CPU %.2f s = %.1f us per request (not profiled)\n",
      n, s, n / s, '"$CONNECTIONS"', c1 - c0, 1e6 * (c1 - c0) / n }'
  echo "wake-ups (voluntary context switches) per request by thread group:"
  awk -F'\t' -v n="$requests" 'NR == FNR { w[$1] -= $2; next } { w[$1] += $2 }
    END { for (g in w) if (w[g] / n >= 0.001) printf "  %7.3f  %s\n", w[g] / n, g }' \
    <(printf '%s\n' "$switches0") <(printf '%s\n' "$switches1") | sort -rn
  STATUS=0
  exit 0
fi
log "warmed up ($WARMUP s); profiling $SECONDS_PROFILED s of GET /item?check=$CHECK (event $PROFILER_EVENT)"
profiler "$BROKER_PID" "start,event=$PROFILER_EVENT,interval=1ms"
load "$SECONDS_PROFILED" measured
profiler "$BROKER_PID" "stop,collapsed,file=$OUT"
profiler_wait "$OUT"
requests=$(awk '/requests in/ {print $1}' "$WORK/wrk-measured.txt")
grep -q "Non-2xx" "$WORK/wrk-measured.txt" && die "some requests failed: $(cat "$WORK/wrk-measured.txt")"

profile_report "$OUT" "$requests" 1000 --unit 'us per request' --digits 2 --self 25 --own 30 \
  --own-frames io/s3broker/ logmanager jboss/logging --own-title "the broker's own code and logging, with what they call" \
  --summary '{units} requests; broker CPU {total} ms = {value} us per request'
STATUS=0
