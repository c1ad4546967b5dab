#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR source-path=SCRIPTDIR/lib
# The upload targets hold "in at least 4 of 5 consecutive runs" (issue 27): this runs bench/upload-bench.sh
# BENCH_SERIES times in a row with the same settings and one build of the broker, each run appending its own report
# to bench/results-upload.md as usual (each its own broker, gateway and warm-up), and then appends a summary: for every
# target, each run's figure and in how many of the runs it was met (bench/lib/series.py reads the runs' tables).
#
# usage: BENCH_PIN=1 bench/upload-series.sh [JVM args of the broker, given to every run]
# Environment (all optional): BENCH_SERIES=5 runs, BENCH_SERIES_NEED=4 runs in which a target must be met; every
# BENCH_* setting of bench/upload-bench.sh reaches each run (BENCH_BROKER_APP: no build at all).
# Exit status: 0 every target met in enough runs, 1 one was not, 2 a run failed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=upload-series
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"

knobs SERIES=5 SERIES_NEED=4 RESULTS="$HERE/results-upload.md"
whole_numbers SERIES SERIES_NEED
((SERIES >= 1 && SERIES_NEED <= SERIES)) || die "need 1 <= BENCH_SERIES_NEED <= BENCH_SERIES"
COMMAND_LINE=$(command_line "BENCH_ MALLOC_ JAVA_TOOL_OPTIONS" bench/upload-series.sh "$@")

bench_start /tmp/upload-series.XXXXXX
describe_machine
build_broker # once for all runs
export BENCH_BROKER_APP=$BROKER_APP BENCH_RESULTS=$RESULTS
touch "$RESULTS"
FIRST_LINE=$(($(wc -l <"$RESULTS") + 1))
for ((i = 1; i <= SERIES; i++)); do
  log "run $i of $SERIES ($(date -u +%H:%M:%S))"
  rc=0
  "$HERE/upload-bench.sh" "$@" || rc=$?
  ((rc <= 1)) || die "run $i failed (exit $rc); the series stops here"
done

# series.py exits 1 when a target held in fewer than SERIES_NEED runs: the run itself went through.
if SUMMARY=$(python3 "$HERE/lib/series.py" "$RESULTS" "$FIRST_LINE" "$SERIES_NEED" "$DATE" "$COMMAND_LINE" "$BUILT"); then
  STATUS=0
else
  STATUS=1
fi
[[ -n $SUMMARY ]] || die "no summary: bench/lib/series.py found no run reports"
printf '%s\n' "$SUMMARY" | tee -a "$RESULTS"
log "summary appended to $RESULTS"
exit "$STATUS"
