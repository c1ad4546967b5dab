#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/lib disable=SC2153 # knobs sets the settings
# Upload benchmark (issue "Streaming uploads", "Done means"). One run, on this machine, side by side:
#   1. 1 GiB and 100 MiB, each uploaded (a) PUT /item with Content-Length, (b) PUT /item chunked, (c) POST /item
#      multipart form, (d) PUT straight to RGW with a presigned URL; MiB/s from curl's time_total.
#      target: each broker way >= 0.95x direct (medians)
#   2. peak RSS of the broker during the 1 GiB uploads (VmRSS sampled every 50 ms, and VmHWM)   target < 300 MiB
#   3. bytes the broker process wrote to disk (/proc/PID/io write_bytes) over all uploads          target 0
#   4. 8 concurrent 100 MiB uploads, PUT with Content-Length and POST form, vs 8 concurrent direct PUTs:
#      aggregate MiB/s                                                                              target >= 0.95x
#   5. the reference for what a streaming proxy costs here: the same presigned PUT sent through nginx (Debian's,
#      proxy_request_buffering off, a master and one worker, pinned like the broker); the broker's CPU per MiB of
#      every way against nginx's for the same size                                                 target <= 1.3x
# CPU is measured one way for every process: utime + stime of /proc/PID/stat (all its threads) before and after the
# same bytes, for the broker and for all of nginx's processes alike (bench/lib/machine.sh, cpu_of), and per MiB from
# those seconds. Every measured upload comes after the same warm-up (BENCH_REQUEST_WARMUP, then
# BENCH_WARMUP_ROUNDS...: below), which the report states; bench/warmup-curve.sh measures a broker without it.
# Every upload is checked (HTTP status, size; the sha256 of one object per way and size by downloading it) and
# deleted right after (the gateway keeps objects in RAM). Source files live in /dev/shm, so curl reads no disk.
# Prints a Markdown report and appends it, with the machine and the command, to bench/results-upload.md.
#
# usage: bench/upload-bench.sh [JVM args of the broker]   (default: @docker/jvm.options -XX:-UsePerfData,
#   with MALLOC_ARENA_MAX=2 as in the image unless the environment sets it)
#   A GC log to /dev/shm (-Xlog:gc) is added unless BENCH_GC_LOG=0. BROKER_UPLOAD_* variables in the environment
#   (BROKER_UPLOAD_PART_SIZE, BROKER_UPLOAD_MAX_PARTS_IN_FLIGHT, BROKER_UPLOAD_MAX_BUFFERED,
#   BROKER_UPLOAD_MULTIPART_THRESHOLD, ...) reach the broker and are written into the results.
# Environment (all optional):
#   BENCH_BIG_MIB=1024 BENCH_SMALL_MIB=100   sizes of the two source files
#   BENCH_REPEATS=3                          measured uploads per way and size (and concurrent runs per variant)
#   BENCH_REQUEST_WARMUP=500                 first, unmeasured requests of every broker way with a 64 KiB body: a
#                                            deployed broker has compiled its per-request code (routing, auth,
#                                            PutObject's call pipeline) after its first thousands of requests, and
#                                            large uploads alone run it only ~100 times. Its effect on the measured
#                                            CPU is within the noise (bench/results-upload.md, 2026-12-01 21:50):
#                                            the JIT still compiles during measured uploads, mostly the per-part
#                                            calls (UploadPart), which a 64 KiB body never makes
#   BENCH_WARMUP_ROUNDS=30                   unmeasured rounds of every way with the small file after the start (JIT):
#                                            after 4, C2 still took 30% of the broker's CPU in the first measured GiB;
#                                            after 12, with 16M parts (a per-part path runs 7 times per 100 MiB), still
#                                            4% of a core during the 100 MiB chunked PUTs (run of 2026-12-01 10:57);
#                                            then always one unmeasured round with the big file (Ceph's memory store)
#   BENCH_JIT_SETTLED_PCT=10                 after those rounds, more warm-up rounds until the JIT compiler threads
#   BENCH_WARMUP_MAX_ROUNDS=90               took at most this share of the broker's CPU in two rounds in a row
#                                            (at most BENCH_WARMUP_MAX_ROUNDS rounds in all): a rarely run path (the
#                                            SDK's per-call code: 8 calls per chunked 100 MiB) was still being
#                                            compiled after 30 rounds, 2-4% of a core during the measured chunked
#                                            100 MiB uploads (runs of 2026-12-01 10:57 and 11:12)
#   BENCH_CONCURRENCY=8                      parallel uploads of phase 4
#   BENCH_BROKER_PORT=18093                  (not 8080/8081, nor the other benchmarks' 18080-18082/18097)
#   BENCH_DISTURBED_PCT=25                   an upload during which other work used more CPU than this (percent of
#                                            one core) is repeated, up to BENCH_DISTURBED_RETRIES=2 times; before each
#                                            measured upload the run waits (at most BENCH_QUIET_WAIT=60 s) until the
#                                            machine is that quiet for a second
#   BENCH_RGW=private|shared                 private (default): a gateway of its own, booted by scripts/local-s3-sts.sh
#                                            in /tmp/upload-bench-rgw on 127.0.0.1:17493 (BENCH_RGW_PORT,
#                                            BENCH_RGW_MON_PORT 6795, memory store BENCH_RGW_MEMSTORE_MIB=3072) and
#                                            stopped at the end, so that this run's GiBs never fill the store other
#                                            test runs use and their load does not share its gateway; shared: the
#                                            default one (/tmp/s3-sts-broker-rgw, port 7480, kept running)
#   BENCH_PIN=0|1                            1 (private gateway only): Ceph on the first half of the CPUs, this script
#                                            and so the broker and every curl on the other half, as if S3 were another
#                                            machine. The default 0 lets everything share all CPUs.
#   BENCH_BROKER_REV=REV                     build this commit (git archive) instead of the work tree of the checkout
#   BENCH_BROKER_APP=DIR                     a built target/quarkus-app to run instead of building anything
#   BENCH_DIRECT_SIGNER=admin|role           credentials of the presigned URLs of the direct PUT and nginx: the bucket
#                                            owner's keys (admin, the default, as every run before 2026-12-06 21:40)
#                                            or the broker's role's temporary credentials (role: the kind the broker
#                                            signs with, which cost RGW ~3% more CPU per MiB: bench/gateway-cost.sh)
#   BENCH_JAVA=java                          the broker's Java runtime (the build uses the default JDK 17): the
#                                            image's JDK 25 is /usr/lib/jvm/temurin-25-jdk-amd64/bin/java here, whose
#                                            Serial GC lets the old generation grow to -Xmx (decision 0039)
#   BENCH_RESULTS=FILE                       where to append the results (default bench/results-upload.md)
#   BENCH_MAX_SECONDS=3600                   the whole run is stopped (and cleaned up) after this long
#   BENCH_KEEP_LOGS=1                        keep the work dir (broker log, GC log, per-upload data) after success
#   BENCH_KEEP_RGW=1                         leave the gateway running even if this script booted it (shared only;
#                                            the private one is always stopped)
# The broker runs with auth (BROKER_AUTH_MODE=api-key, the bucket allowed to read and write) and a fresh random key,
# which every upload sends.
# Exit status: 0 all targets met, 1 a target missed (results are written either way), 2 the run itself failed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=upload-bench
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"
# shellcheck source=lib/nginx.sh
. "$HERE/lib/nginx.sh"

