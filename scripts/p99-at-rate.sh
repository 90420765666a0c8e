#!/usr/bin/env bash
# Latency at an equal, fixed rate: fanout (RESP) and a private redis-server are offered the
# same message rate by the independent meter (../shared/bench/fanbench --rate), rounds
# interleaved, medians of p50 / p99 / p99.9 printed. At full speed each server is measured at
# its own rate, so p99 compares queues of different lengths; this compares equal work.
# Usage: scripts/p99-at-rate.sh [ROUNDS] [JAR]   env: SECS=5 NS="1 10 100 1000" SIZES="64 1024"
#        DELIVERIES=300000 (per second, split over N subscribers: rate = DELIVERIES / N msgs/s)
# Loopback only; every server it starts is stopped at the end.
set -u
rounds=${1:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
jar=${2:-$here/target/fanout.jar}
SECS=${SECS:-5}; NS=${NS:-"1 10 100 1000"}; SIZES=${SIZES:-"64 1024"}; DELIVERIES=${DELIVERIES:-300000}
[ -f "$jar" ] || { echo "no $jar: run ./fanout --version first (it builds the jar)"; exit 2; }
command -v redis-server >/dev/null || { echo "redis-server not found (apt install redis-server)"; exit 2; }
bench=${BENCH:-$here/../shared/bench}
. "$here/scripts/bench-lib.sh"
bin=$(build_meter "$bench") || exit 2
out=$(mktemp -d); echo "results: $out" >&2
raise_fd_limit
fp=$(free_port); rp=$(free_port)
java "${FANOUT_JVM[@]}" \
    -jar "$jar" serve --port 0 --resp-port "$fp" --metrics-port -1 --http-port -1 > "$out/fanout.log" 2>&1 &
fpid=$!
start_private_redis "$rp" "$out/redis.log"
rpid=$REDIS_PID
trap 'kill $fpid $rpid 2>/dev/null' EXIT
await_listener "$out/fanout.log" resp
for r in $(seq "$rounds"); do
  for size in $SIZES; do for n in $NS; do
    rate=$(( DELIVERIES / n )); [ "$rate" -lt 1 ] && rate=1
    for t in fanout:$fp:$fpid redis:$rp:$rpid; do
      IFS=: read -r tag port pid <<<"$t"
      res=$("$bin/fanbench" --proto resp --port "$port" --subscribers "$n" --size "$size" --rate "$rate" \
            --seconds "$SECS" --quiet --server-pid "$pid") || continue
      echo "{\"n\":$n,\"size\":$size,\"rate\":$rate,\"tag\":\"$tag\",\"r\":$res}" >> "$out/rows.jsonl"
    done
  done; done
done
python3 - "$out/rows.jsonl" <<'PY'
import json, sys, statistics as st, collections as c
d = c.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line); d[(r["size"], r["n"], r["rate"], r["tag"])].append(r["r"])
med = lambda rows, k: st.median(x[k] for x in rows)
print(" size     N  msgs/s | deliv/s fanout / redis | p50 ms fanout / redis | p99 ms fanout / redis | p99.9 ms fanout / redis")
for (size, n, rate) in sorted({k[:3] for k in d}):
    f = d[(size, n, rate, "fanout")]; r = d[(size, n, rate, "redis")]
    if not f or not r: continue
    ms = lambda rows, k: med(rows, k) / 1e3
    print(f"{size:5} {n:5} {rate:7} | {med(f,'deliveries_per_sec')/1e6:6.2f}M / {med(r,'deliveries_per_sec')/1e6:5.2f}M"
          f" | {ms(f,'lat_p50_us'):6.2f} / {ms(r,'lat_p50_us'):6.2f} | {ms(f,'lat_p99_us'):6.2f} / {ms(r,'lat_p99_us'):6.2f}"
          f" | {ms(f,'lat_p999_us'):6.2f} / {ms(r,'lat_p999_us'):6.2f}")
PY
