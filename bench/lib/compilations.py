"""What the JIT did between uploads: compilations, code made not entrant and runtime uncommon traps (deoptimisations),
per upload, in spans of uploads, from a broker run with -XX:+PrintCompilation (its lines in the broker's log) and
-XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=FILE. Uploads are told apart by their access-log lines
(the end of each), whose wall-clock times are put on the JVM's clock by the log file's start (time_ms).

usage: compilations.py LOGFILE BROKER_LOG [--request 'PATCH /files/'] [--spans 20,40,60]
e.g. after `bench/warmup-curve.sh @docker/jvm.options -Xmx128m -XX:+PrintCompilation -XX:+UnlockDiagnosticVMOptions
-XX:+LogCompilation -XX:LogFile=/tmp/hotspot.log` with BENCH_KEEP_LOGS=1: compilations.py /tmp/hotspot.log WORK/broker.log
"""

import argparse
import collections
import datetime
import re

args = argparse.ArgumentParser()
args.add_argument("logfile")
args.add_argument("broker_log")
args.add_argument("--request", default="PATCH /files/", help="the access-log request that ends an upload")
args.add_argument("--spans", default="20,40,60", help="upload numbers where a span ends (the last span: to the end)")
a = args.parse_args()

ATTR = re.compile(r"(\w+)='([^']*)'")
base = None
traps = []  # (seconds since the JVM's start, reason, action, innermost method@bci)
trap = None
with open(a.logfile, errors="replace") as f:
    for line in f:
        if base is None and "time_ms=" in line:
            base = int(dict(ATTR.findall(line))["time_ms"])
        if line.startswith("<uncommon_trap thread="):  # at run time; those inside a compilation have no thread
            at = dict(ATTR.findall(line))
            trap = [float(at["stamp"]), at["reason"], at["action"], None]
        elif trap is not None and line.startswith("<jvms") and trap[3] is None:
            at = dict(ATTR.findall(line))
            cls, name = at["method"].split(" ")[:2]
            trap[3] = f"{cls.rsplit('.', 1)[-1]}::{name}@{at['bci']}"
        elif trap is not None and line.startswith("</uncommon_trap"):
            traps.append(tuple(trap))
            trap = None

ends, compiled = [], []  # compiled: (seconds, tier, method, made not entrant)
ACCESS = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .*\"" + re.escape(a.request))
PRINTED = re.compile(r"\s*(\d+)\s+\d+\s+[%sbn!]*\s*(\d)\s+(\S+::\S+)")
for line in open(a.broker_log, errors="replace"):
    m = ACCESS.match(line)
    if m:
        t = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=datetime.timezone.utc)
        ends.append(t.timestamp() - base / 1000)  # the broker logs in UTC
        continue
    m = PRINTED.match(line)
    if m:
        compiled.append((int(m.group(1)) / 1000, int(m.group(2)), m.group(3), "made not entrant" in line))

print(f"{len(ends)} uploads, {len(traps)} runtime uncommon traps, {len(compiled)} -XX:+PrintCompilation lines")
bounds = [0] + [int(s) for s in a.spans.split(",") if 0 < int(s) < len(ends)] + [len(ends)]
for lo, hi in zip(bounds, bounds[1:]):
    t0, t1, n = (ends[lo - 1] if lo else 0), ends[hi - 1], hi - lo
    made = [c for c in compiled if t0 < c[0] <= t1 and not c[3]]
    gone = [c for c in compiled if t0 < c[0] <= t1 and c[3]]
    span = [t for t in traps if t0 < t[0] <= t1]
    tiers = collections.Counter(c[1] for c in made)
    print(f"uploads {lo + 1}-{hi}: per upload {len(made) / n:.1f} compilations (by tier "
          f"{', '.join(f'{k}: {v / n:.1f}' for k, v in sorted(tiers.items()))}), {len(gone) / n:.1f} made not entrant "
          f"(C2 code {sum(1 for c in gone if c[1] == 4) / n:.2f}), {len(span) / n:.2f} uncommon traps")
    for (reason, action, where), count in collections.Counter((t[1], t[2], t[3]) for t in span).most_common(8):
        print(f"  {count} x {reason} ({action}) at {where}")

cut = ends[bounds[-2] - 1] if len(bounds) > 2 else 0
seen, fresh, later, packages = set(), 0, 0, collections.Counter()
for c in compiled:
    if c[3]:
        continue
    if c[0] > cut:
        later += 1
        fresh += c[2] not in seen
        parts = c[2].split("::")[0].split(".")
        packages[".".join(parts[:3] if parts[0] in ("software", "io", "com", "org") else parts[:2])] += 1
    seen.add(c[2])
print(f"after upload {bounds[-2]}: {later} compilations, {fresh} of them of methods not compiled before at any tier;"
      f" by package: {', '.join(f'{k} {v}' for k, v in packages.most_common(10))}")
