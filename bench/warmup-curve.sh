#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/lib disable=SC2153 # knobs sets the settings
# Warm-up curve: what a new replica costs. A freshly started broker (no warm-up of any kind) uploads BENCH_TOTAL_GIB
# (10) GiB as uploads of BENCH_UPLOAD_MIB (100) MiB, one way (BENCH_WAY: put, chunked or form to /item, or tus: curl's
# POST to /files/ and one PATCH of the whole file, as bench/tus-bench.sh's way tuscurl); for each GiB the broker's CPU
# per MiB (utime + stime of /proc/PID/stat, all threads, as bench/upload-bench.sh measures it) and the share of it
# its JIT compiler threads took; with -XX:+PrintCompilation among the JVM args, also the compilations per upload and
# the compiled methods made not entrant per upload (deoptimisations, and code that a higher tier replaced; with
# -XX:+LogCompilation too and BENCH_KEEP_LOGS=1, bench/lib/compilations.py tells them apart, upload by upload).
# bench/upload-bench.sh measures after a warm-up: this shows what the warm-up hides. Prints a Markdown report and
# appends it to bench/results-upload.md (way tus: bench/results-tus.md). The tus endpoint is on for every way.
#
# usage: bench/warmup-curve.sh [JVM args of the broker]   (default: @docker/jvm.options -XX:-UsePerfData)
# Environment (all optional):
#   BENCH_WAY=put|chunked|form|tus  BENCH_TOTAL_GIB=10  BENCH_UPLOAD_MIB=100
#   BENCH_BROKER_PORT=18096
#   BENCH_RGW=private|shared    private (default): a gateway of its own on 127.0.0.1:17494 (BENCH_RGW_PORT,
#                               BENCH_RGW_MON_PORT 6794) in /tmp/warmup-curve-rgw-<its port> (BENCH_RGW_DIR: a run with
#                               other ports in the same dir would stop and wipe a running one's gateway), stopped at
#                               the end; shared: the default one
#   BENCH_PIN=0|1               1: Ceph on the first half of the CPUs, the broker and curl on the other half
#   BENCH_BROKER_REV=REV  BENCH_BROKER_APP=DIR  BENCH_RESULTS=FILE  BENCH_KEEP_LOGS=1   as in bench/upload-bench.sh
# Exit status: 0 the run completed (no target: a curve), 2 it failed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=warmup-curve
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"

knobs WAY=put TOTAL_GIB=10 UPLOAD_MIB=100 BROKER_PORT=18096 RGW=private RESULTS="$HERE/results-upload.md" \
  RGW_PORT=17494 RGW_MON_PORT=6794
knobs RGW_DIR="/tmp/warmup-curve-rgw-$RGW_PORT"
whole_numbers TOTAL_GIB UPLOAD_MIB BROKER_PORT RGW_PORT RGW_MON_PORT
[[ $WAY =~ ^(put|chunked|form|tus)$ ]] || die "BENCH_WAY must be put, chunked, form or tus"
[[ -n ${BENCH_RESULTS:-} || $WAY != tus ]] || RESULTS=$HERE/results-tus.md
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
gateway_up "$RGW" "$RGW_DIR" "$RGW_PORT" "$RGW_MON_PORT" 2048
auth_init "$BUCKET"
build_broker
pin_script
head -c $((UPLOAD_MIB * 1048576)) /dev/urandom >"$SHM/source"
KEY="warmup-curve/$$-$WAY"

start_quarkus BROKER_PID broker "$BROKER_PORT" "$WORK/broker.log" /q/health/ready "${AUTH_ON_ENV[@]}" \
  BROKER_TUS_BUCKET="$BUCKET" MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" java "${JVM_ARGS[@]}" -jar "$BROKER_APP/quarkus-run.jar"
START_CPU=$(cpu_of "$BROKER_PID")
log "broker ready (CPU used by the start: $START_CPU s); uploading $TOTAL_GIB GiB as $UPLOAD_MIB MiB uploads, way $WAY"

