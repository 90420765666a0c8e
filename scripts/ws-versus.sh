#!/usr/bin/env bash
# fanout's WebSocket fan-out beside the Node `ws` peer (scripts/ws-peer), fanout's own line
# fan-out and the blast ceiling: the same meter (../shared/bench/fanbench), one run,
# repetitions interleaved, medians printed. Run from the project root (where ./fanout is).
# Usage: scripts/ws-versus.sh [REPS]   env: SECS=5 NS="100 1000" SIZES="64 1024" OUT=/tmp/ws-versus.jsonl BENCH=<shared/bench>
set -u
REPS=${1:-2}; SECS=${SECS:-5}; NS=${NS:-"100 1000"}; SIZES=${SIZES:-"64 1024"}
OUT=${OUT:-/tmp/ws-versus.jsonl}; : > "$OUT"
[ -x ./fanout ] || { echo "run from the project root"; exit 2; }
# The meter's sources: $BENCH, else shared/bench beside the project (or beside a worktree's parent).
if [ -z "${BENCH:-}" ]; then
  for d in ../shared/bench ../../shared/bench; do [ -f "$d/fanbench.c" ] && BENCH=$d && break; done
fi
[ -f "${BENCH:-}/fanbench.c" ] || { echo "fanbench sources not found: set BENCH=<path to shared/bench>"; exit 2; }
BIN=$(mktemp -d); cp "$BENCH"/*.c "$BENCH"/Makefile "$BIN"/ && make -s -C "$BIN" >/dev/null || exit 2
command -v node >/dev/null || { echo "node is missing (apt-get install nodejs npm)"; exit 2; }
[ -d scripts/ws-peer/node_modules/ws ] || (cd scripts/ws-peer && npm ci --no-audit --no-fund --silent) || exit 2
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
stop() { [ -n "${1:-}" ] && kill "$1" 2>/dev/null; for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; kill -9 "$1" 2>/dev/null; }
./fanout --version >/dev/null || exit 2
lp=$(free_port); hp=$(free_port); log=/tmp/ws-versus-fanout.log
./fanout serve --port "$lp" --resp-port -1 --metrics-port -1 --http-port "$hp" >"$log" 2>&1 & FANOUT_PID=$!
for _ in $(seq 300); do grep -q "proto=http" "$log" 2>/dev/null && break; sleep 0.1; done
np=$(free_port); node scripts/ws-peer/server.js "$np" >/tmp/ws-versus-peer.log 2>&1 & PEER_PID=$!
bp=$(free_port); "$BIN/blast" --port "$bp" --lifetime 7200 >/tmp/ws-versus-blast.log 2>&1 & BLAST_PID=$!
trap 'stop $FANOUT_PID; stop $PEER_PID; stop $BLAST_PID; rm -rf "$BIN"' EXIT
sleep 1
for rep in $(seq 1 "$REPS"); do
  for size in $SIZES; do for n in $NS; do
    for t in fanout-ws:ws:$hp:$FANOUT_PID node-ws:ws:$np:$PEER_PID fanout-line:line:$lp:$FANOUT_PID blast:line:$bp:$BLAST_PID; do
      IFS=: read -r tag proto port pid <<<"$t"
      r=$("$BIN/fanbench" --proto "$proto" --port "$port" --subscribers "$n" --size "$size" --seconds "$SECS" \
          --max-lag 1000 --quiet --target "$tag" --server-pid "$pid") || { echo "$tag n=$n size=$size failed: $r" >&2; continue; }
      echo "{\"rep\":$rep,\"n\":$n,\"size\":$size,\"tag\":\"$tag\",\"r\":$r}" >> "$OUT"
    done
  done; done
done
python3 - "$OUT" <<'PY'
import json,sys,statistics as st,collections as c
rows=[json.loads(l) for l in open(sys.argv[1])]
d=c.defaultdict(list); p=c.defaultdict(list); rss=c.defaultdict(list)
for r in rows:
    k=(r["size"],r["n"],r["tag"]); d[k].append(r["r"]["deliveries_per_sec"]); p[k].append(r["r"]["lat_p99_us"])
med=lambda v: st.median(v) if v else float("nan")
print("size     N | fanout-ws  node-ws   ratio | fanout-line  ws/line | blast  ws/blast | p99 ms ws fanout/node")
for size in sorted({k[0] for k in d}):
  for n in sorted({k[1] for k in d}):
    m=lambda t: med(d[(size,n,t)])/1e6
    q=lambda t: med(p[(size,n,t)])/1e3
    print(f"{size:5} {n:5} | {m('fanout-ws'):8.2f}M {m('node-ws'):7.3f}M {m('fanout-ws')/m('node-ws'):6.1f}x | {m('fanout-line'):10.2f}M {m('fanout-ws')/m('fanout-line'):7.2f}x | {m('blast'):5.2f}M {m('fanout-ws')/m('blast'):7.2f}x | {q('fanout-ws'):6.1f}/{q('node-ws'):6.1f}")
PY
