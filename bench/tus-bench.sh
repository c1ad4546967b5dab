#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/lib disable=SC2153 # knobs sets the settings
# Resumable uploads benchmark (issue "Resumable uploads through the broker", "Benchmark"). One run, on this machine,
# side by side on the same RGW: the broker's tus endpoint (/files/) against @tus/server 2.4.5 with @tus/s3-store
# 2.0.7 from npm (bench/tus/server.mjs, the bucket owner's keys, parts of the broker's size), both driven by
# tus-js-client 4.3.1 (bench/tus/upload.mjs: one PATCH per upload, its default); and the broker's own PUT /item of
# the same file (curl -T, Content-Length). So that the client's share of tus vs PUT /item shows apart from the
# server's, two more ways swap the clients: the broker's tus endpoint driven by curl (POST, then one PATCH of the whole
# file with a Content-Length) and PUT /item driven by Node (bench/tus/put.mjs: node:http streaming the file, as
# tus-js-client's Node stack does). Ways: tus peer put tuscurl putnode. For BIG_MIB (1 GiB) once and CONCURRENCY x
# SMALL_MIB (8 x 100 MiB) at once, per server process:
#   - throughput: MiB / wall time of the client (creation to the last answer)
#   - CPU per MiB: utime + stime of /proc/PID/stat (every thread) before and after, as every bench here (cpu_of);
#     for the clients (bench/lib/clients.py), the same of every curl or node process, read as it exits; and of the
#     gateway's daemons (on 2 cores, server, client and gateway share the CPU that bounds the throughput)
#   - peak RSS: VmHWM, reset (clear_refs) before each upload
#   - bytes written to disk: write_bytes of /proc/PID/io before and after (the peer's temporary parts go to TMPDIR,
#     a directory on the work dir's disk, never tmpfs; both servers log through a pipe)
# Targets: broker tus throughput >= the peer's and >= 0.9 x its own PUT /item; CPU per MiB <= the peer's; 0 bytes to
# disk; RSS < 300 MiB. Every upload is checked (status, size in S3), the first object of each way and size by sha256
# (downloaded), and deleted right after (the gateway keeps objects in RAM). Appends the report to bench/results-tus.md.
#
# usage: bench/tus-bench.sh [JVM args of the broker]   (default: @docker/jvm.options -XX:-UsePerfData,
#   MALLOC_ARENA_MAX=2 unless the environment sets it)
# Environment (all optional):
#   BENCH_BIG_MIB=1024 BENCH_SMALL_MIB=100 BENCH_CONCURRENCY=8   sizes, and uploads at once of the small file
#   BENCH_REPEATS=3                  measured rounds (the ways' order rotated each round); medians are reported
#   BENCH_WARMUP_ROUNDS=5            unmeasured rounds of every way with the small file first (JIT, both runtimes)
#   BENCH_JIT_SETTLED_PCT=10         then more such rounds until the broker's JIT compiler threads took at most this
#   BENCH_WARMUP_MAX_ROUNDS=60       share of its CPU in two rounds in a row (at most BENCH_WARMUP_MAX_ROUNDS in all),
#                                    as bench/upload-bench.sh: a fresh broker's JIT still took 10-20% of its CPU per
#                                    MiB after 50-100 one-PATCH tus uploads of 100 MiB (bench/warmup-curve.sh, way tus)
#   BENCH_PART_MIB=16                part size of both servers (the broker's default)
#   BENCH_BROKER_PORT=18098 BENCH_PEER_PORT=18099
#   BENCH_RGW=private|shared         private (default): a gateway of its own in /tmp/tus-bench-rgw on 127.0.0.1:17495
#                                    (BENCH_RGW_PORT, BENCH_RGW_MON_PORT 6791, BENCH_RGW_MEMSTORE_MIB=3072), stopped at
#                                    the end; shared: the one of LOCAL_S3STS_* (kept running)
#   BENCH_PIN=0|1                    1 (private gateway only): Ceph on the first half of the CPUs, this script and all
#                                    it starts (both servers, the clients) on the other half, as if S3 were another
#                                    machine (bench/upload-bench.sh's and bench/item-bench.sh's way)
#   BENCH_BROKER_REV=REV / BENCH_BROKER_APP=DIR   another build of the broker (bench/lib/broker.sh)
#   BENCH_RESULTS=FILE               where to append the report (default bench/results-tus.md)
#   BENCH_KEEP_LOGS=1                keep the work dir (logs, client answers) after success
# Exit status: 0 all targets met, 1 a target missed (results are written either way), 2 the run itself failed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=tus-bench
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"

