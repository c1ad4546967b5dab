#!/usr/bin/env bash
# Local S3 + STS + IAM server for development, tests and benchmarks:
# a throwaway single-node Ceph cluster (1 monitor, 1 memstore OSD, RADOS Gateway)
# booted from Debian's packages, with everything under one state dir.
#
#   scripts/local-s3-sts.sh up                  boot (or re-use, unless its store is nearly full) and provision;
#                                               last stdout line = env file
#   scripts/local-s3-sts.sh down                stop everything, remove the state dir
#   scripts/local-s3-sts.sh status              exit 0 if running and answering HTTP
#   scripts/local-s3-sts.sh env                 print the env file path if running
#   scripts/local-s3-sts.sh assume-role-count [--successful]   AssumeRole calls the gateway served since boot
#   scripts/local-s3-sts.sh verify              AssumeRole + S3 round trip with the role's credentials
#
# Environment: LOCAL_S3STS_DIR (default /tmp/s3-sts-broker-rgw), LOCAL_S3STS_PORT (7480),
# LOCAL_S3STS_MON_PORT (6799), LOCAL_S3STS_MEMSTORE_BYTES (6 GiB), LOCAL_S3STS_KEEP_ON_FAILURE (0).
# All progress goes to stderr; only results go to stdout.
set -euo pipefail

STATE_DIR=$(realpath -m "${LOCAL_S3STS_DIR:-/tmp/s3-sts-broker-rgw}")
PORT=${LOCAL_S3STS_PORT:-7480}
# Not Ceph's default 6789, so a stray system cluster can't clash; below the OSDs' 6800-7300 range.
MON_PORT=${LOCAL_S3STS_MON_PORT:-6799}
# A lifecycle "day", in seconds (see write_conf).
LC_DEBUG_INTERVAL=5
# memstore keeps objects in the OSD's RAM; this is only a cap. 6 GiB fits a ~1.2 GiB object plus a
# few concurrent 100 MiB uploads plus garbage that waits for GC.
MEMSTORE_BYTES=${LOCAL_S3STS_MEMSTORE_BYTES:-$((6 * 1024 * 1024 * 1024))}

[[ $PORT =~ ^[0-9]+$ && $MON_PORT =~ ^[0-9]+$ ]] || {
  echo "[local-s3-sts] ERROR: LOCAL_S3STS_PORT / LOCAL_S3STS_MON_PORT must be numbers" >&2
  exit 2
}
# Below ~256 MiB the OSD boots but is full after the first few uploads.
if ! [[ $MEMSTORE_BYTES =~ ^[0-9]+$ ]] || ((MEMSTORE_BYTES < 256 * 1024 * 1024)); then
  echo "[local-s3-sts] ERROR: LOCAL_S3STS_MEMSTORE_BYTES must be a byte count >= 268435456" >&2
  exit 2
fi

CONF="$STATE_DIR/ceph.conf"
ENV_FILE="$STATE_DIR/env"
PARAMS_FILE="$STATE_DIR/params"
LOCK_FILE="$(dirname "$STATE_DIR")/.$(basename "$STATE_DIR").lock"
RGW_NAME=client.rgw.local
RGW_LOG="$STATE_DIR/log/$RGW_NAME.log"
ENDPOINT="http://127.0.0.1:$PORT"
REGION=us-east-1

BUCKET=broker-test
ROLE_NAME=s3-broker-role
ROLE_ARN="arn:aws:iam:::role/$ROLE_NAME"
# Fixed throwaway keys: the cluster lives in RAM on loopback only.
BROKER_UID="broker"
BROKER_ACCESS_KEY=LOCALBROKERACCESSKEY
BROKER_SECRET_KEY=localBrokerSecretKey00000000000000000000
ADMIN_UID="admin"
ADMIN_ACCESS_KEY=LOCALADMINACCESSKEY0
ADMIN_SECRET_KEY=localAdminSecretKey000000000000000000000
# RGW refuses STS unless this is exactly 16 characters.
STS_KEY=localsts16charsk

# Ceph's own tools are python3 scripts bound to Debian's interpreter; use the same one.
PY=/usr/bin/python3

