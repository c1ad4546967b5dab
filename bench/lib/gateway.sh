# shellcheck shell=bash disable=SC2034 # what these functions set is for the scripts that source them
# The local S3 + STS gateway of a run (scripts/local-s3-sts.sh) and requests to it as the bucket owner.
# Loaded by common.sh.

# private: a gateway of the script's own (state dir, ports and memory store given), so that other test runs on the
# machine neither fill its store, nor add AssumeRole calls to its count, nor load it; shared: the default one
# (/tmp/s3-sts-broker-rgw, port 7480), which other runs use too. Sources its env file (exported, for the broker)
# and sets RGW_MODE, RGW_STARTED, REGION and BUCKET. Every bench script gets distinct private dirs and ports, so
# that two different benchmarks can run at once.
gateway_up() { # private|shared dir port mon-port memstore-MiB
  local env_file
  RGW_MODE=$1
  case $RGW_MODE in
  private)
    export LOCAL_S3STS_DIR=$2 LOCAL_S3STS_PORT=$3 LOCAL_S3STS_MON_PORT=$4
    export LOCAL_S3STS_MEMSTORE_BYTES=$(($5 * 1048576))
    ;;
  shared) ;;
  *) die "BENCH_RGW must be private or shared" ;;
  esac
  RGW_STARTED=0
  if ! "$REPO/scripts/local-s3-sts.sh" status >/dev/null 2>&1; then
    if [[ $RGW_MODE == private ]]; then
      port_busy "$LOCAL_S3STS_PORT" && die "127.0.0.1:$LOCAL_S3STS_PORT is in use by something else (set BENCH_RGW_PORT)"
      port_busy "$LOCAL_S3STS_MON_PORT" && die "127.0.0.1:$LOCAL_S3STS_MON_PORT is in use (set BENCH_RGW_MON_PORT)"
    fi
    RGW_STARTED=1
  fi
  # Not fd 9: a script's lock must not live on in the gateway's daemons.
  env_file=$("$REPO/scripts/local-s3-sts.sh" up 9>&- | tail -n 1) || die "could not boot the local S3/STS server"
  set -a
  # shellcheck source=/dev/null
  . "$env_file"
  set +a
  REGION=${BROKER_REGION:-us-east-1}
  BUCKET=$LOCAL_S3STS_BUCKET
}

# For the clean-up: stops the gateway if this run booted it, unless the script set RGW_KEEP=1.
gateway_down() {
  ((${RGW_STARTED:-0})) && [[ ${RGW_KEEP:-0} != 1 ]] || return 0
  log "stopping the gateway this run booted"
  "$REPO/scripts/local-s3-sts.sh" down >/dev/null 2>&1 9>&-
}

gateway_desc() { echo "$RGW_MODE Ceph RGW at $LOCAL_S3STS_ENDPOINT ($(radosgw --version 2>/dev/null | awk '{ print $3 }'))"; }

ceph_pids() {
  local f
  for f in "$LOCAL_S3STS_DIR"/run/{client.rgw.local,osd.0,mon.a}.pid; do
    [[ -r $f ]] && cat "$f"
  done
}

object_url() { echo "$LOCAL_S3STS_ENDPOINT/$BUCKET/$1"; }

# Temporary credentials of the broker's role, from the gateway's STS with the broker's keys (the kind the broker signs
# its S3 requests with): sets ROLE_KEY, ROLE_SECRET and ROLE_TOKEN. For direct requests of the same kind as the broker's.
role_credentials() { # session-name
  local resp
  resp=$(curl -sS -m 30 --aws-sigv4 "aws:amz:$REGION:sts" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -X POST "$BROKER_STS_ENDPOINT/" --data-urlencode Action=AssumeRole --data-urlencode Version=2011-06-15 \
    --data-urlencode "RoleArn=$BROKER_ROLE_ARN" --data-urlencode "RoleSessionName=$1" \
    --data-urlencode DurationSeconds=7200) || die "AssumeRole at the gateway failed"
  ROLE_KEY=$(sed -n 's:.*<AccessKeyId>\(.*\)</AccessKeyId>.*:\1:p' <<<"$resp")
  ROLE_SECRET=$(sed -n 's:.*<SecretAccessKey>\(.*\)</SecretAccessKey>.*:\1:p' <<<"$resp")
  ROLE_TOKEN=$(sed -n 's:.*<SessionToken>\(.*\)</SessionToken>.*:\1:p' <<<"$resp")
  [[ -n $ROLE_KEY && -n $ROLE_SECRET && -n $ROLE_TOKEN ]] || die "AssumeRole gave no credentials"
}

# The credentials of direct requests: the broker's role's (role) or the bucket owner's keys (admin); sets SIGN_KEY,
# SIGN_SECRET and SIGN_TOKEN (empty for the owner).
sign_as() { # role|admin session-name
  if [[ $1 == role ]]; then
    role_credentials "$2"
    SIGN_KEY=$ROLE_KEY SIGN_SECRET=$ROLE_SECRET SIGN_TOKEN=$ROLE_TOKEN
  else
    SIGN_KEY=$LOCAL_S3STS_ADMIN_ACCESS_KEY SIGN_SECRET=$LOCAL_S3STS_ADMIN_SECRET_KEY SIGN_TOKEN=
  fi
}

s3_admin() { # curl args...: a request signed with the bucket owner's keys (query parameters must be sorted)
  curl -sS -m "${CURL_MAX:-60}" --aws-sigv4 "aws:amz:$REGION:s3" \
    --user "$LOCAL_S3STS_ADMIN_ACCESS_KEY:$LOCAL_S3STS_ADMIN_SECRET_KEY" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"
}

# Deleted objects stay in the OSD's RAM until RGW's garbage collector runs (every 60 s): run it now, so that
# memstore never fills up with the garbage of earlier uploads.
gc_process() {
  timeout 120 radosgw-admin -c "$LOCAL_S3STS_DIR/ceph.conf" -n client.admin gc process --include-all >/dev/null 2>&1 \
    || log "WARNING: radosgw-admin gc process failed (garbage is collected within ~2 min anyway)"
}
