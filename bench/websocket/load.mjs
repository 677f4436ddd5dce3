// WebSocket load for bench/websocket.sh, on the npm ws package.
//   node load.mjs echo URL CONNECTIONS BYTES SECONDS  → messages/s (round trips)
//   node load.mjs idle URL CONNECTIONS                → opens them, prints
//        "open N" once all are open, and holds them until stdin closes
import { createRequire } from 'node:module';
const require = createRequire(new URL('../package.json', import.meta.url));
const WebSocket = require('ws');

const [mode, url, conns, bytes, seconds] = process.argv.slice(2);
const n = Number(conns);

if (mode === 'echo') {
  const payload = Buffer.alloc(Number(bytes), 'x').toString();
  let done = 0, open = 0, measuring = false, stopped = false;
  const sockets = [];
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    sockets.push(ws);
    ws.on('open', () => {
      if (++open === n) start();
    });
    ws.on('message', () => {
      if (measuring) done++;
      if (!stopped) ws.send(payload);
    });
    ws.on('error', (e) => { console.error(String(e)); process.exit(1); });
  }
  function start() {
    for (const ws of sockets) ws.send(payload);
    setTimeout(() => {  // 1 s of warm-up, then measure
      measuring = true;
      const t0 = process.hrtime.bigint();
      setTimeout(() => {
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        stopped = true;
        console.log((done / secs).toFixed(0));
        process.exit(0);
      }, Number(seconds) * 1000);
    }, 1000);
  }
} else if (mode === 'idle') {
  let open = 0, opening = 0;
  const openMore = () => {
    // At most 200 handshakes in flight at a time.
    while (opening < 200 && open + opening < n) {
      opening++;
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.on('open', () => {
        opening--;
        if (++open === n) console.log('open ' + open);
        openMore();
      });
      ws.on('error', (e) => { console.error(String(e)); process.exit(1); });
    }
  };
  openMore();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
