#!/usr/bin/env python3
"""Soak test of a running (or self-started) fanout: mixed load for a bounded time, loopback only.

Usage:
  scripts/soak.py --duration 900 --launch                 # starts ./fanout serve on free ports
  scripts/soak.py --duration 60 --pid PID --port 7000 --resp-port 7379 --metrics-port 7090

Load, all on 127.0.0.1 (the script refuses any other host):
  - publishers: --line-publishers line clients writing "L<id> <seq> ..." lines, and
    --resp-publishers RESP clients sending PUBLISH on the line channel and on ch.<k>,
    each at --rate messages per second (paced, not a flood);
  - subscribers: --subscribers RESP clients (SUBSCRIBE to every channel the publishers use)
    and as many line clients; --stalled-percent of each never read (they are cut by the
    server's slow-consumer rules, then replaced every --stall-cycle seconds);
  - churn: one thread that connects, subscribes or publishes once, and closes, in a loop,
    alternating protocols.
Every healthy subscriber checks each publisher's sequence numbers (no gap, no reordering).
Every --sample seconds the server's RSS and open fd count are read from /proc/<pid>, and its
slow-consumer cuts from /metrics (-1 in the table when that scrape failed).

It stops by itself after --duration seconds, closes everything, waits for the server's fd
count to settle, prints a summary table and exits 0 when no message was lost or reordered
on a healthy subscriber (1 otherwise).
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request

HOST = "127.0.0.1"


# ---- server process ------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def launch(args):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ports = {"line": free_port(), "resp": free_port(), "metrics": free_port()}
    log = open(args.server_log, "w")
    cmd = [os.path.join(root, "fanout"), "serve", "--bind", HOST, "--port", str(ports["line"]),
           "--resp-port", str(ports["resp"]), "--metrics-port", str(ports["metrics"])] + args.server_arg
    proc = subprocess.Popen(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 300  # the launcher may build the jar first
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"soak: server exited with {proc.returncode}, see {args.server_log}")
        with open(args.server_log) as f:
            if "proto=metrics" in f.read():
                return proc, ports
        time.sleep(0.2)
    proc.kill()
    sys.exit("soak: server did not start within 300 s")


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def metric(port, name):
    """Sum of one metric's series from /metrics (None when the scrape fails)."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/metrics", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return None
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and (line[len(name)] in " {"):
            total += float(line.rsplit(" ", 1)[1])
    return total


# ---- clients ---------------------------------------------------------------------------

