#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/lib
# A/B of the broker's CPU per MiB uploaded, for two or more builds (or JVM options) at once, on a busy machine: one
# broker per variant, all started side by side against one private gateway and warmed up alike, then measured in
# interleaved batches (each round rotates the order), so that whatever else loads the machine falls on every variant
# alike. Optionally nginx as deployed (bench/upload-bench.sh's configuration) in the same rounds, as the reference.
# CPU is the process's utime + stime (/proc/PID/stat, threads that exited included) around each batch, split by thread
# group (event loops, GC, JIT compilers: /proc/PID/task/*/schedstat of the live threads; the rest, what is left,
# takes the time of threads that exited during the batch). Wall time is ignored (tus ways print the client's). Not a
# benchmark of throughput or of the targets: bench/upload-bench.sh is.
#
# usage: bench/ab-upload.sh NAME=APP_DIR [NAME=APP_DIR...]
#   APP_DIR: a built target/quarkus-app, copied elsewhere first, so that a later build does not replace its jars. The
#   first variant is the base that the others are compared with (median of their per-round ratios).
# Environment (all optional):
#   AB_WAYS="put chunked form"  AB_MIB=100 (one upload)  AB_WARMUP=30 (unmeasured uploads per way and variant)
#     (ways also tus: tus-js-client 4.3.1 as bench/tus-bench.sh runs it, one PATCH per upload with a Content-Length;
#     tusN: the same with chunkSize N MiB, one PATCH per N MiB; both to /files/, the object deleted afterwards)
#   AB_ROUNDS=12  AB_BATCH=1 (uploads per measured batch)  AB_NGINX=1 (measure nginx too, PUT only)
#   AB_PARALLEL=1 (uploads at once in a measured batch: 8 shows the peak RSS of 8 uploads at once, as upload-bench.sh)
#   AB_JVM="@docker/jvm.options -XX:-UsePerfData"   JVM arguments of every variant
#   AB_JVM_<NAME>="..." more JVM arguments of variant NAME;  AB_ENV_<NAME>="K=V ..." its environment (over
#   MALLOC_ARENA_MAX=2, as in the image);
#   AB_JAVA_<NAME>=/path/to/java its Java runtime
#   AB_PROFILE=cpu,alloc  after the rounds, one more batch per way and variant under async-profiler for each event,
#                         as collapsed stacks in /tmp/ab-upload-NAME-WAY-EVENT.collapsed
#   AB_PORT=8196 (first broker; the next ones +1; nginx AB_NGINX_PORT=8199)  AB_RGW_DIR=/tmp/ab-upload-rgw
#   AB_RGW_PORT=7496  AB_RGW_MON_PORT=6796  AB_PIN=1 (Ceph on CPU 0, the rest on CPU 1, as BENCH_PIN=1)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=ab-upload
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"
# shellcheck source=lib/profiler.sh
. "$HERE/lib/profiler.sh"
# shellcheck source=lib/nginx.sh
. "$HERE/lib/nginx.sh"