knobs BIG_MIB=1024 SMALL_MIB=100 REPEATS=3 REQUEST_WARMUP=500 WARMUP_ROUNDS=30 WARMUP_MAX_ROUNDS=90 JIT_SETTLED_PCT=10 CONCURRENCY=8 BROKER_PORT=18093 NGINX_PORT=18094 DISTURBED_PCT=25 \
  DISTURBED_RETRIES=2 QUIET_WAIT=60 RGW=private MAX_SECONDS=3600 RESULTS="$HERE/results-upload.md" DIRECT_SIGNER=admin
[[ $DIRECT_SIGNER == role || $DIRECT_SIGNER == admin ]] || die "BENCH_DIRECT_SIGNER must be admin or role"
# The broker runs as the image runs it: its JVM options file (the heap's size included) and glibc arena limit.
if (($#)); then JVM_ARGS=("$@"); else JVM_ARGS=("@$REPO/docker/jvm.options" -XX:-UsePerfData); fi
BROKER_MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
BROKER_JAVA=${BENCH_JAVA:-java}
TARGET_RATIO=0.95
TARGET_RSS_MIB=300
TARGET_CPU_VS_NGINX=1.3
CURL_MAX=900 # seconds, one upload or download
# The broker's log goes through a pipe (as to a container runtime), so that the log file's disk writes are cat's,
# not the broker's: its write_bytes is a target.
LOG_PIPE=1
# The private gateway is always stopped: its 3 GiB store is this run's alone.
RGW_KEEP=0
[[ $RGW == private ]] || RGW_KEEP=${BENCH_KEEP_RGW:-0}
KEEP_WORK_ON_MISS=1

whole_numbers BIG_MIB SMALL_MIB REPEATS REQUEST_WARMUP WARMUP_ROUNDS WARMUP_MAX_ROUNDS JIT_SETTLED_PCT CONCURRENCY BROKER_PORT NGINX_PORT DISTURBED_PCT DISTURBED_RETRIES \
  MAX_SECONDS QUIET_WAIT
((REPEATS >= 1 && CONCURRENCY >= 1 && BIG_MIB >= 1 && SMALL_MIB >= 1)) || die "sizes, repeats and concurrency must be >= 1"

COMMAND_LINE=$(command_line "BENCH_ BROKER_UPLOAD_ MALLOC_ JAVA_TOOL_OPTIONS" bench/upload-bench.sh "$@")

# One run at a time: a second one would share the private gateway (and stop it under the first).
exec 9>"/tmp/.upload-bench.lock"
flock -n 9 || die "another bench/upload-bench.sh run is in progress (lock /tmp/.upload-bench.lock)"

bench_start /tmp/upload-bench.XXXXXX
SHM=$(mktemp -d /dev/shm/upload-bench.XXXXXX) # source files, GC log, RSS samples: RAM only
BROKER_PID=
NGINX_PID=
NGINX_PIDS=
SAMPLER_PID=
WATCHDOG_PID=
PREFIX=

# shellcheck disable=SC2317 # called by bench_cleanup
cleanup_run() {
  [[ -z $WATCHDOG_PID ]] || kill "$WATCHDOG_PID" 2>/dev/null
  [[ -z $SAMPLER_PID ]] || stop_pid "$SAMPLER_PID"
  stop_pid "$BROKER_PID"
  stop_pid "$NGINX_PID"
  # Anything of this run still in the bucket: objects, and multipart uploads a failure left open.
  [[ -z $PREFIX ]] || { sweep_prefix; gc_process; }
  [[ ! -s $SHM/gc.log ]] || cp "$SHM/gc.log" "$WORK/gc.log"
  rm -rf "$SHM"
}

# Bounded in time whatever happens: TERM to this shell (whose trap cleans up) after MAX_SECONDS.
(
  end=$((SECONDS + MAX_SECONDS))
  while ((SECONDS < end)); do sleep 1; done
  log "ERROR: still running after $MAX_SECONDS s (BENCH_MAX_SECONDS); stopping"
  kill -TERM $$
) &
WATCHDOG_PID=$!

# ---------------------------------------------------------------- accounting

# Adds the broker's CPU by thread group between two snapshots to the account of one way.
thread_account() { # key before after seconds
  awk -F'\t' -v key="$1" 'NR == FNR { s[$1] -= $2; next } { s[$1] += $2 }
    END { for (g in s) if (s[g] > 0) print key "\t" g "\t" s[g] }' \
    <(printf '%s\n' "$2") <(printf '%s\n' "$3") >>"$WORK/thread-ticks.tsv"
  printf '%s\t%s\n' "$1" "$4" >>"$WORK/thread-time.tsv"
}

# Per way: "- key: group N%, ..." (percent of one core over that way's uploads, groups of at least 2%).
thread_lines() {
  [[ -s $WORK/thread-time.tsv ]] || return 0
  awk -F'\t' -v k="$(getconf CLK_TCK)" 'NR == FNR { el[$1] += $2; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }; next }
    { t[$1 "\t" $2] += $3; tot[$1] += $3 }
    END {
      for (i = 1; i <= n; i++) {
        key = order[i]; line = ""; m = 0
        for (kg in t) { split(kg, p, "\t"); if (p[1] == key) { v[++m] = sprintf("%09.3f\t%s", 100 * t[kg] / k / el[key], p[2]) } }
        # sort descending by value
        for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (v[b] > v[a]) { x = v[a]; v[a] = v[b]; v[b] = x }
        for (a = 1; a <= m; a++) { split(v[a], q, "\t"); if (q[1] + 0 >= 2) line = line (line ? ", " : "") q[2] " " sprintf("%.0f", q[1]) "%" }
        printf "- %s: total %.0f%%: %s\n", key, 100 * tot[key] / k / el[key], line
        delete v
      }
    }' "$WORK/thread-time.tsv" "$WORK/thread-ticks.tsv"
}

proc_field() { awk -v k="$2" '$1 == k ":" { print $2 }' "/proc/$1/$3" 2>/dev/null || echo 0; } # pid key file
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }                                       # KiB -> MiB

# ---------------------------------------------------------------- the bucket

delete_object() { # key: 204 expected
  local code
  code=$(s3_admin -o /dev/null -w '%{http_code}' -X DELETE "$(object_url "$1")" 2>/dev/null) || code=000
  [[ $code == 204 || $code == 200 ]] || log "WARNING: DELETE $1 answered $code"
}

# Deletes every object of this run and aborts every multipart upload of it left open (prefix = the run's folder).
sweep_prefix() {
  local enc line key id
  enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PREFIX")
  while read -r key; do
    [[ -n $key ]] && delete_object "$key"
  done < <(s3_admin "$LOCAL_S3STS_ENDPOINT/$BUCKET?list-type=2&prefix=$enc" 2>/dev/null | xml_values Key)
  while read -r line; do
    [[ -n $line ]] || continue
    key=${line%% *} id=${line#* }
    log "aborting multipart upload left open: $key"
    s3_admin -o /dev/null -X DELETE "$(object_url "$key")?uploadId=$id" 2>/dev/null || true
  done < <(s3_admin "$LOCAL_S3STS_ENDPOINT/$BUCKET?prefix=$enc&uploads=" 2>/dev/null | xml_values Upload)
}

xml_values() { # Key: every <Key> of a listing; Upload: "key uploadId" of every <Upload>
  python3 -c '
import sys, xml.etree.ElementTree as ET
try:
    root = ET.fromstring(sys.stdin.read())
except ET.ParseError:
    sys.exit(0)
ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
for e in root.iter():
    if sys.argv[1] == "Key" and e.tag == ns + "Contents":
        print(e.findtext(ns + "Key"))
    elif sys.argv[1] == "Upload" and e.tag == ns + "Upload":
        print(e.findtext(ns + "Key"), e.findtext(ns + "UploadId"))
' "$1"
}

# ---------------------------------------------------------------- the broker

start_broker() {
  local gc=()
  [[ ${BENCH_GC_LOG:-1} == 0 ]] || gc=("-Xlog:gc:file=$SHM/gc.log:uptime")
  start_quarkus BROKER_PID broker "$BROKER_PORT" "$WORK/broker.log" /q/health/ready "${AUTH_ON_ENV[@]}" \
    MALLOC_ARENA_MAX="$BROKER_MALLOC_ARENA_MAX" "$BROKER_JAVA" "${JVM_ARGS[@]}" "${gc[@]}" -jar "$BROKER_APP/quarkus-run.jar"
}

# RSS of the broker every 50 ms into $SHM/rss ("epoch-seconds KiB"), until the broker is gone.
start_sampler() {
  python3 -c '
import sys, time
pid, out = sys.argv[1], sys.argv[2]
with open(out, "w", buffering=1) as f:
    while True:
        try:
            with open(f"/proc/{pid}/status") as s:
                rss = next(int(l.split()[1]) for l in s if l.startswith("VmRSS:"))
        except (OSError, StopIteration):
            break
        f.write(f"{time.time():.3f} {rss}\n")
        time.sleep(0.05)
' "$BROKER_PID" "$SHM/rss" &
  SAMPLER_PID=$!
}

peak_rss_kib() { # t0 t1: largest sample in [t0, t1 + 0.1]
  awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b + 0.1 && $2 > m { m = $2 } END { print m + 0 }' "$SHM/rss"
}

reset_hwm() { echo 5 >"/proc/$BROKER_PID/clear_refs" 2>/dev/null || log "WARNING: could not reset VmHWM"; }

# ---------------------------------------------------------------- uploads

WAYS=(put chunked form direct nginx)
declare -A WAY_NAME=(
  [put]="PUT /item, Content-Length"
  [chunked]="PUT /item, chunked"
  [form]="POST /item, multipart form"
  [direct]="direct PUT to RGW (presigned)"
  [nginx]="presigned PUT through nginx"
)

# The processes whose CPU a way's upload costs: the broker, nginx's master and workers, or none (direct).
way_pid() { case $1 in direct) echo "" ;; nginx) echo "$NGINX_PIDS" ;; *) echo "$BROKER_PID" ;; esac; }
is_broker_way() { [[ $1 != direct && $1 != nginx ]]; }

