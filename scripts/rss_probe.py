#!/usr/bin/env python3
"""RSS of a running fanout under the lesson's load shapes (loopback only, bounded in time).

Usage: scripts/rss_probe.py --pid PID --port LINE_PORT [--idle 1000] [--stalled 200]
                            [--flood-seconds 30] [--line-bytes 64]

Prints RSS (ps -o rss, KiB) at idle, with N idle line clients, and every second of a flood
from one publisher while K clients with a 4 KiB receive buffer never read. The flood is a
closed loop: one publisher writing 64-byte lines as fast as the socket takes them, with
one reading client (so deliveries keep flowing while the stalled ones are cut).
"""
import argparse, socket, subprocess, time, threading, sys


def rss_kib(pid):
    out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return int(out) if out else -1


def connect(port, rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--stalled", type=int, default=200)
    ap.add_argument("--flood-seconds", type=int, default=30)
    ap.add_argument("--line-bytes", type=int, default=64)
    a = ap.parse_args()

    print(f"idle server: rss={rss_kib(a.pid)} KiB", flush=True)
    idle = [connect(a.port) for _ in range(a.idle)]
    time.sleep(1)
    print(f"{a.idle} idle clients: rss={rss_kib(a.pid)} KiB", flush=True)
    for s in idle:
        s.close()
    time.sleep(1)

    stalled = [connect(a.port, 4096) for _ in range(a.stalled)]
    reader = connect(a.port)
    stop = threading.Event()
    received = [0]

    def drain():
        reader.settimeout(0.5)
        while not stop.is_set():
            try:
                n = len(reader.recv(1 << 16))
                if n == 0:
                    return
                received[0] += n
            except socket.timeout:
                pass

    threading.Thread(target=drain, daemon=True).start()
    pub = connect(a.port)
    line = (b"x" * (a.line_bytes - 1)) + b"\n"
    chunk = line * (65536 // len(line))
    sent = [0]

    def flood():
        while not stop.is_set():
            pub.sendall(chunk)
            sent[0] += len(chunk)

    def drain_pub():  # the publisher receives its own lines too; keep it healthy
        pub.settimeout(0.5)
        while not stop.is_set():
            try:
                if not pub.recv(1 << 16):
                    return
            except socket.timeout:
                pass

    threading.Thread(target=flood, daemon=True).start()
    threading.Thread(target=drain_pub, daemon=True).start()
    start = time.time()
    for sec in range(1, a.flood_seconds + 1):
        time.sleep(max(0, start + sec - time.time()))
        print(f"flood t={sec:3d}s sent={sent[0] >> 20} MiB reader_got={received[0] >> 20} MiB "
              f"rss={rss_kib(a.pid)} KiB", flush=True)
    stop.set()
    for s in stalled + [reader, pub]:
        s.close()


if __name__ == "__main__":
    main()