def connect(port, rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect((HOST, port))
    return s


def resp_command(*parts):
    out = [b"*%d\r\n" % len(parts)]
    for p in parts:
        b = p if isinstance(p, bytes) else str(p).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.c = {}

    def add(self, key, n=1):
        with self.lock:
            self.c[key] = self.c.get(key, 0) + n

    def get(self, key):
        with self.lock:
            return self.c.get(key, 0)


class SeqChecker:
    """Per publisher: the next sequence number expected. Gaps and reorders are counted."""

    def __init__(self, stats):
        self.next = {}
        self.stats = stats

    def see(self, pub, seq):
        expected = self.next.get(pub)
        if expected is not None and seq != expected:
            self.stats.add("gaps_or_reorders")
        self.next[pub] = seq + 1
        self.stats.add("received")


MSG = re.compile(rb"([LR]\d+) (\d+) ")


def received_parts(s, stop, stats, split):
    """Yields the complete parts of what a healthy subscriber reads, until stopped or cut.

    split(buf) returns (complete parts, unfinished tail)."""
    s.settimeout(1)
    buf = b""
    try:
        while not stop.is_set():
            try:
                data = s.recv(65536)
            except socket.timeout:
                continue
            if not data:
                stats.add("healthy_cut")
                return
            parts, buf = split(buf + data)
            yield from parts
    finally:
        s.close()


def split_lines(buf):
    *lines, rest = buf.split(b"\n")
    return lines, rest


def split_resp(buf):
    # Payloads hold no CR/LF, so a plain scan for the "L<id> <seq> " / "R<id> <seq> "
    # markers after each bulk header is enough; leave a partial tail in the buffer.
    cut = buf.rfind(b"\r\n")
    if cut < 0:
        return [], buf
    return buf[:cut + 2].split(b"\r\n"), buf[cut + 2:]


def healthy_line_subscriber(port, stop, stats):
    check = SeqChecker(stats)
    for line in received_parts(connect(port), stop, stats, split_lines):
        m = MSG.match(line)
        if m:
            check.see(m.group(1), int(m.group(2)))


def healthy_resp_subscriber(port, channels, stop, stats):
    check = SeqChecker(stats)
    s = connect(port)
    s.sendall(resp_command("SUBSCRIBE", *channels))
    for part in received_parts(s, stop, stats, split_resp):
        m = MSG.match(part)
        if m:
            check.see(m.group(1) + b"/" + channel_of(part), int(m.group(2)))


def channel_of(payload):
    return payload.split(b" ")[2]


def stalled_subscribers(line_port, resp_port, count, channels, cycle, stop, stats):
    """Clients that never read, replaced every `cycle` seconds (the server should cut them)."""
    while not stop.is_set():
        held = []
        for i in range(count):
            try:
                if i % 2 == 0:
                    s = connect(line_port, rcvbuf=4096)
                else:
                    s = connect(resp_port, rcvbuf=4096)
                    s.sendall(resp_command("SUBSCRIBE", *channels))
                held.append(s)
                stats.add("stalled_opened")
            except OSError:
                stats.add("connect_errors")
        stop.wait(cycle)
        for s in held:
            s.close()


def line_publisher(port, pid, rate, stop, stats):
    s = connect(port)  # a line client also receives every line: drain it
    drain = threading.Thread(target=drain_forever, args=(s, stop), daemon=True)
    drain.start()
    seq = 0
    pad = b"x" * 40
    interval = 1.0 / rate
    nxt = time.monotonic()
    try:
        while not stop.is_set():
            s.sendall(b"L%d %d bc %s\n" % (pid, seq, pad))
            seq += 1
            stats.add("published")
            nxt += interval
            delay = nxt - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    except OSError:
        stats.add("publisher_errors")
    finally:
        s.close()


def drain_forever(s, stop):
    s.settimeout(1)
    while not stop.is_set():
        try:
            if not s.recv(65536):
                return
        except socket.timeout:
            continue
        except OSError:
            return


def resp_publisher(port, pid, rate, channels, line_channel, stop, stats):
    s = connect(port)
    drain = threading.Thread(target=drain_forever, args=(s, stop), daemon=True)
    drain.start()
    seq = {}
    pad = "y" * 40
    interval = 1.0 / rate
    nxt = time.monotonic()
    i = 0
    try:
        while not stop.is_set():
            ch = channels[i % len(channels)]
            i += 1
            n = seq.get(ch, 0)
            seq[ch] = n + 1
            tag = "bc" if ch == line_channel else ch
            s.sendall(resp_command("PUBLISH", ch, f"R{pid} {n} {tag} {pad}"))
            stats.add("published")
            nxt += interval
            delay = nxt - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    except OSError:
        stats.add("publisher_errors")
    finally:
        s.close()


def churn(line_port, resp_port, stop, stats):
    i = 0
    while not stop.is_set():
        i += 1
        try:
            if i % 2:
                s = connect(line_port)
                s.sendall(b"churn %d\n" % i)
            else:
                s = connect(resp_port)
                s.sendall(resp_command("SUBSCRIBE", "churn.%d" % (i % 100)) + resp_command("PING"))
                s.recv(4096)
            s.close()
            stats.add("churn_cycles")
        except OSError:
            stats.add("connect_errors")
        stop.wait(0.01)


# ---- main ------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    ap.add_argument("--launch", action="store_true", help="start ./fanout serve on free loopback ports")
    ap.add_argument("--server-arg", action="append", default=[], help="extra option for ./fanout serve")
    ap.add_argument("--server-log", default="/tmp/fanout-soak-server.log")
    ap.add_argument("--pid", type=int, help="pid of a running server (without --launch)")
    ap.add_argument("--port", type=int, default=7000)
    ap.add_argument("--resp-port", type=int, default=7379)
    ap.add_argument("--metrics-port", type=int, default=7090)
    ap.add_argument("--line-channel", default="broadcast")
    ap.add_argument("--line-publishers", type=int, default=2)
    ap.add_argument("--resp-publishers", type=int, default=2)
    ap.add_argument("--rate", type=int, default=100, help="messages/s per publisher (default 100)")
    ap.add_argument("--channels", type=int, default=4, help="RESP channels besides the line channel")
    ap.add_argument("--subscribers", type=int, default=9, help="healthy subscribers per protocol")
    ap.add_argument("--stalled-percent", type=int, default=10)
    ap.add_argument("--stall-cycle", type=int, default=120, help="seconds before stalled clients are replaced")
    ap.add_argument("--sample", type=int, default=5, help="seconds between RSS/fd samples")
    a = ap.parse_args()

    proc = None
    if a.launch:
        proc, ports = launch(a)
        a.pid, a.port, a.resp_port, a.metrics_port = proc.pid, ports["line"], ports["resp"], ports["metrics"]
    elif a.pid is None:
        sys.exit("soak: give --pid of the server, or --launch")

    channels = [a.line_channel] + ["ch.%d" % k for k in range(a.channels)]
    stats = Stats()
    stop = threading.Event()
    threads = []

    def start(target, *targs):
        t = threading.Thread(target=target, args=targs + (stop, stats), daemon=True)
        t.start()
        threads.append(t)

    base_rss, base_fds = rss_kib(a.pid), fd_count(a.pid)
    stalled = max(1, round(2 * a.subscribers * a.stalled_percent / (100 - a.stalled_percent)))
    for _ in range(a.subscribers):
        start(healthy_line_subscriber, a.port)
        start(healthy_resp_subscriber, a.resp_port, channels)
    start(stalled_subscribers, a.port, a.resp_port, stalled, channels, a.stall_cycle)
    time.sleep(1)  # subscriptions in place before the first message
    for p in range(a.line_publishers):
        start(line_publisher, a.port, p, a.rate)
    for p in range(a.resp_publishers):
        start(resp_publisher, a.resp_port, p, a.rate, channels, a.line_channel)
    start(churn, a.port, a.resp_port)

    samples = []
    t0 = time.monotonic()
    print(f"soak: pid={a.pid} line={a.port} resp={a.resp_port} metrics={a.metrics_port} "
          f"duration={a.duration}s healthy={2 * a.subscribers} stalled={stalled} "
          f"publishers={a.line_publishers}+{a.resp_publishers}x{a.rate}/s", flush=True)
    print(f"{'t_s':>6} {'rss_mib':>8} {'fds':>5} {'published':>10} {'received':>11} {'churn':>7} {'slow_cuts':>9}",
          flush=True)
    while True:
        elapsed = time.monotonic() - t0
        if elapsed >= a.duration:
            break
        if proc is not None and proc.poll() is not None:
            print(f"soak: server exited with {proc.returncode}", flush=True)
            break
        cuts = metric(a.metrics_port, "fanout_slow_disconnects_total")
        row = (round(elapsed), rss_kib(a.pid) / 1024, fd_count(a.pid), stats.get("published"),
               stats.get("received"), stats.get("churn_cycles"), -1 if cuts is None else int(cuts))
        samples.append(row)
        print("%6d %8.1f %5d %10d %11d %7d %9d" % row, flush=True)
        time.sleep(min(a.sample, max(0.0, a.duration - elapsed)))

    # Let in-flight messages arrive, then stop and let the server reap every connection.
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join(5)
    settle_deadline = time.monotonic() + 20
    while time.monotonic() < settle_deadline and fd_count(a.pid) > base_fds:
        time.sleep(0.5)
    end_rss, end_fds = rss_kib(a.pid), fd_count(a.pid)
    healthz_ok = False
    try:
        with urllib.request.urlopen(f"http://{HOST}:{a.metrics_port}/healthz", timeout=2) as r:
            healthz_ok = r.status == 200
    except OSError:
        pass
    alive = proc.poll() is None if proc is not None else os.path.exists(f"/proc/{a.pid}")
    rss = [r[1] for r in samples if r[1] > 0]
    fds = [r[2] for r in samples if r[2] >= 0]
    cuts = metric(a.metrics_port, "fanout_slow_disconnects_total")
    summary = [
        ("duration_s", a.duration),
        ("messages_published", stats.get("published")),
        ("messages_received_healthy", stats.get("received")),
        ("gaps_or_reorders", stats.get("gaps_or_reorders")),
        ("healthy_subscribers_cut", stats.get("healthy_cut")),
        ("stalled_clients_opened", stats.get("stalled_opened")),
        ("slow_disconnects (server)", "?" if cuts is None else int(cuts)),
        ("churn_cycles", stats.get("churn_cycles")),
        ("connect_or_publish_errors", stats.get("connect_errors") + stats.get("publisher_errors")),
        ("rss_mib start/min/max/end", "%.0f / %.0f / %.0f / %.0f" % (
            base_rss / 1024, min(rss, default=-1), max(rss, default=-1), end_rss / 1024)),
        ("fds start/max/end", f"{base_fds} / {max(fds, default=-1)} / {end_fds}"),
        ("server alive, /healthz ok", f"{alive}, {healthz_ok}"),
    ]
    print()
    print("| measure | value |")
    print("|---|---|")
    for k, v in summary:
        print(f"| {k} | {v} |")
    ok = (stats.get("gaps_or_reorders") == 0 and stats.get("healthy_cut") == 0 and alive and healthz_ok
          and end_fds <= base_fds + 2)
    print(f"\nsoak: {'PASS' if ok else 'FAIL'}")
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
