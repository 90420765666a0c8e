#!/usr/bin/env bash
# How throughput changes with the number of event loops: one fanout per --io-threads value,
# all measured by the independent meter (../shared/bench/fanbench), which is held on one core
# with taskset so the loops have the rest of the machine; rounds interleaved, medians printed.
# Usage: scripts/io-threads-curve.sh [ROUNDS] [JAR]
#   env: LOOPS="1 2" METER_CPU=1 SECS=5 NS="10 100 1000" SIZES="64 1024" PROTOS="resp line"
# Loopback only; every server it starts is stopped at the end.
set -u
rounds=${1:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
jar=${2:-$here/target/fanout.jar}
LOOPS=${LOOPS:-"1 2"}; METER_CPU=${METER_CPU:-1}; SECS=${SECS:-5}
NS=${NS:-"10 100 1000"}; SIZES=${SIZES:-"64 1024"}; PROTOS=${PROTOS:-"resp line"}
[ -f "$jar" ] || { echo "no $jar: run ./fanout --version first (it builds the jar)"; exit 2; }
command -v taskset >/dev/null || { echo "taskset not found (util-linux)"; exit 2; }
bench=${BENCH:-$here/../shared/bench}
. "$here/scripts/bench-lib.sh"
bin=$(build_meter "$bench") || exit 2
out=$(mktemp -d); echo "results: $out (processors: $(nproc); meter on cpu $METER_CPU)" >&2
raise_fd_limit
pids=(); declare -A lport rport spid
for l in $LOOPS; do
  lport[$l]=$(free_port); rport[$l]=$(free_port)
  java "${FANOUT_JVM[@]}" \
      -jar "$jar" serve --io-threads "$l" --port "${lport[$l]}" --resp-port "${rport[$l]}" --metrics-port -1 \
      --http-port -1 > "$out/loops-$l.log" 2>&1 &
  spid[$l]=$!; pids+=($!)
  await_listener "$out/loops-$l.log" resp
done
trap 'kill ${pids[*]} 2>/dev/null' EXIT
for r in $(seq "$rounds"); do
  for size in $SIZES; do for n in $NS; do for proto in $PROTOS; do for l in $LOOPS; do
    port=${rport[$l]}; [ "$proto" = line ] && port=${lport[$l]}
    res=$(taskset -c "$METER_CPU" "$bin/fanbench" --proto "$proto" --port "$port" --subscribers "$n" \
          --size "$size" --seconds "$SECS" --max-lag 1000 --quiet --server-pid "${spid[$l]}") || continue
    echo "{\"n\":$n,\"size\":$size,\"proto\":\"$proto\",\"loops\":$l,\"r\":$res}" >> "$out/rows.jsonl"
  done; done; done; done
done
python3 - "$out/rows.jsonl" "$LOOPS" <<'PY'
import json, sys, statistics as st, collections as c
loops = [int(x) for x in sys.argv[2].split()]
d = c.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line); d[(r["size"], r["n"], r["proto"], r["loops"])].append(r["r"])
med = lambda rows, k: st.median(x[k] for x in rows)
print(" size     N proto | " + " | ".join(f"{l} loop{'s' if l > 1 else ' '} deliv/s  p99 ms  srv cpu" for l in loops)
      + " | " + " ".join(f"{l}/{loops[0]}" for l in loops[1:]))
for (size, n, proto) in sorted({k[:3] for k in d}):
    rows = [d[(size, n, proto, l)] for l in loops]
    if not all(rows): continue
    cells = [f"{med(x,'deliveries_per_sec')/1e6:9.2f}M {med(x,'lat_p99_us')/1e3:7.1f} {med(x,'server_cpu_pct'):6.0f}%" for x in rows]
    base = med(rows[0], 'deliveries_per_sec')
    print(f"{size:5} {n:5} {proto:5} | " + " | ".join(cells) + " | "
          + " ".join(f"{med(x,'deliveries_per_sec')/base:4.2f}x" for x in rows[1:]))
PY
