# shellcheck shell=bash source-path=SCRIPTDIR disable=SC2034 # what these functions set is for the scripts that source them
# Shared by the scripts of bench/: settings, logging, processes and their clean-up, waiting for HTTP, Quarkus
# start-up and small numeric helpers. The script sets SELF (its name in log lines) and then sources this file,
# which loads the rest of bench/lib (gateway.sh, machine.sh, broker.sh) too.
# No variable here starts with BENCH_: command_line lists those as the caller's settings.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

log() { printf '[%s] %s\n' "$SELF" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 2
}

# Settings: each NAME=default sets NAME to the environment's BENCH_NAME if there is one, else to the default.
knobs() { # NAME=default...
  local kv env
  for kv; do
    env=BENCH_${kv%%=*}
    printf -v "${kv%%=*}" '%s' "${!env:-${kv#*=}}"
  done
}

whole_numbers() { # NAME...: each setting must be a whole number
  local v
  for v; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "BENCH_$v must be a whole number"
  done
}

# The command as given, for the results: the environment's settings with these prefixes first.
command_line() { # "PREFIX..." script args...
  local prefixes=$1 p v a
  shift
  for p in $prefixes; do
    for v in $(compgen -v "$p" || true); do printf '%s=%q ' "$v" "${!v}"; done
  done
  printf '%s' "$1"
  shift
  for a in "$@"; do printf ' %q' "$a"; done
}

# ---------------------------------------------------------------- the run's work dir and clean-up

# Makes the work dir and arms the clean-up. STATUS is the exit status the run ends with when it gets that far:
# 0 all targets met, 1 a target missed, 2 the run itself failed (the default until the script sets it).
bench_start() { # mktemp template
  WORK=$(mktemp -d "$1")
  STATUS=2
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# On every exit: the script's cleanup_run (its processes and objects), the gateway if this run booted it, then the
# work dir, kept (without the build copies *-src) when the run failed, on BENCH_KEEP_LOGS=1, and with
# KEEP_WORK_ON_MISS=1 when a target was missed.
# shellcheck disable=SC2317 # called by the EXIT trap
bench_cleanup() {
  local rc=$?
  set +e
  trap - INT TERM
  if declare -F cleanup_run >/dev/null; then cleanup_run; fi
  if declare -F gateway_down >/dev/null; then gateway_down; fi
  if [[ $STATUS == 2 || ${BENCH_KEEP_LOGS:-0} == 1 ]] || ((STATUS == 1 && ${KEEP_WORK_ON_MISS:-0})); then
    rm -rf "$WORK"/*-src
    log "logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}

# ---------------------------------------------------------------- processes

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

# Installs the missing ones of these commands from Debian's packages (root only); a JDK is the caller's business.
ensure_tools() { # command...
  local missing=() pkgs=() bin
  for bin; do
    command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
  done
  ((${#missing[@]})) || return 0
  [[ " ${missing[*]} " != *" java "* ]] || die "java is missing (the project needs a JDK 17)"
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; installing them needs root"
  for bin in "${missing[@]}"; do
    case $bin in python3) pkgs+=(python3-minimal) ;; sha256sum) pkgs+=(coreutils) ;; *) pkgs+=("$bin") ;; esac
  done
  log "installing ${pkgs[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2 \
    || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2; } \
    || die "apt-get install ${pkgs[*]} failed"
}

# ---------------------------------------------------------------- HTTP services

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_http() { # url pid what [other-url]: until a URL answers 200 (max 90 s), failing early if pid dies
  local url=$1 pid=$2 what=$3 other=${4:-} i
  for ((i = 0; i < 900; i++)); do
    [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" 2>/dev/null) == 200 ]] && return 0
    [[ -n $other && $(curl -s -o /dev/null -m 2 -w '%{http_code}' "$other" 2>/dev/null) == 200 ]] && return 0
    kill -0 "$pid" 2>/dev/null || die "$what exited during start-up; see $WORK/*.log"
    sleep 0.1
  done
  die "$what did not answer $url within 90 s"
}

# Where a broker's health probes and metrics (/q/...) answer: Quarkus' management interface, on the HTTP port + 1000
# (QUARKUS_MANAGEMENT_PORT, which start_quarkus sets). BENCH_MANAGEMENT_OFFSET=0 is for builds from before it, which
# serve them on the HTTP port.
MANAGEMENT_OFFSET=${BENCH_MANAGEMENT_OFFSET:-1000}
q_url() { # http-port path (/q/...)
  echo "http://127.0.0.1:$(($1 + MANAGEMENT_OFFSET))$2"
}

# Runs a Quarkus app on 127.0.0.1:PORT until PATH answers 200 (a /q/ path where q_url says); the pid goes into variable VAR first, so that the
# clean-up stops it even if it never gets ready. It runs from the work dir, so that no .env or config/ of the
# caller's cwd is picked up. With LOG_PIPE=1 its log goes through a pipe (as to a container runtime), so that the
# log file's disk writes are cat's, not the JVM's.
start_quarkus() { # var name port log path command...
  local var=$1 name=$2 port=$3 out=$4 path=$5 url other= env=(QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT="$3")
  shift 5
  port_busy "$port" && die "127.0.0.1:$port ($name) is in use: set its port (see the script's header)"
  url="http://127.0.0.1:$port$path"
  if ((MANAGEMENT_OFFSET)); then
    env+=(QUARKUS_MANAGEMENT_HOST=127.0.0.1 QUARKUS_MANAGEMENT_PORT=$((port + MANAGEMENT_OFFSET)))
    # A build from before the management interface answers on its HTTP port: accepted too, so that one run can
    # start builds from before and after it side by side (ab-upload.sh).
    [[ $path != /q/* ]] || { other=$url url=$(q_url "$port" "$path"); }
  fi
  printf '\n===== %s: %s start %s\n' "$SELF" "$name" "$(date -Is)" >>"$out"
  if [[ ${LOG_PIPE:-0} == 1 ]]; then
    (cd "$WORK" && exec env "${env[@]}" "$@") > >(exec cat >>"$out") 2>&1 &
  else
    (cd "$WORK" && exec env "${env[@]}" "$@") >>"$out" 2>&1 &
  fi
  printf -v "$var" '%s' "$!"
  wait_http "$url" "${!var}" "$name" "$other"
}

# The first lines of a run's report: its date (describe_machine) and its command (command_line), with the build.
run_heading() {
  printf '\n## Run of %s\n\n- command: %s (broker %s)\n' "$DATE" "\`$COMMAND_LINE\`" "$BUILT"
}

# ---------------------------------------------------------------- numbers

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
meets() { awk -v r="$1" -v t="$2" 'BEGIN { exit !(r >= t) }'; }
verdict() { if meets "$1" "$2"; then echo met; else echo "**MISSED**"; fi; }
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# shellcheck source=gateway.sh
. "$REPO/bench/lib/gateway.sh"
# shellcheck source=machine.sh
. "$REPO/bench/lib/machine.sh"
# shellcheck source=broker.sh
. "$REPO/bench/lib/broker.sh"
