"""The client side of bench/faults-bench.sh: an STS that goes away and comes back, and slow clients.

recovery: a TCP proxy in front of STS, which the broker's STS endpoint names, is cut (connections refused at once)
for BENCH_OUTAGE seconds while a scope that holds no credentials yet gets a request every 50 ms (503), then let
through again: the time from STS back to that scope's first 200, once per try, each try with a scope of its own.
Readiness is sampled around every request; a request served while readiness said 503 on both sides of it (or the
other way round) counts as a disagreement.

slow: N connections of the public port each make one request, keep the connection and trickle the next header, a byte
every 500 ms, as a slowloris does. While they hold every slot of quarkus.http.limits.max-connections: the management
port's liveness and readiness probes, each on a fresh connection as the kubelet's; then all N go away at once and the
time until a new client is served; then N again, that keep trickling: the time until the header deadline has closed
them and a new client is served.

Prints one line per figure, "name value", for the script; the broker's key comes from FAULTS_AUTH (a header line).
Plain asyncio: a thousand sockets, no thread each.
"""
import asyncio
import os
import statistics
import sys
import time

AUTH = os.environ.get("FAULTS_AUTH", "")


def ms(since):
    return round((time.monotonic() - since) * 1000)


async def http_status(port, target, timeout=5.0, headers=""):
    """One request on a fresh connection: its status, or 0 if refused, cut or late."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    except (OSError, asyncio.TimeoutError):
        return 0
    try:
        writer.write(f"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n".encode())
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
        parts = line.split()
        return int(parts[1]) if len(parts) > 1 else 0
    except (OSError, asyncio.TimeoutError, ValueError):
        return 0
    finally:
        writer.close()


# ---------------------------------------------------------------- recovery


class Proxy:
    """Forwards 127.0.0.1:port to the upstream while up; while down, closes every connection, new ones at once."""

    def __init__(self, port, upstream_port):
        self.port, self.upstream_port, self.up, self.open = port, upstream_port, False, set()

    async def start(self):
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", self.port, reuse_address=True)

    def set_up(self, up):
        self.up = up
        if not up:
            for writer in list(self.open):
                writer.transport.abort()

    async def serve(self, reader, writer):
        if not self.up:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.transport.abort()
            return
        self.open.update((writer, up_writer))

        async def pipe(src, dst):
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.open.difference_update((writer, up_writer))


async def recovery(port, mgmt, proxy_port, upstream_port, bucket, tries, outage):
    proxy = Proxy(proxy_port, upstream_port)
    await proxy.start()
    auth = AUTH + "\r\n"
    recoveries, disagreements, samples = [], 0, 0
    for n in range(tries):
        proxy.set_up(False)
        item = f"/item?check=false&bucket={bucket}&key=fault-{n}/object"

        async def sample():
            nonlocal disagreements, samples
            before = await http_status(mgmt, "/q/health/ready")
            status = await http_status(port, item, headers=auth)
            after = await http_status(mgmt, "/q/health/ready")
            samples += 1
            if (status == 200) != (before == 200) and (status == 200) != (after == 200):
                disagreements += 1
            return status

        start = time.monotonic()
        while time.monotonic() - start < outage:
            status = await sample()
            if status != 503:
                raise SystemExit(f"scope {n}: {status} while STS is down (expected 503 CredentialsUnavailable)")
            await asyncio.sleep(0.05)
        proxy.set_up(True)
        back = time.monotonic()
        # Only requests while it recovers, as close together as one client makes them: readiness is sampled after.
        while await http_status(port, item, headers=auth) != 200:
            if time.monotonic() - back > 30:
                raise SystemExit(f"scope {n}: not served within 30 s of STS returning")
            await asyncio.sleep(0.01)
        recoveries.append(ms(back))
        settled = time.monotonic()
        while time.monotonic() - settled < 1:
            await sample()
            await asyncio.sleep(0.05)
    proxy.set_up(False)
    proxy.server.close()
    await asyncio.sleep(0.2)  # the cut connections' pipes end before the loop does
    print("recovery_ms " + ",".join(map(str, recoveries)))
    print(f"recovery_median_ms {statistics.median(recoveries):.0f}")
    print(f"recovery_samples {samples}")
    print(f"recovery_disagreements {disagreements}")


# ---------------------------------------------------------------- slow clients


async def read_answer(reader):
    """Status line, headers and a Content-Length body; the connection stays open."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)
    return head


