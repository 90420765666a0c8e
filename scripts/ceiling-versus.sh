#!/usr/bin/env bash
# fanout against the machine's ceilings, with the independent meter (../shared/bench/fanbench):
# RESP cells beside a private redis-server and resp-ceiling (scripts/resp-ceiling.c, the least
# a RESP pub/sub server can do per message); line cells beside blast (the least a line
# broadcaster can do). One run, rounds interleaved, medians; server CPU per delivery too.
# Answers "how far is fanout from what this box allows?" where the ratio to Redis alone cannot.
# Usage: scripts/ceiling-versus.sh [ROUNDS] [JAR]   env: SECS=4 NS="1 10" SIZES="64 1024"
# Loopback only; every server it starts is stopped at the end.
set -u
rounds=${1:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
jar=${2:-$here/target/fanout.jar}
SECS=${SECS:-4}; NS=${NS:-"1 10"}; SIZES=${SIZES:-"64 1024"}
[ -f "$jar" ] || { echo "no $jar: run ./fanout --version first (it builds the jar)"; exit 2; }
command -v redis-server >/dev/null || { echo "redis-server not found (apt install redis-server)"; exit 2; }
bench=${BENCH:-$here/../shared/bench}
. "$here/scripts/bench-lib.sh"
bin=$(build_meter "$bench") || exit 2
gcc -O2 -o "$bin/resp-ceiling" "$here/scripts/resp-ceiling.c" || exit 2
out=$(mktemp -d); echo "results: $out" >&2
raise_fd_limit
lp=$(free_port); fp=$(free_port); rp=$(free_port); cp=$(free_port); bp=$(free_port)
java "${FANOUT_JVM[@]}" -jar "$jar" serve --port "$lp" --resp-port "$fp" --metrics-port -1 --http-port -1 \
    > "$out/fanout.log" 2>&1 &
fpid=$!
start_private_redis "$rp" "$out/redis.log"
rpid=$REDIS_PID
"$bin/resp-ceiling" --port "$cp" --lifetime 7200 > "$out/resp-ceiling.log" 2>&1 &
cpid=$!
"$bin/blast" --port "$bp" --lifetime 7200 > "$out/blast.log" 2>&1 &
bpid=$!
trap 'kill $fpid $rpid $cpid $bpid 2>/dev/null' EXIT
await_listener "$out/fanout.log" resp
for r in $(seq "$rounds"); do
  for size in $SIZES; do for n in $NS; do
    for t in fanout-resp:resp:$fp:$fpid redis:resp:$rp:$rpid resp-ceiling:resp:$cp:$cpid \
             fanout-line:line:$lp:$fpid blast:line:$bp:$bpid; do
      IFS=: read -r tag proto port pid <<<"$t"
      res=$("$bin/fanbench" --proto "$proto" --port "$port" --subscribers "$n" --size "$size" \
            --seconds "$SECS" --max-lag 1000 --quiet --target "$tag" --server-pid "$pid") || continue
      echo "{\"n\":$n,\"size\":$size,\"tag\":\"$tag\",\"r\":$res}" >> "$out/rows.jsonl"
    done
  done; done
done
python3 - "$out/rows.jsonl" <<'PY'
import json, sys, statistics as st, collections as c
d = c.defaultdict(list); cpu = c.defaultdict(list); bad = []
for line in open(sys.argv[1]):
    r = json.loads(line); x = r["r"]; k = (r["size"], r["n"], r["tag"])
    d[k].append(x["deliveries_per_sec"]); cpu[k].append(x["server_cpu_pct"] * 1e7 / x["deliveries_per_sec"])
    if not x["healthy_in_order"] or x["lost"]:
        bad.append(k)
print(" size     N | deliveries/s (M): fanout-resp  redis  resp-ceiling | fanout/redis  ceiling/redis  fanout/ceiling"
      " | fanout-line  blast  fanout/blast | server ns per delivery: fanout-resp redis ceiling fanout-line blast")
for size in sorted({k[0] for k in d}):
    for n in sorted({k[1] for k in d}):
        m = lambda t: st.median(d[(size, n, t)]) / 1e6
        q = lambda t: st.median(cpu[(size, n, t)])
        fo, re, ce, fl, bl = m("fanout-resp"), m("redis"), m("resp-ceiling"), m("fanout-line"), m("blast")
        print(f"{size:5} {n:5} | {fo:6.2f} {re:6.2f} {ce:6.2f} | {fo/re:5.2f}x {ce/re:5.2f}x {fo/ce:5.2f}x"
              f" | {fl:6.2f} {bl:6.2f} {fl/bl:5.2f}x | {q('fanout-resp'):5.0f} {q('redis'):5.0f}"
              f" {q('resp-ceiling'):5.0f} {q('fanout-line'):5.0f} {q('blast'):5.0f}")
print("every run healthy, in order, nothing lost" if not bad else f"NOT CLEAN: {sorted(set(bad))}")
PY
