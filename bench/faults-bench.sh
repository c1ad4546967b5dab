#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/lib disable=SC2153 # knobs sets the settings
# Recovery and overload figures (issue "Recovery and overload"), against the packaged broker in a JVM of its own and
# the local gateway, the clients in a Python process of their own (bench/lib/faults.py):
#   1. recovery after STS returns: the broker starts with STS cut off (a proxy of the script's own in front of the
#      gateway's STS refuses connections), a scope without credentials gets a request every 50 ms for BENCH_OUTAGE
#      seconds (503), then STS is let through: ms until that scope's first 200. BENCH_TRIES tries, each with a scope
#      of its own and STS cut off again before it; median reported. Target: every try within 2 s.
#      Readiness is sampled around the requests; disagreements (a request served while readiness said 503 before
#      and after it, or the other way round) are counted. Target: none.
#   2. slow clients: BENCH_SLOW connections (quarkus.http.limits.max-connections, 1000) each make one request, keep
#      the connection and trickle the next header. While they hold the public port: liveness and readiness on the
#      management port, 20 probes on fresh connections (target: median within 100 ms, each within the probes' 2 s
#      timeout); then they all go away: ms until a new client is served; then BENCH_SLOW again that keep trickling:
#      ms until the header deadline (broker.header-timeout, 10 s) has closed them and a new client is served.
# The figures are wall-clock times on a machine others may be using: the load average is written beside them.
# Prints a Markdown report and appends it, with the machine and the command, to bench/results-faults.md.
#
# usage: bench/faults-bench.sh [JVM args of the broker]   (default: @docker/jvm.options, as the image)
# Environment (all optional):
#   BENCH_TRIES=5 BENCH_OUTAGE=6       recovery tries, seconds STS is cut off in each
#   BENCH_SLOW=1000                    slow connections
#   BENCH_BROKER_PORT=18090            the broker's public port; its management port is this + BENCH_MANAGEMENT_OFFSET
#                                      (1000, bench/lib/common.sh)
#   BENCH_STS_PROXY_PORT=18092         the proxy in front of STS
#   BENCH_RGW=shared|private           shared (default): the local gateway that LOCAL_S3STS_DIR/PORT name (the default
#                                      one unless set), left running; private: one of its own in /tmp/faults-bench-rgw
#                                      on 127.0.0.1:17490 (BENCH_RGW_PORT, BENCH_RGW_MON_PORT 6790), stopped at the end
#   BENCH_BROKER_REV / BENCH_BROKER_APP / BENCH_KEEP_LOGS   as in bench/item-bench.sh
#   BENCH_RESULTS=FILE                 where to append the report (default bench/results-faults.md)
# Exit status: 0 all targets met, 1 a target missed (the report is written either way), 2 the run itself failed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=faults-bench
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"

