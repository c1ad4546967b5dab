#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/lib disable=SC2153 # knobs sets the settings
# Start-up benchmark (issue "Ship it"). One run, on this machine, side by side, N starts of each:
#   a. the plain fast-jar                              on JDK 17 (the default java)
#   b. the plain fast-jar                              on JDK 25
#   c0. the aot-jar packaging, without its AOT cache   on JDK 25   (separates the packaging from the cache)
#   c. the aot-jar with the AOT cache (-XX:AOTCache=app.aot) that
#      ./mvnw verify -Dquarkus.package.jar.aot.enabled=true -DskipITs=false trains with the @QuarkusIntegrationTests
#   cw. c with the warm-up before readiness (BROKER_WARM_UP_DURATION=BENCH_WARM_UP, as the container image sets it):
#      its time to ready includes the warm-up, and its cold replica starts when the warm-up has ended
# For each start: wall time from the fork of java to the first 200 of GET /q/health/ready (readiness includes
# fetching the role's credentials from STS, so the local RGW must be up), the CPU time java used until then
# (which other processes' load inflates far less than the wall time), the RSS of java at that moment, and
# the "started in" that Quarkus logs. Medians are reported. Target: c <= 0.6 x b (wall time).
# Then the cold replica, b, c and cw side by side: from the moment readiness turns 200, BENCH_COLD_SECONDS (10) s of
# GET /item?check=false (wrk, 64 connections), against the rate of the same broker once warm (BENCH_WARM_SECONDS of
# the same load first, then the same measured span). Target: the first 10 s >= 0.7 x the warm rate, judged on cw
# when it runs (as the container image is set), else on c. The AOT cache of c and cw was trained by the integration
# tests, AotTrainingIT's many GET /item among them.
# Then one light-load probe of variant c with the heap the container image would get under a 512 MiB limit
# (-XX:MaxRAMPercentage=70 of 512 MiB = -Xmx358m, 1 CPU): RSS after 2,000 GET /item at concurrency 4.
# Prints a Markdown report and appends it, with the machine and the command, to bench/results-startup.md.
#
# usage: bench/startup-bench.sh
# Environment (all optional):
#   BENCH_RUNS=5                 measured starts per variant (after one discarded warm-up round)
#   BENCH_VARIANTS="a b c0 c cw" the variants to run (the ratios need a, b and c; the cold replica runs b, c, cw)
#   BENCH_WARM_UP=10S            broker.warm-up.duration of variant cw
#   BENCH_PORT=18097             port of the broker under test (not 8080/8081 nor item-bench's 18080-18082)
#   BENCH_TEST_PORT=18098        port of the integration tests' broker during the AOT training (not Quarkus' 8081)
#   BENCH_JDK17=/usr/lib/jvm/java-17-openjdk-amd64   BENCH_JDK25=/usr/lib/jvm/temurin-25-jdk-amd64
#   BENCH_PLAIN_APP=DIR          a built plain target/quarkus-app (JDK 17 build) instead of building one
#   BENCH_AOT_APP=DIR            a quarkus-app dir holding app.aot (recorded by BENCH_JDK25) instead of building one
#   BENCH_RESULTS=FILE           where to append the report (default bench/results-startup.md)
#   BENCH_KEEP_LOGS=1            keep the work dir (broker logs) after the run
#   BENCH_RGW=shared|private     shared (default): the default local gateway (/tmp/s3-sts-broker-rgw, port 7480), left
#                                running; private: one of its own in /tmp/startup-bench-rgw on 127.0.0.1:17497
#                                (BENCH_RGW_PORT, BENCH_RGW_MON_PORT 6797), stopped at the end
# Builds happen in a copy of the work tree (target/ of the checkout is left alone). Every start runs with auth
# (BROKER_AUTH_MODE=api-key, the bucket allowed) and every request sends the run's random key.
# Exit status: 0 target met, 1 target missed (the report is written either way), 2 the run itself failed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=startup-bench
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"

