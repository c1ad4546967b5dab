#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/lib disable=SC2153 # knobs sets the settings
# Warm-up curve: what a new replica costs. A freshly started broker (no warm-up of any kind) uploads BENCH_TOTAL_GIB
# (10) GiB as uploads of BENCH_UPLOAD_MIB (100) MiB, one way (BENCH_WAY: put, chunked or form); for each GiB the
# broker's CPU per MiB (utime + stime of /proc/PID/stat, all threads, as bench/upload-bench.sh measures it) and the
# share of it its JIT compiler threads took. bench/upload-bench.sh measures after a warm-up: this shows what the
# warm-up hides. Prints a Markdown report and appends it to bench/results-upload.md.
#
# usage: bench/warmup-curve.sh [JVM args of the broker]   (default: @docker/jvm.options -XX:-UsePerfData)
# Environment (all optional):
#   BENCH_WAY=put|chunked|form  BENCH_TOTAL_GIB=10  BENCH_UPLOAD_MIB=100
#   BENCH_BROKER_PORT=18096
#   BENCH_RGW=private|shared    private (default): a gateway of its own in /tmp/warmup-curve-rgw on 127.0.0.1:17494
#                               (BENCH_RGW_PORT, BENCH_RGW_MON_PORT 6794), stopped at the end; shared: the default one
#   BENCH_PIN=0|1               1: Ceph on the first half of the CPUs, the broker and curl on the other half
#   BENCH_BROKER_REV=REV  BENCH_BROKER_APP=DIR  BENCH_RESULTS=FILE  BENCH_KEEP_LOGS=1   as in bench/upload-bench.sh
# Exit status: 0 the run completed (no target: a curve), 2 it failed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=warmup-curve
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"

knobs WAY=put TOTAL_GIB=10 UPLOAD_MIB=100 BROKER_PORT=18096 RGW=private RESULTS="$HERE/results-upload.md"
whole_numbers TOTAL_GIB UPLOAD_MIB BROKER_PORT
[[ $WAY =~ ^(put|chunked|form)$ ]] || die "BENCH_WAY must be put, chunked or form"
((TOTAL_GIB >= 1 && UPLOAD_MIB >= 1 && UPLOAD_MIB <= 1024)) || die "BENCH_TOTAL_GIB >= 1, BENCH_UPLOAD_MIB 1-1024"
if (($#)); then JVM_ARGS=("$@"); else JVM_ARGS=("@$REPO/docker/jvm.options" -XX:-UsePerfData); fi
COMMAND_LINE=$(command_line "BENCH_ BROKER_UPLOAD_ MALLOC_" bench/warmup-curve.sh "$@")
RGW_KEEP=0
[[ $RGW == private ]] || RGW_KEEP=1
LOG_PIPE=1

bench_start /tmp/warmup-curve.XXXXXX
SHM=$(mktemp -d /dev/shm/warmup-curve.XXXXXX)
BROKER_PID=
KEY=
# shellcheck disable=SC2317 # called by bench_cleanup
cleanup_run() {
  stop_pid "$BROKER_PID"
  [[ -z $KEY ]] || s3_admin -o /dev/null -X DELETE "$(object_url "$KEY")" || true
  rm -rf "$SHM"
}

ensure_tools curl python3 java
describe_machine
gateway_up "$RGW" /tmp/warmup-curve-rgw "${BENCH_RGW_PORT:-17494}" "${BENCH_RGW_MON_PORT:-6794}" 2048
auth_init "$BUCKET"
build_broker
pin_script
head -c $((UPLOAD_MIB * 1048576)) /dev/urandom >"$SHM/source"
KEY="warmup-curve/$$-$WAY"

start_quarkus BROKER_PID broker "$BROKER_PORT" "$WORK/broker.log" /q/health/ready "${AUTH_ON_ENV[@]}" \
  MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" java "${JVM_ARGS[@]}" -jar "$BROKER_APP/quarkus-run.jar"
START_CPU=$(cpu_of "$BROKER_PID")
log "broker ready (CPU used by the start: $START_CPU s); uploading $TOTAL_GIB GiB as $UPLOAD_MIB MiB uploads, way $WAY"

upload_once() { # prints the HTTP status; one key, overwritten each time
  local item="http://127.0.0.1:$BROKER_PORT/item" c=(curl -sS -m 900 -o /dev/null -w '%{http_code}' -H "$AUTH_HEADER")
  case $WAY in
  put) "${c[@]}" -T "$SHM/source" "$item?bucket=$BUCKET&key=$KEY" ;;
  chunked) "${c[@]}" -T - "$item?bucket=$BUCKET&key=$KEY" <"$SHM/source" ;;
  form) "${c[@]}" -F "bucket=$BUCKET" -F "key=$KEY" -F "files=@$SHM/source;type=application/octet-stream" "$item" ;;
  esac
}
jit_of() { thread_ticks "$BROKER_PID" | awk -F'\t' '$1 ~ /^C[12] CompilerThre/ { j += $2 } END { print j + 0 }'; }