upload_once() { # prints the HTTP status (tus: 201 once the PATCH completed it); one key, overwritten each time
  local item="http://127.0.0.1:$BROKER_PORT/item" c=(curl -sS -m 900 -o /dev/null -w '%{http_code}' -H "$AUTH_HEADER")
  local steps=() url
  case $WAY in
  put) "${c[@]}" -T "$SHM/source" "$item?bucket=$BUCKET&key=$KEY" ;;
  chunked) "${c[@]}" -T - "$item?bucket=$BUCKET&key=$KEY" <"$SHM/source" ;;
  form) "${c[@]}" -F "bucket=$BUCKET" -F "key=$KEY" -F "files=@$SHM/source;type=application/octet-stream" "$item" ;;
  tus)
    tus_curl_steps steps "http://127.0.0.1:$BROKER_PORT" "$SHM/source"
    # The broker names the object: removed at once (the gateway keeps objects in RAM).
    url=$(python3 "$HERE/lib/clients.py" 1 "${steps[@]}" 2>>"$WORK/client.log" | sed -n 2p) && [[ -n $url ]] &&
      s3_admin -o /dev/null -X DELETE "$(object_url "$(tus_key "$url")")" && echo 201
    ;;
  esac
}
jit_of() { thread_ticks "$BROKER_PID" | awk -F'\t' '$1 ~ /^C[12] CompilerThre/ { j += $2 } END { print j + 0 }'; }
COMPILES=0
[[ " ${JVM_ARGS[*]} " != *" -XX:+PrintCompilation "* ]] || COMPILES=1
# -XX:+PrintCompilation's lines in the broker's log so far: "compilations made-not-entrant"
compiles_of() { awk '/::/ { if (/made not entrant/) n++; else if (!/made zombie/) c++ } END { print c + 0, n + 0 }' "$WORK/broker.log"; }

ROWS=()
FAILED=0
PER_GIB=$(((1024 + UPLOAD_MIB - 1) / UPLOAD_MIB))
FIRST=
for ((gib = 1; gib <= TOTAL_GIB; gib++)); do
  c0=$(cpu_of "$BROKER_PID") j0=$(jit_of) t0=$EPOCHREALTIME
  ((COMPILES == 0)) || read -r k0 n0 < <(compiles_of)
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
  if ((COMPILES)); then
    sleep 0.2 # the log goes through a pipe
    read -r k1 n1 < <(compiles_of)
    row+=$(awk -v k="$((k1 - k0))" -v n="$((n1 - n0))" -v u="$PER_GIB" 'BEGIN { printf " %.1f | %.1f |", k / u, n / u }')
  fi
  ROWS+=("$row")
  log "GiB $gib: $row"
done
if [[ $WAY == tus ]]; then
  scan_broker_logs '"(PATCH|POST) /files[^ ]* HTTP/1.1"' '(201|204)' "$WORK/broker.log"
else
  scan_broker_logs '"(PUT|POST) /item[^"]*"' 201 "$WORK/broker.log"
fi

REPORT=$(
  echo
  echo "## Warm-up curve of $DATE"
  echo
  echo "- command: \`$COMMAND_LINE\` (broker $BUILT)"
  echo "- machine: $NPROC x $CPU_MODEL, memory $MEM; $JAVA_VERSION; load average before $LOAD_BEFORE, after $(loadavg); other JVMs before: $FOREIGN_BEFORE"
  echo "- gateway: $(gateway_desc); CPU pinning: $PINNING"
  echo "- a freshly started broker, no warm-up: $TOTAL_GIB x $PER_GIB uploads of $UPLOAD_MIB MiB, way $WAY; CPU = utime + stime of /proc/PID/stat; the start itself used $START_CPU s; the very first upload cost $FIRST ms/MiB"
  echo
  if ((COMPILES)); then
    echo "| GiB | broker CPU ms/MiB | of it JIT compiler threads | MiB/s | compilations per upload | made not entrant per upload |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
  else
    echo "| GiB | broker CPU ms/MiB | of it JIT compiler threads | MiB/s |"
    echo "| ---: | ---: | ---: | ---: |"
  fi
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
