#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/lib disable=SC2153 # knobs sets the settings
# GET /item benchmark (issue "Foundation", "Done means"). One run, on this machine, side by side:
#   1. GET /item?check=true  vs the same HeadObject sent straight to RGW (presigned HEAD URL, signed with scoped
#      credentials of the same kind as the broker's), both with wrk, at each of BENCH_CONNECTIONS (64 and 256)
#      target: broker >= 0.9x direct, 0 errors
#   2. GET /item?check=false vs the broker's own liveness probe (GET /q/health/live: a trivial endpoint of the same
#      server, not in the access log), at each of BENCH_CONNECTIONS; the broker writes its access and audit lines
#      target: broker >= 0.4x the probe, 0 errors
#   3. cold single flight: fresh broker without prefetch, N concurrent GET /item?check=false -> exactly one
#      AssumeRole at the gateway
#   4. no blocked-thread warnings in the broker's log during all of it
#   5. with BENCH_AUTH=both, 1. and 2. for a broker with auth (api-key) and one without, alternating rounds:
#      target: auth on >= 0.9x auth off, each
#   6. GET /item (check=true and check=false) of a key under a templated allow-list entry (users/{caller}/: a scope
#      of the caller's own) vs a key under a literal entry, one broker, alternating rounds, at the first of
#      BENCH_CONNECTIONS: reported, no target. BENCH_ONLY=templated runs this comparison alone
# Prints a Markdown table and appends it, with the machine and the command, to bench/results-item.md.
#
# usage: bench/item-bench.sh [JVM args for both services, e.g. -Xmx256m]   (default: @docker/jvm.options, as the image)
# Environment (all optional):
#   BENCH_WARMUP=5s BENCH_DURATION=20s   wrk durations of each warm-up / measured run
#   BENCH_JVM_WARMUP=60                   seconds of load right after each JVM starts, before its first warm-up, so
#                                         that the JIT is done (on 2 cores C2 still compiles the broker's paths
#                                         30 s into the load; short runs measure mostly the JIT)
#   BENCH_CONNECTIONS="64 256" BENCH_THREADS=2   wrk connections (phases 1-2 run at each) / threads
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
#   BENCH_BROKER_PORT=18080               (not 8080/8081: dev runs and Quarkus tests use those); its /q/ endpoints
#                                         answer where bench/lib/common.sh's q_url says (BENCH_MANAGEMENT_OFFSET)
#   BENCH_BROKER_TEMPLATED_PORT=18083     the broker of phase 6
#   BENCH_ONLY=templated|core             templated: phase 6 alone; core: phases 1-5, for a build from before
#                                         templated entries (BENCH_BROKER_REV); default: every phase
#   BENCH_AUTH=both|on|off                every broker gets a fresh random key and every request to it sends it
#                                         (Authorization: Bearer); on: the broker checks it (BROKER_AUTH_MODE=api-key,
#                                         the bucket allowed), off: BROKER_AUTH_MODE=none; both (default): on, plus a
#                                         second broker with auth off on BENCH_BROKER_NOAUTH_PORT=18082 in phases 1-2
#                                         (at the first of BENCH_CONNECTIONS)
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
SELF=item-bench
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"

# A measured run during which other work used more CPU than DISTURBED_PCT (percent of one core) is flagged as disturbed.
knobs WARMUP=5s JVM_WARMUP=60 DURATION=20s CONNECTIONS="64 256" THREADS=2 BURST=256 ROUNDS=3 COLD_TRIES=3 \
  BROKER_PORT=18080 BROKER_NOAUTH_PORT=18082 BROKER_TEMPLATED_PORT=18083 AUTH=both DIRECT_SIGNER=role \
  DISTURBED_PCT=20 RETRIES=2 ONLY= RESULTS="$HERE/results-item.md"
