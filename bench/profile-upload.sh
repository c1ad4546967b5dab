#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/lib
# Where the broker's CPU goes during uploads: runs the built broker (target/quarkus-app, `./mvnw package` first)
# under async-profiler (CPU samples every millisecond, kernel included; fetched from Maven Central) against the
# shared local gateway (scripts/local-s3-sts.sh up), uploads the same file several times one way, and prints the
# heaviest frames with their CPU per MiB uploaded. Not a benchmark: profiling slows the broker; compare ways by their
# frames, and measure throughput with bench/upload-bench.sh.
# Trust inclusive figures (a frame with all it calls) over self times: compiled code maps a sample to the nearest
# debug information, so a hot loop's time can land on a neighbouring frame, differently from one run to the next
# (MultipartFormParser.find showed 0.03 to 0.11 ms/MiB of self time across runs of one build, while the parser's
# inclusive cost stayed within 0.17-0.18). Run each build two or three times before concluding anything.
#
# usage: bench/profile-upload.sh put|chunked|form [uploads (8)] [MiB per upload (256)]
#   Unmeasured warm-up uploads of the same file come first (PROFILE_WARMUP=8), so that the JIT has settled.
#   Only the measured uploads are profiled (the agent is loaded into the running broker with jcmd). Writes the
#   collapsed stacks (one line per stack: frames;...;frames count) to /tmp/profile-upload-WAY.collapsed,
#   for flame graphs or a closer look with grep; PROFILE_PORT (18094) is the broker's port. PROFILE_ONLY_CPU=1
#   profiles nothing and prints only the broker's CPU per MiB (from /proc), for quick A/B runs of two settings. The broker runs with auth
#   (BROKER_AUTH_MODE=api-key) and a fresh random key, which every upload sends.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=profile-upload
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"
# shellcheck source=lib/profiler.sh
. "$HERE/lib/profiler.sh"
WAY=${1:?usage: bench/profile-upload.sh put|chunked|form [uploads] [MiB per upload]}
UPLOADS=${2:-8}
MIB=${3:-256}
WARMUP=${PROFILE_WARMUP:-8}
PORT=${PROFILE_PORT:-18094}
OUT=/tmp/profile-upload-$WAY.collapsed
[[ $WAY =~ ^(put|chunked|form)$ ]] || die "the way is put, chunked or form"
[[ -f $REPO/target/quarkus-app/quarkus-run.jar ]] || die "no target/quarkus-app: run ./mvnw package -DskipTests"

rm -f "$OUT"
# shellcheck disable=SC2317 # called by bench_cleanup
cleanup_run() {
  stop_pid "$BROKER_PID"
  rm -f "$WORK/source" # in RAM, and no use after the run
}
profile_run_start /dev/shm/profile-upload.XXXXXX
head -c $((MIB * 1048576)) /dev/urandom > "$WORK/source"

start_quarkus BROKER_PID broker "$PORT" "$WORK/broker.log" /q/health/ready "${AUTH_ON_ENV[@]}" MALLOC_ARENA_MAX=2 \
  java @"$REPO/docker/jvm.options" -jar "$REPO/target/quarkus-app/quarkus-run.jar"

key=profile-upload/$WAY
upload() {
  local url="http://127.0.0.1:$PORT/item" code curl=(curl -sS -o /dev/null -w '%{http_code}' -H "$AUTH_HEADER")
  case $WAY in
    put) code=$("${curl[@]}" -T "$WORK/source" "$url?bucket=$BUCKET&key=$key") ;;
    chunked) code=$("${curl[@]}" -H 'Transfer-Encoding: chunked' -T "$WORK/source" "$url?bucket=$BUCKET&key=$key") ;;
    form) code=$("${curl[@]}" -F "bucket=$BUCKET" -F "key=$key" -F "file=@$WORK/source" "$url") ;;
  esac
  [[ $code == 201 ]] || { tail -5 "$WORK/broker.log" >&2; die "upload answered $code; broker log: $WORK/broker.log"; }
  # The same key each time; the gateway keeps overwritten objects in RAM until its garbage collector runs.
  gc_process
}
for _ in $(seq "$WARMUP"); do upload; done
log "$WARMUP warm-up uploads done; profiling $UPLOADS uploads of $MIB MiB, way $WAY (event $PROFILER_EVENT)"
kill -0 "$BROKER_PID"
if [[ ${PROFILE_ONLY_CPU:-0} == 1 ]]; then
  cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$BROKER_PID/stat"; }
  before=$(cpu_ticks)
  for _ in $(seq "$UPLOADS"); do upload; done
  awk -v t="$(($(cpu_ticks) - before))" -v hz="$(getconf CLK_TCK)" -v mib="$((UPLOADS * MIB))" \
    'BEGIN { printf "broker CPU during the uploads: %.0f ms for %d MiB = %.2f ms/MiB (not profiled)\n", t * 1000 / hz, mib, t * 1000 / hz / mib }'
  exit 0
fi
profiler "$BROKER_PID" "start,event=$PROFILER_EVENT,interval=1ms"
for _ in $(seq "$UPLOADS"); do upload; done
profiler "$BROKER_PID" "stop,collapsed,file=$OUT"
profiler_wait "$OUT"

profile_report "$OUT" "$((UPLOADS * MIB))" 1 \
  --summary 'broker CPU during the uploads: {total} ms for {units} MiB = {value} ms/MiB'
STATUS=0
