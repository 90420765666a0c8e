# Shared by the scripts that drive ../shared/bench/fanbench: source it, do not run it.
# Loopback only.

# The launcher's JVM flags (./fanout), so scripted servers run as users run them.
FANOUT_JVM=(-Xms256m -Xmx512m -XX:MaxDirectMemorySize=256m -XX:+UseParallelGC -Djdk.nio.maxCachedBufferSize=262144)

# Builds fanbench and blast from the given source folder into a fresh temporary folder; prints it.
build_meter() {
  local d; d=$(mktemp -d)
  cp "$1"/*.c "$1"/Makefile "$d"/ && make -s -C "$d" >/dev/null || return 2
  echo "$d"
}

# A TCP port on 127.0.0.1 that is free right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# One descriptor per connection: the meter opens up to a few thousand.
raise_fd_limit() { ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"; }

# Waits up to 10 s for fanout's log LOG to show its [LISTEN] line for PROTO (resp, line, ...).
await_listener() {
  for _ in $(seq 100); do grep -q "proto=$2 " "$1" 2>/dev/null && return 0; sleep 0.1; done
}

# Starts a private redis-server (no persistence) on 127.0.0.1:PORT, logging to LOG; sets
# REDIS_PID and returns once it answers PING (or after 5 s).
start_private_redis() {
  redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no > "$2" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 50); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
}
