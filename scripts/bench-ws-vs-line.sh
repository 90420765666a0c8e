#!/usr/bin/env bash
# fanout's WebSocket fan-out against its own line fan-out, the C reference `blast` and a
# broadcast server on the npm `ws` package (scripts/ws-peer/), measured by the independent
# meter ../shared/bench/fanbench, interleaved, 3 rounds.
#   scripts/bench-ws-vs-line.sh [rounds] [seconds]
# Results: one JSON per run in target/bench-ws/, then a median table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
seconds=${2:-5}
out=target/bench-ws
mkdir -p "$out"
bench=${FANBENCH_DIR:-../shared/bench}   # the meter's sources (shared/ sits beside the repository)
gcc -O2 -o "$out/fanbench" "$bench/fanbench.c" -lpthread
gcc -O2 -o "$out/blast" "$bench/blast.c"
[ -f target/fanout.jar ] || mvn -B -q -DskipTests package
java -Xms256m -Xmx512m -XX:MaxDirectMemorySize=256m -XX:+UseParallelGC -Djdk.nio.maxCachedBufferSize=262144 \
    -jar target/fanout.jar serve --port 7600 --resp-port -1 --metrics-port -1 --http-port 7680 \
    > "$out/server.log" 2>&1 &
fanout=$!
"$out/blast" --port 7400 > "$out/blast.log" 2>&1 &
blast=$!
[ -d scripts/ws-peer/node_modules/ws ] || (cd scripts/ws-peer && npm ci --no-audit --no-fund --silent)
node scripts/ws-peer/server.js 7601 > "$out/ws-peer.log" 2>&1 &
peer=$!
trap 'kill $fanout $blast $peer 2>/dev/null || true' EXIT
sleep 3
for round in $(seq "$rounds"); do
    for n in 100 1000; do
        for size in 64 1024; do
            common=(--quiet --subscribers "$n" --size "$size" --seconds "$seconds" --max-lag 1000)
            "$out/fanbench" --proto line --port 7600 "${common[@]}" --server-pid $fanout > "$out/line-$n-$size-$round.json"
            "$out/fanbench" --proto ws --port 7680 "${common[@]}" --server-pid $fanout > "$out/ws-$n-$size-$round.json"
            "$out/fanbench" --proto line --port 7400 "${common[@]}" --server-pid $blast > "$out/blast-$n-$size-$round.json"
            "$out/fanbench" --proto ws --port 7601 "${common[@]}" --server-pid $peer > "$out/nodews-$n-$size-$round.json"
        done
    done
done
python3 - "$out" <<'PY'
import glob, json, os, statistics, sys
runs = {}
for f in glob.glob(os.path.join(sys.argv[1], '*-*-*-*.json')):
    srv, n, size, _ = os.path.basename(f)[:-5].split('-')
    runs.setdefault((int(n), int(size), srv), []).append(json.load(open(f)))
print('| N | size | server | deliveries/s (median) | p50 ms | p99 ms | lost | RSS peak MB |')
print('|---|---|---|---|---|---|---|---|')
for (n, size, srv) in sorted(runs):
    ds = runs[(n, size, srv)]
    med = lambda k: statistics.median(d[k] for d in ds)
    print(f"| {n} | {size} | {srv} | {med('deliveries_per_sec') / 1e6:.2f}M | {med('lat_p50_us') / 1000:.1f} "
          f"| {med('lat_p99_us') / 1000:.1f} | {sum(d['lost'] for d in ds)} "
          f"| {max(d.get('server_rss_peak_mb') or 0 for d in ds)} |")
PY
