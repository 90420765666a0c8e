#!/usr/bin/env python3
"""Heap cost of subscriptions in a running fanout (or Redis): loopback only, bounded.

Usage: scripts/subs_probe.py --pid PID --resp-port 7379 [--clients 12] [--channels 80000]

Opens --clients RESP connections; each sends one SUBSCRIBE with --channels distinct channel
names (ch:<client>:<n>, or the same ch:0:<n> for all with --shared) and reads every reply. Then it times a PUBLISH from a fresh
connection and, for a JVM, prints the live heap after a full GC (jcmd GC.class_histogram
forces one) with the classes that hold most of it, and bytes per subscription.
"""
import argparse
import socket
import subprocess
import sys
import time


def cmd(*parts):
    out = [b"*%d\r\n" % len(parts)]
    for p in parts:
        b = p if isinstance(p, bytes) else str(p).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def histogram(pid, top):
    text = subprocess.run(["jcmd", str(pid), "GC.class_histogram"], capture_output=True, text=True).stdout
    rows, total = [], 0
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0].endswith(":"):
            rows.append((int(parts[2]), int(parts[1]), parts[3]))
        elif parts and parts[0] == "Total":
            total = int(parts[2])
    return total, rows[:top]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, help="JVM pid for the heap histogram (omit for Redis)")
    ap.add_argument("--resp-port", type=int, default=7379)
    ap.add_argument("--clients", type=int, default=12)
    ap.add_argument("--channels", type=int, default=80000)
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--shared", action="store_true", help="every client subscribes to the same channels")
    ap.add_argument("--publish-each", type=int, default=0, metavar="N",
                    help="then PUBLISH N times in a row (one pipeline, a burst) to every channel")
    a = ap.parse_args()

    before = histogram(a.pid, a.top)[0] if a.pid else 0
    conns = []
    t0 = time.monotonic()
    errors = 0
    for c in range(a.clients):
        s = socket.create_connection(("127.0.0.1", a.resp_port), timeout=120)
        s.sendall(cmd("SUBSCRIBE", *["ch:%d:%d" % (0 if a.shared else c, i) for i in range(a.channels)]))
        # Every channel gets one reply; the last subscribe reply ends with its count.
        buf = b""
        replies = 0
        while replies < a.channels:
            data = s.recv(1 << 20)
            if not data:
                sys.exit(f"client {c}: connection closed after {replies} replies")
            buf += data
            lines = buf.split(b"\r\n")
            buf = lines.pop()
            for line in lines:
                if line.startswith(b"-"):
                    errors += 1
                    replies += 1
                elif line.startswith(b":"):
                    replies += 1
        conns.append(s)
    subscribe_s = time.monotonic() - t0

    p = socket.create_connection(("127.0.0.1", a.resp_port), timeout=60)
    t1 = time.monotonic()
    p.sendall(cmd("PUBLISH", "ch:0:1", "hello"))
    reply = p.recv(100)
    publish_ms = (time.monotonic() - t1) * 1000
    print(f"subscribed {a.clients} x {a.channels} in {subscribe_s:.1f} s, error replies {errors}; "
          f"PUBLISH answered {reply!r} in {publish_ms:.1f} ms")
    if a.publish_each:
        # The subscribers must read what they get, or they would be cut as slow consumers.
        import threading
        stop = threading.Event()

        def drain(sock):
            sock.settimeout(0.5)
            while not stop.is_set():
                try:
                    if not sock.recv(1 << 20):
                        return
                except OSError:
                    continue
        readers = [threading.Thread(target=drain, args=(s,), daemon=True) for s in conns]
        for t in readers:
            t.start()
        sent = 0
        for c in range(1 if a.shared else a.clients):
            for start in range(0, a.channels, 2000):  # in steps a reading subscriber keeps up with
                n = min(2000, a.channels - start)
                p.sendall(b"".join(cmd("PUBLISH", "ch:%d:%d" % (c, i), "m") * a.publish_each
                                   for i in range(start, start + n)))
                sent += n
                got = 0
                while got < n * a.publish_each:
                    got += p.recv(1 << 20).count(b"\n")
        time.sleep(1)
        stop.set()
        print(f"published {a.publish_each} x to each of {sent} channels")
    if a.pid:
        total, rows = histogram(a.pid, a.top)
        subs = a.clients * a.channels - errors
        print(f"live heap after full GC: {total / 2**20:.1f} MiB (before: {before / 2**20:.1f} MiB), "
              f"{(total - before) / max(1, subs):.0f} bytes per subscription")
        print(f"{'bytes':>12} {'instances':>10}  class")
        for b, n, name in rows:
            print(f"{b:12d} {n:10d}  {name}")
    for s in conns:
        s.close()
    p.close()


if __name__ == "__main__":
    main()
