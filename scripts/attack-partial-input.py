#!/usr/bin/env python3
# Attack by unfinished requests (issue 8, item 1): N connections each send SIZE bytes of one
# request that never completes (PREFIX first, then 'x's), then linger for a second.
#   scripts/attack-partial-input.py PORT N SIZE [PREFIX | @FILE]
# PREFIX takes \r\n escapes; @FILE reads it from a file (for long ones). Examples, against
# `./fanout serve --port 28000 --resp-port 28379 --metrics-port 28090`:
#   scripts/attack-partial-input.py 28000 200 1048577                  # 1 MiB + 1 of one line
#   scripts/attack-partial-input.py 28379 230 1048616 '*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$1048576\r\n'
# Then: curl -s localhost:28090/metrics | grep -E 'input_|input-budget'
import socket, sys, time
port, n, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
arg = sys.argv[4] if len(sys.argv) > 4 else ''
prefix = (open(arg[1:]).read() if arg.startswith('@') else arg).encode().decode('unicode_escape').encode('latin1')
socks = []
for i in range(n):
    s = socket.socket(); s.connect(("127.0.0.1", port)); s.setblocking(False); socks.append([s, memoryview(prefix + b"x" * (size - len(prefix)))])
t0 = time.time(); failed = 0; done = 0
while socks and time.time() - t0 < 60:
    progress = False
    for e in list(socks):
        try:
            w = e[0].send(e[1])
            if w: progress = True; e[1] = e[1][w:]
            if not len(e[1]): socks.remove(e); done += 1
        except BlockingIOError: pass
        except OSError: socks.remove(e); failed += 1
    if not progress: time.sleep(0.001)
print(f"sent-all={done} failed={failed} pending={len(socks)} secs={time.time()-t0:.1f}")
time.sleep(1)