knobs RUNS=5 VARIANTS="a b c0 c cw" WARM_UP=10S COLD_SECONDS=10 WARM_SECONDS=60 PORT=18097 JDK17=/usr/lib/jvm/java-17-openjdk-amd64 JDK25=/usr/lib/jvm/temurin-25-jdk-amd64 \
  RESULTS="$HERE/results-startup.md" RGW=shared
# The shared gateway stays up as before: other runs may use it by now.
RGW_KEEP=1
[[ $RGW == shared ]] || RGW_KEEP=0
LOAD_KEY=

bench_start "${TMPDIR:-/tmp}/startup-bench.XXXXXX"
# shellcheck disable=SC2317 # called by bench_cleanup
cleanup_run() {
  [[ -z $LOAD_KEY ]] || s3_admin -m 10 -o /dev/null -X DELETE "$(object_url "$LOAD_KEY")" || true
}

[[ -x $JDK17/bin/java ]] || die "no JDK 17 at $JDK17 (BENCH_JDK17)"
[[ -x $JDK25/bin/java ]] || die "no JDK 25 at $JDK25 (BENCH_JDK25)"
port_busy "$PORT" && die "port $PORT is in use (BENCH_PORT)"

# ---------------------------------------------------------------- S3 + STS
gateway_up "$RGW" /tmp/startup-bench-rgw "${BENCH_RGW_PORT:-17497}" "${BENCH_RGW_MON_PORT:-6797}" 512
auth_init "$BUCKET"

# ---------------------------------------------------------------- builds
copy_tree() { # a copy of the work tree without build output, for a build of our own
  mkdir -p "$1"
  (cd "$REPO" && tar --exclude=./target --exclude=./.git --exclude=./bench -cf - .) | (cd "$1" && tar xf -)
}

PLAIN_APP=${BENCH_PLAIN_APP:-}
AOT_APP=${BENCH_AOT_APP:-}
if [[ -z $PLAIN_APP ]]; then
  log "building the plain fast-jar with JDK 17"
  copy_tree "$WORK/plain-src"
  (cd "$WORK/plain-src" && JAVA_HOME=$JDK17 ./mvnw -B -q package -DskipTests >"$WORK/plain-build.log" 2>&1) \
    || die "plain build failed: $WORK/plain-build.log"
  PLAIN_APP=$WORK/plain-src/target/quarkus-app
fi
if [[ -z $AOT_APP ]]; then
  # A failing integration test does not stop the training (the cache is written when the tests end); CI judges
  # the tests, this measures start-up.
  log "building the aot-jar and training its AOT cache with JDK 25 (integration tests, ~1-2 min)"
  copy_tree "$WORK/aot-src"
  t0=$EPOCHREALTIME
  # The tests' broker on a port of this benchmark's: dev runs and other test runs use Quarkus' default 8081.
  (cd "$WORK/aot-src" && JAVA_HOME=$JDK25 ./mvnw -B verify -Dquarkus.package.jar.aot.enabled=true -DskipITs=false \
    -Dtest=NativeRegistrationsTest -Dsurefire.failIfNoSpecifiedTests=false -Dmaven.test.failure.ignore=true \
    -Dquarkus.http.test-port="${BENCH_TEST_PORT:-18098}" \
    -Dquarkus.management.test-port=$((${BENCH_TEST_PORT:-18098} + MANAGEMENT_OFFSET)) >"$WORK/aot-build.log" 2>&1) \
    || die "AOT build failed: $WORK/aot-build.log"
  AOT_BUILD_SECONDS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
  AOT_APP=$WORK/aot-src/target/quarkus-app
fi
[[ -f $PLAIN_APP/quarkus-run.jar ]] || die "no quarkus-run.jar in $PLAIN_APP"
[[ -f $AOT_APP/app.aot ]] || die "no app.aot in $AOT_APP"
# A cache the JVM cannot use is ignored with a warning by default: refuse to measure that.
(cd "$AOT_APP" && "$JDK25/bin/java" -XX:AOTCache=app.aot -XX:AOTMode=on -cp quarkus-run.jar -version >/dev/null 2>&1) \
  || die "$AOT_APP/app.aot does not load on $JDK25 (recorded by another JVM, or the jars changed)"

