// The oracle of the HTMLRewriter differential test: runs jobs (document,
// handler program, chunk sizes) through html-rewriter-wasm (lol-html in
// Wasm) and prints their outputs (base64) and handler logs as JSON.
// Input: a JSON array of jobs on stdin. worker.js does the same under verge.
import { HTMLRewriter } from 'html-rewriter-wasm';
import { programs, split } from './programs.js';

async function run(job) {
  const log = [];
  const out = [];
  let failed = false;
  const rw = new HTMLRewriter((chunk) => out.push(Buffer.from(chunk)));
  try {
    programs[job.program](rw, (entry) => log.push(entry));
    for (const c of split(Buffer.from(job.doc, 'utf8'), job.chunks)) await rw.write(c);
    await rw.end();
  } catch (e) {
    // The document failed (lol-html's strict mode): what went out before
    // and which handlers ran depend on buffering, so only the failure is
    // compared.
    log.length = 0;
    log.push(['fatal']);
    failed = true;
  } finally {
    rw.free();
  }
  return { output: failed ? '' : Buffer.concat(out).toString('base64'), log };
}

let input = '';
process.stdin.setEncoding('utf8');
for await (const part of process.stdin) input += part;
const results = [];
for (const job of JSON.parse(input)) results.push(await run(job));
process.stdout.write(JSON.stringify(results));
