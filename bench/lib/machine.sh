# shellcheck shell=bash disable=SC2034 # what these functions set is for the scripts that source them
# The machine: its description for the report, CPU accounting of a measured span, waiting for other work to calm
# down, and CPU pinning. Loaded by common.sh.

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# Other JVMs (another engineer's Maven build or tests): the usual cause of a disturbed run.
# shellcheck disable=SC2120 # before the run there is none of its own
foreign_jvms() { # pids of this run's own JVMs...
  local pid
  for pid in $(pgrep -x java || true); do
    [[ " $* " == *" $pid "* ]] || echo "$pid"
  done
}

# Facts for the report, taken before the run: DATE NPROC CPU_MODEL MEM JAVA_VERSION LOAD_BEFORE FOREIGN_BEFORE,
# and the checkout's GIT_REV and GIT_DIRTY (changed files in src/ and pom.xml).
describe_machine() {
  DATE=$(date -Is)
  NPROC=$(nproc)
  CPU_MODEL=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
  MEM=$(free -h | awk '/^Mem:/ { print $2 " total, " $7 " available" }')
  JAVA_VERSION=$(java -version 2>&1 | sed -n 2p)
  LOAD_BEFORE=$(loadavg)
  FOREIGN_BEFORE=$(foreign_jvms | wc -l)
  GIT_REV=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
  GIT_DIRTY=$(git -C "$REPO" status --porcelain -- src pom.xml 2>/dev/null | wc -l)
  log "machine: $NPROC x $CPU_MODEL, $MEM, load average $LOAD_BEFORE, other JVMs $FOREIGN_BEFORE"
}

# ---------------------------------------------------------------- CPU accounting

# CPU seconds (user+sys) used so far by a set of pids: utime + stime of /proc/PID/stat, which count every thread of
# the process, those that have exited included; missing pids count 0. The one measure of CPU for every process the
# benchmarks compare (the broker, nginx's master and workers, Ceph, the load): in clock ticks (10 ms), so a span
# must use tens of ticks for a figure to mean something (100 MiB through nginx: 40-90).
cpu_of() {
  local tck total=0 pid t
  tck=$(getconf CLK_TCK)
  for pid in "$@"; do
    [[ $pid =~ ^[0-9]+$ ]] || continue
    t=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null) || t=0
    total=$((total + ${t:-0}))
  done
  awk -v t="$total" -v k="$tck" 'BEGIN { printf "%.2f", t / k }'
}

# Busy and total jiffies of the whole machine, or of the CPUs given by number ("1", "2 3").
machine_jiffies() {
  awk -v cpus=" $* " '(cpus == "  " && /^cpu /) || (cpus != "  " && index(cpus, " " substr($1, 4) " ") && /^cpu[0-9]/) {
      b = $2 + $3 + $4 + $7 + $8 + $9; busy += b; total += b + $5 + $6 } END { print busy, total }' /proc/stat
}

# CPU seconds of this shell's finished children (wrk, curl) into variable $1. `times` must run in this shell:
# inside $(...) it would report the subshell's own children, none.
children_cpu() {
  times >"$WORK/times"
  printf -v "$1" '%s' "$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, m, "m"); t += m[1] * 60 + m[2] }
    printf "%.2f", t }' "$WORK/times")"
}