presign_put() { # key
  KEY=$SIGN_KEY SECRET=$SIGN_SECRET TOKEN=$SIGN_TOKEN python3 "$HERE/lib/presign.py" PUT "$(object_url "$1")" "$REGION" 7200
}

# One upload with curl; prints "http_code time_total size_upload" (000 when curl failed). The broker's JSON
# answer (or RGW's) goes to file `out`.
curl_upload() { # way file key url out
  local way=$1 file=$2 key=$3 url=$4 out=$5 w='%{http_code} %{time_total} %{size_upload}\n' item auth
  item="http://127.0.0.1:$BROKER_PORT/item"
  auth=(-H "$AUTH_HEADER")
  rm -f "$out"
  # A failed curl (reset, timeout) counts as HTTP 000, whatever interim status (100) it saw.
  if ! res=$(case $way in
  put) curl -sS -m "$CURL_MAX" "${auth[@]}" -o "$out" -w "$w" -T "$file" "$item?bucket=$BUCKET&key=$key" ;;
  chunked) curl -sS -m "$CURL_MAX" "${auth[@]}" -o "$out" -w "$w" -T - "$item?bucket=$BUCKET&key=$key" <"$file" ;;
  form) curl -sS -m "$CURL_MAX" "${auth[@]}" -o "$out" -w "$w" -F "bucket=$BUCKET" -F "key=$key" \
    -F "files=@$file;type=application/octet-stream" "$item" ;;
  direct) curl -sS -m "$CURL_MAX" -o "$out" -w "$w" -T "$file" "$url" ;;
  nginx) curl -sS -m "$CURL_MAX" -o "$out" -w "$w" -T "$file" "http://127.0.0.1:$NGINX_PORT/${url#http://*/}" ;;
  esac 2>>"$WORK/curl-errors.log"); then
    res="000 $(awk '{ print $2, $3 }' <<<"$res")"
  fi
  echo "$res"
}