async def open_slow(port, count, first, partial):
    """count connections that each made one request (200) and began the next header: (reader, writer) pairs."""
    gate = asyncio.Semaphore(100)

    async def one():
        async with gate:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(first)
            head = await asyncio.wait_for(read_answer(reader), 30)
            if not head.startswith(b"HTTP/1.1 200 "):
                raise SystemExit(f"a slow client's first request: {head[:80]!r}")
            return reader, writer

    conns = await asyncio.gather(*(one() for _ in range(count)))
    for _, writer in conns:
        writer.write(partial)
    return conns


async def trickle(conns):
    while True:
        for _, writer in conns:
            if not writer.is_closing():
                try:
                    writer.write(b"X")
                except OSError:
                    pass
        await asyncio.sleep(0.5)


async def probe(mgmt, path):
    start = time.monotonic()
    status = await http_status(mgmt, path, timeout=5)
    if status != 200:
        raise SystemExit(f"{path} answered {status} while the slow clients held the public port")
    return ms(start)


async def served_within(port, target, auth, limit):
    """Milliseconds until a new client's request is served (a fresh try every 50 ms), or -1 past limit seconds."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if await http_status(port, target, timeout=2, headers=auth) == 200:
            return ms(start)
        await asyncio.sleep(0.05)
    return -1


async def slow(port, mgmt, bucket, count, header_timeout):
    auth = AUTH + "\r\n"
    new = f"/item?check=false&bucket={bucket}&key=slow/new"
    first = (f"GET /item?check=false&bucket={bucket}&key=slow/held HTTP/1.1\r\nHost: localhost\r\n{auth}\r\n").encode()
    partial = b"GET /item?check=false HTTP/1.1\r\nHost: localhost\r\n"
    for _ in range(20):
        await probe(mgmt, "/q/health/live")

    conns = await open_slow(port, count, first, partial)
    held = time.monotonic()
    trickler = asyncio.create_task(trickle(conns))
    refused = await http_status(port, new, timeout=1, headers=auth)
    probes = []
    for _ in range(10):
        for path in ("/q/health/live", "/q/health/ready"):
            probes.append(await probe(mgmt, path))
    trickler.cancel()
    if time.monotonic() - held > header_timeout - 1:
        raise SystemExit("the probes took until the header deadline: the connections were no longer all held")
    for _, writer in conns:
        writer.transport.abort()
    gone_ms = await served_within(port, new, auth, 30)
    print(f"slow_new_client_while_held {refused}")
    print("slow_probe_ms " + ",".join(map(str, probes)))
    print(f"slow_probe_median_ms {statistics.median(probes):.0f}")
    print(f"slow_probe_max_ms {max(probes)}")
    print(f"slow_served_after_gone_ms {gone_ms}")

    conns = await open_slow(port, count, first, partial)
    trickler = asyncio.create_task(trickle(conns))
    kept_ms = await served_within(port, new, auth, header_timeout + 20)
    trickler.cancel()
    answered = 0
    for reader, writer in conns:
        try:
            if (await asyncio.wait_for(reader.read(64), 5)).startswith(b"HTTP/1.1 408 "):
                answered += 1
        except (OSError, asyncio.TimeoutError):
            pass
        writer.transport.abort()
    print(f"slow_served_while_trickling_ms {kept_ms}")
    print(f"slow_closed_with_408 {answered}")


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "recovery":
        port, mgmt, proxy_port, upstream_port, bucket, tries, outage = args
        asyncio.run(recovery(int(port), int(mgmt), int(proxy_port), int(upstream_port), bucket, int(tries), float(outage)))
    elif mode == "slow":
        port, mgmt, bucket, count, header_timeout = args
        asyncio.run(slow(int(port), int(mgmt), bucket, int(count), float(header_timeout)))
    else:
        raise SystemExit("usage: faults.py recovery|slow ...")


if __name__ == "__main__":
    main()
