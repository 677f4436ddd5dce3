// An echo server on the npm `ws` package, the origin for test_websocket.py:
// prints its port, echoes every message (text prefixed with "origin:"),
// picks the first offered subprotocol, and closes with 4001 on "bye".
import { createRequire } from 'node:module';
const require = createRequire(new URL('../package.json', import.meta.url));
const { WebSocketServer } = require('ws');

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false });
server.on('listening', () => console.log(server.address().port));
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (!isBinary && data.toString() === 'bye') ws.close(4001, 'origin says bye');
    else ws.send(isBinary ? data : 'origin:' + data.toString());
  });
});
process.stdin.on('end', () => process.exit(0));  // the test closes stdin to stop it
process.stdin.resume();