ROWS=()
FAILED=0
PER_GIB=$(((1024 + UPLOAD_MIB - 1) / UPLOAD_MIB))
FIRST=
for ((gib = 1; gib <= TOTAL_GIB; gib++)); do
  c0=$(cpu_of "$BROKER_PID") j0=$(jit_of) t0=$EPOCHREALTIME
  for ((i = 1; i <= PER_GIB; i++)); do
    u0=$(cpu_of "$BROKER_PID")
    code=$(upload_once) || code=000
    [[ $code == 201 ]] || FAILED=$((FAILED + 1))
    [[ -n $FIRST ]] || FIRST=$(awk -v a="$u0" -v b="$(cpu_of "$BROKER_PID")" -v m="$UPLOAD_MIB" 'BEGIN { printf "%.2f", 1000 * (b - a) / m }')
    gc_process
  done
  c1=$(cpu_of "$BROKER_PID") j1=$(jit_of)
  row=$(awk -v c0="$c0" -v c1="$c1" -v j="$((j1 - j0))" -v k="$(getconf CLK_TCK)" -v m="$((PER_GIB * UPLOAD_MIB))" \
    -v s="$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" -v g="$gib" 'BEGIN {
      cpu = c1 - c0; printf "| %d | %.2f | %.0f%% | %.1f |", g, 1000 * cpu / m, (cpu > 0 ? 100 * j / k / cpu : 0), m / s }')
  ROWS+=("$row")
  log "GiB $gib: $row"
done
scan_broker_logs '"(PUT|POST) /item[^"]*"' 201 "$WORK/broker.log"

REPORT=$(
  echo
  echo "## Warm-up curve of $DATE"
  echo
  echo "- command: \`$COMMAND_LINE\` (broker $BUILT)"
  echo "- machine: $NPROC x $CPU_MODEL, memory $MEM; $JAVA_VERSION; load average before $LOAD_BEFORE, after $(loadavg); other JVMs before: $FOREIGN_BEFORE"
  echo "- gateway: $(gateway_desc); CPU pinning: $PINNING"
  echo "- a freshly started broker, no warm-up: $TOTAL_GIB x $PER_GIB uploads of $UPLOAD_MIB MiB, way $WAY; CPU = utime + stime of /proc/PID/stat; the start itself used $START_CPU s; the very first upload cost $FIRST ms/MiB"
  echo
  echo "| GiB | broker CPU ms/MiB | of it JIT compiler threads | MiB/s |"
  echo "| ---: | ---: | ---: | ---: |"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Uploads not answered 201: $FAILED; broker log: $BLOCKED blocked-thread warnings, $WARN_COUNT other WARN/ERROR lines."
  warn_excerpt
)
printf '%s\n' "$REPORT"
printf '%s\n' "$REPORT" >>"$RESULTS"
log "results appended to $RESULTS"
((FAILED == 0)) || die "$FAILED uploads failed"
STATUS=0
