#!/usr/bin/env bash
# Where a warm fanout's event loop spends its CPU in one cell of the meter: kernel (and in
# which system call), the JDK and fanout's own code. The server gets a first run of the cell
# to warm up (JIT, frame pool, socket buffers); async-profiler is then attached with jcmd for a
# second run only, so startup and compilation stay out of the profile.
# Usage: scripts/profile-loop.sh PROTO N SIZE [OUT]   e.g. scripts/profile-loop.sh line 100 1024
#   env: SECS=4 (measured run), INTERVAL=1ms (sampling), JAR=target/fanout.jar
# Needs Maven (async-profiler 4.0 comes from Maven Central into target/async-profiler) and
# kernel.perf_event_paranoid <= 1 for kernel frames (as root: sysctl kernel.perf_event_paranoid=1).
# Writes OUT.collapsed (all threads, folded stacks: a flame graph's input), OUT.json (the
# meter's result) and prints the loop threads' breakdown. Loopback only; stops its server.
set -euo pipefail
proto=${1:?PROTO (line|resp)}; n=${2:?N}; size=${3:?SIZE}
here=$(cd "$(dirname "$0")/.." && pwd)
out=${4:-$(mktemp -d)/profile}
jar=${JAR:-$here/target/fanout.jar}
secs=${SECS:-4}; interval=${INTERVAL:-1ms}
[ -f "$jar" ] || { echo "no $jar: run ./fanout --version first (it builds the jar)"; exit 2; }
lib=$here/target/async-profiler/linux-x64/libasyncProfiler.so
if [ ! -f "$lib" ]; then
  mvn -B -q dependency:get -Dartifact=tools.profiler:async-profiler:4.0:jar:linux-x64 >&2
  mkdir -p "$here/target/async-profiler"
  (cd "$here/target/async-profiler" &&
     unzip -oq "$HOME/.m2/repository/tools/profiler/async-profiler/4.0/async-profiler-4.0-linux-x64.jar")
fi
if [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -gt 1 ]; then
  echo "note: kernel.perf_event_paranoid > 1, so kernel frames are missing from the profile" >&2
fi
. "$here/scripts/bench-lib.sh"
bin=$(build_meter "$here/../shared/bench") || exit 2
raise_fd_limit
line_port=$(free_port); resp_port=$(free_port)
case $proto in
  line) port=$line_port ;;
  resp) port=$resp_port ;;
  *) echo "PROTO must be line or resp, got $proto"; exit 2 ;;
esac
java "${FANOUT_JVM[@]}" -jar "$jar" serve --port "$line_port" --resp-port "$resp_port" --metrics-port -1 \
    --http-port -1 > "$out.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
await_listener "$out.log" "$proto" || true
kill -0 "$pid" 2>/dev/null || { cat "$out.log"; exit 2; }
meter=("$bin/fanbench" --proto "$proto" --port "$port" --subscribers "$n" --size "$size" --max-lag 1000 --quiet)
"${meter[@]}" --seconds "$secs" > /dev/null
# jcmd splits arguments at '=', so the agent's options travel as one quoted string.
jcmd "$pid" JVMTI.agent_load "$lib" "\"start,event=cpu,interval=$interval,threads,cstack=fp\"" > /dev/null
"${meter[@]}" --seconds "$secs" --server-pid "$pid" > "$out.json"
jcmd "$pid" JVMTI.agent_load "$lib" "\"stop,collapsed,file=$out.collapsed\"" > /dev/null
python3 - "$out.collapsed" "$out.json" <<'PY'
import collections, json, sys
r = json.load(open(sys.argv[2]))
print(f"deliveries/s {r['deliveries_per_sec']:,}  server CPU {r['server_cpu_pct']}%  "
      f"{r['server_cpu_pct'] * 1e7 / r['deliveries_per_sec']:.0f} ns per delivery  in order: {r['healthy_in_order']}")
total = 0; kinds = collections.Counter(); user = collections.Counter()
for line in open(sys.argv[1]):
    stack, count = line.rstrip().rsplit(' ', 1)
    frames = stack.split(';')
    if not frames[0].startswith('[fanout-loop'):
        continue
    count = int(count); total += count
    # The frame under do_syscall_64 names the call: do_writev, ksys_read, __x64_sys_epoll_wait...
    at = frames.index('do_syscall_64_[k]') + 1 if 'do_syscall_64_[k]' in frames else len(frames)
    call = frames[at][:-len('_[k]')] if at < len(frames) else None
    for prefix in ('__x64_sys_', '__do_sys_', 'ksys_', 'do_'):
        if call and call.startswith(prefix):
            call = call[len(prefix):]
    if frames[-1].endswith('_[k]'):
        kinds['kernel: ' + (call or 'interrupts, softirq, other')] += count
    else:
        kinds['user'] += count; user[frames[-1]] += count
if not total:
    sys.exit("no samples of the loop threads")
print(f"loop threads: {total} samples")
for k, v in kinds.most_common(8):
    print(f"  {100 * v / total:5.1f}%  {k}")
print("  top user frames:")
for k, v in user.most_common(12):
    print(f"  {100 * v / total:5.1f}%    {k}")
PY
echo "folded stacks: $out.collapsed"