knobs BIG_MIB=1024 SMALL_MIB=100 CONCURRENCY=8 REPEATS=3 WARMUP_ROUNDS=5 PART_MIB=16 BROKER_PORT=18098 PEER_PORT=18099 \
  RGW=private RGW_PORT=17495 RGW_MON_PORT=6791 RGW_MEMSTORE_MIB=3072 RESULTS="$HERE/results-tus.md" \
  WARMUP_MAX_ROUNDS=60 JIT_SETTLED_PCT=10
whole_numbers BIG_MIB SMALL_MIB CONCURRENCY REPEATS WARMUP_ROUNDS PART_MIB BROKER_PORT PEER_PORT RGW_PORT RGW_MON_PORT \
  RGW_MEMSTORE_MIB WARMUP_MAX_ROUNDS JIT_SETTLED_PCT
((REPEATS >= 1 && CONCURRENCY >= 1 && BIG_MIB >= 1 && SMALL_MIB >= 1)) || die "sizes, repeats and concurrency must be >= 1"
if (($#)); then JVM_ARGS=("$@"); else JVM_ARGS=("@$REPO/docker/jvm.options" -XX:-UsePerfData); fi
TARGET_RSS_MIB=300
TARGET_VS_PUT=0.9
LOG_PIPE=1
RGW_KEEP=0
[[ $RGW == private ]] || RGW_KEEP=1
COMMAND_LINE=$(command_line "BENCH_ MALLOC_ JAVA_TOOL_OPTIONS" bench/tus-bench.sh "$@")

exec 9>"/tmp/.tus-bench.lock"
flock -n 9 || die "another bench/tus-bench.sh run is in progress (lock /tmp/.tus-bench.lock)"

ensure_tools curl python3 node sha256sum
if [[ ! -f $HERE/tus/node_modules/.package-lock.json || $HERE/tus/package-lock.json -nt $HERE/tus/node_modules/.package-lock.json ]]; then
  (cd "$HERE/tus" && npm ci --no-audit --no-fund --loglevel=error) >&2 || die "npm ci in bench/tus failed"
fi

bench_start /tmp/tus-bench.XXXXXX
SHM=$(mktemp -d /dev/shm/tus-bench.XXXXXX) # the source files: RAM only, so the clients read no disk
BROKER_PID=
PEER_PID=
declare -a KEYS=()

# shellcheck disable=SC2317 # called by bench_cleanup
cleanup_run() {
  stop_pid "$BROKER_PID"
  stop_pid "$PEER_PID"
  ((${#KEYS[@]} == 0)) || delete_keys
  rm -rf "$SHM"
}

describe_machine
gateway_up "$RGW" /tmp/tus-bench-rgw "$RGW_PORT" "$RGW_MON_PORT" "$RGW_MEMSTORE_MIB"
build_broker
auth_init "$BUCKET"
pin_script
PART_BYTES=$((PART_MIB << 20))

# ---------------------------------------------------------------- the servers

# shellcheck disable=SC2034 # read by start_quarkus through its arguments
start_quarkus BROKER_PID broker "$BROKER_PORT" "$WORK/broker.log" /q/health/ready "${AUTH_ON_ENV[@]}" \
  BROKER_TUS_BUCKET="$BUCKET" BROKER_UPLOAD_PART_SIZE="${PART_MIB}M" MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" \
  java "${JVM_ARGS[@]}" -jar "$BROKER_APP/quarkus-run.jar"

mkdir -p "$WORK/peer-tmp"
port_busy "$PEER_PORT" && die "127.0.0.1:$PEER_PORT (the peer) is in use: set BENCH_PEER_PORT"
(cd "$WORK" && exec env PORT="$PEER_PORT" PART_SIZE="$PART_BYTES" TMPDIR="$WORK/peer-tmp" NODE_ENV=production \
  node "$HERE/tus/server.mjs") > >(exec cat >>"$WORK/peer.log") 2>&1 &
PEER_PID=$!
for ((i = 0; i < 300; i++)); do
  [[ $(curl -s -o /dev/null -m 2 -X OPTIONS -w '%{http_code}' "http://127.0.0.1:$PEER_PORT/files") == 204 ]] && break
  kill -0 "$PEER_PID" 2>/dev/null || die "the peer exited at start; see $WORK/peer.log"
  sleep 0.1
done
PEER_TMP_FS=$(stat -f -c %T "$WORK/peer-tmp")
[[ $PEER_TMP_FS != tmpfs ]] || log "WARNING: the peer's TMPDIR is on tmpfs: its part files show as no disk writes"

# ---------------------------------------------------------------- one measured upload

proc_io() { awk -v k="$2" '$1 == k ":" { print $2 }' "/proc/$1/io" 2>/dev/null || echo 0; }
hwm_kib() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
way_pid() { if [[ $1 == peer ]]; then echo "$PEER_PID"; else echo "$BROKER_PID"; fi; }

# The keys an upload stored: the broker's tus object (tus/<caller>/<name>), the peer's object and its .info, or the
# PUT's key. Deleted right after each round.
delete_keys() {
  local key
  for key in "${KEYS[@]}"; do
    s3_admin -o /dev/null -X DELETE "$(object_url "$key")" 2>/dev/null || log "WARNING: could not delete $key"
  done
  KEYS=()
  gc_process
}

# The clients, all through bench/lib/clients.py (wall time, and the CPU of the client processes): tus and peer,
# tus-js-client (upload.mjs, COUNT uploads in one Node process); putnode, the same kind of Node client for PUT /item
# (put.mjs); put and tuscurl, one curl per upload (tuscurl: POST, then one PATCH of the whole file, as tus-js-client
# sends it). Ways in Node take the wall time the client prints (creation to the last answer, without Node's start).
CURL=(curl -sS --fail-with-body -m 900)
# way count command... [--then command...]...: sets SECONDS_TAKEN, CLIENT_CPU and, for Node, START_CPU (CPU seconds
# before its first request, in CLIENT_CPU too); the clients' output goes to client.out.
clients() {
  local way=$1
  shift
  python3 "$HERE/lib/clients.py" "$@" >"$WORK/client.out" 2>>"$WORK/client.log" ||
    die "the $way upload failed: $(tail -n 3 "$WORK/client.log")"
  read -r SECONDS_TAKEN CLIENT_CPU <"$WORK/client.out"
  START_CPU=
  if [[ $way == *node || $way == tus || $way == peer ]]; then
    SECONDS_TAKEN=$(json_lines seconds) START_CPU=$(json_lines startCpu)
  fi
}
json_lines() { # field: that field of every JSON line the clients printed (a list's items one a line)
  tail -n +2 "$WORK/client.out" | python3 -c 'import json,sys
for line in sys.stdin:
    v = json.loads(line)[sys.argv[1]]
    print("\n".join(v) if isinstance(v, list) else "%.3f" % v if isinstance(v, float) else v)' "$1"
}

# Uploads FILE COUNT times at once by WAY; sets SECONDS_TAKEN and CLIENT_CPU and appends the stored keys to KEYS.
run_way() { # way file count
  local way=$1 file=$2 count=$3 url broker=http://127.0.0.1:$BROKER_PORT auth=${AUTH_HEADER#Authorization: } put
  put="$broker/item?bucket=$BUCKET&key=tus-bench/put-$RANDOM"
  case $way in
  tus) clients "$way" 1 env TUS_AUTH="$auth" node "$HERE/tus/upload.mjs" "$broker/files/" "$file" "$count" ;;
  peer) clients "$way" 1 node "$HERE/tus/upload.mjs" "http://127.0.0.1:$PEER_PORT/files" "$file" "$count" ;;
  putnode) clients "$way" 1 env TUS_AUTH="$auth" node "$HERE/tus/put.mjs" "$put" "$file" "$count" ;;
  put) clients "$way" "$count" "${CURL[@]}" -H "$AUTH_HEADER" -T "$file" "$put-{i}" ;;
  tuscurl)
    local steps=()
    tus_curl_steps steps "$broker" "$file"
    clients "$way" "$count" "${steps[@]}"
    ;;
  esac
  while read -r url; do
    case $way in
    put | putnode) KEYS+=("$url") ;; # the key itself
    peer) KEYS+=("${url##*/}" "${url##*/}.info") ;;
    *) KEYS+=("$(tus_key "$url")") ;;
    esac
  done < <(case $way in put) json_lines key ;; putnode) json_lines keys ;; tuscurl) tail -n +2 "$WORK/client.out" ;;
    *) json_lines urls ;; esac)
}

