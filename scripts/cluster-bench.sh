#!/usr/bin/env bash
# Cluster relay measurement (docs/BENCHMARKS.md, "Several nodes"): one redis-server and two
# fanout nodes on loopback, then `fanout bench` runs side by side in one go:
#   same-node   publishers and subscribers on node A          (no hop)
#   cross-node  publishers on A, subscribers on B (--pub-port) (every delivery crosses Redis)
#   redis       publishers and subscribers on Redis itself     (Redis alone doing the fan-out)
#   two nodes   publishers on A, subscribers spread over A and B (--sub-ports)
# Usage: scripts/cluster-bench.sh [SUBSCRIBERS=1000] [DURATION=5s] [RATE=1000]
# Ports are fixed high ports (not 6379/7000/7379, which others use); change them below if taken.
set -euo pipefail
cd "$(dirname "$0")/.."
SUBS=${1:-1000}
DUR=${2:-5s}
RATE=${3:-1000}
REDIS_PORT=${REDIS_PORT:-16391}
A_RESP=17391; A_LINE=17001; B_RESP=17392; B_LINE=17002
JAR=target/fanout.jar
[ -f "$JAR" ] || mvn -B -q -DskipTests package
JAVA_OPTS=(-Xms256m -Xmx512m -XX:MaxDirectMemorySize=256m -XX:+UseParallelGC -Djdk.nio.maxCachedBufferSize=262144)
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
pids+=($!)
for node in A B; do
  if [ $node = A ]; then rp=$A_RESP; lp=$A_LINE; else rp=$B_RESP; lp=$B_LINE; fi
  java "${JAVA_OPTS[@]}" -jar "$JAR" serve --port $lp --resp-port $rp --metrics-port -1 \
      --cluster "redis://127.0.0.1:$REDIS_PORT" >"$tmp/$node.log" 2>&1 &
  pids+=($!)
done
for i in $(seq 1 100); do
  grep -q "\[CLUSTER\]   connected" "$tmp/A.log" 2>/dev/null && grep -q "\[CLUSTER\]   connected" "$tmp/B.log" 2>/dev/null && break
  sleep 0.1
done

# A pause after each run lets the relay queue drain, so no run sees the previous one's
# messages ("foreign" in the bench's integrity line). Redis-alone runs come last in each
# section: at 1,000 subscribers Redis's output buffers can grow until the box runs out of memory.
bench() { java -Xmx512m -jar "$JAR" bench --duration "$DUR" --warmup 2s "$@"; sleep 3; }
echo "== $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); duration=$DUR"
echo "== 1. one node with $SUBS subscribers vs two nodes with $((SUBS/2)) each (publishers on A), open loop $RATE msg/s"
echo "-- one node:  bench --subscribers $SUBS --port $A_RESP --mode open --rate $RATE"
bench --subscribers "$SUBS" --port $A_RESP --mode open --rate "$RATE"
echo "-- two nodes: bench --subscribers $SUBS --port $A_RESP --sub-ports $A_RESP,$B_RESP --mode open --rate $RATE"
bench --subscribers "$SUBS" --port $A_RESP --sub-ports $A_RESP,$B_RESP --mode open --rate "$RATE"
echo "-- all on B:  bench --subscribers $SUBS --port $B_RESP --pub-port $A_RESP --mode open --rate $RATE"
bench --subscribers "$SUBS" --port $B_RESP --pub-port $A_RESP --mode open --rate "$RATE"
echo "== 2. latency added by the hop: 1 subscriber, open loop 2000 msg/s"
echo "-- same-node:  bench --subscribers 1 --port $A_RESP --mode open --rate 2000";  bench --subscribers 1 --port $A_RESP --mode open --rate 2000
echo "-- cross-node: bench --subscribers 1 --port $B_RESP --pub-port $A_RESP --mode open --rate 2000"; bench --subscribers 1 --port $B_RESP --pub-port $A_RESP --mode open --rate 2000
echo "-- redis:      bench --subscribers 1 --port $REDIS_PORT --mode open --rate 2000";      bench --subscribers 1 --port $REDIS_PORT --mode open --rate 2000
echo "== 3. relay throughput: 1 subscriber, closed loop, 64 B"
echo "-- cross-node: bench --subscribers 1 --port $B_RESP --pub-port $A_RESP"; bench --subscribers 1 --port $B_RESP --pub-port $A_RESP
echo "-- same-node:  bench --subscribers 1 --port $A_RESP";                    bench --subscribers 1 --port $A_RESP
echo "-- redis:      bench --subscribers 1 --port $REDIS_PORT";                bench --subscribers 1 --port $REDIS_PORT
echo "== 4. Redis alone with $SUBS subscribers, open loop $RATE msg/s (last: it may exhaust memory)"
echo "-- redis: bench --subscribers $SUBS --port $REDIS_PORT --mode open --rate $RATE"
bench --subscribers "$SUBS" --port $REDIS_PORT --mode open --rate "$RATE"
grep -h "CLUSTER" "$tmp/A.log" "$tmp/B.log" | grep -v "connected\|node=" || true
