#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/lib
# What the gateway (Ceph RGW) spends per MiB of one PutObject, by who sends it and how. Pinned (bench/upload-bench.sh's
# BENCH_PIN=1), a direct PUT's throughput is bounded by Ceph's core, so a sender that costs Ceph more per MiB is
# slower whatever its own CPU: this tells apart what of that comes from the credentials (the bucket owner's keys, as
# upload-bench's direct PUT, against a role's temporary credentials, as the broker's) and what from the sender's
# writes (curl, against a raw socket writing 16 KiB, 64 KiB or 1 MiB at a time, bench/lib/put_writes.py). Every PUT is
# presigned (bench/lib/presign.py), has a Content-Length, and sends the same file from /dev/shm.
#
# usage: bench/gateway-cost.sh
# Environment (all optional): BENCH_MIB=1024 size; BENCH_ROUNDS=5 measured rounds (ways rotated; one unmeasured first);
#   BENCH_PIN=1 (0: no pinning); BENCH_RGW_PORT=17496 BENCH_RGW_MON_PORT=6793 (a private gateway in
#   /tmp/gateway-cost-rgw, stopped at the end); BENCH_RESULTS=FILE (default bench/results-upload.md)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=gateway-cost
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"

knobs MIB=1024 ROUNDS=5 RGW_PORT=17496 RGW_MON_PORT=6793 RESULTS="$HERE/results-upload.md"
whole_numbers MIB ROUNDS RGW_PORT RGW_MON_PORT
export BENCH_PIN=${BENCH_PIN:-1}
COMMAND_LINE=$(command_line "BENCH_" bench/gateway-cost.sh "$@")
ensure_tools curl python3

bench_start /tmp/gateway-cost.XXXXXX
SRC=$(mktemp /dev/shm/gateway-cost.XXXXXX)
# shellcheck disable=SC2317 # called by bench_cleanup
cleanup_run() { rm -f "$SRC"; }
describe_machine
gateway_up private /tmp/gateway-cost-rgw "$RGW_PORT" "$RGW_MON_PORT" 3072
pin_script
head -c $((MIB << 20)) /dev/urandom >"$SRC"

role_credentials gateway-cost

WAYS=(owner-curl role-curl role-16k role-64k role-1m)
declare -A LABEL=([owner-curl]="curl -T, the bucket owner's keys (upload-bench's direct PUT)"
  [role-curl]="curl -T, a role's temporary credentials (the broker's kind)"
  [role-16k]="raw socket, 16 KiB writes, role credentials" [role-64k]="raw socket, 64 KiB writes, role credentials"
  [role-1m]="raw socket, 1 MiB writes, role credentials")
declare -A MIBPS=() COST=()

put_once() { # way key -> prints "status seconds ceph-seconds"
  local way=$1 url t0 t1 c0 c1 code
  if [[ $way == owner-* ]]; then
    url=$(KEY=$LOCAL_S3STS_ADMIN_ACCESS_KEY SECRET=$LOCAL_S3STS_ADMIN_SECRET_KEY python3 "$HERE/lib/presign.py" PUT \
      "$(object_url "$2")" "$REGION" 600)
  else
    url=$(KEY=$ROLE_KEY SECRET=$ROLE_SECRET TOKEN=$ROLE_TOKEN python3 "$HERE/lib/presign.py" PUT "$(object_url "$2")" \
      "$REGION" 600)
  fi
  # shellcheck disable=SC2046
  c0=$(cpu_of $(ceph_pids))
  t0=$EPOCHREALTIME
  case $way in
  *-curl) code=$(curl -sS -m 300 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' -T "$SRC" "$url") ;;
  role-16k) code=$(python3 "$HERE/lib/put_writes.py" "$url" "$SRC" 16) ;;
  role-64k) code=$(python3 "$HERE/lib/put_writes.py" "$url" "$SRC" 64) ;;
  role-1m) code=$(python3 "$HERE/lib/put_writes.py" "$url" "$SRC" 1024) ;;
  esac
  t1=$EPOCHREALTIME
  # shellcheck disable=SC2046
  c1=$(cpu_of $(ceph_pids))
  s3_admin -o /dev/null -X DELETE "$(object_url "$2")" || true
  gc_process >&2 # the deleted object's data leaves the memory store only then: four 1 GiB objects filled it
  echo "$code $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')"
}

for ((r = 0; r <= ROUNDS; r++)); do
  for ((i = 0; i < ${#WAYS[@]}; i++)); do
    way=${WAYS[$(((i + r) % ${#WAYS[@]}))]}
    read -r code secs ceph <<<"$(put_once "$way" "gateway-cost/$$-$r-$way")"
    [[ $code == 200 ]] || die "$way answered ${code:-nothing}"
    ((r == 0)) && continue # the unmeasured round
    MIBPS[$way]+="$(awk -v m="$MIB" -v s="$secs" 'BEGIN { printf "%.1f", m / s }') "
    COST[$way]+="$(awk -v m="$MIB" -v c="$ceph" 'BEGIN { printf "%.2f", 1000 * c / m }') "
    log "round $r $way: ${secs} s, Ceph ${ceph} s of CPU"
  done
done

# shellcheck disable=SC2086 # the runs are words
BASE_T=$(median ${MIBPS[owner-curl]}) BASE_C=$(median ${COST[owner-curl]})
REPORT=$(
  printf '\n## Gateway cost per MiB by sender, run of %s (bench/gateway-cost.sh)\n\n' "$DATE"
  echo "- command: \`$COMMAND_LINE\`"
  echo "- gateway: $(gateway_desc); CPU pinning: $PINNING"
  echo "- machine: $NPROC x $CPU_MODEL, $MEM; load average before $LOAD_BEFORE, after $(loadavg)"
  echo "- one PutObject of $MIB MiB at a time, presigned, Content-Length; 1 unmeasured and $ROUNDS measured rounds (ways rotated); Ceph's CPU = utime + stime of its daemons; medians, every run in brackets"
  echo
  echo "| sender | MiB/s | vs the owner's curl | Ceph CPU ms/MiB | the owner's curl's over this (expected throughput ratio) |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  for way in "${WAYS[@]}"; do
    # shellcheck disable=SC2086
    t=$(median ${MIBPS[$way]}) c=$(median ${COST[$way]})
    echo "| ${LABEL[$way]} | $t (${MIBPS[$way]% }) | $(ratio "$t" "$BASE_T") | $c (${COST[$way]% }) | $(ratio "$BASE_C" "$c") |"
  done
)
printf '%s\n' "$REPORT"
printf '%s\n' "$REPORT" >>"$RESULTS"
log "appended to $RESULTS"
STATUS=0