# Checks that every stored object has BYTES (and, with SHA, that the first one is byte for byte the source's).
check_stored() { # bytes sha|-
  local key size first=1
  for key in "${KEYS[@]}"; do
    [[ $key == *.info ]] && continue
    size=$(s3_admin -I "$(object_url "$key")" | awk 'tolower($1) == "content-length:" { print $2 + 0 }')
    [[ $size == "$1" ]] || die "s3://$BUCKET/$key holds ${size:-nothing}, not $1 bytes"
    if [[ $2 != - ]] && ((first)); then
      [[ $(s3_admin "$(object_url "$key")" | sha256sum | cut -d' ' -f1) == "$2" ]] || die "s3://$BUCKET/$key is not the source"
      first=0
    fi
  done
}

declare -A TPUT CPU CLIENT GW RSS DISK
NODE_START=
per_mib() { awk -v a="$1" -v b="$2" -v m="$3" 'BEGIN { printf "%.2f", 1000 * (b - a) / m }'; } # cpu0 cpu1 MiB
# One measured round of one way: MiB/s; CPU ms/MiB of its server process, of its clients and of the gateway's
# daemons (Ceph: on 2 cores, the three share the CPU that bounds the throughput); VmHWM MiB; bytes written to disk.
measure() { # phase way file count mib sha|-
  local phase=$1 way=$2 file=$3 count=$4 mib=$(($5 * $4)) pid cpu0 cpu1 gw0 gw1 w0 w1
  pid=$(way_pid "$way")
  echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || log "WARNING: could not reset VmHWM of $pid"
  # shellcheck disable=SC2046 # word splitting wanted: the pids
  gw0=$(cpu_of $(ceph_pids))
  cpu0=$(cpu_of "$pid")
  w0=$(proc_io "$pid" write_bytes)
  run_way "$way" "$file" "$count"
  cpu1=$(cpu_of "$pid")
  # shellcheck disable=SC2046
  gw1=$(cpu_of $(ceph_pids))
  w1=$(proc_io "$pid" write_bytes)
  check_stored $(($5 << 20)) "$6"
  TPUT[$phase.$way]+="$(awk -v m="$mib" -v s="$SECONDS_TAKEN" 'BEGIN { printf "%.1f", m / s }') "
  CPU[$phase.$way]+="$(per_mib "$cpu0" "$cpu1" "$mib") "
  CLIENT[$phase.$way]+="$(per_mib 0 "$CLIENT_CPU" "$mib") "
  GW[$phase.$way]+="$(per_mib "$gw0" "$gw1" "$mib") "
  NODE_START+=${START_CPU:+"$START_CPU "}
  RSS[$phase.$way]+="$(($(hwm_kib "$pid") / 1024)) "
  DISK[$phase.$way]+="$((w1 - w0)) "
  log "$phase $way: ${SECONDS_TAKEN} s, $((w1 - w0)) bytes to disk"
  delete_keys
}