# CPU ticks of each thread group of a pid ("group<TAB>ticks"), one awk for all threads; a group is the thread's
# name (as the kernel keeps it: 15 characters) without its number. The files go through cat: a thread that exits
# between the glob and the read made awk stop at its missing file and print nothing, so that one upload of the run
# of 2026-12-01 13:10 was charged with the broker's whole lifetime.
thread_ticks() {
  cat /proc/"$1"/task/*/stat 2>/dev/null | awk '{ l = index($0, "("); r = 0
      for (k = length($0); k > l; k--) if (substr($0, k, 1) == ")") { r = k; break }
      n = substr($0, l + 1, r - l - 1); sub(/[-#0-9]+$/, "", n); split(substr($0, r + 2), f, " ")
      t[n] += f[12] + f[13] }
    END { for (n in t) print n "\t" t[n] }' || true
}

# Ticks of a JVM's JIT compiler threads, and of all its threads: "jit all".
jit_ticks() { # pid
  thread_ticks "$1" | awk -F'\t' '$1 ~ /^C[12] CompilerThre/ { j += $2 } { t += $2 } END { print j + 0, t + 0 }'
}

# The warm-up rule of the benchmarks that measure a warm broker (the JVM's start-up is not its cost per MiB): after
# the fixed rounds the caller ran (done), more rounds (the command runs one) until the JIT compiler threads of the
# JVM took at most pct% of its CPU in two rounds in a row, or until max rounds in all. Sets WARMUP_DONE (rounds in
# all) and WARMUP_DESC, for the report: "N unmeasured warm-up rounds of WHAT (...)".
warm_until_jit_settles() { # pid done max pct what command...
  local pid=$1 fixed=$2 max=$3 pct=$4 what=$5 jit0 all0 jit1 all1 share settled=0 shares=()
  WARMUP_DONE=$fixed
  shift 5
  while ((settled < 2 && WARMUP_DONE < max)); do
    read -r jit0 all0 < <(jit_ticks "$pid")
    "$@"
    read -r jit1 all1 < <(jit_ticks "$pid")
    WARMUP_DONE=$((WARMUP_DONE + 1))
    share=$(((jit1 - jit0) * 100 / (all1 - all0 > 0 ? all1 - all0 : 1)))
    shares+=("$share%")
    if ((share <= pct)); then settled=$((settled + 1)); else settled=0; fi
    log "warm-up round $WARMUP_DONE: the JIT took $share% of the broker's CPU"
  done
  WARMUP_DESC="$WARMUP_DONE unmeasured warm-up rounds of $what"
  if ((settled >= 2)); then
    WARMUP_DESC+=" ($fixed, then until the JIT compiler threads took at most $pct% of the broker's CPU in two rounds in a row: ${shares[*]: -2})"
  elif ((${#shares[@]})); then
    WARMUP_DESC+=" (**the JIT had not settled**: its share of the broker's CPU in the last rounds ${shares[*]: -2}, limit $pct%)"
  fi
}

# Voluntary context switches of each thread group of a pid ("group<TAB>switches"): how often its threads went to
# sleep, so how often something had to wake them (a log writer woken per record shows here).
thread_switches() {
  cat /proc/"$1"/task/*/status 2>/dev/null | awk -F'\t' '$1 == "Name:" { n = $2; sub(/[-#0-9]+$/, "", n) }
      $1 == "voluntary_ctxt_switches:" { t[n] += $2 } END { for (n in t) print n "\t" t[n] }' || true
}

# A measured span, cpu_begin before and cpu_end after it, both called in this shell (never in $(...): see
# children_cpu). cpu_end sets, in percent of one core over the span: CPU_SVC (the service's processes, may be none),
# CPU_CEPH, CPU_CL (this shell's children: the load), CPU_BUSY (the machine) and CPU_OTHER (what none of them
# used: other work on the machine, and the kernel's share of loopback networking); the CPU seconds themselves,
# unrounded: CPU_SVC_S, CPU_CEPH_S, CPU_CL_S (ratios and ms/MiB come from these, not from the rounded percentages);
# CPU_EL (seconds, from CPU_T0 to CPU_T1), and the first service pid's thread ticks before and after (CPU_H0, CPU_H1).
cpu_begin() { # service-pid... (a service of several processes, e.g. nginx's master and workers: all of them)
  CPU_PIDS=("$@") CPU_H0=
  CPU_PID=${1:-}
  [[ -z $CPU_PID ]] || CPU_H0=$(thread_ticks "$CPU_PID")
  CPU_J0=$(machine_jiffies) CPU_L0=$(machine_jiffies "${LOAD_CPUS[@]}") CPU_E0=$(machine_jiffies "${CEPH_CPUS[@]}")
  CPU_B0=$(cpu_of "${CPU_PIDS[@]}")
  # shellcheck disable=SC2046 # one pid a word
  CPU_C0=$(cpu_of $(ceph_pids))
  children_cpu CPU_W0
  CPU_T0=$EPOCHREALTIME
}

