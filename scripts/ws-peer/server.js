// The comparison peer for fanout's WebSocket benchmark (docs/BENCHMARKS.md): a broadcast
// server written the way Node users usually write one, on the npm `ws` package: every
// message a client sends goes to every client on the same path (the sender too), one
// send() per client, no compression, no slow-consumer rule.
//
//   npm ci && node server.js [port=7601] [host=127.0.0.1]
//   ../../../shared/bench/fanbench --proto ws --port 7601 --subscribers 100 --max-lag 1000
'use strict';
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2] || 7601);
const host = process.argv[3] || '127.0.0.1';
const rooms = new Map(); // request path -> Set of sockets

const wss = new WebSocketServer({ host, port, perMessageDeflate: false, maxPayload: 1 << 20 });
wss.on('connection', (ws, req) => {
  const path = req.url.split('?')[0];
  let room = rooms.get(path);
  if (!room) {
    room = new Set();
    rooms.set(path, room);
  }
  room.add(ws);
  ws.on('message', (data, isBinary) => {
    for (const peer of room) {
      if (peer.readyState === WebSocket.OPEN) {
        peer.send(data, { binary: isBinary });
      }
    }
  });
  ws.on('close', () => room.delete(ws));
  ws.on('error', () => ws.terminate());
});
wss.on('listening', () => {
  const a = wss.address();
  console.log(`ws-peer listening on ${a.address}:${a.port} (ws ${require('ws/package.json').version}, node ${process.version})`);
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => wss.close(() => process.exit(0)));
}