# ---------------------------------------------------------------- the run

log "writing ${BIG_MIB} MiB and ${SMALL_MIB} MiB of random bytes to $SHM"
head -c $((BIG_MIB << 20)) /dev/urandom >"$SHM/big"
head -c $((SMALL_MIB << 20)) /dev/urandom >"$SHM/small"
BIG_SHA=$(sha256sum "$SHM/big" | cut -d' ' -f1)
SMALL_SHA=$(sha256sum "$SHM/small" | cut -d' ' -f1)
WAYS=(tus peer put tuscurl putnode)

warmup_round() {
  local way
  for way in "${WAYS[@]}"; do
    run_way "$way" "$SHM/small" 1
    delete_keys
  done
}
log "warm-up: $WARMUP_ROUNDS rounds of every way with ${SMALL_MIB} MiB, then more until the broker's JIT settles"
for ((r = 0; r < WARMUP_ROUNDS; r++)); do warmup_round; done
warm_until_jit_settles "$BROKER_PID" "$WARMUP_ROUNDS" "$WARMUP_MAX_ROUNDS" "$JIT_SETTLED_PCT" \
  "every way with ${SMALL_MIB} MiB" warmup_round
log "warm-up done: $WARMUP_DESC"

for ((r = 0; r < REPEATS; r++)); do
  for ((k = 0; k < ${#WAYS[@]}; k++)); do
    way=${WAYS[$(((k + r) % ${#WAYS[@]}))]}
    sha=-
    ((r == 0)) && sha=$BIG_SHA
    measure big "$way" "$SHM/big" 1 "$BIG_MIB" "$sha"
    ((r == 0)) && sha=$SMALL_SHA
    measure many "$way" "$SHM/small" "$CONCURRENCY" "$SMALL_MIB" "$sha"
  done
done
LOAD_AFTER=$(loadavg)
scan_broker_logs '"(PATCH|POST|HEAD) /files[^ ]* HTTP/1.1"' '(201|204|200)' "$WORK/broker.log"

# ---------------------------------------------------------------- the report

# shellcheck disable=SC2086 # word splitting wanted: the runs
max_of() { printf '%s\n' $1 | sort -g | tail -n 1; }
target() { echo "| $1 | $2 | $3 |"; } # description figure verdict
phase_label() { if [[ $1 == big ]]; then echo "1 x ${BIG_MIB} MiB"; else echo "$CONCURRENCY x ${SMALL_MIB} MiB at once"; fi; }
way_label() {
  case $1 in
  tus) echo "broker, tus (/files/) | tus-js-client 4.3.1" ;;
  peer) echo "@tus/server 2.4.5 + @tus/s3-store 2.0.7 | tus-js-client 4.3.1" ;;
  put) echo "broker, PUT /item | curl -T" ;;
  tuscurl) echo "broker, tus (/files/) | curl: POST, one PATCH" ;;
  putnode) echo "broker, PUT /item | Node http (put.mjs)" ;;
  esac
}
# shellcheck disable=SC2086 # word splitting wanted: the runs
runs() { local -n of=$1; echo "$(median ${of[$2]}) (${of[$2]% })"; } # array phase.way: the median (every run)
# shellcheck disable=SC2086
all_cpu() { awk -v a="$(median ${CPU[$1]})" -v b="$(median ${CLIENT[$1]})" -v c="$(median ${GW[$1]})" 'BEGIN { printf "%.2f", a + b + c }'; }
# shellcheck disable=SC2086
gap() { # way other-way label other-label
  local phase line="| $3 | $4 |"
  for phase in big many; do
    line+=" $(ratio "$(median ${TPUT[$phase.$1]})" "$(median ${TPUT[$phase.$2]})")x |"
    line+=" $(awk -v a="$(all_cpu "$phase.$1")" -v b="$(all_cpu "$phase.$2")" 'BEGIN { printf "%+.2f", a - b }') |"
  done
  echo "$line"
}
REPORT=$(
  run_heading
  echo "- machine: $NPROC x $CPU_MODEL, $MEM, $JAVA_VERSION, node $(node --version); load average before $LOAD_BEFORE, after $LOAD_AFTER; other JVMs before: $FOREIGN_BEFORE"
  echo "- gateway: $(gateway_desc); the peer's TMPDIR on $PEER_TMP_FS; parts of $PART_MIB MiB on both servers"
  echo "- CPU pinning: $PINNING"
  echo "- $WARMUP_DESC, then $REPEATS measured rounds (ways rotated); medians, every run in brackets"
  echo
  echo "| upload | way | client | MiB/s | CPU ms/MiB of the server | of the client | of the gateway | the three | peak RSS MiB | bytes written to disk |"
  echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for phase in big many; do
    for way in "${WAYS[@]}"; do
      echo "| $(phase_label "$phase") | $(way_label "$way") | $(runs TPUT "$phase.$way") | $(runs CPU "$phase.$way") | $(runs CLIENT "$phase.$way") | $(runs GW "$phase.$way") | $(all_cpu "$phase.$way") | $(max_of "${RSS[$phase.$way]}") | $(max_of "${DISK[$phase.$way]}") |"
    done
  done
  echo
  # shellcheck disable=SC2086 # word splitting wanted: the runs
  echo "The clients' CPU is that of the whole process: a Node client's includes its start ($(median $NODE_START) s of CPU per process before its first request, median of (${NODE_START% })); curl's is counted in 10 ms ticks per process."
  echo
  echo "Client and server apart (ratios of the median throughputs; the first row is the target's):"
  echo
  echo "| throughput of | over | $(phase_label big) | CPU ms/MiB more, the three | $(phase_label many) | CPU ms/MiB more, the three |"
  echo "| --- | --- | ---: | ---: | ---: | ---: |"
  gap tus put "tus, tus-js-client" "PUT /item, curl"
  gap tuscurl put "tus, curl" "PUT /item, curl (the server's share, curl on both sides)"
  gap tus putnode "tus, tus-js-client" "PUT /item, Node (the server's share, Node on both sides)"
  gap tus tuscurl "tus, tus-js-client" "tus, curl (the client's share on tus)"
  gap putnode put "PUT /item, Node" "PUT /item, curl (the client's share on PUT)"
  echo
  echo "| target | figure | verdict |"
  echo "| --- | --- | --- |"
  for phase in big many; do
    # shellcheck disable=SC2086
    t=$(median ${TPUT[$phase.tus]}) p=$(median ${TPUT[$phase.peer]}) u=$(median ${TPUT[$phase.put]})
    # shellcheck disable=SC2086
    c=$(median ${CPU[$phase.tus]}) cp=$(median ${CPU[$phase.peer]})
    target "$phase: tus throughput >= the peer's" "$(ratio "$t" "$p")x" "$(verdict "$(ratio "$t" "$p")" 1)"
    target "$phase: tus throughput >= $TARGET_VS_PUT x PUT /item" "$(ratio "$t" "$u")x" "$(verdict "$(ratio "$t" "$u")" "$TARGET_VS_PUT")"
    target "$phase: tus CPU per MiB <= the peer's" "$c vs $cp ms/MiB" "$(verdict "$(ratio "$cp" "$c")" 1)"
    target "$phase: broker bytes to disk = 0" "$(max_of "${DISK[$phase.tus]} ${DISK[$phase.put]}")" \
      "$( (($(max_of "${DISK[$phase.tus]} ${DISK[$phase.put]}") == 0)) && echo met || echo '**MISSED**')"
    target "$phase: broker peak RSS < $TARGET_RSS_MIB MiB" "$(max_of "${RSS[$phase.tus]}") MiB" \
      "$( (($(max_of "${RSS[$phase.tus]}") < TARGET_RSS_MIB)) && echo met || echo '**MISSED**')"
  done
  echo
  echo "Broker log: $ACCESS_TOTAL tus access-log lines, $ACCESS_BAD not 200/201/204; $BLOCKED blocked-thread warnings; $WARN_COUNT other WARN/ERROR lines."
  warn_excerpt
)

if [[ ! -s $RESULTS ]]; then
  cat >"$RESULTS" <<'EOF'
# Resumable upload benchmark results

Re-run with `bench/tus-bench.sh` (see its header). It boots a private Ceph RGW gateway, builds a copy of the checkout,
starts the broker with its tus endpoint and @tus/server 2.4.5 with @tus/s3-store 2.0.7 (bench/tus) on the same
gateway, and uploads the same files to both with tus-js-client 4.3.1, and to the broker's PUT /item with curl; and, to
tell the client's share from the server's, to the broker's tus endpoint with curl and to its PUT /item with Node.
Throughput is MiB over the client's wall time; CPU is utime + stime of each server's process (every thread) over the
upload, and of the clients' processes and the gateway's daemons; peak RSS is VmHWM reset before each upload; disk
bytes are write_bytes of /proc/PID/io (the peer's temporary part files go to a directory on disk, as os.tmpdir() does
on most hosts; both servers log through a pipe).
EOF
fi
printf '%s\n' "$REPORT"
printf '%s\n' "$REPORT" >>"$RESULTS"
log "results appended to $RESULTS"
if [[ $REPORT == *MISSED* ]]; then STATUS=1; else STATUS=0; fi
exit "$STATUS"
