"""Where a profile's CPU went: the heaviest frames by their own time and the broker's own frames with what they call,
per unit of work (a request, a MiB), from async-profiler's collapsed stacks sampled every millisecond.

usage: collapsed.py FILE UNITS SCALE [--unit U] [--digits N] [--self N] [--own N] [--own-frames P ...]
       [--summary TEXT] [--own-title TEXT]
A frame's figure is its milliseconds times SCALE per unit (SCALE 1000 gives microseconds)."""
import argparse
import collections

args = argparse.ArgumentParser()
args.add_argument('file')
args.add_argument('units', type=int)
args.add_argument('scale', type=float)
args.add_argument('--unit', default='ms/MiB')
args.add_argument('--digits', type=int, default=3)
args.add_argument('--self', type=int, default=20, dest='top_self')
args.add_argument('--own', type=int, default=12, dest='top_own')
args.add_argument('--own-frames', nargs='*', default=['io/s3broker/'])
args.add_argument('--summary', default='broker CPU: {total} ms = {value} {unit}')
args.add_argument('--own-title', default="the broker's own code, with what it calls")
a = args.parse_args()

self_time, total, own = collections.Counter(), 0, collections.Counter()
for line in open(a.file):
    stack, _, n = line.rstrip().rpartition(' ')
    n = int(n)
    frames = stack.split(';')
    total += n
    self_time[frames[-1]] += n
    for frame in set(frames):
        if any(frame.startswith(p) if p.endswith('/') else p in frame for p in a.own_frames):
            own[frame] += n


def figure(n):
    return f'{a.scale * n / a.units:6.{a.digits}f}'


value = f'{a.scale * total / a.units:.{a.digits - 1}f}'
print(a.summary.format(total=total, units=a.units, value=value, unit=a.unit) + ' (profiled, so above a plain run)')
print(f'heaviest frames by their own time ({a.unit}, share):')
for frame, n in self_time.most_common(a.top_self):
    print(f'  {figure(n)} {100 * n / total:5.1f}%  {frame[:110]}')
print(f'{a.own_title} ({a.unit}):')
for frame, n in own.most_common(a.top_own):
    print(f'  {figure(n)}  {frame[:110]}')
