// A/B testing and personalisation at the edge (docs/tutorial-ab-test.md).
//
// Every visitor gets the same page from the origin, cached once at the
// edge under its URL alone; the worker then rewrites it as it streams,
// for the visitor's variant of the page's experiment and for the visitor.
// The bucket is sticky (a cookie), so a visitor keeps seeing one variant.

const CONFIG_TTL_MS = 30_000;
const configs = new Map(); // path → { experiment, loaded }

// The experiment for a page path, from KV, kept in memory for 30 s so that
// a busy page does not read KV on every request. null: no experiment.
async function experimentFor(env, path) {
  const cached = configs.get(path);
  if (cached && Date.now() - cached.loaded < CONFIG_TTL_MS) return cached.experiment;
  const experiment = await env.EXPERIMENTS.get(path, "json");
  configs.set(path, { experiment, loaded: Date.now() });
  return experiment;
}

// The visitor's variant: the one their cookie names if it still exists,
// else one drawn by weight.
function pickVariant(experiment, cookies) {
  const wanted = cookies.get("ab_" + experiment.name);
  const known = experiment.variants.find((v) => v.id === wanted);
  if (known) return { variant: known, fresh: false };
  const total = experiment.variants.reduce((sum, v) => sum + (v.weight ?? 1), 0);
  let roll = Math.random() * total;
  for (const v of experiment.variants) {
    roll -= v.weight ?? 1;
    if (roll < 0) return { variant: v, fresh: true };
  }
  return { variant: experiment.variants[0], fresh: true };
}

function parseCookies(header) {
  const out = new Map();
  for (const part of (header || "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) out.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return out;
}

// The origin's page through the edge cache: one copy per URL, whoever asks.
async function originPage(request, env, ctx) {
  const url = new URL(request.url);
  const originUrl = new URL(url.pathname + url.search, env.ORIGIN);
  // The cache key is the origin URL with no cookies, no variant: the shared page.
  const key = new Request(originUrl.href, { method: "GET" });
  const cache = caches.default;
  const hit = await cache.match(key);
  if (hit) return hit;
  const fresh = await fetch(originUrl.href, { headers: { accept: request.headers.get("accept") || "text/html" } });
  if (fresh.ok && (fresh.headers.get("content-type") || "").includes("text/html")) {
    const stored = new Response(fresh.body, fresh);
    stored.headers.set("cache-control", "public, max-age=" + env.PAGE_TTL);
    stored.headers.delete("set-cookie");
    ctx.waitUntil(cache.put(key, stored.clone()));
    return stored;
  }
  return fresh;
}

export default {
  async fetch(request, env, ctx) {
    if (request.method !== "GET") return new Response("Method not allowed", { status: 405 });
    const url = new URL(request.url);
    const page = await originPage(request, env, ctx);
    const isHtml = (page.headers.get("content-type") || "").includes("text/html");
    const experiment = isHtml ? await experimentFor(env, url.pathname) : null;
    if (!experiment) return page;

    const cookies = parseCookies(request.headers.get("cookie"));
    const { variant, fresh } = pickVariant(experiment, cookies);
    const name = cookies.get("name");
    const country = request.cf && request.cf.country;

    let rewriter = new HTMLRewriter()
      .on("body", {
        element(e) {
          e.setAttribute("data-experiment", experiment.name);
          e.setAttribute("data-variant", variant.id);
        },
      })
      // Analytics see which variant was shown.
      .on("head", {
        element(e) {
          e.append(`<script>window.abVariant = ${JSON.stringify({ experiment: experiment.name, variant: variant.id })};</script>`,
            { html: true });
        },
      });
    // The variant's changes: text of elements, by selector.
    for (const [selector, text] of Object.entries(variant.text || {})) {
      rewriter = rewriter.on(selector, { element(e) { e.setInnerContent(text); } });
    }
    // Personalisation: who the visitor is, where they are.
    rewriter = rewriter.on("[data-greeting]", {
      element(e) {
        const who = name ? `Welcome back, ${name}` : "Welcome";
        e.setInnerContent(country ? `${who} (${country})` : who);
      },
    });

    const response = rewriter.transform(page);
    const headers = new Headers(response.headers);
    // This HTML is the visitor's own: no shared cache may keep it. The
    // shared page is the cached origin copy above.
    headers.set("cache-control", "private, no-store");
    headers.set("x-ab-variant", variant.id);
    if (fresh) {
      headers.append("set-cookie", `ab_${experiment.name}=${encodeURIComponent(variant.id)}; Path=/; Max-Age=2592000; SameSite=Lax`);
    }
    return new Response(response.body, { status: response.status, headers });
  },
};