(($#)) || die "usage: bench/ab-upload.sh NAME=APP_DIR [NAME=APP_DIR...]"
WAYS=${AB_WAYS:-put chunked form}
MIB=${AB_MIB:-100}
WARMUP=${AB_WARMUP:-30}
ROUNDS=${AB_ROUNDS:-12}
BATCH=${AB_BATCH:-1}
PARALLEL=${AB_PARALLEL:-1}
PORT0=${AB_PORT:-8196}
NGINX_PORT=${AB_NGINX_PORT:-8199}
read -r -a JVM <<<"${AB_JVM:-@$REPO/docker/jvm.options -XX:-UsePerfData}"
NAMES=()
APPS=()
for a; do
  NAMES+=("${a%%=*}")
  APPS+=("$(cd "${a#*=}" && pwd)")
  [[ -f ${APPS[-1]}/quarkus-run.jar ]] || die "no quarkus-run.jar in ${a#*=}"
done

if [[ " $WAYS" == *" tus"* ]] && [[ ! -f $HERE/tus/node_modules/.package-lock.json ||
  $HERE/tus/package-lock.json -nt $HERE/tus/node_modules/.package-lock.json ]]; then
  (cd "$HERE/tus" && npm ci --no-audit --no-fund --loglevel=error) >&2 || die "npm ci in bench/tus failed"
fi

bench_start /dev/shm/ab-upload.XXXXXX
PIDS=()
NGINX_PID=
RGW_KEEP=0
# shellcheck disable=SC2317 # called by bench_cleanup
cleanup_run() {
  local p
  for p in "${PIDS[@]}" "$NGINX_PID"; do stop_pid "$p"; done
  rm -f "$WORK/source"
}

gateway_up private "${AB_RGW_DIR:-/tmp/ab-upload-rgw}" "${AB_RGW_PORT:-7496}" "${AB_RGW_MON_PORT:-6796}" 3072
if ((${AB_PIN:-1})); then
  for pid in $(ceph_pids); do taskset -a -c -p 0 "$pid" >/dev/null; done
  taskset -c -p 1 $$ >/dev/null
fi
auth_init "$BUCKET"
head -c $((MIB * 1048576)) /dev/urandom >"$WORK/source"

for i in "${!NAMES[@]}"; do
  jvm_var=AB_JVM_${NAMES[$i]} env_var=AB_ENV_${NAMES[$i]} java_var=AB_JAVA_${NAMES[$i]}
  read -r -a own_jvm <<<"${!jvm_var:-}"
  read -r -a own_env <<<"${!env_var:-}"
  pid=
  start_quarkus pid "broker-${NAMES[$i]}" $((PORT0 + i)) "$WORK/broker-${NAMES[$i]}.log" /q/health/ready \
    "${AUTH_ON_ENV[@]}" BROKER_TUS_BUCKET="$BUCKET" MALLOC_ARENA_MAX=2 "${own_env[@]}" \
    "${!java_var:-java}" "${JVM[@]}" "${own_jvm[@]}" \
    -jar "${APPS[$i]}/quarkus-run.jar"
  PIDS+=("$pid")
done
if [[ ${AB_NGINX:-0} == 1 ]]; then
  start_nginx
  NAMES+=(nginx)
  PIDS+=("$NGINX_PID")
fi
is_nginx() { [[ ${NAMES[$1]} == nginx ]]; }

json_field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"; } # file python-subscript
upload() { # variant-index way [key]
  local url="http://127.0.0.1:$((PORT0 + $1))/item" key=ab-upload/${3:-$1-$2} code
  local curl=(curl -sS -m 600 -o /dev/null -w '%{http_code}')
  if is_nginx "$1"; then
    url=$(KEY=$LOCAL_S3STS_ADMIN_ACCESS_KEY SECRET=$LOCAL_S3STS_ADMIN_SECRET_KEY python3 "$HERE/lib/presign.py" PUT \
      "$(object_url "$key")" "$REGION" 3600)
    code=$("${curl[@]}" -T "$WORK/source" "http://127.0.0.1:$NGINX_PORT/${url#http://*/}")
    [[ $code == 200 ]] || die "upload through nginx answered $code"
    return 0
  fi
  curl+=(-H "$AUTH_HEADER")
  # As bench/upload-bench.sh sends them.
  case $2 in
    put) code=$("${curl[@]}" -T "$WORK/source" "$url?bucket=$BUCKET&key=$key") ;;
    chunked) code=$("${curl[@]}" -T - "$url?bucket=$BUCKET&key=$key" <"$WORK/source") ;;
    form) code=$("${curl[@]}" -F "bucket=$BUCKET" -F "key=$key" -F "files=@$WORK/source;type=application/octet-stream" "$url") ;;
    tus*)
      local answer=$WORK/tus-$1-$2-${3:-0}.json
      TUS_AUTH=${AUTH_HEADER#Authorization: } TUS_CHUNK_MIB=${2#tus} node "$HERE/tus/upload.mjs" \
        "http://127.0.0.1:$((PORT0 + $1))/files/" "$WORK/source" 1 >"$answer" 2>>"$WORK/tus-client.log" ||
        die "tus upload $2 to ${NAMES[$1]} failed: $(tail -n 3 "$WORK/tus-client.log")"
      # Keys are the broker's own and new each time: removed at once (the gateway keeps objects in RAM).
      key=$(json_field "$answer" '["urls"][0].rsplit("/", 1)[1].split(".", 3)[3]')
      s3_admin -o /dev/null -X DELETE "$(object_url "tus/bench/$key")" || die "could not delete tus/bench/$key"
      return 0
      ;;
  esac
  [[ $code == 201 ]] || die "upload $2 to ${NAMES[$1]} answered $code; log: $WORK/broker-${NAMES[$1]}.log"
}
# CPU nanoseconds of the variant's processes by thread group: "event-loops gc jit rest" (nginx: all in the last).
# The groups are the live threads' schedstat; the rest is the processes' utime + stime (/proc/PID/stat, which keeps
# the time of threads that exited, such as compiler threads the JVM stops when idle) minus the groups, so that a
# thread exiting during a batch cannot take its time out of the total.
cpu_groups() { # variant-index
  local p t pids total
  pids="${PIDS[$1]} $(is_nginx "$1" && pgrep -P "${PIDS[$1]}")"
  # shellcheck disable=SC2086 # a list of pids
  total=$(cpu_of $pids)
  for p in $pids; do
    for t in /proc/"$p"/task/*; do
      printf '%s\t%s\n' "$(cat "$t/comm" 2>/dev/null)" "$(cut -d' ' -f1 "$t/schedstat" 2>/dev/null)"
    done
  done | awk -F'\t' -v total="$total" '$2 != "" { g = $1 ~ /eventloo/ ? 1 : $1 ~ /^VM Thread/ ? 2 : $1 ~ /Compiler/ ? 3 : 4; s[g] += $2 }
    END { printf "%.0f %.0f %.0f %.0f\n", s[1], s[2], s[3], total * 1e9 - s[1] - s[2] - s[3] }'
}
ways_of() { if is_nginx "$1"; then echo put; else echo "$WAYS"; fi; }

peak_rss() { awk '/VmHWM/ { printf "%d MiB", $2 / 1024 }' "/proc/${PIDS[$1]}/status"; } # variant-index

batch() { # variant-index way: BATCH times PARALLEL uploads at once
  local b p pids
  for ((b = 0; b < BATCH; b++)); do
    pids=()
    for ((p = 0; p < PARALLEL; p++)); do
      # The same keys for every variant and way: the gateway's memory store holds few objects of this size.
      upload "$1" "$2" "at-once-$p" &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || die "an upload of $2 to ${NAMES[$1]} failed"; done
  done
}

log "warming up: $WARMUP uploads of $MIB MiB per way and variant"
for _ in $(seq "$WARMUP"); do
  for way in $WAYS; do
    for i in "${!NAMES[@]}"; do [[ " $(ways_of "$i") " != *" $way "* ]] || upload "$i" "$way"; done
  done
  gc_process # overwritten objects stay in the gateway's RAM until collected
done

declare -A TOTAL GROUP FIGS
for r in $(seq "$ROUNDS"); do
  order=("${!NAMES[@]}")
  for ((k = 0; k < r % ${#NAMES[@]}; k++)); do order=("${order[@]:1}" "${order[0]}"); done
  for way in $WAYS; do
    for i in "${order[@]}"; do
      [[ " $(ways_of "$i") " == *" $way "* ]] || continue
      read -r -a before <<<"$(cpu_groups "$i")"
      batch "$i" "$way"
      read -r -a after <<<"$(cpu_groups "$i")"
      ns=0
      for g in 0 1 2 3; do
        GROUP[$i,$way,$g]=$((${GROUP[$i,$way,$g]:-0} + after[g] - before[g]))
        ns=$((ns + after[g] - before[g]))
      done
      TOTAL[$i,$way]=$((${TOTAL[$i,$way]:-0} + ns))
      fig=$(awk -v t="$ns" -v mib=$((BATCH * PARALLEL * MIB)) 'BEGIN { printf "%.3f", t / 1e6 / mib }')
      FIGS[$i,$way]+="$fig "
      wall=
      [[ $way != tus* ]] || wall=", the client's wall time $(json_field "$WORK/tus-$i-$way-at-once-0.json" '["seconds"]') s"
      log "round $r $way ${NAMES[$i]}: $fig ms/MiB (load $(cut -d' ' -f1 /proc/loadavg)," \
        "peak RSS so far $(peak_rss "$i")$wall)"
      # Uploads at once overwrite as many objects: without a collection the garbage of two variants' batches can
      # fill the gateway's memory store, which then stops answering in time (502s).
      ((PARALLEL == 1)) || gc_process
    done
    gc_process
  done
done

if [[ -n ${AB_PROFILE:-} ]]; then
  profiler_init
  for ev in ${AB_PROFILE//,/ }; do
    for way in $WAYS; do
      for i in "${!NAMES[@]}"; do
        ! is_nginx "$i" || continue
        out=/tmp/ab-upload-${NAMES[$i]}-$way-$ev.collapsed
        rm -f "$out"
        case $ev in cpu) spec="event=$PROFILER_EVENT,interval=1ms" ;; alloc) spec="event=alloc" ;; *) spec="event=$ev" ;; esac
        profiler "${PIDS[$i]}" "start,$spec"
        batch "$i" "$way"
        profiler "${PIDS[$i]}" "stop,collapsed,file=$out"
        profiler_wait "$out"
        log "profile $ev of ${NAMES[$i]} $way: $out"
        gc_process
      done
    done
  done
fi

per_mib() { awk -v t="$1" -v mib=$((ROUNDS * BATCH * PARALLEL * MIB)) 'BEGIN { printf "%.3f", t / 1e6 / mib }'; }
echo "CPU ms per MiB: $ROUNDS rounds of $BATCH x $PARALLEL at once x $MIB MiB per way and variant, after $WARMUP warm-up uploads each; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| way | variant | all rounds | median round | event loops | GC | JIT | rest | vs ${NAMES[0]} (median of rounds) |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for way in $WAYS; do
  for i in "${!NAMES[@]}"; do
    [[ -n ${TOTAL[$i,$way]:-} ]] || continue
    # shellcheck disable=SC2086 # lists of figures
    vs=$(paste -d' ' <(tr ' ' '\n' <<<"${FIGS[$i,$way]% }") <(tr ' ' '\n' <<<"${FIGS[0,$way]% }") |
      awk '{ print $1 / $2 }' | sort -g | awk '{ a[NR] = $1 } END { printf "%.3f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
    echo "| $way | ${NAMES[$i]} | $(per_mib "${TOTAL[$i,$way]}") | $(median ${FIGS[$i,$way]}) | $(per_mib "${GROUP[$i,$way,0]}") |" \
      "$(per_mib "${GROUP[$i,$way,1]}") | $(per_mib "${GROUP[$i,$way,2]}") | $(per_mib "${GROUP[$i,$way,3]}") | $vs |"
  done
done
echo
for i in "${!NAMES[@]}"; do
  ! is_nginx "$i" || continue
  echo "- ${NAMES[$i]}: peak RSS (VmHWM) $(peak_rss "$i")"
done
STATUS=0