# Both services run with the JVM options of the broker's image (Serial GC): on this 24 GiB machine the JVM would
# pick G1, which cost the broker ~30% more CPU per request here, and no deployment of the broker runs G1.
if (($#)); then JVM_ARGS=("$@"); else JVM_ARGS=("@$REPO/docker/jvm.options"); fi
OBJECT_KEY=item-bench/head-object
TARGET_DIRECT=0.9
TARGET_LIVE=0.4
TARGET_AUTH=0.9
RETRIED=0

COMMAND_LINE=$(command_line BENCH_ bench/item-bench.sh "$@")

[[ $DIRECT_SIGNER == role || $DIRECT_SIGNER == admin ]] || die "BENCH_DIRECT_SIGNER must be role or admin"
[[ $AUTH == both || $AUTH == on || $AUTH == off ]] || die "BENCH_AUTH must be both, on or off"
[[ -z $ONLY || $ONLY == templated || $ONLY == core ]] || die "BENCH_ONLY must be empty, templated or core"
whole_numbers BURST THREADS JVM_WARMUP
read -r -a CONN_LIST <<<"$CONNECTIONS"
((${#CONN_LIST[@]})) || die "BENCH_CONNECTIONS names no connection count"
for c in "${CONN_LIST[@]}"; do [[ $c =~ ^[0-9]+$ ]] || die "BENCH_CONNECTIONS must be whole numbers"; done
CONN=${CONN_LIST[0]}

bench_start /tmp/item-bench.XXXXXX
BROKER_PID=
NOAUTH_PID=
TEMPLATED_PID=
OBJECT_URL=
TEMPLATED_URLS=()
TEMPLATED_ROWS=()
RGW_KEEP=${BENCH_KEEP_RGW:-0}

# shellcheck disable=SC2317 # called by bench_cleanup
cleanup_run() {
  local url
  stop_pid "$NOAUTH_PID"
  stop_pid "$TEMPLATED_PID"
  stop_pid "$BROKER_PID"
  [[ -z $OBJECT_URL ]] || s3_admin -m 10 -o /dev/null -X DELETE "$OBJECT_URL"
  for url in "${TEMPLATED_URLS[@]}"; do s3_admin -m 10 -o /dev/null -X DELETE "$url"; done
}

start_broker() { # pid-variable port log env...
  local var=$1 port=$2 out=$3
  shift 3
  start_quarkus "$var" broker "$port" "$out" /q/health/live "$@" "${PIN_LOAD[@]}" \
    java "${JVM_ARGS[@]}" -jar "$BROKER_APP/quarkus-run.jar"
}

# ---------------------------------------------------------------- wrk

write_lua() {
  cat >"$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
LUA
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
  local name=$1 lua=$2 url=$3 dur=$4 out hdr=()
  # The key goes to the broker's /item only: RGW would read an Authorization header as a signature of its own.
  [[ $url != */item\?* ]] || hdr=(-H "$AUTH_HEADER")
  out="$WORK/wrk-$(tr -c 'A-Za-z0-9\n' - <<<"$name").txt"
  timeout $(($(secs "$dur") + 60)) "${PIN_LOAD[@]}" wrk "${hdr[@]}" -t"$THREADS" -c"$CONN" -d"$dur" \
    --timeout 10s --latency -s "$lua" "$url" >"$out" 2>&1 || die "wrk $name failed: $(tail -n 5 "$out")"
  awk '/^RESULT/ {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
    printf "%.0f %.2f %.2f %d\n", r["requests"] / (r["duration_us"] / 1e6), r["p50_us"] / 1000, r["p99_us"] / 1000,
      r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
  }' "$out"
}

# measure_once until a run is not disturbed by other work, at most BENCH_RETRIES more times.
measure() { # name service-pid lua url uses-ceph(0|1)
  local try
  for ((try = 0; ; try++)); do
    measure_once "$@"
    ((M_OTHER > DISTURBED_PCT && try < RETRIES)) || break
    log "$1: other work used $M_OTHER% CPU during the run; waiting for a quiet machine and measuring again"
    wait_quiet 120 3 20
  done
  RETRIED=$((RETRIED + try))
  ROWS+=("$M_ROW")
  [[ -z $M_THREADS ]] || THREAD_LINES+=("$M_THREADS")
  ((M_OTHER <= DISTURBED_PCT)) || DISTURBED+=("$1 (other work used $M_OTHER% CPU)")
}

# Warm-up, then a measured run with CPU accounting. Sets M_*: the figures, a table row and a thread line.
measure_once() { # name service-pid lua url uses-ceph(0|1)
  local name=$1 pid=$2 lua=$3 url=$4 res svc
  log "$name: warm-up $WARMUP"
  wrk_run "$name-warmup" "$lua" "$url" "$WARMUP" >/dev/null
  M_LOAD=$(loadavg)
  log "$name: measuring $DURATION (load average $M_LOAD)"
  cpu_begin "$pid"
  res=$(wrk_run "$name" "$lua" "$url" "$DURATION")
  cpu_end "$5"
  read -r M_RPS M_P50 M_P99 M_ERR <<<"$res"
  M_OTHER=$CPU_OTHER
  if [[ -n $pid ]]; then
    M_SVC_MS=$(awk -v c="$CPU_SVC" -v r="$M_RPS" 'BEGIN { printf "%.3f", (r > 0 ? c * 10 / r : 0) }')
    svc="$CPU_SVC%"
    # The service's CPU by thread group, largest first, groups above 1% of a core.
    M_THREADS="- $name: $(awk -F'\t' -v el="$CPU_EL" -v k="$(getconf CLK_TCK)" \
      'NR == FNR { s[$1] -= $2; next } { s[$1] += $2 }
      END { for (g in s) if (100 * s[g] / k / el >= 1) printf "%.0f\t%s\n", 100 * s[g] / k / el, g }' \
      <(printf '%s\n' "$CPU_H0") <(printf '%s\n' "$CPU_H1") | sort -rn | awk -F'\t' '{ printf "%s%s %s%%", (NR > 1 ? ", " : ""), $2, $1 }')"
  else
    svc=- M_SVC_MS=- M_THREADS=
  fi
  log "$name: $M_RPS req/s, p50 $M_P50 ms, p99 $M_P99 ms, errors $M_ERR, other work $M_OTHER% CPU"
  M_ROW="| $name | $M_RPS | $M_P50 | $M_P99 | $M_ERR | $svc | $M_SVC_MS | $CPU_CEPH% | $CPU_CL% | $M_OTHER% | $CPU_BUSY% | $M_LOAD |"
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

# ---------------------------------------------------------------- run

ensure_tools wrk curl python3 java
write_lua
describe_machine
gateway_up "${BENCH_RGW:-private}" /tmp/item-bench-rgw "${BENCH_RGW_PORT:-17480}" "${BENCH_RGW_MON_PORT:-6798}" 512
if pin_setup; then
  PINNING="Ceph pinned to CPUs $PIN_CEPH_SET; services, wrk and the burst to CPUs $PIN_LOAD_SET"
else
  PINNING="none: services, wrk and Ceph share all $NPROC CPUs"
fi
auth_init "$BUCKET"
OBJECT_URL_PENDING=$(object_url "$OBJECT_KEY")

build_broker

# The object. Empty on purpose: wrk 4.1 waits for a body after a HEAD whose Content-Length is not 0, and HeadObject
# does the same work at RGW whatever the object's size.
code=$(s3_admin -m 30 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
  -X PUT --data-binary '' "$OBJECT_URL_PENDING") || die "PutObject failed"
[[ $code == 200 ]] || die "PutObject $OBJECT_URL_PENDING answered $code"
OBJECT_URL=$OBJECT_URL_PENDING

# The presigned HEAD URL for the direct runs.
sign_as "$DIRECT_SIGNER" item-bench
HEAD_URL=$(KEY=$SIGN_KEY SECRET=$SIGN_SECRET TOKEN=$SIGN_TOKEN python3 "$HERE/lib/presign.py" HEAD "$OBJECT_URL" \
  "$REGION" 7200)
code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -I "$HEAD_URL") || die "presigned HEAD failed"
[[ $code == 200 ]] || die "presigned HEAD answered $code"

ITEM_PATH="/item?bucket=$BUCKET&key=$OBJECT_KEY"
ITEM="http://127.0.0.1:$BROKER_PORT$ITEM_PATH"
NOAUTH_ITEM="http://127.0.0.1:$BROKER_NOAUTH_PORT$ITEM_PATH"
# Rows of a broker without auth say so; BENCH_AUTH=off runs the one broker without it.
OFF_TAG=", auth off"
if [[ $AUTH == off ]]; then MAIN_AUTH=("${AUTH_OFF_ENV[@]}") MAIN_TAG=$OFF_TAG; else MAIN_AUTH=("${AUTH_ON_ENV[@]}") MAIN_TAG=; fi
ROWS=()
DISTURBED=()
THREAD_LINES=()
wait_quiet 120 3 20

ready_check() { # pid port item-url
  wait_http "$(q_url "$2" /q/health/ready)" "$1" broker # credentials are cached
  body=$(curl -sS -m 10 -H "$AUTH_HEADER" "$3&check=true") || die "GET /item failed"
  [[ $body == *'"success":true'* ]] || die "GET /item?check=true did not succeed: $body"
}
# 6. a key under a templated entry vs one under a literal entry: one broker whose read list has both, the same
# caller, alternating rounds at the first connection count. Sets TEMPLATED_ROWS (lines of the targets table).
templated_phase() {
  local plain=item-bench/plain/head-object templated=item-bench/users/bench/head-object key code base tpl body round
  local plain_true=() tpl_true=() plain_false=() tpl_false=()
  for key in "$plain" "$templated"; do
    code=$(s3_admin -m 30 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
      -X PUT --data-binary '' "$(object_url "$key")") || die "PutObject $key failed"
    [[ $code == 200 ]] || die "PutObject $key answered $code"
    TEMPLATED_URLS+=("$(object_url "$key")")
  done
  log "starting the broker with a literal and a templated read entry on 127.0.0.1:$BROKER_TEMPLATED_PORT"
  start_broker TEMPLATED_PID "$BROKER_TEMPLATED_PORT" "$WORK/broker-templated.log" "${AUTH_ON_ENV[@]}" \
    "BROKER_ACCESS_READ=$BUCKET/item-bench/plain/,$BUCKET/item-bench/users/{caller}/"
  base="http://127.0.0.1:$BROKER_TEMPLATED_PORT/item?bucket=$BUCKET&key="
  ready_check "$TEMPLATED_PID" "$BROKER_TEMPLATED_PORT" "$base$plain"
  body=$(curl -sS -m 10 -H "$AUTH_HEADER" "$base$templated&check=true") || die "GET /item (templated) failed"
  [[ $body == *'"success":true'* ]] || die "GET /item of the templated entry did not succeed: $body"
  CONN=${CONN_LIST[0]}
  jvm_warmup "broker (templated entries)" "$JVM_WARMUP" "$base$plain&check=true" "$base$templated&check=true" \
    "$base$plain&check=false" "$base$templated&check=false"
  for ((round = 1; round <= ROUNDS; round++)); do
    measure "GET /item?check=true, literal entry, $CONN conn, round $round" "$TEMPLATED_PID" "$WORK/report.lua" "$base$plain&check=true" 1
    plain_true+=("$M_RPS")
    measure "GET /item?check=true, templated entry, $CONN conn, round $round" "$TEMPLATED_PID" "$WORK/report.lua" "$base$templated&check=true" 1
    tpl_true+=("$M_RPS")
    measure "GET /item?check=false, literal entry, $CONN conn, round $round" "$TEMPLATED_PID" "$WORK/report.lua" "$base$plain&check=false" 0
    plain_false+=("$M_RPS")
    measure "GET /item?check=false, templated entry, $CONN conn, round $round" "$TEMPLATED_PID" "$WORK/report.lua" "$base$templated&check=false" 0
    tpl_false+=("$M_RPS")
  done
  stop_pid "$TEMPLATED_PID"
  TEMPLATED_PID=
  base=$(median "${plain_true[@]}") tpl=$(median "${tpl_true[@]}")
  TEMPLATED_ROWS=("| 6a. check=true, templated entry vs literal entry, $CONN connections (medians of $ROUNDS alternating rounds: ${tpl_true[*]} vs ${plain_true[*]}) | $tpl / $base = **$(ratio "$tpl" "$base")** | reported |")
  base=$(median "${plain_false[@]}") tpl=$(median "${tpl_false[@]}")
  TEMPLATED_ROWS+=("| 6b. check=false, templated entry vs literal entry, $CONN connections (medians of $ROUNDS alternating rounds: ${tpl_false[*]} vs ${plain_false[*]}) | $tpl / $base = **$(ratio "$tpl" "$base")** | reported |")
}

if [[ $ONLY == templated ]]; then
  templated_phase
  scan_broker_logs '"GET /item[^"]*"' 200 "$WORK/broker-templated.log"
  DISTURBED_LINE="no measured run was disturbed by other work (threshold ${DISTURBED_PCT}% CPU)"
  ((${#DISTURBED[@]} == 0)) || DISTURBED_LINE="**disturbed** measured runs: $(IFS=';'; echo "${DISTURBED[*]}")"
  REPORT=$(
    run_heading
    echo "- BENCH_ONLY=templated: phase 6 alone, GET /item of a key under a templated entry vs under a literal one"
    echo "- machine: $NPROC x $CPU_MODEL, memory $MEM; $JAVA_VERSION"
    echo "- load average before the run: $LOAD_BEFORE; other JVMs running: $FOREIGN_BEFORE"
    echo "- $DISTURBED_LINE"
    echo "- gateway: $(gateway_desc)"
    echo "- CPU pinning: $PINNING"
    echo "- wrk: $THREADS threads, $CONN connections, JVM warm-up ${JVM_WARMUP}s, then per run warm-up $WARMUP and measured $DURATION"
    echo "- broker: BROKER_AUTH_MODE=api-key, BROKER_ACCESS_READ=$BUCKET/item-bench/plain/,$BUCKET/item-bench/users/{caller}/ (caller bench)"
    echo
    echo "| run | req/s | p50 ms | p99 ms | errors | service CPU | service CPU ms/req | Ceph CPU | wrk CPU | other CPU | machine busy | load avg 1/5/15 min |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "| comparison | figure | verdict |"
    echo "| --- | --- | --- |"
    printf '%s\n' "${TEMPLATED_ROWS[@]}"
    echo
    echo "Broker log: $ACCESS_TOTAL GET /item access-log lines, $ACCESS_BAD not 200; $BLOCKED blocked-thread warnings; $WARN_COUNT other WARN/ERROR lines."
    warn_excerpt
  )
  printf '%s\n' "$REPORT"
  printf '%s\n' "$REPORT" >>"$RESULTS"
  log "results appended to $RESULTS"
  exit 0
fi

log "starting the broker on 127.0.0.1:$BROKER_PORT (JVM args: ${JVM_ARGS[*]:-none})"
start_broker BROKER_PID "$BROKER_PORT" "$WORK/broker.log" "${MAIN_AUTH[@]}"
ready_check "$BROKER_PID" "$BROKER_PORT" "$ITEM"
PROBE=
[[ $AUTH == off ]] || PROBE=$(auth_probe "$ITEM&check=false")
if [[ $AUTH == both ]]; then
  log "starting the broker without auth on 127.0.0.1:$BROKER_NOAUTH_PORT"
  start_broker NOAUTH_PID "$BROKER_NOAUTH_PORT" "$WORK/broker-noauth.log" "${AUTH_OFF_ENV[@]}"
  ready_check "$NOAUTH_PID" "$BROKER_NOAUTH_PORT" "$NOAUTH_ITEM"
fi
# Two thirds on the HeadObject path, the rest on check=false (same presign path at a higher rate).
jvm_warmup broker "$JVM_WARMUP" "$ITEM&check=true" "$ITEM&check=true" "$ITEM&check=false"
[[ $AUTH != both ]] \
  || jvm_warmup "broker$OFF_TAG" "$JVM_WARMUP" "$NOAUTH_ITEM&check=true" "$NOAUTH_ITEM&check=true" "$NOAUTH_ITEM&check=false"

# 1. check=true vs direct HeadObject (and auth on vs off, at the first connection count), alternating, so that a slow
# spell of the machine hits every side; 2. check=false vs the liveness probe of the same broker. At each connection
# count.
LIVE="$(q_url "$BROKER_PORT" /q/health/live)"
declare -A R1 R2 DIRECT_RPS CHECK_RPS LIVE_RPS NOCHECK_RPS ERRS1 ERRS2 RUNS1 RUNS2
CHECK_OFF_ALL=() NOCHECK_OFF_ALL=() CHECK_FIRST=() NOCHECK_FIRST=()
# ROUNDS rounds of a baseline, then the broker's GET /item?check=CHECK, then (BENCH_AUTH=both, first connection
# count) the same GET of the broker without auth. Sets BASE_ALL and ITEM_ALL (req/s of each round) and ROUND_ERRS
# (errors of the baseline and the broker); adds the auth-off figures to the array named last.
rounds() { # baseline-name baseline-pid baseline-lua baseline-url check uses-ceph off-array
  local -n off=$7
  local round
  BASE_ALL=() ITEM_ALL=() ROUND_ERRS=0
  for ((round = 1; round <= ROUNDS; round++)); do
    measure "$1, $CONN conn, round $round" "$2" "$3" "$4" "$6"
    BASE_ALL+=("$M_RPS") ROUND_ERRS=$((ROUND_ERRS + M_ERR))
    measure "broker GET /item?check=$5$MAIN_TAG, $CONN conn, round $round" "$BROKER_PID" "$WORK/report.lua" "$ITEM&check=$5" "$6"
    ITEM_ALL+=("$M_RPS") ROUND_ERRS=$((ROUND_ERRS + M_ERR))
    if [[ $AUTH == both && $CONN == "${CONN_LIST[0]}" ]]; then
      measure "broker GET /item?check=$5$OFF_TAG, $CONN conn, round $round" "$NOAUTH_PID" "$WORK/report.lua" "$NOAUTH_ITEM&check=$5" "$6"
      off+=("$M_RPS")
    fi
  done
}
for CONN in "${CONN_LIST[@]}"; do
  rounds "direct HEAD at RGW" "" "$WORK/head.lua" "$HEAD_URL" true 1 CHECK_OFF_ALL
  direct_all=("${BASE_ALL[@]}") check_all=("${ITEM_ALL[@]}") errs1=$ROUND_ERRS
  rounds "broker GET /q/health/live" "$BROKER_PID" "$WORK/report.lua" "$LIVE" false 0 NOCHECK_OFF_ALL
  live_all=("${BASE_ALL[@]}") nocheck_all=("${ITEM_ALL[@]}") errs2=$ROUND_ERRS
  DIRECT_RPS[$CONN]=$(median "${direct_all[@]}") CHECK_RPS[$CONN]=$(median "${check_all[@]}")
  LIVE_RPS[$CONN]=$(median "${live_all[@]}") NOCHECK_RPS[$CONN]=$(median "${nocheck_all[@]}")
  R1[$CONN]=$(ratio "${CHECK_RPS[$CONN]}" "${DIRECT_RPS[$CONN]}") R2[$CONN]=$(ratio "${NOCHECK_RPS[$CONN]}" "${LIVE_RPS[$CONN]}")
  ERRS1[$CONN]=$errs1 ERRS2[$CONN]=$errs2
  RUNS1[$CONN]="${check_all[*]} vs ${direct_all[*]}" RUNS2[$CONN]="${nocheck_all[*]} vs ${live_all[*]}"
  [[ $CONN != "${CONN_LIST[0]}" ]] || { CHECK_FIRST=("${check_all[@]}"); NOCHECK_FIRST=("${nocheck_all[@]}"); }
done
if [[ $AUTH == both ]]; then
  stop_pid "$NOAUTH_PID"
  NOAUTH_PID=
  CHECK_OFF_RPS=$(median "${CHECK_OFF_ALL[@]}")
  NOCHECK_OFF_RPS=$(median "${NOCHECK_OFF_ALL[@]}")
fi

# 3. cold single flight
COLD_LINES=()
for ((try = 1; try <= COLD_TRIES; try++)); do
  log "cold single flight (try $try): restarting the broker with BROKER_PREFETCH_ON_START=false"
  stop_pid "$BROKER_PID"
  BROKER_PID=
  start_broker BROKER_PID "$BROKER_PORT" "$WORK/broker.log" "${MAIN_AUTH[@]}" BROKER_PREFETCH_ON_START=false
  before=$("$REPO/scripts/local-s3-sts.sh" assume-role-count)
  burst=$("${PIN_LOAD[@]}" python3 "$HERE/lib/burst.py" 127.0.0.1 "$BROKER_PORT" "$ITEM_PATH&check=false" "$BURST" \
    "$AUTH_HEADER")
  after=$("$REPO/scripts/local-s3-sts.sh" assume-role-count)
  metric=$(curl -sS -m 10 -H "$AUTH_HEADER" "$(q_url "$BROKER_PORT" /q/metrics)" |
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

stop_pid "$BROKER_PID"
BROKER_PID=
[[ $ONLY == core ]] || templated_phase

# 4. blocked threads and anything else odd, over all the brokers' logs of this run
LOGS=("$WORK/broker.log")
[[ ! -e $WORK/broker-templated.log ]] || LOGS+=("$WORK/broker-templated.log")
[[ ! -e $WORK/broker-noauth.log ]] || LOGS+=("$WORK/broker-noauth.log")
scan_broker_logs '"GET /item[^"]*"' 200 "${LOGS[@]}"

# ---------------------------------------------------------------- results

V1=met V2=met
for c in "${CONN_LIST[@]}"; do
  [[ $(verdict "${R1[$c]}" "$TARGET_DIRECT") == met && ${ERRS1[$c]} == 0 ]] || V1="**MISSED**"
  [[ $(verdict "${R2[$c]}" "$TARGET_LIVE") == met && ${ERRS2[$c]} == 0 ]] || V2="**MISSED**"
done
V3=$([[ $DELTA == 1 && $BURST_OK == 1 ]] && echo met || echo "**MISSED**")
V4=$([[ $BLOCKED == 0 ]] && echo met || echo "**MISSED**")
V5A=met V5B=met
if [[ $AUTH == both ]]; then
  R5A=$(ratio "$(median "${CHECK_FIRST[@]}")" "$CHECK_OFF_RPS") R5B=$(ratio "$(median "${NOCHECK_FIRST[@]}")" "$NOCHECK_OFF_RPS")
  V5A=$(verdict "$R5A" "$TARGET_AUTH") V5B=$(verdict "$R5B" "$TARGET_AUTH")
fi
case $AUTH in
both) AUTH_LINE="one broker with BROKER_AUTH_MODE=api-key ($BUCKET/ allowed to read and write) and, in phases 1-2, one with BROKER_AUTH_MODE=none (the whole bucket allowed to the anonymous caller) on port $BROKER_NOAUTH_PORT; every request to either sends the run's random key" ;;
on) AUTH_LINE="BROKER_AUTH_MODE=api-key ($BUCKET/ allowed to read and write); every request sends the run's random key" ;;
off) AUTH_LINE="BROKER_AUTH_MODE=none (no allow-list); every request still sends a random key" ;;
esac
[[ -z $PROBE ]] || AUTH_LINE+="; a GET /item without the key answered $(auth_desc "$PROBE")"

TABLE=$(
  echo "| run | req/s | p50 ms | p99 ms | errors | service CPU | service CPU ms/req | Ceph CPU | wrk CPU | other CPU | machine busy | load avg 1/5/15 min |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "| target | figure | verdict |"
  echo "| --- | --- | --- |"
  for c in "${CONN_LIST[@]}"; do
    echo "| 1. check=true >= $TARGET_DIRECT x direct HEAD, $c connections, 0 errors (medians of $ROUNDS alternating rounds: ${RUNS1[$c]}) | ${CHECK_RPS[$c]} / ${DIRECT_RPS[$c]} = **${R1[$c]}**, ${ERRS1[$c]} errors | $([[ $(verdict "${R1[$c]}" "$TARGET_DIRECT") == met && ${ERRS1[$c]} == 0 ]] && echo met || echo "**MISSED**") |"
  done
  for c in "${CONN_LIST[@]}"; do
    echo "| 2. check=false >= $TARGET_LIVE x the liveness probe, $c connections, 0 errors (medians of $ROUNDS alternating rounds: ${RUNS2[$c]}) | ${NOCHECK_RPS[$c]} / ${LIVE_RPS[$c]} = **${R2[$c]}**, ${ERRS2[$c]} errors | $([[ $(verdict "${R2[$c]}" "$TARGET_LIVE") == met && ${ERRS2[$c]} == 0 ]] && echo met || echo "**MISSED**") |"
  done
  echo "| 3. $BURST concurrent cold GETs -> exactly 1 AssumeRole, all 200 | +$DELTA at the gateway, metric $METRIC, all 200: $([[ $BURST_OK == 1 ]] && echo yes || echo no) | $V3 |"
  echo "| 4. no blocked-thread warnings | $BLOCKED | $V4 |"
  if [[ $AUTH == both ]]; then
    echo "| 5a. check=true, auth on >= $TARGET_AUTH x auth off, ${CONN_LIST[0]} connections (medians of $ROUNDS alternating rounds: ${CHECK_FIRST[*]} vs ${CHECK_OFF_ALL[*]}) | **$R5A** | $V5A |"
    echo "| 5b. check=false, auth on >= $TARGET_AUTH x auth off, ${CONN_LIST[0]} connections (medians of $ROUNDS alternating rounds: ${NOCHECK_FIRST[*]} vs ${NOCHECK_OFF_ALL[*]}) | **$R5B** | $V5B |"
  fi
  printf '%s\n' "${TEMPLATED_ROWS[@]}"
)

if [[ ! -s $RESULTS ]]; then
  cat >"$RESULTS" <<'EOF'
# GET /item benchmark results

Re-run with `bench/item-bench.sh` (from any directory; JVM arguments such as `-Xmx256m` go to both services,
durations and connections through `BENCH_*` variables, see the script's header). It boots a gateway of its own
with `scripts/local-s3-sts.sh` (so that other test runs on the machine cannot fill, load or count on it), builds
a copy of the checkout, runs everything below in one go on 127.0.0.1, prints the tables,
appends them here and stops all it started. Each JVM first gets 60 s of load (on 2 cores the JIT is still busy
30 s into the load), then each load run is a 5 s wrk warm-up and a 20 s measured run with 32 connections and 2
threads, unless overridden. A full run takes about 10 minutes, more when runs disturbed by other work on the machine
are repeated. `BENCH_PIN=1 bench/item-bench.sh` runs the same with Ceph pinned to half of the CPUs and the services,
wrk and the burst to the other half, as if S3 were another machine.

What each comparison means:

1. **check=true vs direct HEAD**: `GET /item?check=true` does one HeadObject at RGW, then presigns. The baseline
   is the same HeadObject sent by wrk straight to RGW with a presigned HEAD URL (role credentials). Without
   pinning, the broker, RGW and wrk share the CPUs, so every cycle the broker spends is taken from RGW: the ratio
   weighs the broker's CPU per request against RGW's. Pinned, RGW has its own CPUs and the ratio says whether the
   broker keeps up with it (target 0.9).
2. **check=false vs the liveness probe**: no S3 call, so this is the broker's own cost (credentials lookup,
   SigV4 presign, JSON, metrics, the access and audit lines) against `GET /q/health/live` of the same broker, which
   is not logged (target 0.4). Phases 1 and 2 run at each connection count (64 and 256).
3. **cold single flight**: a fresh broker with `BROKER_PREFETCH_ON_START=false` gets N concurrent requests
   (all sent before the first answer comes back) while it has no credentials: the gateway must count exactly one
   more AssumeRole, and every request must answer 200.
4. **blocked threads**: Vert.x warnings "Thread ... has been blocked" in the broker's log during all of the above
   must be zero.
5. **auth on vs off** (`BENCH_AUTH=both`, the default): 1. and 2. also run against a second broker with
   `BROKER_AUTH_MODE=none`, in alternating rounds. Every request to either broker sends the run's random key, so
   the ratio is what checking it costs (target 0.9).

Columns: CPU figures are percent of one core over the measured run (the whole machine is nproc x 100%); "service" is
the broker ("ms/req": its CPU time per request), "Ceph" is radosgw + OSD + monitor, "wrk" the
load generator, "other" the rest of "machine busy": other work on the machine (another engineer's build or tests)
plus the kernel's share of loopback networking. A measured run with more than 20% "other" is listed as disturbed
under its table: run again when the machine is quiet. The load average counts the benchmark's own threads too, so
it is high during every run; "other CPU" is the figure to judge a run by.
EOF
fi

DISTURBED_LINE="no measured run was disturbed by other work (threshold ${DISTURBED_PCT}% CPU)"
((${#DISTURBED[@]} == 0)) || DISTURBED_LINE="**disturbed** measured runs: $(IFS=';'; echo "${DISTURBED[*]}")"
REPORT=$(
  run_heading
  echo "- machine: $NPROC x $CPU_MODEL, memory $MEM; $JAVA_VERSION"
  echo "- load average before the run: $LOAD_BEFORE; other JVMs running: $FOREIGN_BEFORE"
  echo "- $DISTURBED_LINE"
  ((RETRIED == 0)) || echo "- $RETRIED measured runs were disturbed by other work and measured again; the table has the last of each"
  echo "- gateway: $(gateway_desc)"
  echo "- CPU pinning: $PINNING"
  echo "- wrk: $THREADS threads, ${CONN_LIST[*]} connections, JVM warm-up ${JVM_WARMUP}s after each start, then per run warm-up $WARMUP and measured $DURATION; direct HEAD signed with $DIRECT_SIGNER credentials; the broker writes its access and audit lines (console, batched: broker.log.flush-interval)"
  echo "- auth (BENCH_AUTH=$AUTH): $AUTH_LINE"
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
  echo "Broker log: $ACCESS_TOTAL GET /item access-log lines, $ACCESS_BAD not 200$([[ -z $PROBE || $PROBE == 200 ]] || echo " (the probe without the key among them)"); $BLOCKED blocked-thread warnings; $WARN_COUNT other WARN/ERROR lines."
  warn_excerpt
)
printf '%s\n' "$REPORT"
printf '%s\n' "$REPORT" >>"$RESULTS"
log "results appended to $RESULTS"

if [[ $V1 == met && $V2 == met && $V3 == met && $V4 == met && $V5A == met && $V5B == met ]]; then
  STATUS=0
else
  STATUS=1
fi
exit "$STATUS"