log() { printf '[local-s3-sts] %s\n' "$*" >&2; }

die() {
  log "ERROR: $*"
  exit 1
}

# Fails loudly with the tail of every daemon log, then stops whatever was started (the state
# dir is kept for post-mortem; the next `up` wipes it). LOCAL_S3STS_KEEP_ON_FAILURE=1 leaves
# the daemons running for debugging.
die_boot() {
  log "ERROR: $*"
  local f
  for f in "$STATE_DIR"/log/*; do
    [[ -s $f ]] || continue
    log "---- last lines of $f ----"
    tail -n 15 "$f" >&2 || true
  done
  [[ ${LOCAL_S3STS_KEEP_ON_FAILURE:-0} == 1 ]] || stop_daemons
  exit 1
}

# ---------------------------------------------------------------- packages

NEEDED_BINARIES=(ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool uuidgen curl "$PY")

missing_binaries() {
  local bin
  for bin in "${NEEDED_BINARIES[@]}"; do
    command -v "$bin" >/dev/null 2>&1 || printf '%s ' "$bin"
  done
}

ensure_packages() {
  [[ -n $(missing_binaries) ]] || return 0
  [[ $(id -u) == 0 ]] || die "Ceph packages are missing and installing them needs root"
  log "installing Ceph packages (one-time, ~30-40 s)"
  export DEBIAN_FRONTEND=noninteractive
  # The post-install warnings about systemd / policy-rc.d are harmless: no daemon starts by itself.
  apt-get update -q >&2 || die "apt-get update failed"
  apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends \
    ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl >&2 || die "apt-get install failed"
  local still
  still=$(missing_binaries)
  [[ -z $still ]] || die "still missing after apt-get install: $still"
}

# ---------------------------------------------------------------- daemon bookkeeping

pid_of() { # daemon name (mon.a, osd.0, client.rgw.local) -> pid if that daemon of THIS cluster runs
  local f="$STATE_DIR/run/$1.pid" pid
  [[ -r $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  # Guard against pid reuse: the process must have been started with our config file.
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "-c $CONF " || return 1
  printf '%s\n' "$pid"
}

all_daemons_alive() {
  pid_of mon.a >/dev/null && pid_of osd.0 >/dev/null && pid_of "$RGW_NAME" >/dev/null
}

http_ok() { # the gateway answers an anonymous ListBuckets with 200
  [[ $(curl -s -o /dev/null -m 3 -w '%{http_code}' "$ENDPOINT/" 2>/dev/null) == 200 ]]
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_one() { # graceful, then SIGKILL after a timeout
  local name=$1 pid i
  pid=$(pid_of "$name") || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "$name (pid $pid) ignored SIGTERM for 10 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
}

stop_daemons() {
  # Gateway first (it is a client of the others), then OSD, then monitor.
  stop_one "$RGW_NAME"
  stop_one osd.0
  stop_one mon.a
}

# ---------------------------------------------------------------- cluster boot

write_conf() {
  local fsid=$1
  cat >"$CONF" <<EOF
[global]
fsid = $fsid
# v1 only, loopback only: with msgr2 on a non-default port the monitor advertises a v2
# address too and clients time out.
mon host = v1:127.0.0.1:$MON_PORT
mon initial members = a
ms bind msgr2 = false
ms bind ipv6 = false
public addr = 127.0.0.1
cluster addr = 127.0.0.1
keyring = $STATE_DIR/keyring
run dir = $STATE_DIR/run
pid file = $STATE_DIR/run/\$name.pid
admin socket = $STATE_DIR/run/\$name.asok
log file = $STATE_DIR/log/\$name.log
crash dir = $STATE_DIR/crash
# One OSD, one replica.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
# Without this every monitor write waits 1 s (the gateway's first start then takes ~9 s).
paxos propose interval = 0.01

[mon]
mon data = $STATE_DIR/mon/\$name

[osd]
osd data = $STATE_DIR/osd/\$name
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES

[$RGW_NAME]
# tcp_nodelay: without it every response with a body stalls ~45 ms (Nagle + delayed ACK).
rgw frontends = beast endpoint=127.0.0.1:$PORT tcp_nodelay=1
rgw data = $STATE_DIR/rgw
rgw sts key = $STS_KEY
rgw s3 auth use sts = true
# Deleted objects otherwise stay in RAM for 2 h.
rgw gc obj min wait = 60
rgw gc processor period = 60
# The usage log counts AssumeRole calls (see assume_role_count); flush it every second.
rgw enable usage log = true
rgw usage log tick interval = 1
# Lifecycle rules run every $LC_DEBUG_INTERVAL s, all day, and count a day as that many seconds (RGW's debug
# switch): a test sees an AbortIncompleteMultipartUpload rule act within seconds. It touches only buckets that
# have a rule, and none has one unless a test puts it.
rgw lc debug interval = $LC_DEBUG_INTERVAL
EOF
}

make_keyring() {
  # One keyring for all daemons. The monitor imports every entity from it at --mkfs, so no
  # `ceph auth add` round trips are needed later. (Safe only because the OSD is made without
  # --mkkey, which would overwrite this file.)
  local k="$STATE_DIR/keyring"
  ceph-authtool --create-keyring "$k" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$k" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
  ceph-authtool "$k" --gen-key -n osd.0 \
    --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd' >/dev/null
  ceph-authtool "$k" --gen-key -n "$RGW_NAME" --cap mon 'allow rw' --cap osd 'allow rwx' >/dev/null
}

ceph_cli() { ceph -c "$CONF" --connect-timeout 20 "$@"; }

# rm -rf only a dir this script made (or an empty one): LOCAL_S3STS_DIR could be mistyped.
wipe_state_dir() {
  [[ -e $STATE_DIR ]] || return 0
  if [[ -f $CONF || -z $(ls -A "$STATE_DIR" 2>/dev/null) ]]; then
    rm -rf "$STATE_DIR"
  else
    die "$STATE_DIR is not a state dir of this script (no ceph.conf); refusing to delete it"
  fi
}

# Daemons are started with the lock's fd closed: they fork into the background and would
# otherwise hold the lock for their whole life. Their stderr chatter goes to a file.
start_daemon() { # name command...
  local name=$1
  shift
  "$@" 9>&- 2>>"$STATE_DIR/log/$name.stderr"
}

boot_cluster() {
  local fsid osd_uuid i
  for i in "$PORT" "$MON_PORT"; do
    port_busy "$i" && die "port 127.0.0.1:$i is already in use by another process (set LOCAL_S3STS_PORT / LOCAL_S3STS_MON_PORT)"
  done
  wipe_state_dir
  mkdir -p "$STATE_DIR"/{run,log,crash,mon,osd/osd.0,rgw}
  fsid=$(uuidgen)
  osd_uuid=$(uuidgen)
  write_conf "$fsid"
  make_keyring

  log "starting monitor on 127.0.0.1:$MON_PORT"
  # --addv, not --add: --add on a non-default port registers a v2 address as well.
  monmaptool --create --fsid "$fsid" --addv a "[v1:127.0.0.1:$MON_PORT]" "$STATE_DIR/monmap" >/dev/null 2>&1 \
    || die_boot "monmaptool failed"
  ceph-mon -c "$CONF" -i a --mkfs --monmap "$STATE_DIR/monmap" --keyring "$STATE_DIR/keyring" >"$STATE_DIR/log/mon-mkfs.out" 2>&1 \
    || die_boot "ceph-mon --mkfs failed"
  start_daemon mon.a ceph-mon -c "$CONF" -i a || die_boot "ceph-mon did not start"

  log "starting memstore OSD ($MEMSTORE_BYTES bytes)"
  # --no-mon-config: mkfs must not try to fetch config from a monitor.
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" --no-mon-config >"$STATE_DIR/log/osd-mkfs.out" 2>&1 \
    || die_boot "ceph-osd --mkfs failed: $(tail -n 5 "$STATE_DIR/log/osd-mkfs.out")"
  ceph_cli osd new "$osd_uuid" 0 >/dev/null 2>"$STATE_DIR/log/osd-new.err" \
    || die_boot "monitor did not answer / 'ceph osd new' failed: $(cat "$STATE_DIR/log/osd-new.err")"
  start_daemon osd.0 ceph-osd -c "$CONF" -i 0 || die_boot "ceph-osd did not start"

  # The gateway can start right away: it blocks on RADOS until the OSD is up.
  log "starting gateway on $ENDPOINT"
  start_daemon "$RGW_NAME" radosgw -c "$CONF" -n "$RGW_NAME" || die_boot "radosgw did not start"

  for ((i = 0; i < 600; i++)); do
    http_ok && return 0
    if ((i > 20)) && ! all_daemons_alive; then
      die_boot "a daemon exited during boot"
    fi
    sleep 0.1
  done
  die_boot "gateway did not answer on $ENDPOINT within 60 s"
}

# ---------------------------------------------------------------- provisioning

rgw_admin() { radosgw-admin -c "$CONF" -n client.admin "$@"; }

ensure_user() { # uid access secret
  rgw_admin user info --uid="$1" >/dev/null 2>&1 && return 0
  rgw_admin user create --uid="$1" --display-name="$1" --access-key="$2" --secret-key="$3" >/dev/null \
    || die_boot "could not create user $1"
}

# curl signs SigV4 itself; $1 = service (s3, iam, sts), $2 = "KEY:SECRET", rest = curl args.
# curl 7.88 does not send x-amz-content-sha256, which RGW requires on S3 requests (403 without
# it); given as a header, curl signs it too.
signed_curl() {
  local service=$1 creds=$2
  shift 2
  local extra=()
  [[ $service != s3 ]] || extra=(-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')
  curl -sS -m 30 --aws-sigv4 "aws:amz:$REGION:$service" --user "$creds" "${extra[@]}" "$@"
}

# IAM call as admin; treats "already exists" as success so provisioning is re-runnable.
iam() {
  local out code
  out=$(signed_curl iam "$ADMIN_ACCESS_KEY:$ADMIN_SECRET_KEY" -w '\n%{http_code}' -X POST "$ENDPOINT/" "$@") \
    || die_boot "IAM request failed: $*"
  code=${out##*$'\n'}
  [[ $code == 200 || $out == *EntityAlreadyExists* ]] || die_boot "IAM call $1 $2 returned $code: ${out%$'\n'*}"
}

s3_admin() { # expects 2xx
  local out code
  out=$(signed_curl s3 "$ADMIN_ACCESS_KEY:$ADMIN_SECRET_KEY" -w '\n%{http_code}' "$@") || die_boot "S3 request failed: $*"
  code=${out##*$'\n'}
  [[ $code == 2* ]] || die_boot "S3 admin call $* returned $code: ${out%$'\n'*}"
}

provision() {
  log "provisioning users, role and bucket"
  ensure_user "$ADMIN_UID" "$ADMIN_ACCESS_KEY" "$ADMIN_SECRET_KEY"
  # roles=* is what the IAM API (CreateRole, PutRolePolicy) checks; the rest lets tests use
  # the admin REST API if they need to.
  rgw_admin caps add --uid="$ADMIN_UID" --caps="roles=*;users=*;buckets=*;usage=*;metadata=*" >/dev/null \
    || die_boot "could not set admin caps"
  # The broker has keys and nothing else: the only thing it can do is AssumeRole.
  ensure_user "$BROKER_UID" "$BROKER_ACCESS_KEY" "$BROKER_SECRET_KEY"

  # Through IAM, not `radosgw-admin role create`: only IAM can set MaxSessionDuration.
  iam --data-urlencode Action=CreateRole --data-urlencode "RoleName=$ROLE_NAME" \
    --data-urlencode MaxSessionDuration=43200 \
    --data-urlencode 'AssumeRolePolicyDocument={"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam:::user/'"$BROKER_UID"'"]},"Action":["sts:AssumeRole"]}]}'
  iam --data-urlencode Action=PutRolePolicy --data-urlencode "RoleName=$ROLE_NAME" \
    --data-urlencode PolicyName=s3-all \
    --data-urlencode 'PolicyDocument={"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["*"]}]}'

  # No LocationConstraint: RGW rejects one that doesn't name its zonegroup.
  local code
  code=$(signed_curl s3 "$ADMIN_ACCESS_KEY:$ADMIN_SECRET_KEY" -o /dev/null -w '%{http_code}' -X PUT "$ENDPOINT/$BUCKET") \
    || die_boot "CreateBucket request failed"
  [[ $code == 200 || $code == 409 ]] || die_boot "CreateBucket $BUCKET returned $code"
  # Objects written with role credentials are owned by the broker user, so ACLs alone would
  # hide them from the bucket owner. A bucket policy naming the admin user is evaluated before
  # ACLs and gives admin full access to every object (HEAD/GET/DELETE, multipart list/abort).
  # The role itself needs no bucket policy: its s3:* identity policy already allows it.
  # "?policy=", not "?policy": curl 7.88 signs a bare query key differently from RGW, which
  # then answers 403 AccessDenied. Same for "?uploads=".
  s3_admin -X PUT "$ENDPOINT/$BUCKET?policy=" -H 'Content-Type: application/json' --data-binary \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam:::user/'"$ADMIN_UID"'"]},"Action":["s3:*"],"Resource":["arn:aws:s3:::'"$BUCKET"'","arn:aws:s3:::'"$BUCKET"'/*"]}]}'
}

write_env() {
  local tmp="$ENV_FILE.tmp" kv
  {
    for kv in \
      "AWS_ACCESS_KEY_ID=$BROKER_ACCESS_KEY" \
      "AWS_SECRET_ACCESS_KEY=$BROKER_SECRET_KEY" \
      "AWS_REGION=$REGION" \
      "BROKER_ROLE_ARN=$ROLE_ARN" \
      "BROKER_STS_ENDPOINT=$ENDPOINT" \
      "BROKER_S3_ENDPOINT=$ENDPOINT" \
      "BROKER_S3_PATH_STYLE=true" \
      "BROKER_S3_CHECKSUMS=when-required" \
      "BROKER_REGION=$REGION" \
      "LOCAL_S3STS_ENDPOINT=$ENDPOINT" \
      "LOCAL_S3STS_BUCKET=$BUCKET" \
      "LOCAL_S3STS_ADMIN_ACCESS_KEY=$ADMIN_ACCESS_KEY" \
      "LOCAL_S3STS_ADMIN_SECRET_KEY=$ADMIN_SECRET_KEY" \
      "LOCAL_S3STS_RGW_LOG=$RGW_LOG" \
      "LOCAL_S3STS_DIR=$STATE_DIR"; do
      printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
    done
  } >"$tmp"
  mv -f "$tmp" "$ENV_FILE" # the env file appears only once provisioning is complete
}

elapsed_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

params() {
  printf 'port=%s mon_port=%s memstore_bytes=%s lc_debug_interval=%s\n' "$PORT" "$MON_PORT" "$MEMSTORE_BYTES" \
    "$LC_DEBUG_INTERVAL"
}

# Running, answering HTTP, fully provisioned, and booted with the parameters asked for now.
healthy() {
  all_daemons_alive && http_ok && [[ -s $ENV_FILE && -r $PARAMS_FILE && $(<"$PARAMS_FILE") == "$(params)" ]] \
    && ! store_nearly_full
}

# The memstore OSD holds every object in RAM up to MEMSTORE_BYTES. A gateway reused by run after run fills it, and a
# full OSD blocks every write (and with it the requests of a test) until someone deletes: a fresh one is better.
store_nearly_full() {
  local health
  health=$(ceph_cli health 2>/dev/null) || return 1
  # "1 nearfull osd(s)", "1 backfillfull osd(s)", "1 full osd(s)", "7 pool(s) full"
  if [[ $health == *"full osd"* || $health == *"pool(s) full"* || $health == *"pool(s) nearfull"* ]]; then
    log "the memstore OSD is (nearly) full: $health"
    return 0
  fi
  return 1
}

take_lock() {
  mkdir -p "$(dirname "$STATE_DIR")"
  exec 9>>"$LOCK_FILE"
  flock -w 600 9 || die "timed out waiting for $LOCK_FILE"
}

# ---------------------------------------------------------------- subcommands

cmd_up() {
  take_lock # before installing too: two concurrent first-time `up`s would race for dpkg's lock
  ensure_packages
  if healthy; then
    log "already running on $ENDPOINT (state in $STATE_DIR)"
    write_env
    printf '%s\n' "$ENV_FILE"
    return 0
  fi
  if [[ -d $STATE_DIR ]]; then
    log "stale or different state in $STATE_DIR: stopping and wiping it"
    stop_daemons
  fi
  local t0=$EPOCHREALTIME
  boot_cluster
  provision
  params >"$PARAMS_FILE"
  write_env
  log "up in $(elapsed_since "$t0") s: $ENDPOINT, bucket $BUCKET, role $ROLE_ARN"
  printf '%s\n' "$ENV_FILE"
}

cmd_down() {
  take_lock
  stop_daemons
  wipe_state_dir
  log "down"
}

cmd_status() {
  if all_daemons_alive && http_ok && [[ -s $ENV_FILE ]]; then
    printf 'running: %s (rgw pid %s, state %s)\n' "$ENDPOINT" "$(pid_of "$RGW_NAME")" "$STATE_DIR"
  else
    printf 'not running (state %s)\n' "$STATE_DIR"
    return 1
  fi
}

cmd_env() {
  cmd_status >/dev/null || die "not running; start it with: $0 up"
  printf '%s\n' "$ENV_FILE"
}

# Counted from RGW's usage log, category assume_role (the op name RGW gives AssumeRole), all users.
# Why the usage log: the gateway aggregates it in memory and writes it to RADOS once per tick
# (1 s here), so it costs S3 requests nothing measurable (HEAD throughput with it on/off is within
# noise), it is exact, and it does not grow with traffic. Rejected alternatives: the ops log skips
# requests that name no bucket (all of STS); 'debug rgw = 2' does print "sts:assume_role", but
# it writes ~2.2 KB of log per request of any kind and cost ~5% HEAD throughput.
# The price: a count can be one tick late, so this waits just over a tick before reading.
# Default: every AssumeRole request, rejected ones included; --successful: only those answered 2xx.
cmd_assume_role_count() {
  local field=ops
  case "${1:-}" in
  "") ;;
  --successful) field=successful_ops ;;
  *) die "usage: $0 assume-role-count [--successful]" ;;
  esac
  cmd_status >/dev/null || die "not running"
  sleep 1.5
  rgw_admin usage show --categories=assume_role --show-log-entries=false 2>/dev/null | "$PY" -c '
import json, sys
field = sys.argv[1]
doc = json.load(sys.stdin)
print(sum(c.get(field, 0) for u in doc.get("summary", []) for c in u.get("categories", [])
          if c.get("category") == "assume_role"))
' "$field" || die "could not read the usage log"
}

# ---------------------------------------------------------------- verify

xml_field() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p"; }

expect_code() { # label expected-code curl-args...
  local label=$1 want=$2 code
  shift 2
  code=$(curl -sS -m 30 -o /dev/null -w '%{http_code}' "$@") || die "$label: request failed"
  [[ $code == "$want" ]] || die "$label: HTTP $code, expected $want"
  log "$label: $code"
}

# AssumeRole as the broker, then exercise the bucket with the temporary credentials, and check
# that admin can still see and clean up what the role wrote. Leaves nothing behind, even on failure.
cmd_verify() {
  cmd_status >/dev/null || die "not running"
  local resp ak sk tok upload who
  VERIFY_PREFIX="verify-$$-$RANDOM"
  local obj="$ENDPOINT/$BUCKET/$VERIFY_PREFIX/object"
  local mp="$ENDPOINT/$BUCKET/$VERIFY_PREFIX/multipart"
  local sha=(-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')
  ADMIN_S3=(--aws-sigv4 "aws:amz:$REGION:s3" --user "$ADMIN_ACCESS_KEY:$ADMIN_SECRET_KEY" "${sha[@]}")
  trap verify_cleanup EXIT

  resp=$(signed_curl sts "$BROKER_ACCESS_KEY:$BROKER_SECRET_KEY" -X POST "$ENDPOINT/" \
    --data-urlencode Action=AssumeRole --data-urlencode Version=2011-06-15 \
    --data-urlencode "RoleArn=$ROLE_ARN" --data-urlencode RoleSessionName=verify \
    --data-urlencode DurationSeconds=900) || die "AssumeRole request failed"
  ak=$(xml_field AccessKeyId <<<"$resp")
  sk=$(xml_field SecretAccessKey <<<"$resp")
  tok=$(xml_field SessionToken <<<"$resp")
  [[ -n $ak && -n $sk && -n $tok ]] || die "AssumeRole gave no credentials: $resp"
  log "AssumeRole as $BROKER_UID: ok (temporary key $ak)"
  local role=(--aws-sigv4 "aws:amz:$REGION:s3" --user "$ak:$sk" -H "x-amz-security-token: $tok" "${sha[@]}")

  expect_code "role PutObject" 200 "${role[@]}" -X PUT --data-binary hello "$obj"
  expect_code "role HeadObject" 200 "${role[@]}" -I "$obj"
  [[ $(curl -sS -m 30 "${role[@]}" "$obj") == hello ]] || die "role GetObject: wrong body"
  log "role GetObject: body ok"
  # The object is owned by the broker user; admin sees it only thanks to the bucket policy.
  expect_code "admin HeadObject (owned by broker)" 200 "${ADMIN_S3[@]}" -I "$obj"
  [[ $(curl -sS -m 30 "${ADMIN_S3[@]}" "$obj") == hello ]] || die "admin GetObject: wrong body"
  log "admin GetObject: body ok"

  for who in role admin; do
    upload=$(curl -sS -m 30 "${role[@]}" -X POST "$mp?uploads=" | xml_field UploadId)
    [[ -n $upload ]] || die "role CreateMultipartUpload failed"
    expect_code "role UploadPart" 200 "${role[@]}" -X PUT --data-binary part "$mp?partNumber=1&uploadId=$upload"
    if [[ $who == role ]]; then
      resp=$(curl -sS -m 30 "${role[@]}" "$ENDPOINT/$BUCKET?uploads=")
    else
      resp=$(curl -sS -m 30 "${ADMIN_S3[@]}" "$ENDPOINT/$BUCKET?uploads=")
    fi
    [[ $resp == *"$upload"* ]] || die "$who ListMultipartUploads does not show $upload: $resp"
    log "$who ListMultipartUploads: sees the upload"
    if [[ $who == role ]]; then
      expect_code "role AbortMultipartUpload" 204 "${role[@]}" -X DELETE "$mp?uploadId=$upload"
    else
      expect_code "admin AbortMultipartUpload (started by broker)" 204 "${ADMIN_S3[@]}" -X DELETE "$mp?uploadId=$upload"
    fi
  done

  expect_code "admin DeleteObject (owned by broker)" 204 "${ADMIN_S3[@]}" -X DELETE "$obj"
  expect_code "role HeadObject after delete" 404 "${role[@]}" -I "$obj"
  resp=$(curl -sS -m 30 "${ADMIN_S3[@]}" "$ENDPOINT/$BUCKET?uploads=&prefix=$VERIFY_PREFIX/")
  [[ $resp != *"<Upload>"* ]] || die "multipart uploads left behind: $resp"
  log "verify: all checks passed"
  echo ok
}

verify_cleanup() { # best effort, as admin
  local upload
  curl -s -m 10 -o /dev/null "${ADMIN_S3[@]}" -X DELETE "$ENDPOINT/$BUCKET/$VERIFY_PREFIX/object" || true
  for upload in $(curl -s -m 10 "${ADMIN_S3[@]}" "$ENDPOINT/$BUCKET?uploads=&prefix=$VERIFY_PREFIX/" |
    grep -o '<UploadId>[^<]*</UploadId>' | sed 's:</*UploadId>::g'); do
    curl -s -m 10 -o /dev/null "${ADMIN_S3[@]}" -X DELETE "$ENDPOINT/$BUCKET/$VERIFY_PREFIX/multipart?uploadId=$upload" || true
  done
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  assume-role-count) cmd_assume_role_count "${@:2}" ;;
  verify) cmd_verify ;;
  *) usage ;;
  esac
}

main "$@"
