#!/usr/bin/env python3
"""Cold-start burst (stdlib only): opens N connections first, then writes one GET on each as fast as it can,
so that all N requests are in flight at once, and reads every answer.

usage: burst.py HOST PORT PATH N [HEADER...]   (each HEADER "Name: value", e.g. "Authorization: Bearer KEY")
Prints one line of key=value pairs: sent, answered, status counts, how many answers had already arrived when the
last request had been written (0 means all N were in flight together), and timings in ms.
"""
import collections
import selectors
import socket
import sys
import time


def main():
    host, port, path, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    extra = "".join(f"{h}\r\n" for h in sys.argv[5:])
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}Connection: close\r\n\r\n".encode()
    socks = []
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        socks.append(s)
    t0 = time.monotonic()
    for s in socks:
        s.sendall(request)
    t_sent = time.monotonic()
    sel = selectors.DefaultSelector()
    for i, s in enumerate(socks):
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
    early = sum(1 for _ in sel.select(timeout=0))  # answers (or closes) already there when the last GET was out
    data = [bytearray() for _ in socks]
    first = last = None
    open_count = n
    deadline = t0 + 60
    while open_count and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            i = key.data
            chunk = key.fileobj.recv(65536)
            now = time.monotonic()
            if chunk:
                if not data[i]:
                    first = now if first is None else first
                data[i] += chunk
            else:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                open_count -= 1
                last = now
    statuses = collections.Counter()
    ok_bodies = 0
    for d in data:
        line = bytes(d).split(b"\r\n", 1)[0].decode(errors="replace")
        statuses[line.split(" ")[1] if line.startswith("HTTP/") else "none"] += 1
        ok_bodies += b'"success":true' in d
    ms = lambda t: "na" if t is None else f"{(t - t0) * 1000:.1f}"
    print(f"sent={n} answered={n - statuses['none']} "
          f"statuses={','.join(f'{k}:{v}' for k, v in sorted(statuses.items()))} ok_bodies={ok_bodies} "
          f"early_answers={early} send_ms={ms(t_sent)} first_answer_ms={ms(first)} last_answer_ms={ms(last)} "
          f"unclosed={open_count}")


if __name__ == "__main__":
    main()