# Put the object that the light-load phase presigns (as the bucket owner, like the tests do).
LOAD_KEY="startup-bench/$$-$RANDOM.txt"
s3_admin -m 30 -o /dev/null --fail -X PUT --data-binary "startup bench" "$(object_url "$LOAD_KEY")" \
  || die "could not put the load object"

# ---------------------------------------------------------------- measure
log "measuring: 1 warm-up round + $RUNS rounds of variants $VARIANTS, round-robin"
# Only now: the builds' integration tests bring their own settings.
export QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT=$PORT "${AUTH_ON_ENV[@]}"
((MANAGEMENT_OFFSET == 0)) || export QUARKUS_MANAGEMENT_HOST=127.0.0.1 QUARKUS_MANAGEMENT_PORT=$((PORT + MANAGEMENT_OFFSET))
report=$WORK/report.md
# The key reaches python through its environment only, which it takes out before it starts any broker.
ensure_tools wrk
AUTH_HEADER=$AUTH_HEADER python3 - "$WORK" "$RUNS" "$PORT" "$JDK17" "$JDK25" "$PLAIN_APP" "$AOT_APP" "$BUCKET" \
  "$LOAD_KEY" "$(q_url "$PORT" /q/health/ready)" "$COLD_SECONDS" "$WARM_SECONDS" "$VARIANTS" "$WARM_UP" \
  >"$report" <<'PY' || die "measurement failed (logs in $WORK)"
import http.client, os, re, signal, statistics, subprocess, sys, threading, time, urllib.parse

work, runs, port, jdk17, jdk25, plain, aot, bucket, key, ready_url, cold_s, warm_s, chosen, warm_up = sys.argv[1:]
runs, port, cold_s, warm_s, chosen = int(runs), int(port), int(cold_s), int(warm_s), chosen.split()
auth_name, _, auth_value = os.environ.pop("AUTH_HEADER").partition(": ")

# (id, label, JDK, app, JVM flags, environment): every variant but cw runs without the warm-up.
VARIANTS = [v for v in [
    ("a", "fast-jar, JDK 17", jdk17, plain, [], {}),
    ("b", "fast-jar, JDK 25", jdk25, plain, [], {}),
    ("c0", "aot-jar without cache, JDK 25", jdk25, aot, [], {}),
    ("c", "aot-jar + AOT cache, JDK 25", jdk25, aot, ["-XX:AOTCache=app.aot"], {}),
    ("cw", f"aot-jar + AOT cache + {warm_up} warm-up, JDK 25", jdk25, aot, ["-XX:AOTCache=app.aot"],
     {"BROKER_WARM_UP_DURATION": warm_up}),
] if v[0] in chosen]

def get(path, timeout=2.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={auth_name: auth_value})
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()

