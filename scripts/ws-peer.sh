#!/usr/bin/env bash
# Starts the Node `ws` broadcast peer (scripts/ws-peer.js) on PORT (default 7601), installing
# the npm package ws 8.23.0 into target/ws-peer on first use. Prints nothing else; Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-7601}
if [ ! -d target/ws-peer/node_modules/ws ]; then
    mkdir -p target/ws-peer
    npm install --silent --no-audit --no-fund --prefix target/ws-peer ws@8.23.0 >&2
fi
exec env NODE_PATH=target/ws-peer/node_modules node scripts/ws-peer.js "$port"
