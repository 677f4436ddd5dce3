// The npm `ws` client as the peer of a verge WebSocket, for test_websocket.py:
// node ws_peer.mjs <url> <scenario> prints one JSON line with what happened.
import { createRequire } from 'node:module';
const require = createRequire(new URL('../package.json', import.meta.url));
const WebSocket = require('ws');

const [url, scenario, host] = process.argv.slice(2);
const out = { messages: [], protocol: null, close: null, pong: false, error: null, status: null };
const ws = new WebSocket(url, scenario === 'protocol' ? ['chat', 'superchat'] : [], host ? { headers: { host } } : {});
// Exit once the line is written: a pipe takes large writes asynchronously.
let finished = false;
const done = () => {
  if (finished) return;
  finished = true;
  process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0));
};
setTimeout(() => { out.error = 'timeout'; done(); }, 10000);
ws.on('error', (e) => { out.error = String(e.message); });
ws.on('unexpected-response', (req, res) => {
  out.status = res.statusCode;
  let body = '';
  res.on('data', (c) => { body += c; });
  res.on('end', () => { out.error = 'status ' + res.statusCode + ': ' + body.slice(0, 200); done(); });
});
ws.on('close', (code, reason) => { out.close = [code, reason.toString()]; done(); });
ws.on('pong', () => { out.pong = true; });
ws.on('message', (data, isBinary) => {
  out.messages.push(isBinary ? ['binary', [...data]] : ['text', data.toString()]);
  if (scenario === 'echo' && out.messages.length === 4) ws.close(1000, 'client done');
  if (scenario === 'many' && out.messages.length === 1000) ws.close(1000, 'client done');
  if (scenario === 'hold') process.stderr.write('ready\n');  // the test may now stop the server
});
ws.on('open', () => {
  out.protocol = ws.protocol;
  if (scenario === 'echo') {
    ws.send('hello');
    ws.send(Buffer.from([1, 2, 3]));
    ws.ping('p');
    ws.send('é'.repeat(70000));  // 140 KB, several frames' worth
    ws.send('last');
  } else if (scenario === 'server-close') {
    ws.send('close');
  } else if (scenario === 'too-big') {
    ws.send('x'.repeat((1 << 20) + 1));
  } else if (scenario === 'many') {
    for (let i = 0; i < 1000; i++) ws.send('m' + i);
  } else if (scenario === 'hold') {
    ws.send('here');
  } else if (scenario === 'protocol') {
    ws.close(1000);
  }
});