# Checks one finished upload; prints "ok" or what is wrong.
check_upload() { # way bytes key result out
  local way=$1 bytes=$2 key=$3 code size len
  read -r code _ _ <<<"$4"
  if ! is_broker_way "$way"; then
    [[ $code == 200 ]] || { echo "HTTP $code: $(head -c 300 "$5")"; return; }
    len=$(s3_admin -I "$(object_url "$key")" 2>/dev/null | tr -d '\r' | awk 'tolower($1) == "content-length:" { print $2 }')
    [[ $len == "$bytes" ]] || { echo "HEAD says $len bytes, not $bytes"; return; }
  else
    [[ $code == 201 ]] || { echo "HTTP $code: $(head -c 300 "$5")"; return; }
    size=$(sed -n 's/.*"size":\([0-9]*\).*/\1/p' "$5")
    if ! grep -q '"success":true' "$5" || [[ $size != "$bytes" ]]; then
      echo "answer: $(head -c 300 "$5")"
      return
    fi
  fi
  echo ok
}

sha_check() { # key expected-sha256: downloads the object and compares
  local got
  got=$(s3_admin "$(object_url "$1")" 2>/dev/null | sha256sum | cut -d' ' -f1)
  if [[ $got == "$2" ]]; then
    SHA_LINES+=("- \`$1\`: sha256 matches the source ($got)")
  else
    SHA_LINES+=("- \`$1\`: **sha256 $got, source $2**")
    FAILURES+=("sha256 of $1 differs from the source")
  fi
}

# One measured upload, repeated while other work disturbs it. Adds a table row; sets U_MIBPS.
measure_upload() { # phase size-label file bytes sha way round position
  local phase=$1 label=$2 file=$3 bytes=$4 sha=$5 way=$6 round=$7 pos=$8 try key url res code secs
  local peak check mark cost ms_svc ms_ceph ms_cl
  for ((try = 0; try <= DISTURBED_RETRIES; try++)); do
    key="$PREFIX${label// /}/$way-r$round-t$try"
    url=
    is_broker_way "$way" || url=$(presign_put "$key")
    wait_quiet "$QUIET_WAIT" 1 "$DISTURBED_PCT"
    # shellcheck disable=SC2046 # one pid a word
    cpu_begin $(way_pid "$way")
    res=$(curl_upload "$way" "$file" "$key" "$url" "$WORK/answer")
    cpu_end 1
    ! is_broker_way "$way" || thread_account "$label, ${WAY_NAME[$way]}" "$CPU_H0" "$CPU_H1" "$CPU_EL"
    read -r code secs _ <<<"$res"
    # CPU milliseconds per MiB uploaded: broker (or nginx), Ceph, curl, from their CPU seconds
    cost=$(awk -v s="$CPU_SVC_S" -v c="$CPU_CEPH_S" -v l="$CPU_CL_S" -v m="$bytes" 'BEGIN {
      f = 1000 / (m / 1048576); printf "%.2f %.2f %.2f", s * f, c * f, l * f }')
    read -r ms_svc ms_ceph ms_cl <<<"$cost"
    peak=$(mib "$(peak_rss_kib "$CPU_T0" "$CPU_T1")")
    check=$(check_upload "$way" "$bytes" "$key" "$res" "$WORK/answer")
    U_MIBPS=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0 ? b / 1048576 / s : 0) }')
    [[ $check == ok ]] || { U_MIBPS=0; FAILURES+=("$phase $label ${WAY_NAME[$way]} round $round: $check"); }
    mark=
    if ((CPU_OTHER > DISTURBED_PCT)) && ((try < DISTURBED_RETRIES)) && [[ $check == ok ]]; then
      mark=" (disturbed: repeated)"
      DISTURBED_COUNT=$((DISTURBED_COUNT + 1))
    elif ((CPU_OTHER > DISTURBED_PCT)); then
      mark=" (**disturbed**)"
      DISTURBED_KEPT+=("$label ${WAY_NAME[$way]} round $round")
    fi
    log "$label ${WAY_NAME[$way]} round $round: HTTP $code, $secs s, $U_MIBPS MiB/s, broker CPU $CPU_SVC%, other $CPU_OTHER%, RSS peak $peak MiB${mark}$([[ $check == ok ]] || echo " [$check]")"
    ROWS+=("| $label | ${WAY_NAME[$way]} | $round | $pos | $code | $secs | $U_MIBPS$mark | $CPU_SVC% | $CPU_CEPH% | $CPU_CL% | $CPU_OTHER% | $ms_svc / $ms_ceph / $ms_cl | $peak |")
    if [[ $mark != " (disturbed: repeated)" ]]; then
      COST_SVC[$label/$way]+=" $ms_svc" COST_CEPH[$label/$way]+=" $ms_ceph" COST_CL[$label/$way]+=" $ms_cl"
    fi
    # One sha256 per way and size: the first round's object, downloaded and hashed.
    if [[ $check == ok && $way != direct && -z ${SHA_DONE[$label/$way]:-} ]]; then
      SHA_DONE[$label/$way]=1
      sha_check "$key" "$sha"
    fi
    delete_object "$key"
    gc_process
    [[ $mark == " (disturbed: repeated)" ]] || break
  done
}

