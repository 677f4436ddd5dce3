// The verge side of the HTMLRewriter differential test: POST a JSON array
// of jobs (document, handler program, chunk sizes); each runs through
// `new HTMLRewriter()` over a stream that delivers the document in those
// chunks, and the outputs (base64) and handler logs come back as JSON,
// as oracle.mjs gives them for lol-html.
import { programs, split } from './programs.js';

function base64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function run(job) {
  const log = [];
  const chunks = split(new TextEncoder().encode(job.doc), job.chunks);
  const body = new ReadableStream({
    pull(c) {
      if (chunks.length) c.enqueue(chunks.shift());
      else c.close();
    },
  });
  let output = new Uint8Array();
  let failed = false;
  try {
    const rw = new HTMLRewriter();
    programs[job.program](rw, (entry) => log.push(entry));
    const res = rw.transform(new Response(body, { headers: { 'content-type': 'text/html' } }));
    output = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    // The document failed (lol-html's strict mode): what went out before
    // and which handlers ran depend on buffering, so only the failure is
    // compared.
    log.length = 0;
    log.push(['fatal']);
    failed = true;
  }
  return { output: failed ? '' : base64(output), log };
}

export default {
  async fetch(request) {
    const jobs = await request.json();
    const results = [];
    for (const job of jobs) results.push(await run(job));
    return Response.json(results);
  },
};