# Pinned, only the CPUs the span uses count for "other": the load half, and the Ceph half if the span calls Ceph.
cpu_end() { # uses-ceph(0|1)
  local w1 b1 c1 j1 l1 e1
  CPU_T1=$EPOCHREALTIME
  children_cpu w1
  b1=$(cpu_of "${CPU_PIDS[@]}")
  # shellcheck disable=SC2046
  c1=$(cpu_of $(ceph_pids))
  j1=$(machine_jiffies) l1=$(machine_jiffies "${LOAD_CPUS[@]}") e1=$(machine_jiffies "${CEPH_CPUS[@]}")
  CPU_H1=
  [[ -z $CPU_PID ]] || CPU_H1=$(thread_ticks "$CPU_PID")
  # shellcheck disable=SC2153 # children_cpu set CPU_W0
  read -r CPU_SVC CPU_CEPH CPU_CL CPU_BUSY CPU_OTHER CPU_EL CPU_SVC_S CPU_CEPH_S CPU_CL_S <<<"$(awk -v t0="$CPU_T0" -v t1="$CPU_T1" -v b0="$CPU_B0" \
    -v b1="$b1" -v c0="$CPU_C0" -v c1="$c1" -v w0="$CPU_W0" -v w1="$w1" -v j0="$CPU_J0" -v j1="$j1" -v l0="$CPU_L0" \
    -v l1="$l1" -v e0="$CPU_E0" -v e1="$e1" -v n="$NPROC" -v nl="${#LOAD_CPUS[@]}" -v ne="${#CEPH_CPUS[@]}" -v uc="$1" '
    function pct(x, y, k) { split(x, a, " "); split(y, b, " "); return b[2] > a[2] ? 100 * k * (b[1] - a[1]) / (b[2] - a[2]) : 0 }
    BEGIN {
      el = t1 - t0
      svc = 100 * (b1 - b0) / el; ceph = 100 * (c1 - c0) / el; cl = 100 * (w1 - w0) / el
      busy = pct(j0, j1, n)
      if (nl) other = pct(l0, l1, nl) - svc - cl + (uc ? pct(e0, e1, ne) - ceph : 0)
      else other = busy - svc - ceph - cl
      printf "%.0f %.0f %.0f %.0f %.0f %s %.2f %.2f %.2f\n", svc, ceph, cl, busy, (other > 0 ? other : 0), el,
        b1 - b0, c1 - c0, w1 - w0
    }')"
}

# Waits (at most max seconds) until the machine is quiet: at most threshold % of one core busy over one sample.
wait_quiet() { # max-seconds sample-seconds threshold
  local end=$((SECONDS + $1)) j0 j1 busy waited=0
  while :; do
    j0=$(machine_jiffies)
    sleep "$2"
    j1=$(machine_jiffies)
    busy=$(awk -v a="$j0" -v b="$j1" -v n="$NPROC" 'BEGIN { split(a, x, " "); split(b, y, " ")
      printf "%.0f", (y[2] > x[2] ? 100 * n * (y[1] - x[1]) / (y[2] - x[2]) : 0) }')
    ((busy > $3)) || return 0
    if ((SECONDS >= end)); then
      log "the machine is still busy ($busy% of a core) after $1 s of waiting; going on"
      return 0
    fi
    ((waited)) || log "waiting for a quiet machine (busy $busy% of a core)"
    waited=1
  done
}

# ---------------------------------------------------------------- pinning

# BENCH_PIN=1 (private gateway only): Ceph on the first half of the CPUs, the load on the other half, as if S3 were
# another machine. Pins Ceph and returns 0; sets PIN_CEPH_SET and PIN_LOAD_SET ("0-0", "1-1"), PIN_LOAD (a taskset
# prefix for the load's commands) and CEPH_CPUS / LOAD_CPUS for cpu_end, all empty when not pinned (returns 1).
pin_setup() {
  local pid
  PIN_LOAD=() CEPH_CPUS=() LOAD_CPUS=() PIN_CEPH_SET='' PIN_LOAD_SET=''
  [[ ${BENCH_PIN:-0} == 1 ]] || return 1
  [[ $RGW_MODE == private ]] || die "BENCH_PIN=1 needs the private gateway: it would pin processes of other test runs"
  ((NPROC >= 2)) || die "BENCH_PIN=1 needs at least 2 CPUs"
  command -v taskset >/dev/null || die "taskset (util-linux) is missing"
  PIN_CEPH_SET="0-$((NPROC / 2 - 1))" PIN_LOAD_SET="$((NPROC / 2))-$((NPROC - 1))"
  for pid in $(ceph_pids); do
    taskset -a -c -p "$PIN_CEPH_SET" "$pid" >/dev/null || die "could not pin Ceph process $pid"
  done
  PIN_LOAD=(taskset -c "$PIN_LOAD_SET")
  mapfile -t CEPH_CPUS < <(seq 0 $((NPROC / 2 - 1)))
  mapfile -t LOAD_CPUS < <(seq $((NPROC / 2)) $((NPROC - 1)))
}

# pin_setup, and this script on the load's half (so every process it starts after this: the broker, nginx, curl,
# wrk); sets PINNING for the report.
pin_script() {
  if pin_setup; then
    taskset -c -p "$PIN_LOAD_SET" $$ >/dev/null || die "could not pin this script"
    PINNING="Ceph on CPUs $PIN_CEPH_SET; this script and what it starts on CPUs $PIN_LOAD_SET"
  else
    PINNING="none: everything shares all $NPROC CPUs"
  fi
}