# Rounds: every way once per round, in an order rotated by one each round.
upload_phase() { # phase size-label file bytes sha rounds measured(1|0)
  local phase=$1 label=$2 file=$3 bytes=$4 sha=$5 rounds=$6 measured=$7 r i way n=${#WAYS[@]}
  for ((r = 1; r <= rounds; r++)); do
    for ((i = 0; i < n; i++)); do
      way=${WAYS[$(((i + r - 1) % n))]}
      if ((measured)); then
        measure_upload "$phase" "$label" "$file" "$bytes" "$sha" "$way" "$r" $((i + 1))
        MIBPS[$label/$way]+=" $U_MIBPS"
      else
        local key="${PREFIX}warmup/$way-$r" url='' res
        is_broker_way "$way" || url=$(presign_put "$key")
        res=$(curl_upload "$way" "$file" "$key" "$url" "$WORK/answer")
        log "warm-up $label ${WAY_NAME[$way]}: $res"
        [[ $(check_upload "$way" "$bytes" "$key" "$res" "$WORK/answer") == ok ]] \
          || FAILURES+=("warm-up $label ${WAY_NAME[$way]}: $(check_upload "$way" "$bytes" "$key" "$res" "$WORK/answer")")
        delete_object "$key"
        # After each big one: four 1 GiB objects before the round's collection fill the 3 GiB store and stall RGW.
        [[ $bytes -lt $((512 * 1048576)) ]] || gc_process
      fi
    done
    gc_process
  done
}

# REQUEST_WARMUP small uploads of every broker way, one key per way (overwritten, then deleted); only the answer's
# status is checked, to keep the phase short.
request_warmup() {
  local file=$SHM/request.bin way i res code failed=0
  ((REQUEST_WARMUP > 0)) || return 0
  head -c 65536 /dev/urandom >"$file"
  for ((i = 1; i <= REQUEST_WARMUP; i++)); do
    for way in "${WAYS[@]}"; do
      is_broker_way "$way" || continue
      res=$(curl_upload "$way" "$file" "${PREFIX}warmup/request-$way" '' "$WORK/answer")
      read -r code _ <<<"$res"
      [[ $code == 201 ]] || failed=$((failed + 1))
    done
  done
  for way in "${WAYS[@]}"; do is_broker_way "$way" && delete_object "${PREFIX}warmup/request-$way"; done
  ((failed == 0)) || FAILURES+=("request warm-up: $failed of the 64 KiB uploads were not answered 201")
  rm -f "$file"
  log "request warm-up: $REQUEST_WARMUP uploads of 64 KiB per broker way, $failed not answered 201"
}

# CONCURRENCY uploads of one way at once; aggregate MiB/s over the wall time from the first start to the last end.
concurrent_run() { # way round
  local way=$1 round=$2 i pids=() ok=0 res check urls=() peak agg secs_list=() wall flag cost
  for ((i = 1; i <= CONCURRENCY; i++)); do
    urls[i]=
    [[ $way != direct ]] || urls[i]=$(presign_put "${PREFIX}concurrent/$way-r$round-$i")
  done
  wait_quiet "$QUIET_WAIT" 1 "$DISTURBED_PCT"
  cpu_begin "$BROKER_PID"
  for ((i = 1; i <= CONCURRENCY; i++)); do
    curl_upload "$way" "$SMALL" "${PREFIX}concurrent/$way-r$round-$i" "${urls[i]}" "$WORK/answer-$i" >"$WORK/result-$i" &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || true; done
  cpu_end 1
  [[ $way == direct ]] || thread_account "$CONCURRENCY x $SMALL_LABEL at once, ${WAY_NAME[$way]}" "$CPU_H0" "$CPU_H1" "$CPU_EL"
  for ((i = 1; i <= CONCURRENCY; i++)); do
    res=$(cat "$WORK/result-$i")
    check=$(check_upload "$way" "$SMALL_BYTES" "${PREFIX}concurrent/$way-r$round-$i" "$res" "$WORK/answer-$i")
    if [[ $check == ok ]]; then ok=$((ok + 1)); else FAILURES+=("concurrent ${WAY_NAME[$way]} round $round upload $i: $check"); fi
    secs_list+=("$(awk '{ print $2 }' <<<"$res")")
    delete_object "${PREFIX}concurrent/$way-r$round-$i"
  done
  agg=$(awk -v b="$SMALL_BYTES" -v n="$ok" -v el="$CPU_EL" 'BEGIN { printf "%.1f", n * b / 1048576 / el }')
  peak=$(mib "$(peak_rss_kib "$CPU_T0" "$CPU_T1")")
  wall=$(awk -v el="$CPU_EL" 'BEGIN { printf "%.2f", el }')
  log "concurrent ${WAY_NAME[$way]} round $round: $ok/$CONCURRENCY ok in $wall s, $agg MiB/s, broker CPU $CPU_SVC%, other $CPU_OTHER%, RSS peak $peak MiB, machine busy $CPU_BUSY%"
  flag=
  ((CPU_OTHER <= DISTURBED_PCT)) || { flag=" (**disturbed**)"; DISTURBED_KEPT+=("concurrent ${WAY_NAME[$way]} round $round"); }
  cost=$(awk -v s="$CPU_SVC_S" -v c="$CPU_CEPH_S" -v l="$CPU_CL_S" -v m="$((ok * SMALL_MIB))" 'BEGIN {
    f = (m > 0 ? 1000 / m : 0); printf "%.2f / %.2f / %.2f", s * f, c * f, l * f }')
  CROWS+=("| ${WAY_NAME[$way]} | $round | $ok/$CONCURRENCY | $wall | $agg$flag | $(median "${secs_list[@]}") | $CPU_SVC% | $CPU_CEPH% | $CPU_CL% | $CPU_OTHER% | $cost | $peak |")
  CMIBPS[$way]+=" $agg"
  gc_process
}

# ---------------------------------------------------------------- run

ensure_tools curl python3 java sha256sum nginx
describe_machine
JAVA_VERSION=$("$BROKER_JAVA" -version 2>&1 | sed -n 2p) # the broker's, which may not be the build's
CURL_VERSION=$(curl --version | head -n 1 | cut -d' ' -f1-2)
gateway_up "$RGW" /tmp/upload-bench-rgw "${BENCH_RGW_PORT:-17493}" "${BENCH_RGW_MON_PORT:-6795}" "${BENCH_RGW_MEMSTORE_MIB:-3072}"
auth_init "$BUCKET"
sign_as "$DIRECT_SIGNER" upload-bench
PREFIX="upload-bench/$(date -u +%Y%m%dT%H%M%SZ)-$$/"
build_broker

pin_script

# Source files in RAM.
BIG=$SHM/big.bin SMALL=$SHM/small.bin
BIG_BYTES=$((BIG_MIB * 1048576)) SMALL_BYTES=$((SMALL_MIB * 1048576))
log "making $BIG_MIB MiB and $SMALL_MIB MiB of random bytes in $SHM"
head -c "$BIG_BYTES" /dev/urandom >"$BIG"
head -c "$SMALL_BYTES" /dev/urandom >"$SMALL"
BIG_SHA=$(sha256sum "$BIG" | cut -d' ' -f1)
SMALL_SHA=$(sha256sum "$SMALL" | cut -d' ' -f1)
BIG_LABEL="$BIG_MIB MiB" SMALL_LABEL="$SMALL_MIB MiB"
((BIG_MIB % 1024)) || BIG_LABEL="$((BIG_MIB / 1024)) GiB"

log "starting the broker on 127.0.0.1:$BROKER_PORT (JVM args: ${JVM_ARGS[*]}) and nginx on 127.0.0.1:$NGINX_PORT"
start_broker
start_nginx
NGINX_VERSION=$(nginx -v 2>&1 | sed 's/^nginx version: //')
NGINX_CONFIG="master + 1 worker (pids $NGINX_PIDS), proxy_request_buffering off, client_body_buffer_size default (16k: the body passes in 16 KiB reads and writes), keep-alive to RGW"

start_sampler
PROBE=$(auth_probe "http://127.0.0.1:$BROKER_PORT/item?bucket=$BUCKET&key=${PREFIX}probe&check=false")

ROWS=() CROWS=() FAILURES=() SHA_LINES=() DISTURBED_KEPT=()
DISTURBED_COUNT=0
declare -A MIBPS=() CMIBPS=() SHA_DONE=() COST_SVC=() COST_CEPH=() COST_CL=()

# Disk writes: from the first upload (warm-up included) to the last.
IO_BEFORE=$(proc_field "$BROKER_PID" write_bytes io)
CANCELLED_BEFORE=$(proc_field "$BROKER_PID" cancelled_write_bytes io)
RSS_START=$(proc_field "$BROKER_PID" VmRSS status)
log "broker RSS after start: $(mib "$RSS_START") MiB; warm-up: $WARMUP_ROUNDS or more rounds of $SMALL_LABEL, 1 of $BIG_LABEL"
request_warmup
upload_phase warmup "$SMALL_LABEL" "$SMALL" "$SMALL_BYTES" "$SMALL_SHA" "$WARMUP_ROUNDS" 0
# The JVM's start-up cost is not the broker's cost per MiB: warm up until the JIT has (nearly) stopped compiling.
warm_until_jit_settles "$BROKER_PID" "$WARMUP_ROUNDS" "$WARMUP_MAX_ROUNDS" "$JIT_SETTLED_PCT" "every way with $SMALL_LABEL" \
  upload_phase warmup "$SMALL_LABEL" "$SMALL" "$SMALL_BYTES" "$SMALL_SHA" 1 0
# One unmeasured round with the big file too: the first big upload into a fresh gateway made Ceph grow its memory
# store and cost it 6.5 instead of 3.5-3.8 ms of CPU per MiB (run of 2026-11-30 12:16), and the first measured way
# of round 1 is always the same one.
upload_phase warmup "$BIG_LABEL" "$BIG" "$BIG_BYTES" "$BIG_SHA" 1 0
RSS_WARM=$(proc_field "$BROKER_PID" VmRSS status)
WARMUP_LINE="$REQUEST_WARMUP unmeasured uploads of 64 KiB per broker way (per-request code compiled, as in a broker that has served thousands of requests), then $WARMUP_DESC (nginx and the direct PUT in the same rounds), then 1 round with $BIG_LABEL; a broker without this warm-up costs more per MiB: bench/warmup-curve.sh"
log "warm-up done: $WARMUP_LINE"

reset_hwm
upload_phase big "$BIG_LABEL" "$BIG" "$BIG_BYTES" "$BIG_SHA" "$REPEATS" 1
HWM_BIG=$(proc_field "$BROKER_PID" VmHWM status)
reset_hwm
upload_phase small "$SMALL_LABEL" "$SMALL" "$SMALL_BYTES" "$SMALL_SHA" "$REPEATS" 1
HWM_SMALL=$(proc_field "$BROKER_PID" VmHWM status)

reset_hwm
CWAYS=(put form direct)
for ((r = 1; r <= REPEATS; r++)); do
  for ((i = 0; i < ${#CWAYS[@]}; i++)); do
    concurrent_run "${CWAYS[$(((i + r - 1) % ${#CWAYS[@]}))]}" "$r"
  done
done
HWM_CONC=$(proc_field "$BROKER_PID" VmHWM status)
IO_AFTER=$(proc_field "$BROKER_PID" write_bytes io)
CANCELLED_AFTER=$(proc_field "$BROKER_PID" cancelled_write_bytes io)
WRITTEN=$((IO_AFTER - IO_BEFORE))
CANCELLED=$((CANCELLED_AFTER - CANCELLED_BEFORE))
RSS_END=$(proc_field "$BROKER_PID" VmRSS status)
LOAD_AFTER=$(loadavg)
FOREIGN_AFTER=$(foreign_jvms "$BROKER_PID" | wc -l)

stop_pid "$SAMPLER_PID"
SAMPLER_PID=
stop_pid "$BROKER_PID"
BROKER_PID=
stop_pid "$NGINX_PID"
NGINX_PID=
sweep_prefix

# Whole-run peaks of the sampled RSS, per phase (sampler windows are the measured uploads only).
PEAK_BIG=0
for row in "${ROWS[@]}"; do
  [[ $row == "| $BIG_LABEL |"* ]] || continue
  p=$(awk -F'|' '{ gsub(/ /, "", $14); print $14 }' <<<"$row")
  if ((p > PEAK_BIG)); then PEAK_BIG=$p; fi
done
PEAK_ALL=$(mib "$(awk '$2 > m { m = $2 } END { print m + 0 }' "$SHM/rss")")
SAMPLES=$(wc -l <"$SHM/rss")

# Broker log and GC log.
OOM=$(grep -c 'OutOfMemoryError' "$WORK/broker.log" || true)
scan_broker_logs '"(PUT|POST) /item[^"]*"' 201 "$WORK/broker.log"
GC_SUMMARY="no GC log"
if [[ -s $SHM/gc.log ]]; then
  GC_SUMMARY=$(awk '/Pause/ && match($0, /[0-9.]+ms$/) {
      ms = substr($0, RSTART, RLENGTH - 2) + 0; n++; sum += ms; if (ms > max) max = ms
      if (/Pause Full/) full++
    }
    /Using / && !gc { gc = $0; sub(/.*Using /, "", gc) }
    END { printf "%s: %d pauses, %.0f ms in total, longest %.1f ms, %d full GCs", (gc ? gc : "GC"), n, sum, max, full }' "$SHM/gc.log")
fi

# ---------------------------------------------------------------- results

# A summary row: the median, every run, and the ratio to the direct median with its verdict (direct: baseline).
summary_add() { # array lead way median runs direct-median [last cell]
  local -n rows=$1
  local r=1.00 v=baseline
  if [[ $3 == nginx ]]; then
    r=$(ratio "$4" "$6") v="reference (not a target)"
  elif [[ $3 != direct ]]; then
    r=$(ratio "$4" "$6")
    v=$(verdict "$r" "$TARGET_RATIO")
    [[ $v == met ]] || ALL_MET=0
    r="**$r**"
  fi
  rows+=("| $2 | **$4** |$5 | $r | $v |${7:+ $7 |}")
}

SUMMARY=()
CSUMMARY=()
ALL_MET=1
for label in "$BIG_LABEL" "$SMALL_LABEL"; do
  # shellcheck disable=SC2086 # the runs are words
  d=$(median ${MIBPS[$label/direct]})
  for way in "${WAYS[@]}"; do
    # shellcheck disable=SC2086
    summary_add SUMMARY "$label | ${WAY_NAME[$way]}" "$way" "$(median ${MIBPS[$label/$way]})" "${MIBPS[$label/$way]}" "$d" \
      "$(median ${COST_SVC[$label/$way]}) / $(median ${COST_CEPH[$label/$way]}) / $(median ${COST_CL[$label/$way]})"
  done
done
# shellcheck disable=SC2086
CD=$(median ${CMIBPS[direct]})
for way in "${CWAYS[@]}"; do
  # shellcheck disable=SC2086
  summary_add CSUMMARY "$CONCURRENCY x $SMALL_LABEL, ${WAY_NAME[$way]}" "$way" "$(median ${CMIBPS[$way]})" "${CMIBPS[$way]}" "$CD"
done
# The broker's CPU per MiB of each way against nginx's for the same bytes.
CPU_ROWS=()
for way in put chunked form; do
  for label in "$BIG_LABEL" "$SMALL_LABEL"; do
    # shellcheck disable=SC2086
    NGINX_MS=$(median ${COST_SVC[$label/nginx]})
    # shellcheck disable=SC2086
    ms=$(median ${COST_SVC[$label/$way]})
    r=$(awk -v a="$ms" -v b="$NGINX_MS" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    v=$(awk -v r="$r" -v t="$TARGET_CPU_VS_NGINX" 'BEGIN { print (r > 0 && r <= t ? "met" : "**MISSED**") }')
    [[ $v == met ]] || ALL_MET=0
    CPU_ROWS+=("| $label | ${WAY_NAME[$way]} | $ms | $NGINX_MS | **$r** | $v |")
  done
done
# The RSS target covers the uploads at once too.
V_RSS_CONC=$( (($(mib "$HWM_CONC") < TARGET_RSS_MIB)) && echo met || echo "**MISSED**")
[[ $V_RSS_CONC == met ]] || ALL_MET=0
V_RSS=$( ((PEAK_BIG < TARGET_RSS_MIB && $(mib "$HWM_BIG") < TARGET_RSS_MIB)) && echo met || echo "**MISSED**")
V_DISK=$( ((WRITTEN == 0)) && echo met || echo "**MISSED**")
V_OK=$( ((${#FAILURES[@]} == 0)) && echo met || echo "**MISSED**")
[[ $V_RSS == met && $V_DISK == met && $V_OK == met ]] || ALL_MET=0

REPORT=$(
  run_heading
  echo "- broker JVM: \`MALLOC_ARENA_MAX=$BROKER_MALLOC_ARENA_MAX $BROKER_JAVA ${JVM_ARGS[*]}$([[ ${BENCH_GC_LOG:-1} == 0 ]] || echo " -Xlog:gc:file=/dev/shm/...") -jar quarkus-run.jar\`; BROKER_UPLOAD_* settings: $(compgen -v BROKER_UPLOAD_ | while read -r v; do printf '%s=%s ' "$v" "${!v}"; done; true)"
  echo "- auth: BROKER_AUTH_MODE=api-key ($BUCKET/ allowed to read and write), every upload sends the run's random key; a GET /item without the key answered $(auth_desc "$PROBE")"
  echo "- gateway: $(gateway_desc); the direct PUT and nginx's requests presigned with $([[ $DIRECT_SIGNER == role ]] && echo "the broker's role's temporary credentials" || echo "the bucket owner's keys")"
  echo "- CPU pinning: $PINNING"
  echo "- machine: $NPROC x $CPU_MODEL, memory $MEM; $JAVA_VERSION; $CURL_VERSION; $NGINX_VERSION (reference proxy: $NGINX_CONFIG)"
  echo "- load average before: $LOAD_BEFORE, after: $LOAD_AFTER; other JVMs running before: $FOREIGN_BEFORE, after: $FOREIGN_AFTER"
  echo "- sources: $BIG_LABEL and $SMALL_LABEL of random bytes in /dev/shm; $REPEATS measured rounds, the order of the ways rotated by one each round"
  echo "- warm-up before the first measured upload: $WARMUP_LINE"
  echo "- CPU: utime + stime of /proc/PID/stat (every thread) before and after each upload, for the broker and for all of nginx's processes (master and worker) alike; ms/MiB from those seconds (clock ticks of 10 ms)"
  if ((${#DISTURBED_KEPT[@]})); then
    echo "- **disturbed** (other work above ${DISTURBED_PCT}% of a core, kept after $DISTURBED_RETRIES repeats): $(IFS=';'; echo "${DISTURBED_KEPT[*]}")"
  else
    echo "- no kept upload was disturbed by other work (threshold ${DISTURBED_PCT}% of a core; $DISTURBED_COUNT disturbed uploads were repeated)"
  fi
  echo
  echo "| size | way | median MiB/s | all runs MiB/s | ratio to direct | target >= $TARGET_RATIO | median CPU ms/MiB broker / Ceph / curl |"
  echo "| --- | --- | ---: | --- | ---: | --- | ---: |"
  printf '%s\n' "${SUMMARY[@]}"
  echo
  echo "| size | way | broker CPU ms/MiB | nginx CPU ms/MiB (same size) | ratio | target <= $TARGET_CPU_VS_NGINX |"
  echo "| --- | --- | ---: | ---: | ---: | --- |"
  printf '%s\n' "${CPU_ROWS[@]}"
  echo
  echo "| concurrent | median aggregate MiB/s | all runs | ratio to direct | target >= $TARGET_RATIO |"
  echo "| --- | ---: | --- | ---: | --- |"
  printf '%s\n' "${CSUMMARY[@]}"
  echo
  echo "| target | figure | verdict |"
  echo "| --- | --- | --- |"
  echo "| peak RSS during the $BIG_LABEL uploads < $TARGET_RSS_MIB MiB | sampled VmRSS max **$PEAK_BIG MiB**, VmHWM **$(mib "$HWM_BIG") MiB** | $V_RSS |"
  echo "| peak RSS during $CONCURRENCY uploads at once < $TARGET_RSS_MIB MiB | VmHWM **$(mib "$HWM_CONC") MiB** | $V_RSS_CONC |"
  echo "| disk bytes written by the broker during all uploads = 0 | write_bytes **$WRITTEN** (cancelled_write_bytes $CANCELLED) | $V_DISK |"
  echo "| every upload answered 201 (direct: 200) with the right size, sha256 checks match | $((${#FAILURES[@]})) failures | $V_OK |"
  echo
  echo "Memory of the broker (RSS, MiB): after start $(mib "$RSS_START"), after warm-up $(mib "$RSS_WARM"), at the end $(mib "$RSS_END");"
  echo "VmHWM of the phases: $BIG_LABEL $(mib "$HWM_BIG"), $SMALL_LABEL $(mib "$HWM_SMALL"), concurrent $(mib "$HWM_CONC");"
  echo "largest of all $SAMPLES samples (50 ms apart, whole run) $PEAK_ALL. $GC_SUMMARY."
  echo
  echo "The broker's CPU by thread group while it uploaded (percent of one core over the time of each way's measured"
  echo "uploads; thread names as the kernel keeps them, 15 characters; groups of at least 2%):"
  echo
  thread_lines
  echo
  echo "Every upload (CPU in percent of one core over the upload; RSS = largest sample during it):"
  echo
  echo "| size | way | round | position | HTTP | seconds | MiB/s | broker CPU | Ceph CPU | curl CPU | other CPU | CPU ms/MiB broker / Ceph / curl | RSS peak MiB |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Concurrent runs ($CONCURRENCY uploads of $SMALL_LABEL at once; wall time from the first start to the last end):"
  echo
  echo "| way | round | ok | wall s | aggregate MiB/s | median s per upload | broker CPU | Ceph CPU | curl CPU | other CPU | CPU ms/MiB broker / Ceph / curl | RSS peak MiB |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${CROWS[@]}"
  echo
  echo "Downloads checked against the source's sha256:"
  echo
  printf '%s\n' "${SHA_LINES[@]}"
  echo
  echo "Broker log: $ACCESS_TOTAL PUT/POST /item access-log lines, $ACCESS_BAD not 201; $OOM OutOfMemoryError; $BLOCKED blocked-thread warnings; $WARN_COUNT other WARN/ERROR lines."
  warn_excerpt
  if ((${#FAILURES[@]})); then
    echo
    echo "Failures:"
    echo
    printf -- '- %s\n' "${FAILURES[@]}" | head -n 20
  fi
)

if [[ ! -s $RESULTS ]]; then
  cat >"$RESULTS" <<'EOF'
# Upload benchmark results

Re-run with `bench/upload-bench.sh` from any directory (root only to install curl/python3 when missing). It boots a
private Ceph RGW gateway (scripts/local-s3-sts.sh in /tmp/upload-bench-rgw, port 17493, 3 GiB memory store; stopped
at the end), builds a copy of the checkout, starts the broker on 127.0.0.1:18093 with `@docker/jvm.options -XX:-UsePerfData`
(other JVM arguments: the script's arguments; `BROKER_UPLOAD_*` variables reach the broker), writes 1 GiB and 100 MiB
of random bytes to /dev/shm, runs everything below, prints the report and appends it here. Sizes, repeats,
concurrency, the shared gateway and CPU pinning (`BENCH_PIN=1`) are `BENCH_*` variables (see the script's header).
A full run takes 10 to 15 minutes; it deletes every object it uploads and its source files.

What each number means:

1. **MiB/s** of one upload = bytes / curl's `%{time_total}`, which ends with the broker's 201: that comes only after
   S3 has the whole object (PutObject or CompleteMultipartUpload done). The ways: `PUT /item` with Content-Length
   (`curl -T file`: one streamed PutObject), `PUT /item` chunked (`curl -T - < file`: the broker's multipart upload),
   `POST /item` multipart form (`curl -F bucket=... -F key=... -F files=@file`: multipart upload), and the baseline:
   the same bytes PUT straight to RGW by curl with a URL presigned (SigV4, python3 stdlib, bench/lib/presign.py)
   with the bucket owner's keys. `BENCH_WARMUP_ROUNDS` (30) unmeasured warm-up rounds of every way with 100 MiB first (JIT), and more until the JIT compiler threads take at most `BENCH_JIT_SETTLED_PCT` (10%) of the broker's CPU in two rounds in a row (at most `BENCH_WARMUP_MAX_ROUNDS`, 90, in all), then 3 measured
   rounds, the order of the ways rotated each round. The summary gives the median, every run, and the ratio of each
   way's median to the direct median (target >= 0.9). **CPU ms/MiB** is the CPU time the broker, Ceph (radosgw + OSD
   + monitor) and curl spent per MiB uploaded: on this 2-core machine the three share the CPUs, so a ratio below 1
   is mostly the broker's CPU per MiB added to RGW's and curl's.
2. **Peak RSS**: the broker's VmRSS, sampled every 50 ms from /proc, largest value during the 1 GiB uploads; and
   VmHWM, reset (`echo 5 > /proc/PID/clear_refs`) before the phase and read after it (target < 300 MiB).
3. **Disk bytes**: `write_bytes` of /proc/PID/io of the broker's JVM (all its threads), from before the first
   upload to after the last: bytes it caused to be written to a block device (target 0); writes to tmpfs do not
   count there. The JVM runs with `-XX:-UsePerfData`, so it keeps no hsperfdata file in /tmp (a memory-mapped file
   that the JVM otherwise updates all the time, and the kernel writes back); its log goes through a pipe (as to a
   container runtime) and its GC log to /dev/shm.
4. **Concurrent**: 8 curls at once, each uploading the 100 MiB file (`PUT /item` with Content-Length, `POST /item`
   form, direct presigned PUT); aggregate MiB/s = 8 x 100 MiB / wall time from the first start to the last end.

Every upload is checked (201 with `"success":true` and the right `size`; direct: 200 and the size from a HEAD), the
first object of every broker way and size is downloaded and its sha256 compared with the source's, and every object
is deleted right after, followed by RGW's garbage collection (the gateway keeps objects in RAM). CPU columns are
percent of one core during the upload (the machine has nproc x 100%); "other" is what neither the broker, Ceph nor
curl used: other work on the machine. Before each measured upload the script waits (up to 60 s) for the machine to
be quiet; an upload with more than 25% "other" is repeated (up to twice), one still disturbed is marked. The load
average counts the benchmark itself too; "other CPU" is the figure to judge a run by.
EOF
fi
printf '%s\n' "$REPORT"
printf '%s\n' "$REPORT" >>"$RESULTS"
log "results appended to $RESULTS"

if ((ALL_MET)); then STATUS=0; else STATUS=1; fi
exit "$STATUS"
