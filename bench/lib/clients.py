"""Runs the clients of one measured upload and accounts for them: COUNT uploads at once, each a command or a short
sequence of commands run one after the other (tus over curl: POST, then PATCH to the URL the POST answered).

usage: clients.py COUNT COMMAND... [--then COMMAND...]...
  In every argument, {i} is the upload's number (0..COUNT-1) and {out} the first command's output (stripped).
Prints a first line "WALL_SECONDS CPU_SECONDS", then the first command's output of each upload, one line each.
WALL_SECONDS runs from the first start to the last exit. CPU_SECONDS is utime + stime of /proc/PID/stat (every
thread) of every client process, read when it has exited but before it is reaped (waitid with WNOWAIT), the same
measure as the benchmarks' cpu_of for the servers; this process's own work (starting and waiting) is not in it.
Exits 1, with the failing command's output on stderr, if any command exits non-zero.
"""

import os
import subprocess
import sys
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime: fields 14 and 15 of proc(5)


def run(command):
    """Runs one command to its end; returns (exit status, stdout, CPU seconds)."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE)
    out = proc.stdout.read()
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # a zombie: its /proc/PID/stat still readable
    cpu = cpu_seconds(proc.pid)
    return proc.wait(), out.decode().strip(), cpu


def upload(i, steps, results):
    first = None
    cpu = 0.0
    for step in steps:
        command = [a.replace("{i}", str(i)).replace("{out}", first or "") for a in step]
        status, out, used = run(command)
        cpu += used
        first = out if first is None else first
        if status != 0:
            results[i] = (status, f"{command[0]} exited {status}: {out[-500:]}", cpu)
            return
    results[i] = (0, first, cpu)


def main(args):
    count = int(args[0])
    steps = [[]]
    for a in args[1:]:
        if a == "--then":
            steps.append([])
        else:
            steps[-1].append(a)
    results = [None] * count
    threads = [threading.Thread(target=upload, args=(i, steps, results)) for i in range(count)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    failed = [r[1] for r in results if r[0] != 0]
    if failed:
        print("\n".join(failed), file=sys.stderr)
        return 1
    print(f"{wall:.3f} {sum(r[2] for r in results):.2f}")
    for r in results:
        print(r[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
