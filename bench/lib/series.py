#!/usr/bin/env python3
"""Summary of consecutive bench/upload-bench.sh runs (bench/upload-series.sh): for every target row of the runs'
reports, each run's figure and verdict, and in how many runs it was met against the number needed.

usage: series.py RESULTS FIRST_LINE NEED DATE COMMAND BUILT   (the runs' reports start at line FIRST_LINE)
Prints Markdown; exits 0 when every target was met in at least NEED runs, 1 otherwise."""
import re
import sys

results, first, need, date, command, built = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:7]
with open(results, encoding="utf-8") as f:
    lines = f.read().splitlines()[first - 1:]

runs = []  # one dict per run: target -> (figure, met)
order = []
header = None
for line in lines:
    if line.startswith("## Run of "):
        runs.append({"_when": line[len("## Run of "):]})
        header = None
        continue
    if not line.startswith("|"):
        header = None  # a table ended
        continue
    if not runs:
        continue
    cells = [c.strip() for c in line.strip("|").split("|")]
    if header is None:
        header = cells
        continue
    if set(cells[0]) <= set("-: "):
        continue
    verdict = cells[-1] if header[-1].startswith("target") or header[-1] == "verdict" else None
    if verdict is None and len(header) > 1 and header[-2].startswith("target"):
        verdict = cells[-2]  # the throughput table ends with a column of CPU figures
    if verdict not in ("met", "**MISSED**"):
        continue
    if header[0] == "target":  # RSS, disk, failures: the figure is the middle cell
        name, figure = cells[0], cells[1]
    elif header[0] == "concurrent":
        name, figure = f"{cells[0]}: throughput vs direct ({header[-1]})", cells[3]
    elif header[2] == "broker CPU ms/MiB":
        name, figure = f"{cells[0]}, {cells[1]}: CPU per MiB vs nginx ({header[-1]})", f"{cells[4]} ({cells[2]} vs {cells[3]})"
    else:
        name, figure = f"{cells[0]}, {cells[1]}: throughput vs direct ({header[-2]})", cells[4]
    figure = re.sub(r"\*\*", "", figure)
    if name not in order:
        order.append(name)
    runs[-1][name] = (figure, verdict == "met")

if not runs:
    sys.exit("series.py: no run reports after line %d of %s" % (first, results))
print(f"\n## Series of {len(runs)} consecutive runs, {date}\n")
print(f"- command: `{command}` (broker {built}); each run's own report is above, in this order: "
      + ", ".join(r["_when"] for r in runs))
print(f"- a target holds when met in at least {need} of the {len(runs)} runs\n")
print("| target | " + " | ".join(f"run {i + 1}" for i in range(len(runs))) + " | met in | verdict |")
print("| --- | " + " | ".join("---:" for _ in runs) + " | ---: | --- |")
missed = 0
for name in order:
    got = [r.get(name) for r in runs]
    met = sum(1 for g in got if g and g[1])
    ok = met >= need
    missed += not ok
    cells = [("" if g is None else (g[0] if g[1] else f"**{g[0]}**")) for g in got]
    print(f"| {name} | " + " | ".join(cells) + f" | {met} of {len(runs)} | {'met' if ok else '**MISSED**'} |")
print(f"\n{len(order) - missed} of {len(order)} targets held in at least {need} runs (figures in bold: that run missed).")
sys.exit(1 if missed else 0)