def ready_status(timeout):
    # the readiness URL as bench/lib/common.sh's q_url gives it (the HTTP port, or the management port)
    u = urllib.parse.urlsplit(ready_url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request("GET", u.path)
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()

def wrk(seconds, path):
    # req/s of GET path on the broker, 64 connections; failures count as errors
    out = subprocess.run(["wrk", "-t2", "-c64", f"-d{seconds}s", "-H", f"{auth_name}: {auth_value}",
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return rps, (int(bad.group(1)) if bad else 0) + (sum(map(int, errors.groups())) if errors else 0)

def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")

def cpu_seconds(pid):
    # utime + stime of all the process's threads; the part of "ready" that other processes' load cannot inflate
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def start(jdk, app, flags, logname, env=None):
    log = open(os.path.join(work, logname), "w")
    t0 = time.monotonic()
    p = subprocess.Popen([f"{jdk}/bin/java", *flags, "-jar", "quarkus-run.jar"], cwd=app,
                         stdout=log, stderr=subprocess.STDOUT,
                         env={**os.environ, "BROKER_WARM_UP_DURATION": "0S", **(env or {})})
    return p, t0, log

def stop(p, log):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=40)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    log.close()

def wait_ready(p, t0, deadline=60.0):
    while True:
        if p.poll() is not None:
            raise RuntimeError(f"broker exited with {p.returncode} before it was ready")
        try:
            if ready_status(timeout=1.0) == 200:
                return time.monotonic() - t0
        except OSError:
            pass
        if time.monotonic() - t0 > deadline:
            raise RuntimeError("not ready within 60 s")
        time.sleep(0.005)

def started_in(logname):
    with open(os.path.join(work, logname)) as f:
        m = re.search(r"started in ([0-9.]+)s", f.read())
    return float(m.group(1)) if m else float("nan")

results = {v[0]: [] for v in VARIANTS}
for rnd in range(runs + 1):
    for vid, _, jdk, app, flags, env in VARIANTS:
        name = f"{vid}-{rnd}.log"
        p, t0, log = start(jdk, app, flags, name, env)
        try:
            ready = wait_ready(p, t0)
            rss = rss_kib(p.pid)
            cpu = cpu_seconds(p.pid)
        finally:
            stop(p, log)
        if rnd > 0:  # round 0 warms the page cache and the gateway
            results[vid].append((ready, rss, started_in(name), cpu))
        print(f"round {rnd} {vid}: ready {ready * 1000:.0f} ms, cpu {cpu:.2f} s, rss {rss / 1024:.0f} MiB",
              file=sys.stderr)

def med(vid, i):
    return statistics.median(r[i] for r in results[vid])

print("| variant | ready, median (ms) | ready, min-max (ms) | CPU time to ready, median (s) | RSS at ready, median (MiB) | Quarkus \"started in\", median (s) |")
print("|---|---:|---:|---:|---:|---:|")
for vid, label, *_ in VARIANTS:
    rs = [r[0] * 1000 for r in results[vid]]
    print(f"| {vid}. {label} | {med(vid, 0) * 1000:.0f} | {min(rs):.0f}-{max(rs):.0f} | {med(vid, 3):.2f} "
          f"| {med(vid, 1) / 1024:.0f} | {med(vid, 2):.3f} |")
def quotient(x, y, i):
    return med(x, i) / med(y, i) if x in results and y in results else float("nan")
ratio = quotient("c", "b", 0)
print()
print(f"AOT ratio (c / b, time to ready): **{ratio:.2f}** (target <= 0.60: {'met' if ratio <= 0.6 else 'MISSED'}); "
      f"c / a: {quotient('c', 'a', 0):.2f}; c0 / b: {quotient('c0', 'b', 0):.2f}. "
      f"CPU time to ready, c / b: {quotient('c', 'b', 3):.2f}; cw / c: time {quotient('cw', 'c', 0):.2f}, "
      f"CPU {quotient('cw', 'c', 3):.2f}")

# The cold replica: the first cold_s seconds after readiness against the same broker warm, b, c and cw alternating.
item = f"/item?bucket={bucket}&key={key.replace('/', '%2F')}&check=false"
cold = {v[0]: [] for v in VARIANTS if v[0] in ("b", "c", "cw")}
for rnd in range(2):
    for vid, label, jdk, app, flags, env in VARIANTS:
        if vid not in cold:
            continue
        p, t0, log = start(jdk, app, flags, f"cold-{vid}-{rnd}.log", env)
        try:
            wait_ready(p, t0)
            first, e1 = wrk(cold_s, item)
            wrk(warm_s, item)
            warm, e2 = wrk(cold_s, item)
        finally:
            stop(p, log)
        cold[vid].append((first, warm, e1 + e2))
        print(f"cold {vid} round {rnd}: first {cold_s} s {first:.0f} req/s, warm {warm:.0f} req/s, errors {e1 + e2}",
              file=sys.stderr)
print()
print(f"Cold replica: GET /item?check=false (wrk, 64 connections) in the first {cold_s} s after readiness, against the "
      f"same broker after {warm_s} s more of that load (2 starts each, {', '.join(cold)} alternating):")
print()
print("| variant | first 10 s req/s | warm req/s | ratio | errors |")
print("|---|---:|---:|---:|---:|")
for vid, label, *_ in VARIANTS:
    if vid in cold:
        for first, warm, errors in cold[vid]:
            print(f"| {vid}. {label} | {first:.0f} | {warm:.0f} | {first / warm:.2f} | {errors} |")
def cold_median(vid):
    return statistics.median(f / w for f, w, _ in cold[vid]) if vid in cold else float("nan")
# The target is the image's: the AOT cache, and the warm-up when cw runs.
judged = "cw" if "cw" in cold else "c"
cold_ratio = cold_median(judged)
print()
print(f"Cold replica ratio of {judged} (median): **{cold_ratio:.2f}** (target >= 0.70: "
      f"{'met' if cold_ratio >= 0.7 and all(e == 0 for *_, e in cold.get(judged, [])) else 'MISSED'}); "
      f"of c: {cold_median('c'):.2f}; of b: {cold_median('b'):.2f}")

# Light load on variant c, sized like the container under a 512 MiB limit and 1 CPU.
flags = ["-XX:AOTCache=app.aot", "-Xmx358m", "-XX:ActiveProcessorCount=1", "-XX:+ExitOnOutOfMemoryError"]
p, t0, log = start(jdk25, aot, flags, "load.log")
try:
    wait_ready(p, t0)
    ready_rss = rss_kib(p.pid)
    path = f"/item?bucket={bucket}&key={key.replace('/', '%2F')}"
    errors, count, lock = [], [0], threading.Lock()
    def worker(n):
        for _ in range(n):
            try:
                status = get(path, timeout=10)
                if status != 200:
                    errors.append(status)
            except OSError as e:
                errors.append(repr(e))
            with lock:
                count[0] += 1
    t = time.monotonic()
    threads = [threading.Thread(target=worker, args=(500,)) for _ in range(4)]
    [th.start() for th in threads]
    [th.join() for th in threads]
    took = time.monotonic() - t
    load_rss, hwm = rss_kib(p.pid), rss_kib(p.pid, "VmHWM")
finally:
    stop(p, log)
if errors:
    raise SystemExit(f"light load: {len(errors)} failed requests, first: {errors[0]}")
print()
print(f"Light load (variant c, -Xmx358m, 1 CPU): {count[0]} GET /item (check=true, so one HeadObject each) at "
      f"concurrency 4 in {took:.1f} s: RSS {ready_rss / 1024:.0f} MiB at ready, {load_rss / 1024:.0f} MiB after, "
      f"peak (VmHWM) {hwm / 1024:.0f} MiB.")
print()
print(f"<!-- ratio={ratio:.4f} -->")
print(f"<!-- cold={cold_ratio:.4f} -->")
PY

ratio=$(sed -n 's/<!-- ratio=\(.*\) -->/\1/p' "$report")
{
  echo
  echo "## $(date -u +%Y-%m-%dT%H:%MZ) — $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet 2>/dev/null || echo ' + uncommitted changes')"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "JDK 17: $("$JDK17/bin/java" -version 2>&1 | head -1); JDK 25: $("$JDK25/bin/java" -version 2>&1 | head -1)."
  echo "Command: \`bench/startup-bench.sh\` (BENCH_RUNS=$RUNS); medians of $RUNS starts each after one warm-up round, run round-robin.${AOT_BUILD_SECONDS:+ AOT build with training: ${AOT_BUILD_SECONDS} s.}"
  echo "Gateway: $(gateway_desc). Auth: BROKER_AUTH_MODE=api-key on every start, every request with the run's random key."
  echo
  grep -v '^<!--' "$report"
} | tee -a "$RESULTS"
cold=$(sed -n 's/<!-- cold=\(.*\) -->/\1/p' "$report")
STATUS=$(awk -v r="$ratio" -v c="$cold" 'BEGIN { print (r <= 0.6 && c >= 0.7 ? 0 : 1) }')
exit "$STATUS"
