# shellcheck shell=bash
# shellcheck disable=SC2034 # PROFILER_EVENT is read by the scripts that source this
# async-profiler for the profile-*.sh scripts: fetched from Maven Central once, loaded into a running JVM with jcmd.
PROFILER_VERSION=4.1

# Unpacks the profiler into $WORK and picks its event: perf events where the kernel allows them (they see kernel
# frames too), else a timer. Call after bench_start.
profiler_init() {
  local jar=$HOME/.m2/repository/tools/profiler/async-profiler/$PROFILER_VERSION/async-profiler-$PROFILER_VERSION-linux-x64.jar
  [[ -f $jar ]] || "$REPO/mvnw" -q dependency:get -Dartifact="tools.profiler:async-profiler:$PROFILER_VERSION:jar:linux-x64"
  unzip -q -o "$jar" 'linux-x64/*' -d "$WORK"
  PROFILER_EVENT=cpu # read by the scripts
  [[ $(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 3) -le 2 ]] || PROFILER_EVENT=itimer
}

# Sends a command (start,..., stop,...) to the profiler in JVM $1, loading it the first time. Loading the agent into
# the running JVM is what async-profiler's own launcher does; jcmd comes with every JDK. The options go quoted:
# jcmd would take their '=' for its own named arguments.
profiler() { # pid command
  local jcmd
  jcmd=$(dirname "$(readlink -f "$(command -v java)")")/jcmd
  "$jcmd" "$1" JVMTI.agent_load "$WORK/linux-x64/libasyncProfiler.so" "\"$2\"" > /dev/null
}

# Waits until the profiler wrote file $1 (it writes after the stop command returns).
profiler_wait() {
  for _ in $(seq 50); do [[ -s $1 ]] && return 0; sleep 0.1; done
}

# The start of a profile-*.sh run: a work dir from template $1, the profiler, the shared gateway (others use it too,
# so it is left running) and an API key for its bucket. The script defines cleanup_run, which stops BROKER_PID.
profile_run_start() { # mktemp template
  bench_start "$1"
  BROKER_PID=
  RGW_KEEP=1
  profiler_init
  gateway_up shared
  auth_init "$BUCKET"
}

# Prints where the CPU of collapsed stacks $1 went, per unit of work: $2 units, each frame's milliseconds times $3
# per unit; see lib/collapsed.py for the other arguments.
profile_report() { # collapsed-file units scale [collapsed.py options]
  python3 "$HERE/lib/collapsed.py" "$@"
}
