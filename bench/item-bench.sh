#!/usr/bin/env bash
# GET /item benchmark (issue "Foundation", "Done means"). One run, on this machine, side by side:
#   1. GET /item?check=true  vs the same HeadObject sent straight to RGW (presigned HEAD URL), both with wrk
#      target: broker >= 0.8x direct
#   2. GET /item?check=false vs a trivial Quarkus endpoint (bench/trivial-app, same JVM options)
#      target: broker >= 0.3x trivial
#   3. cold single flight: fresh broker without prefetch, N concurrent GET /item?check=false -> exactly one
#      AssumeRole at the gateway
#   4. no blocked-thread warnings in the broker's log during all of it
# Prints a Markdown table and appends it, with the machine and the command, to bench/results-item.md.
#
# usage: bench/item-bench.sh [JVM args for both services, e.g. -Xmx256m]   (default: @docker/jvm.options, as the image)
# Environment (all optional):
#   BENCH_WARMUP=5s BENCH_DURATION=20s   wrk durations of each warm-up / measured run
#   BENCH_JVM_WARMUP=60                   seconds of load right after each JVM starts, before its first warm-up, so
#                                         that the JIT is done (on 2 cores C2 still compiles the broker's paths
#                                         30 s into the load; short runs measure mostly the JIT)
#   BENCH_CONNECTIONS=32 BENCH_THREADS=2  wrk connections / threads of the load phases
#   BENCH_BURST=256                       concurrent requests of the cold single-flight phase
#   BENCH_ROUNDS=3                        rounds of phase 1, direct and broker alternating; the ratio is of medians
#   BENCH_RETRIES=2                       a measured run disturbed by other work on the machine (more than
#   BENCH_DISTURBED_PCT=20                BENCH_DISTURBED_PCT % of one core used by others) is measured again, after
#                                         waiting for a quiet machine, this many times at most
#   BENCH_COLD_TRIES=3                    re-runs of phase 3 when AssumeRole calls of someone else (another test run
#                                         on the same gateway) fall into its window
#   BENCH_RGW=private|shared              private (default): a gateway of its own, booted by scripts/local-s3-sts.sh
#                                         in /tmp/item-bench-rgw on 127.0.0.1:17480 (BENCH_RGW_PORT, BENCH_RGW_MON_PORT
#                                         6798) and stopped at the end, so that other test runs on the machine
#                                         neither fill its memory store, nor add AssumeRole calls to its count, nor
#                                         load it; shared: the default one (/tmp/s3-sts-broker-rgw, port 7480)
#   BENCH_PIN=0|1                         1 (private gateway only): Ceph on the first half of the CPUs, the services,
#                                         wrk and the burst on the other half, as if S3 were another machine. The
#                                         default 0 lets everything share all CPUs.
#   BENCH_BROKER_PORT=18080 BENCH_TRIVIAL_PORT=18081   (not 8080/8081: dev runs and Quarkus tests use those)
#   BENCH_DIRECT_SIGNER=role|admin        credentials of the presigned HEAD URL (default role: same auth path at
#                                         RGW as the broker's own HeadObject)
#   BENCH_BROKER_REV=REV                  build this commit (git archive) instead of the work tree of the checkout
#   BENCH_BROKER_APP=DIR                  a built target/quarkus-app to run instead of building anything
#   BENCH_RESULTS=FILE                    where to append the results (default bench/results-item.md)
#   BENCH_KEEP_LOGS=1                     keep the work dir (service logs, wrk output; kept anyway when the run
#                                         fails) in /tmp; the broker's log has one access-log line per request
#   BENCH_KEEP_RGW=1                      leave the gateway running even if this script booted it
# Exit status: 0 all targets met, 1 a target missed (results are written either way), 2 the run itself failed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
WARMUP=${BENCH_WARMUP:-5s}
JVM_WARMUP=${BENCH_JVM_WARMUP:-60}
DURATION=${BENCH_DURATION:-20s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
BURST=${BENCH_BURST:-256}
ROUNDS=${BENCH_ROUNDS:-3}
COLD_TRIES=${BENCH_COLD_TRIES:-3}
BROKER_PORT=${BENCH_BROKER_PORT:-18080}
TRIVIAL_PORT=${BENCH_TRIVIAL_PORT:-18081}
DIRECT_SIGNER=${BENCH_DIRECT_SIGNER:-role}
RESULTS=${BENCH_RESULTS:-$HERE/results-item.md}
# Both services run with the JVM options of the broker's image (Serial GC): on this 24 GiB machine the JVM would
# pick G1, which cost the broker ~30% more CPU per request here, and no deployment of the broker runs G1.
if (($#)); then JVM_ARGS=("$@"); else JVM_ARGS=("@$REPO/docker/jvm.options"); fi
OBJECT_KEY=item-bench/head-object
TARGET_DIRECT=0.8
TARGET_TRIVIAL=0.3
# A measured run during which other work used more CPU than this (percent of one core) is flagged as disturbed.
DISTURBED_PCT=${BENCH_DISTURBED_PCT:-20}
RETRIES=${BENCH_RETRIES:-2}
RETRIED=0

log() { printf '[item-bench] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 2
}

# Command line as given, for the results (BENCH_* settings first).
COMMAND_LINE=$(
  for v in $(compgen -v BENCH_ || true); do printf '%s=%q ' "$v" "${!v}"; done
  printf 'bench/item-bench.sh'
  for a in "$@"; do printf ' %q' "$a"; done
)

[[ $DIRECT_SIGNER == role || $DIRECT_SIGNER == admin ]] || die "BENCH_DIRECT_SIGNER must be role or admin"
[[ $BURST =~ ^[0-9]+$ && $CONNECTIONS =~ ^[0-9]+$ && $THREADS =~ ^[0-9]+$ && $JVM_WARMUP =~ ^[0-9]+$ ]] \
  || die "BENCH_BURST/CONNECTIONS/THREADS/JVM_WARMUP must be numbers"

# ---------------------------------------------------------------- cleanup

WORK=$(mktemp -d /tmp/item-bench.XXXXXX)
BROKER_PID=
TRIVIAL_PID=
RGW_STARTED=0
OBJECT_URL=
ADMIN_SIGN=()
STATUS=2

stop_pid() { # pid: SIGTERM, then SIGKILL after 40 s (the broker's shutdown grace is 30 s)
  local pid=$1 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 400; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  log "pid $pid ignored SIGTERM for 40 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local rc=$?
  set +e
  stop_pid "$TRIVIAL_PID"
  stop_pid "$BROKER_PID"
  if [[ -n $OBJECT_URL ]]; then
    curl -s -m 10 -o /dev/null "${ADMIN_SIGN[@]}" -X DELETE "$OBJECT_URL"
  fi
  if ((RGW_STARTED)) && [[ ${BENCH_KEEP_RGW:-0} != 1 ]]; then
    log "stopping the gateway this run booted"
    "$REPO/scripts/local-s3-sts.sh" down >/dev/null 2>&1
  fi
  if [[ $STATUS == 2 || ${BENCH_KEEP_LOGS:-0} == 1 ]]; then
    rm -rf "$WORK/broker-src" "$WORK/trivial-app"
    log "logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- tools

ensure_tools() {
  local missing=() bin
  for bin in wrk curl python3 java; do
    command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
  done
  ((${#missing[@]})) || return 0
  [[ " ${missing[*]} " != *" java "* ]] || die "java is missing (the project needs a JDK 17)"
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; installing them needs root"
  local pkgs=() m
  for m in "${missing[@]}"; do
    case $m in python3) pkgs+=(python3-minimal) ;; *) pkgs+=("$m") ;; esac
  done
  log "installing ${pkgs[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2 \
    || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2; } \
    || die "apt-get install ${pkgs[*]} failed"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# CPU seconds (user+sys) used so far by a set of pids; missing pids count 0.
cpu_of() {
  local tck total=0 pid t
  tck=$(getconf CLK_TCK)
  for pid in "$@"; do
    [[ $pid =~ ^[0-9]+$ ]] || continue
    t=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null) || t=0
    total=$((total + ${t:-0}))
  done
  awk -v t="$total" -v k="$tck" 'BEGIN { printf "%.2f", t / k }'
}

# Busy and total jiffies of the whole machine, or of the CPUs given by number ("1", "2 3").
machine_jiffies() {
  awk -v cpus=" $* " '(cpus == "  " && /^cpu /) || (cpus != "  " && index(cpus, " " substr($1, 4) " ") && /^cpu[0-9]/) {
      b = $2 + $3 + $4 + $7 + $8 + $9; busy += b; total += b + $5 + $6 } END { print busy, total }' /proc/stat
}

# Other JVMs (another engineer's Maven build or tests): the usual cause of a disturbed run.
foreign_jvms() {
  local pid
  for pid in $(pgrep -x java || true); do
    [[ $pid == "$BROKER_PID" || $pid == "$TRIVIAL_PID" ]] || echo "$pid"
  done
}

# Sets CHILD_CPU to the CPU seconds of this shell's finished children (wrk, mostly). `times` must run in this
# shell itself, so this is never called in $(...).
children_cpu() {
  times >"$WORK/times"
  CHILD_CPU=$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, m, "m"); t += m[1] * 60 + m[2] }
    printf "%.2f", t }' "$WORK/times")
}

thread_ticks() { # "thread-group ticks" of each thread of a pid; a group is the thread name without its number
  local t
  for t in /proc/"$1"/task/*; do
    awk -v n="$(cat "$t/comm" 2>/dev/null)" '{ sub(/.*\) /, ""); sub(/[-#0-9]+$/, "", n); print n "\t" $12 + $13 }' \
      "$t/stat" 2>/dev/null || true
  done
}

ceph_pids() {
  local f
  for f in "$LOCAL_S3STS_DIR"/run/{client.rgw.local,osd.0,mon.a}.pid; do
    [[ -r $f ]] && cat "$f"
  done
}

# ---------------------------------------------------------------- services

wait_http() { # url pid what: until the URL answers 200 (max 90 s), failing early if pid dies
  local url=$1 pid=$2 what=$3 i
  for ((i = 0; i < 900; i++)); do
    [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" 2>/dev/null) == 200 ]] && return 0
    kill -0 "$pid" 2>/dev/null || die "$what exited during start-up; see $WORK/*.log"
    sleep 0.1
  done
  die "$what did not answer $url within 90 s"
}

start_broker() { # extra env assignments...
  port_busy "$BROKER_PORT" && die "127.0.0.1:$BROKER_PORT is in use (set BENCH_BROKER_PORT)"
  printf '\n===== item-bench: broker start %s %s\n' "$(date -Is)" "$*" >>"$WORK/broker.log"
  # From the work dir, so that no .env or config/ of the checkout's cwd is picked up.
  (cd "$WORK" && exec env QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT="$BROKER_PORT" "$@" "${PIN_LOAD[@]}" \
    java "${JVM_ARGS[@]}" -jar "$BROKER_APP/quarkus-run.jar" >>"$WORK/broker.log" 2>&1) &
  BROKER_PID=$!
  wait_http "http://127.0.0.1:$BROKER_PORT/q/health/live" "$BROKER_PID" broker
}

stop_broker() {
  stop_pid "$BROKER_PID"
  BROKER_PID=
}

# ---------------------------------------------------------------- wrk

write_lua() {
  cat >"$WORK/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
EOF
  { echo 'wrk.method = "HEAD"'; cat "$WORK/report.lua"; } >"$WORK/head.lua"
}

secs() { # 20s / 1m / 20 -> seconds
  case $1 in
  *m) echo $((${1%m} * 60)) ;;
  *s) echo "${1%s}" ;;
  *) echo "$1" ;;
  esac
}

# Runs wrk; prints "rps p50_ms p99_ms errors" (errors = socket errors + status >= 400).
wrk_run() { # name lua url duration
  local name=$1 lua=$2 url=$3 dur=$4 out
  out="$WORK/wrk-$(tr -c 'A-Za-z0-9\n' - <<<"$name").txt"
  timeout $(($(secs "$dur") + 60)) "${PIN_LOAD[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$dur" --timeout 10s --latency \
    -s "$lua" "$url" >"$out" 2>&1 || die "wrk $name failed: $(tail -n 5 "$out")"
  awk '/^RESULT/ {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
    printf "%.0f %.2f %.2f %d\n", r["requests"] / (r["duration_us"] / 1e6), r["p50_us"] / 1000, r["p99_us"] / 1000,
      r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
  }' "$out"
}

# Waits (at most $1 seconds) until the machine is quiet: under 20% of one core busy over 3 s.
wait_quiet() {
  local max=$1 waited=0 j0 j1 busy
  while ((waited < max)); do
    j0=$(machine_jiffies)
    sleep 3
    j1=$(machine_jiffies)
    busy=$(awk -v a="$j0" -v b="$j1" -v n="$NPROC" 'BEGIN { split(a, x, " "); split(b, y, " ");
      printf "%.0f", 100 * n * (y[1] - x[1]) / (y[2] - x[2]) }')
    ((busy >= 20)) || return 0
    waited=$((waited + 3))
  done
  log "the machine is still busy ($busy% of a core) after ${max}s; going on"
}

# measure_once until a run is not disturbed by other work, at most BENCH_RETRIES more times.
measure() { # name service-pid lua url uses-ceph(0|1)
  local try
  for ((try = 0; ; try++)); do
    measure_once "$@"
    ((M_OTHER > DISTURBED_PCT && try < RETRIES)) || break
    log "$1: other work used $M_OTHER% CPU during the run; waiting for a quiet machine and measuring again"
    wait_quiet 120
  done
  RETRIED=$((RETRIED + try))
  ROWS+=("$M_ROW")
  [[ -z $M_THREADS ]] || THREAD_LINES+=("$M_THREADS")
  ((M_OTHER <= DISTURBED_PCT)) || DISTURBED+=("$1 (other work used $M_OTHER% CPU)")
}

# Warm-up, then a measured run with CPU accounting. Sets M_*: the figures, a table row and a thread line.
measure_once() { # name service-pid lua url uses-ceph(0|1)
  local name=$1 pid=$2 lua=$3 url=$4 uses_ceph=$5 b0 c0 w0 b1 c1 w1 t0 t1 j0 j1 l0 l1 e0 e1 h0 h1 res
  log "$name: warm-up $WARMUP"
  wrk_run "$name-warmup" "$lua" "$url" "$WARMUP" >/dev/null
  M_LOAD=$(loadavg)
  log "$name: measuring $DURATION (load average $M_LOAD)"
  [[ -z $pid ]] || h0=$(thread_ticks "$pid")
  j0=$(machine_jiffies)
  l0=$(machine_jiffies "${LOAD_CPUS[@]}")
  e0=$(machine_jiffies "${CEPH_CPUS[@]}")
  b0=$(cpu_of "$pid")
  # shellcheck disable=SC2046 # one pid a word
  c0=$(cpu_of $(ceph_pids))
  children_cpu
  w0=$CHILD_CPU
  t0=$EPOCHREALTIME
  res=$(wrk_run "$name" "$lua" "$url" "$DURATION")
  read -r M_RPS M_P50 M_P99 M_ERR <<<"$res"
  t1=$EPOCHREALTIME
  children_cpu
  w1=$CHILD_CPU
  b1=$(cpu_of "$pid")
  # shellcheck disable=SC2046
  c1=$(cpu_of $(ceph_pids))
  j1=$(machine_jiffies)
  l1=$(machine_jiffies "${LOAD_CPUS[@]}")
  e1=$(machine_jiffies "${CEPH_CPUS[@]}")
  [[ -z $pid ]] || h1=$(thread_ticks "$pid")
  # Everything in percent of one core; "other" is what neither the service, Ceph nor wrk used: other work on the
  # machine (and the kernel's share of loopback networking). Pinned, only the CPUs this run uses count: the load
  # half, and the Ceph half if the run calls Ceph.
  res=$(awk -v t0="$t0" -v t1="$t1" -v b0="$b0" -v b1="$b1" -v c0="$c0" -v c1="$c1" -v w0="$w0" -v w1="$w1" \
    -v j0="$j0" -v j1="$j1" -v l0="$l0" -v l1="$l1" -v e0="$e0" -v e1="$e1" -v n="$NPROC" -v nl="${#LOAD_CPUS[@]}" \
    -v ne="${#CEPH_CPUS[@]}" -v uc="$uses_ceph" '
    function pct(x, y, k) { split(x, a, " "); split(y, b, " "); return b[2] > a[2] ? 100 * k * (b[1] - a[1]) / (b[2] - a[2]) : 0 }
    BEGIN {
      el = t1 - t0
      svc = 100 * (b1 - b0) / el; ceph = 100 * (c1 - c0) / el; wrk = 100 * (w1 - w0) / el
      busy = pct(j0, j1, n)
      if (nl) other = pct(l0, l1, nl) - svc - wrk + (uc ? pct(e0, e1, ne) - ceph : 0)
      else other = busy - svc - ceph - wrk
      printf "%.0f %.0f %.0f %.0f %.0f\n", svc, ceph, wrk, busy, (other > 0 ? other : 0)
    }')
  read -r M_SVC_CPU M_CEPH_CPU M_WRK_CPU M_BUSY M_OTHER <<<"$res"
  if [[ -n $pid ]]; then
    M_SVC_MS=$(awk -v c="$M_SVC_CPU" -v r="$M_RPS" 'BEGIN { printf "%.3f", (r > 0 ? c * 10 / r : 0) }')
    M_SVC_CPU="$M_SVC_CPU%"
    # The service's CPU by thread group, largest first, groups above 1% of a core.
    M_THREADS="- $name: $(awk -F'\t' -v el="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
      -v k="$(getconf CLK_TCK)" 'NR == FNR { s[$1] -= $2; next } { s[$1] += $2 }
      END { for (g in s) if (100 * s[g] / k / el >= 1) printf "%.0f\t%s\n", 100 * s[g] / k / el, g }' \
      <(printf '%s\n' "$h0") <(printf '%s\n' "$h1") | sort -rn | awk -F'\t' '{ printf "%s%s %s%%", (NR > 1 ? ", " : ""), $2, $1 }')"
  else
    M_SVC_CPU=- M_SVC_MS=- M_THREADS=
  fi
  log "$name: $M_RPS req/s, p50 $M_P50 ms, p99 $M_P99 ms, errors $M_ERR, other work $M_OTHER% CPU"
  M_ROW="| $name | $M_RPS | $M_P50 | $M_P99 | $M_ERR | $M_SVC_CPU | $M_SVC_MS | $M_CEPH_CPU% | $M_WRK_CPU% | $M_OTHER% | $M_BUSY% | $M_LOAD |"
}

jvm_warmup() { # name seconds url...: load spread over the URLs, results thrown away
  local name=$1 total=$2 each i=0
  shift 2
  ((total > 0)) || return 0
  each=$(((total + $# - 1) / $#))
  log "$name: JVM warm-up ${total}s"
  for url; do
    wrk_run "$name-jvm-warmup-$((i += 1))" "$WORK/report.lua" "$url" "${each}s" >/dev/null
  done
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
meets() { awk -v r="$1" -v t="$2" 'BEGIN { exit !(r >= t) }'; }

# ---------------------------------------------------------------- run

ensure_tools
write_lua

DATE=$(date -Is)
NPROC=$(nproc)
CPU_MODEL=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
MEM=$(free -h | awk '/^Mem:/ { print $2 " total, " $7 " available" }')
JAVA_VERSION=$(java -version 2>&1 | sed -n 2p)
LOAD_BEFORE=$(loadavg)
FOREIGN_BEFORE=$(foreign_jvms | wc -l)
GIT_REV=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
GIT_DIRTY=$(git -C "$REPO" status --porcelain -- src pom.xml 2>/dev/null | wc -l)
log "machine: $NPROC x $CPU_MODEL, $MEM, load average $LOAD_BEFORE, other JVMs $FOREIGN_BEFORE"

# Local S3 + STS
RGW_MODE=${BENCH_RGW:-private}
case $RGW_MODE in
private)
  export LOCAL_S3STS_DIR=/tmp/item-bench-rgw LOCAL_S3STS_PORT=${BENCH_RGW_PORT:-17480}
  export LOCAL_S3STS_MON_PORT=${BENCH_RGW_MON_PORT:-6798} LOCAL_S3STS_MEMSTORE_BYTES=$((512 * 1024 * 1024))
  ;;
shared) ;;
*) die "BENCH_RGW must be private or shared" ;;
esac
if ! "$REPO/scripts/local-s3-sts.sh" status >/dev/null 2>&1; then
  RGW_STARTED=1
fi
env_file=$("$REPO/scripts/local-s3-sts.sh" up | tail -n 1) || die "could not boot the local S3/STS server"
set -a
# shellcheck source=/dev/null
. "$env_file"
set +a
PIN_LOAD=()
LOAD_CPUS=()
CEPH_CPUS=()
PINNING="none: services, wrk and Ceph share all $NPROC CPUs"
if [[ ${BENCH_PIN:-0} == 1 ]]; then
  [[ $RGW_MODE == private ]] || die "BENCH_PIN=1 needs the private gateway: it would pin processes of other test runs"
  ((NPROC >= 2)) || die "BENCH_PIN=1 needs at least 2 CPUs"
  command -v taskset >/dev/null || die "taskset (util-linux) is missing"
  ceph_cpus="0-$((NPROC / 2 - 1))" load_cpus="$((NPROC / 2))-$((NPROC - 1))"
  for pid in $(ceph_pids); do
    taskset -a -c -p "$ceph_cpus" "$pid" >/dev/null || die "could not pin Ceph process $pid"
  done
  PIN_LOAD=(taskset -c "$load_cpus")
  mapfile -t CEPH_CPUS < <(seq 0 $((NPROC / 2 - 1)))
  mapfile -t LOAD_CPUS < <(seq $((NPROC / 2)) $((NPROC - 1)))
  PINNING="Ceph pinned to CPUs $ceph_cpus; services, wrk and the burst to CPUs $load_cpus"
fi
REGION=${BROKER_REGION:-us-east-1}
BUCKET=$LOCAL_S3STS_BUCKET
OBJECT_URL_PENDING="$LOCAL_S3STS_ENDPOINT/$BUCKET/$OBJECT_KEY"
ADMIN_SIGN=(--aws-sigv4 "aws:amz:$REGION:s3" --user "$LOCAL_S3STS_ADMIN_ACCESS_KEY:$LOCAL_S3STS_ADMIN_SECRET_KEY"
  -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')

# Builds: the checkout is copied first, so that other builds in the checkout (which rewrite target/) can neither
# disturb this one nor replace the jars under the running broker.
if [[ -n ${BENCH_BROKER_APP:-} ]]; then
  BROKER_APP=$(cd "$BENCH_BROKER_APP" && pwd)
  BUILT="prebuilt $BROKER_APP"
else
  mkdir -p "$WORK/broker-src"
  if [[ -n ${BENCH_BROKER_REV:-} ]]; then
    GIT_REV=$(git -C "$REPO" rev-parse --short "$BENCH_BROKER_REV^{commit}") || die "no commit $BENCH_BROKER_REV"
    GIT_DIRTY=0
    log "building the broker at commit $GIT_REV"
    git -C "$REPO" archive "$GIT_REV" pom.xml mvnw .mvn src | tar -x -C "$WORK/broker-src"
  else
    log "building the broker (copy of the checkout at $GIT_REV, $GIT_DIRTY changed files in src/ and pom.xml)"
    cp -r "$REPO/pom.xml" "$REPO/mvnw" "$REPO/.mvn" "$REPO/src" "$WORK/broker-src/"
  fi
  (cd "$WORK/broker-src" && ./mvnw -B -q package -DskipTests) >"$WORK/build-broker.log" 2>&1 \
    || die "broker build failed: $(tail -n 20 "$WORK/build-broker.log")"
  BROKER_APP=$WORK/broker-src/target/quarkus-app
  if [[ -n ${BENCH_BROKER_REV:-} ]]; then
    BUILT="built from commit $GIT_REV"
  else
    BUILT="built from the work tree: commit $GIT_REV + $GIT_DIRTY changed or new files in src/ and pom.xml"
  fi
fi
log "building bench/trivial-app"
mkdir -p "$WORK/trivial-app"
cp -r "$HERE/trivial-app/pom.xml" "$HERE/trivial-app/src" "$WORK/trivial-app/"
(cd "$REPO" && ./mvnw -B -q -f "$WORK/trivial-app/pom.xml" package) >"$WORK/build-trivial.log" 2>&1 \
  || die "trivial-app build failed: $(tail -n 20 "$WORK/build-trivial.log")"
TRIVIAL_APP=$WORK/trivial-app/target/quarkus-app

# The object. Empty on purpose: wrk 4.1 waits for a body after a HEAD whose Content-Length is not 0, and HeadObject
# does the same work at RGW whatever the object's size.
code=$(curl -sS -m 30 -o /dev/null -w '%{http_code}' "${ADMIN_SIGN[@]}" -H 'Content-Type: application/octet-stream' \
  -X PUT --data-binary '' "$OBJECT_URL_PENDING") || die "PutObject failed"
[[ $code == 200 ]] || die "PutObject $OBJECT_URL_PENDING answered $code"
OBJECT_URL=$OBJECT_URL_PENDING

# The presigned HEAD URL for the direct runs.
if [[ $DIRECT_SIGNER == role ]]; then
  resp=$(curl -sS -m 30 --aws-sigv4 "aws:amz:$REGION:sts" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -X POST "$BROKER_STS_ENDPOINT/" --data-urlencode Action=AssumeRole --data-urlencode Version=2011-06-15 \
    --data-urlencode "RoleArn=$BROKER_ROLE_ARN" --data-urlencode RoleSessionName=item-bench \
    --data-urlencode DurationSeconds=7200) || die "AssumeRole for the direct runs failed"
  field() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" <<<"$resp"; }
  SIGN_KEY=$(field AccessKeyId) SIGN_SECRET=$(field SecretAccessKey) SIGN_TOKEN=$(field SessionToken)
  [[ -n $SIGN_KEY && -n $SIGN_SECRET && -n $SIGN_TOKEN ]] || die "AssumeRole gave no credentials: $resp"
else
  SIGN_KEY=$LOCAL_S3STS_ADMIN_ACCESS_KEY SIGN_SECRET=$LOCAL_S3STS_ADMIN_SECRET_KEY SIGN_TOKEN=
fi
HEAD_URL=$(KEY=$SIGN_KEY SECRET=$SIGN_SECRET TOKEN=$SIGN_TOKEN python3 "$HERE/lib/presign.py" HEAD "$OBJECT_URL" \
  "$REGION" 7200)
code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -I "$HEAD_URL") || die "presigned HEAD failed"
[[ $code == 200 ]] || die "presigned HEAD answered $code"

ITEM="http://127.0.0.1:$BROKER_PORT/item?bucket=$BUCKET&key=$OBJECT_KEY"
ROWS=()
DISTURBED=()
THREAD_LINES=()
wait_quiet 120

log "starting the broker on 127.0.0.1:$BROKER_PORT (JVM args: ${JVM_ARGS[*]:-none})"
start_broker
wait_http "http://127.0.0.1:$BROKER_PORT/q/health/ready" "$BROKER_PID" broker # credentials are cached
body=$(curl -sS -m 10 "$ITEM&check=true") || die "GET /item failed"
[[ $body == *'"success":true'* ]] || die "GET /item?check=true did not succeed: $body"
# Two thirds on the HeadObject path, the rest on check=false (same presign path at a higher rate).
jvm_warmup broker "$JVM_WARMUP" "$ITEM&check=true" "$ITEM&check=true" "$ITEM&check=false"

# 1. check=true vs direct HeadObject, alternating, so that a slow spell of the machine hits both sides
DIRECT_ALL=()
CHECK_ALL=()
for ((round = 1; round <= ROUNDS; round++)); do
  measure "direct HEAD at RGW, round $round" "" "$WORK/head.lua" "$HEAD_URL" 1
  DIRECT_ALL+=("$M_RPS")
  measure "broker GET /item?check=true, round $round" "$BROKER_PID" "$WORK/report.lua" "$ITEM&check=true" 1
  CHECK_ALL+=("$M_RPS")
done
DIRECT_RPS=$(median "${DIRECT_ALL[@]}")
CHECK_RPS=$(median "${CHECK_ALL[@]}")
R1=$(ratio "$CHECK_RPS" "$DIRECT_RPS")

# 2. check=false vs a trivial endpoint
port_busy "$TRIVIAL_PORT" && die "127.0.0.1:$TRIVIAL_PORT is in use (set BENCH_TRIVIAL_PORT)"
log "starting bench/trivial-app on 127.0.0.1:$TRIVIAL_PORT"
(cd "$WORK" && exec env QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT="$TRIVIAL_PORT" "${PIN_LOAD[@]}" \
  java "${JVM_ARGS[@]}" -jar "$TRIVIAL_APP/quarkus-run.jar" >>"$WORK/trivial.log" 2>&1) &
TRIVIAL_PID=$!
wait_http "http://127.0.0.1:$TRIVIAL_PORT/constant" "$TRIVIAL_PID" trivial-app
jvm_warmup trivial-app "$JVM_WARMUP" "http://127.0.0.1:$TRIVIAL_PORT/constant"
measure "trivial Quarkus GET /constant" "$TRIVIAL_PID" "$WORK/report.lua" "http://127.0.0.1:$TRIVIAL_PORT/constant" 0
TRIVIAL_RPS=$M_RPS
stop_pid "$TRIVIAL_PID"
TRIVIAL_PID=
measure "broker GET /item?check=false" "$BROKER_PID" "$WORK/report.lua" "$ITEM&check=false" 0
NOCHECK_RPS=$M_RPS
R2=$(ratio "$NOCHECK_RPS" "$TRIVIAL_RPS")

# 3. cold single flight
COLD_LINES=()
for ((try = 1; try <= COLD_TRIES; try++)); do
  log "cold single flight (try $try): restarting the broker with BROKER_PREFETCH_ON_START=false"
  stop_broker
  start_broker BROKER_PREFETCH_ON_START=false
  before=$("$REPO/scripts/local-s3-sts.sh" assume-role-count)
  burst=$("${PIN_LOAD[@]}" python3 "$HERE/lib/burst.py" 127.0.0.1 "$BROKER_PORT" "/item?bucket=$BUCKET&key=$OBJECT_KEY&check=false" "$BURST")
  after=$("$REPO/scripts/local-s3-sts.sh" assume-role-count)
  metric=$(curl -sS -m 10 "http://127.0.0.1:$BROKER_PORT/q/metrics" |
    awk '/^broker_sts_assume_role_total\{/ && /outcome="success"/ { print $NF + 0 }')
  DELTA=$((after - before))
  METRIC=${metric:-missing}
  log "burst: $burst; AssumeRole at the gateway $before -> $after (+$DELTA), broker metric success=$METRIC"
  COLD_LINES+=("- try $try: gateway AssumeRole count $before -> $after (**+$DELTA**); broker_sts_assume_role_total{outcome=\"success\"} = $METRIC; burst: \`$burst\`")
  BURST_LINE=$burst
  # More at the gateway than the broker made itself: someone else's AssumeRole fell into the window; try again.
  if ((DELTA != 1)) && [[ $METRIC == 1 ]] && ((try < COLD_TRIES)); then
    log "the gateway counted AssumeRole calls the broker did not make (another test run?); trying again"
    continue
  fi
  break
done
BURST_OK=0
[[ $BURST_LINE == *"answered=$BURST statuses=200:$BURST ok_bodies=$BURST "* ]] && BURST_OK=1

# 4. blocked threads and anything else odd, over all the broker's logs of this run
BLOCKED=$(grep -cE 'Thread .* has been blocked|BlockedThreadChecker' "$WORK/broker.log" || true)
ACCESS_NON200=$(grep -E '"GET /item[^"]*" [0-9]{3} ' "$WORK/broker.log" | grep -cvE '"GET /item[^"]*" 200 ' || true)
ACCESS_TOTAL=$(grep -cE '"GET /item[^"]*" [0-9]{3} ' "$WORK/broker.log" || true)
WARN_LINES=$(grep -E ' (WARN|ERROR) ' "$WORK/broker.log" | grep -vE 'has been blocked|BlockedThreadChecker' || true)
WARN_COUNT=$(grep -c . <<<"$WARN_LINES" || true)
stop_broker

# ---------------------------------------------------------------- results

verdict() { if meets "$1" "$2"; then echo met; else echo "**MISSED**"; fi; }
V1=$(verdict "$R1" "$TARGET_DIRECT")
V2=$(verdict "$R2" "$TARGET_TRIVIAL")
V3=$([[ $DELTA == 1 && $BURST_OK == 1 ]] && echo met || echo "**MISSED**")
V4=$([[ $BLOCKED == 0 ]] && echo met || echo "**MISSED**")

TABLE=$(
  echo "| run | req/s | p50 ms | p99 ms | errors | service CPU | service CPU ms/req | Ceph CPU | wrk CPU | other CPU | machine busy | load avg 1/5/15 min |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "| target | figure | verdict |"
  echo "| --- | --- | --- |"
  echo "| 1. check=true >= $TARGET_DIRECT x direct HEAD (medians of $ROUNDS alternating rounds: ${CHECK_ALL[*]} vs ${DIRECT_ALL[*]}) | $CHECK_RPS / $DIRECT_RPS = **$R1** | $V1 |"
  echo "| 2. check=false >= $TARGET_TRIVIAL x trivial Quarkus | $NOCHECK_RPS / $TRIVIAL_RPS = **$R2** | $V2 |"
  echo "| 3. $BURST concurrent cold GETs -> exactly 1 AssumeRole, all 200 | +$DELTA at the gateway, metric $METRIC, all 200: $([[ $BURST_OK == 1 ]] && echo yes || echo no) | $V3 |"
  echo "| 4. no blocked-thread warnings | $BLOCKED | $V4 |"
)

if [[ ! -s $RESULTS ]]; then
  cat >"$RESULTS" <<'EOF'
# GET /item benchmark results

Re-run with `bench/item-bench.sh` (from any directory; JVM arguments such as `-Xmx256m` go to both services,
durations and connections through `BENCH_*` variables, see the script's header). It boots a gateway of its own
with `scripts/local-s3-sts.sh` (so that other test runs on the machine cannot fill, load or count on it), builds
a copy of the checkout and `bench/trivial-app`, runs everything below in one go on 127.0.0.1, prints the tables,
appends them here and stops all it started. Each JVM first gets 60 s of load (on 2 cores the JIT is still busy
30 s into the load), then each load run is a 5 s wrk warm-up and a 20 s measured run with 32 connections and 2
threads, unless overridden. A full run takes about 7 minutes, more when runs disturbed by other work on the machine
are repeated. `BENCH_PIN=1 bench/item-bench.sh` runs the same with Ceph pinned to half of the CPUs and the services,
wrk and the burst to the other half, as if S3 were another machine.

What each comparison means:

1. **check=true vs direct HEAD**: `GET /item?check=true` does one HeadObject at RGW, then presigns. The baseline
   is the same HeadObject sent by wrk straight to RGW with a presigned HEAD URL (role credentials). Without
   pinning, the broker, RGW and wrk share the CPUs, so every cycle the broker spends is taken from RGW: the ratio
   weighs the broker's CPU per request against RGW's. Pinned, RGW has its own CPUs and the ratio says whether the
   broker keeps up with it (target 0.8).
2. **check=false vs trivial Quarkus**: no S3 call, so this is the broker's own cost (credentials lookup,
   SigV4 presign, JSON, metrics, access log) against a Quarkus REST endpoint that returns a constant JSON object
   on the event loop, same Quarkus, same JVM options (target 0.3).
3. **cold single flight**: a fresh broker with `BROKER_PREFETCH_ON_START=false` gets N concurrent requests
   (all sent before the first answer comes back) while it has no credentials: the gateway must count exactly one
   more AssumeRole, and every request must answer 200.
4. **blocked threads**: Vert.x warnings "Thread ... has been blocked" in the broker's log during all of the above
   must be zero.

Columns: CPU figures are percent of one core over the measured run (the whole machine is nproc x 100%); "service" is
the broker or the trivial app ("ms/req": its CPU time per request), "Ceph" is radosgw + OSD + monitor, "wrk" the
load generator, "other" the rest of "machine busy": other work on the machine (another engineer's build or tests)
plus the kernel's share of loopback networking. A measured run with more than 20% "other" is listed as disturbed
under its table: run again when the machine is quiet. The load average counts the benchmark's own threads too, so
it is high during every run; "other CPU" is the figure to judge a run by.
EOF
fi

REPORT=$(
  echo
  echo "## Run of $DATE"
  echo
  echo "- command: \`$COMMAND_LINE\` (broker $BUILT)"
  echo "- machine: $NPROC x $CPU_MODEL, memory $MEM; $JAVA_VERSION"
  echo "- load average before the run: $LOAD_BEFORE; other JVMs running: $FOREIGN_BEFORE"
  if ((${#DISTURBED[@]})); then
    echo "- **disturbed** measured runs: $(IFS=';'; echo "${DISTURBED[*]}")"
  else
    echo "- no measured run was disturbed by other work (threshold ${DISTURBED_PCT}% CPU)"
  fi
  if ((RETRIED)); then
    echo "- $RETRIED measured runs were disturbed by other work and measured again; the table has the last of each"
  fi
  echo "- gateway: $RGW_MODE Ceph RGW at $LOCAL_S3STS_ENDPOINT ($(radosgw --version 2>/dev/null | awk '{ print $3 }'))"
  echo "- CPU pinning: $PINNING"
  echo "- wrk: $THREADS threads, $CONNECTIONS connections, JVM warm-up ${JVM_WARMUP}s after each start, then per run warm-up $WARMUP and measured $DURATION; direct HEAD signed with $DIRECT_SIGNER credentials"
  echo
  echo "$TABLE"
  echo
  echo "Service CPU by thread group (percent of one core) during the measured runs:"
  echo
  printf '%s\n' "${THREAD_LINES[@]}"
  echo
  echo "Cold single flight:"
  echo
  printf '%s\n' "${COLD_LINES[@]}"
  echo
  echo "Broker log: $ACCESS_TOTAL GET /item access-log lines, $ACCESS_NON200 not 200; $BLOCKED blocked-thread warnings; $WARN_COUNT other WARN/ERROR lines."
  if ((WARN_COUNT > 0)); then
    echo
    echo '```'
    head -n 5 <<<"$WARN_LINES" | cut -c1-300
    echo '```'
  fi
)
printf '%s\n' "$REPORT"
printf '%s\n' "$REPORT" >>"$RESULTS"
log "results appended to $RESULTS"

if [[ $V1 == met && $V2 == met && $V3 == met && $V4 == met ]]; then
  STATUS=0
else
  STATUS=1
fi
exit "$STATUS"
