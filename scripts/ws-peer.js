// A broadcast server on the npm package `ws` (the usual Node choice): every message any
// client sends goes to every open client, the sender too, as the same frame type; no
// compression (perMessageDeflate off). The peer fanout's WebSocket numbers are compared
// with in docs/BENCHMARKS.md. Usage: node scripts/ws-peer.js PORT   (see scripts/ws-peer.sh)
'use strict';
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2] || 7601);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) {
        client.send(data, { binary: isBinary });
      }
    }
  });
  socket.on('error', () => socket.terminate());
});
wss.on('listening', () => console.log(`ws-peer listening on 127.0.0.1:${port}`));
