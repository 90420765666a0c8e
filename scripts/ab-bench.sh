#!/usr/bin/env bash
# Two builds of fanout side by side (e.g. before and after a change), measured by the
# independent meter ../shared/bench/fanbench, rounds interleaved, medians printed.
# Usage: scripts/ab-bench.sh OLD.jar NEW.jar [ROUNDS]   env: SECS=5 NS="100 1000" SIZES="64 1024"
#   JAVA_OLD, JAVA_NEW: the java that runs each build (default: java), so one jar on two JDKs
#   is an A/B too: JAVA_NEW=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java ab-bench.sh X.jar X.jar
# Loopback only; every server it starts is stopped at the end.
set -u
old=$1; new=$2; rounds=${3:-3}
SECS=${SECS:-5}; NS=${NS:-"100 1000"}; SIZES=${SIZES:-"64 1024"}
here=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH:-$here/../shared/bench}
. "$here/scripts/bench-lib.sh"
bin=$(build_meter "$bench") || exit 2
out=$(mktemp -d); echo "results: $out" >&2
start() { # java jar tag -> "pid lineport respport"
  local lp rp extra=(); lp=$(free_port); rp=$(free_port)
  # builds that have the browser listener get it switched off; older ones lack the option
  "$1" -jar "$2" serve --help 2>/dev/null | grep -q -- --http-port && extra=(--http-port -1)
  "$1" "${FANOUT_JVM[@]}" -jar "$2" serve --port "$lp" --resp-port "$rp" --metrics-port -1 "${extra[@]}" \
      > "$out/$3.log" 2>&1 &
  local pid=$!
  await_listener "$out/$3.log" resp
  echo "$pid $lp $rp"
}
read -r opid olp orp <<<"$(start "${JAVA_OLD:-java}" "$old" old)"
read -r npid nlp nrp <<<"$(start "${JAVA_NEW:-java}" "$new" new)"
trap 'kill $opid $npid 2>/dev/null' EXIT
for r in $(seq "$rounds"); do
  for size in $SIZES; do for n in $NS; do
    for t in old:resp:$orp:$opid new:resp:$nrp:$npid old:line:$olp:$opid new:line:$nlp:$npid; do
      IFS=: read -r tag proto port pid <<<"$t"
      res=$("$bin/fanbench" --proto "$proto" --port "$port" --subscribers "$n" --size "$size" \
            --seconds "$SECS" --max-lag 1000 --quiet --server-pid "$pid") || continue
      echo "{\"n\":$n,\"size\":$size,\"tag\":\"$tag-$proto\",\"r\":$res}" >> "$out/rows.jsonl"
    done
  done; done
done
python3 - "$out/rows.jsonl" <<'PY'
import json, sys, statistics as st, collections as c
d = c.defaultdict(list); p = c.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line); k = (r["size"], r["n"], r["tag"])
    d[k].append(r["r"]["deliveries_per_sec"]); p[k].append(r["r"]["lat_p99_us"])
print(" size     N | proto | old deliv/s  new deliv/s  new/old | p99 ms old / new")
for size in sorted({k[0] for k in d}):
    for n in sorted({k[1] for k in d}):
        for proto in ("resp", "line"):
            o = st.median(d[(size, n, "old-" + proto)]); w = st.median(d[(size, n, "new-" + proto)])
            po = st.median(p[(size, n, "old-" + proto)]) / 1e3; pw = st.median(p[(size, n, "new-" + proto)]) / 1e3
            print(f"{size:5} {n:5} | {proto:5} | {o/1e6:9.2f}M  {w/1e6:9.2f}M  {w/o:6.2f}x | {po:6.1f} / {pw:6.1f}")
PY
