// The smallest useful worker: a greeting, a JSON API route, and a streamed
// response. Run it with `build/verge dev examples/hello`.
import { json } from "./util.js";

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/api/time") {
      return json({ now: new Date().toISOString(), colo: request.cf.colo });
    }
    if (url.pathname === "/api/visits") {
      // A counter in KV (not atomic under concurrent writers, as on Cloudflare).
      const visits = Number((await env.VISITS.get("count")) ?? 0) + 1;
      await env.VISITS.put("count", String(visits));
      return json({ visits });
    }
    if (url.pathname === "/stream") {
      const encoder = new TextEncoder();
      const stream = new ReadableStream({
        start(controller) {
          for (let i = 1; i <= 3; i++) controller.enqueue(encoder.encode(`chunk ${i}\n`));
          controller.close();
        },
      });
      return new Response(stream, { headers: { "content-type": "text/plain" } });
    }
    return new Response(`${env.GREETING} from verge!\n`, {
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  },
};
