#!/usr/bin/env bash
# Relay through a three-master Redis Cluster (docs/BENCHMARKS.md, "Several nodes"): two fanout
# nodes with --cluster redis-cluster://..., publishers on A, one subscriber on B, 64 B:
#   1. no pattern subscriber anywhere  -> one SPUBLISH per message
#   2. a pattern subscriber on node B  -> SPUBLISH + a classic PUBLISH copy (cluster bus)
# Usage: scripts/cluster-bench-sharded.sh [DURATION=5s]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-5s}
P1=16401; P2=16402; P3=16403
A_RESP=17491; A_LINE=17101; B_RESP=17492; B_LINE=17102
JAR=target/fanout.jar
[ -f "$JAR" ] || mvn -B -q -DskipTests package
JAVA_OPTS=(-Xms256m -Xmx512m -XX:MaxDirectMemorySize=256m -XX:+UseParallelGC -Djdk.nio.maxCachedBufferSize=262144)
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
for p in $P1 $P2 $P3; do
  mkdir -p "$tmp/$p"
  redis-server --port $p --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp/$p" --cluster-enabled yes \
      --cluster-config-file nodes.conf >"$tmp/$p/log" 2>&1 &
  pids+=($!)
done
sleep 0.5
redis-cli --cluster create 127.0.0.1:$P1 127.0.0.1:$P2 127.0.0.1:$P3 --cluster-replicas 0 --cluster-yes >/dev/null
until redis-cli -p $P1 cluster info | grep -q cluster_state:ok; do sleep 0.1; done
for node in A B; do
  if [ $node = A ]; then rp=$A_RESP; lp=$A_LINE; else rp=$B_RESP; lp=$B_LINE; fi
  java "${JAVA_OPTS[@]}" -jar "$JAR" serve --port $lp --resp-port $rp --metrics-port -1 \
      --cluster "redis-cluster://127.0.0.1:$P1,127.0.0.1:$P2" >"$tmp/$node.log" 2>&1 &
  pids+=($!)
done
for i in $(seq 1 100); do
  grep -q "\[CLUSTER\]   connected" "$tmp/A.log" 2>/dev/null && grep -q "\[CLUSTER\]   connected" "$tmp/B.log" 2>/dev/null && break
  sleep 0.1
done
bench() { java -Xmx512m -jar "$JAR" bench --duration "$DUR" --warmup 2s --subscribers 1 "$@"; }
echo "== $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); redis cluster of 3 masters"
echo "-- 1. cross-node, no pattern subscriber: bench --subscribers 1 --port $B_RESP --pub-port $A_RESP"
bench --port $B_RESP --pub-port $A_RESP
redis-cli -p $B_RESP psubscribe 'nomatch.*' >/dev/null &
pids+=($!)
sleep 1.5   # node B announces its pattern; A starts sending classic copies
echo "-- 2. cross-node, a pattern subscriber on B (redis-cli -p $B_RESP psubscribe 'nomatch.*')"
bench --port $B_RESP --pub-port $A_RESP
echo "-- 3. same-node, for reference: bench --subscribers 1 --port $A_RESP"
bench --port $A_RESP
grep -h "CLUSTER" "$tmp/A.log" "$tmp/B.log" | grep -v "connected\|node=" || true
