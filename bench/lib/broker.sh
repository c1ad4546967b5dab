# shellcheck shell=bash disable=SC2034 # what these functions set is for the scripts that source them
# The broker under test: its build, its authentication settings and what its log says. Loaded by common.sh.

# Builds the broker unless BENCH_BROKER_APP names a built target/quarkus-app (BENCH_BROKER_REV: that commit, else
# the work tree); sets BROKER_APP and BUILT. The checkout is copied first, so that other builds in the checkout
# (which rewrite target/) can neither disturb this one nor replace the jars under the running broker.
build_broker() {
  if [[ -n ${BENCH_BROKER_APP:-} ]]; then
    BROKER_APP=$(cd "$BENCH_BROKER_APP" && pwd)
    [[ -f $BROKER_APP/quarkus-run.jar ]] || die "no quarkus-run.jar in $BROKER_APP (BENCH_BROKER_APP)"
    BUILT="prebuilt $BROKER_APP"
    return 0
  fi
  mkdir -p "$WORK/broker-src"
  if [[ -n ${BENCH_BROKER_REV:-} ]]; then
    GIT_REV=$(git -C "$REPO" rev-parse --short "$BENCH_BROKER_REV^{commit}") || die "no commit $BENCH_BROKER_REV"
    GIT_DIRTY=0
    log "building the broker at commit $GIT_REV"
    git -C "$REPO" archive "$GIT_REV" pom.xml mvnw .mvn src | tar -x -C "$WORK/broker-src"
    BUILT="built from commit $GIT_REV"
  else
    log "building the broker (copy of the checkout at $GIT_REV, $GIT_DIRTY changed files in src/ and pom.xml)"
    cp -r "$REPO/pom.xml" "$REPO/mvnw" "$REPO/.mvn" "$REPO/src" "$WORK/broker-src/"
    BUILT="built from the work tree: commit $GIT_REV + $GIT_DIRTY changed or new files in src/ and pom.xml"
  fi
  (cd "$WORK/broker-src" && ./mvnw -B -q package -DskipTests) >"$WORK/build-broker.log" 2>&1 \
    || die "broker build failed: $(tail -n 20 "$WORK/build-broker.log")"
  BROKER_APP=$WORK/broker-src/target/quarkus-app
}

# Authentication (issue 12): a fresh random key per run. The broker gets only its sha256 (BROKER_AUTH_API_KEYS);
# the key itself goes only into request headers, never into a log or the results. Sets AUTH_HEADER, AUTH_ON_ENV
# (api-key, with the bucket allowed for reading and writing) and AUTH_OFF_ENV (none, the bucket allowed): env
# assignments for the broker's command. A broker that predates auth ignores them.
auth_init() { # bucket
  local key
  key=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  AUTH_HEADER="Authorization: Bearer $key"
  AUTH_ON_ENV=(BROKER_AUTH_MODE=api-key "BROKER_AUTH_API_KEYS=bench:$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)"
    "BROKER_ACCESS_READ=$1/" "BROKER_ACCESS_WRITE=$1/")
  # The broker has no "allow all" switch: an empty allow-list allows nothing. Off means no authentication, with the
  # whole bucket in the default lists that the anonymous caller gets.
  AUTH_OFF_ENV=(BROKER_AUTH_MODE=none "BROKER_ACCESS_READ=$1/" "BROKER_ACCESS_WRITE=$1/")
  # Only this run's settings: none of the caller's environment (an allow-list would otherwise reach "none" too).
  unset BROKER_AUTH_MODE BROKER_AUTH_API_KEYS BROKER_ACCESS_READ BROKER_ACCESS_WRITE
}

# A tus upload of a file as curl makes it (bench/tus-bench.sh's way tuscurl, bench/warmup-curve.sh's way tus): a POST
# with Upload-Length (creation, no data), then one PATCH of the whole file with a Content-Length, as tus-js-client
# sends it by default. Sets the array VAR to the two commands for bench/lib/clients.py (the PATCH goes to {out}, the
# path the POST answered in Location), so that the upload's URL is the first command's output.
tus_curl_steps() { # var broker-url file
  local -n tus_steps_=$1
  local curl=(curl -sS --fail-with-body -m 900)
  # filename bench.bin, in base64 as tus wants it
  tus_steps_=("${curl[@]}" -o /dev/null -w '%header{location}' -X POST -H "$AUTH_HEADER" -H 'Tus-Resumable: 1.0.0'
    -H "Upload-Length: $(stat -c %s "$3")" -H 'Upload-Metadata: filename YmVuY2guYmlu' "$2/files/"
    --then "${curl[@]}" -o /dev/null -X PATCH -H "$AUTH_HEADER" -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0'
    -H 'Content-Type: application/offset+octet-stream' -T "$3" "$2{out}")
}

# The key of the object a tus upload of the broker stored, from its upload URL: the caller's prefix (auth_init's
# caller is bench) and the object's name, which ends the upload's id.
tus_key() { # upload-url
  local id=${1##*/}
  echo "tus/bench/${id#*.*.*.}"
}

# HTTP status of a GET without the key: 401 once the broker enforces auth, 200 from a build that predates it.
auth_probe() { # url
  curl -s -m 10 -o /dev/null -w '%{http_code}' "$1" || true
}

auth_desc() { # probe-status
  case $1 in
  401 | 403) echo "$1: auth enforced" ;;
  200) echo "200: this broker build does not enforce auth yet" ;;
  *) echo "$1: neither 401 nor 200, look at the broker's log" ;;
  esac
}

# What the broker's logs say: BLOCKED (blocked-thread warnings), ACCESS_TOTAL and ACCESS_BAD (access-log lines of
# the route, and those without the expected status), WARN_LINES and WARN_COUNT (other WARN/ERROR lines).
scan_broker_logs() { # route-regex ok-status log...
  local route=$1 ok=$2
  shift 2
  BLOCKED=$(cat "$@" | grep -cE 'Thread .* has been blocked|BlockedThreadChecker' || true)
  ACCESS_TOTAL=$(cat "$@" | grep -cE "$route [0-9]{3} " || true)
  ACCESS_BAD=$(cat "$@" | grep -E "$route [0-9]{3} " | grep -cvE "$route $ok " || true)
  WARN_LINES=$(cat "$@" | grep -E ' (WARN|ERROR) ' | grep -vE 'has been blocked|BlockedThreadChecker' || true)
  WARN_COUNT=$(grep -c . <<<"$WARN_LINES" || true)
}

warn_excerpt() { # the first WARN/ERROR lines, as a Markdown code block
  ((WARN_COUNT > 0)) || return 0
  echo
  echo '```'
  head -n 5 <<<"$WARN_LINES" | cut -c1-300
  echo '```'
}