knobs TRIES=5 OUTAGE=6 SLOW=1000 BROKER_PORT=18090 STS_PROXY_PORT=18092 RGW=shared RESULTS="$HERE/results-faults.md"
whole_numbers TRIES OUTAGE SLOW BROKER_PORT STS_PROXY_PORT
COMMAND_LINE=$(command_line "BENCH_" bench/faults-bench.sh "$@")
if (($#)); then JVM_ARGS=("$@"); else JVM_ARGS=("@$REPO/docker/jvm.options"); fi
RGW_KEEP=0
[[ $RGW != shared ]] || RGW_KEEP=1
BROKER_PID=
HEADER_TIMEOUT=10

bench_start "${TMPDIR:-/tmp}/faults-bench.XXXXXX"
# shellcheck disable=SC2317 # called by bench_cleanup
cleanup_run() { stop_pid "$BROKER_PID"; }

ensure_tools curl python3
(($(ulimit -n) >= 2 * SLOW + 500)) || ulimit -n $((2 * SLOW + 500)) || die "ulimit -n must allow $((2 * SLOW + 500)) files"
port_busy "$STS_PROXY_PORT" && die "port $STS_PROXY_PORT is in use (BENCH_STS_PROXY_PORT)"
describe_machine
gateway_up "$RGW" /tmp/faults-bench-rgw "${BENCH_RGW_PORT:-17490}" "${BENCH_RGW_MON_PORT:-6790}" 512
auth_init "$BUCKET"
build_broker
MGMT_PORT=$((BROKER_PORT + MANAGEMENT_OFFSET))
export FAULTS_AUTH=$AUTH_HEADER

# 1. Every try's scope is an allow-list entry of its own, fetched only when first asked for (no prefetch: the first
# success would hand every scope its credentials).
scopes=
for ((n = 0; n < TRIES; n++)); do scopes+="${scopes:+,}$BUCKET/fault-$n/"; done
log "recovery: broker on 127.0.0.1:$BROKER_PORT with STS behind 127.0.0.1:$STS_PROXY_PORT (cut off at start)"
start_quarkus BROKER_PID broker "$BROKER_PORT" "$WORK/broker-recovery.log" /q/health/live \
  env "${AUTH_ON_ENV[@]}" "BROKER_ACCESS_READ=$scopes" "BROKER_ACCESS_WRITE=$scopes" BROKER_PREFETCH_ON_START=false \
  "BROKER_STS_ENDPOINT=http://127.0.0.1:$STS_PROXY_PORT" java "${JVM_ARGS[@]}" -jar "$BROKER_APP/quarkus-run.jar"
LOAD_RECOVERY_BEFORE=$(loadavg)
# The gateway's port from its endpoint: a shared gateway started with its default port leaves LOCAL_S3STS_PORT unset.
python3 "$HERE/lib/faults.py" recovery "$BROKER_PORT" "$MGMT_PORT" "$STS_PROXY_PORT" "${LOCAL_S3STS_ENDPOINT##*:}" "$BUCKET" \
  "$TRIES" "$OUTAGE" >"$WORK/recovery.txt" || die "recovery phase failed: $(tail -n 5 "$WORK/recovery.txt")"
LOAD_RECOVERY_AFTER=$(loadavg)
stop_pid "$BROKER_PID"
BROKER_PID=

log "slow clients: $SLOW connections on 127.0.0.1:$BROKER_PORT, probes on 127.0.0.1:$MGMT_PORT"
start_quarkus BROKER_PID broker "$BROKER_PORT" "$WORK/broker-slow.log" /q/health/ready \
  env "${AUTH_ON_ENV[@]}" "BROKER_HEADER_TIMEOUT=${HEADER_TIMEOUT}S" java "${JVM_ARGS[@]}" -jar "$BROKER_APP/quarkus-run.jar"
LOAD_SLOW_BEFORE=$(loadavg)
python3 "$HERE/lib/faults.py" slow "$BROKER_PORT" "$MGMT_PORT" "$BUCKET" "$SLOW" "$HEADER_TIMEOUT" >"$WORK/slow.txt" \
  || die "slow-clients phase failed: $(tail -n 5 "$WORK/slow.txt")"
LOAD_SLOW_AFTER=$(loadavg)
stop_pid "$BROKER_PID"
BROKER_PID=

fig() { awk -v k="$1" '$1 == k { print $2 }' "$WORK"/recovery.txt "$WORK"/slow.txt; }
recovery_ok=$(fig recovery_ms | tr ',' '\n' | awk '$1 > 2000 { bad = 1 } END { print bad ? 0 : 1 }')
probes_ok=$(awk -v m="$(fig slow_probe_median_ms)" -v x="$(fig slow_probe_max_ms)" 'BEGIN { print (m <= 100 && x < 2000) }')
agree_ok=$(($(fig recovery_disagreements) == 0))
served_ok=$(($(fig slow_served_after_gone_ms) >= 0 && $(fig slow_served_while_trickling_ms) >= 0))
yes() { if (($1)); then echo met; else echo "**MISSED**"; fi; }
{
  run_heading
  echo "- machine: $NPROC x $CPU_MODEL, $MEM; $JAVA_VERSION; other JVMs at the start: $FOREIGN_BEFORE"
  echo "- gateway: $(gateway_desc); broker JVM args: ${JVM_ARGS[*]}"
  echo
  echo "| what | figure | load average (1, 5, 15 min) before / after | target |"
  echo "| --- | --- | --- | --- |"
  echo "| ms from STS returning to the first GET /item of a scope without credentials served, $TRIES tries after ${OUTAGE} s outages | $(fig recovery_ms | sed 's/,/, /g'); median $(fig recovery_median_ms) | $LOAD_RECOVERY_BEFORE / $LOAD_RECOVERY_AFTER | each within 2 s: $(yes "$recovery_ok") |"
  echo "| readiness and requests disagreeing, of $(fig recovery_samples) samples | $(fig recovery_disagreements) | same | none: $(yes "$agree_ok") |"
  echo "| liveness and readiness on the management port while $SLOW slow connections hold the public port, ms (20 probes, fresh connections) | $(fig slow_probe_ms | sed 's/,/, /g'); median $(fig slow_probe_median_ms), slowest $(fig slow_probe_max_ms) | $LOAD_SLOW_BEFORE / $LOAD_SLOW_AFTER | median within 100 ms, each within 2 s: $(yes "$probes_ok") |"
  echo "| a new client on the public port while they hold it (status; 0: refused or no answer in 1 s) | $(fig slow_new_client_while_held) | same | |"
  echo "| ms until a new client is served after the $SLOW slow connections went away | $(fig slow_served_after_gone_ms) | same | within seconds: $(yes "$served_ok") |"
  echo "| ms until a new client is served while $SLOW others keep trickling (header timeout ${HEADER_TIMEOUT} s) | $(fig slow_served_while_trickling_ms) | same | |"
  echo "| of those $SLOW, closed with a 408 | $(fig slow_closed_with_408) | same | |"
} | tee -a "$RESULTS"
STATUS=$((recovery_ok && probes_ok && agree_ok && served_ok ? 0 : 1))
exit "$STATUS"
