// Storage-binding worker shared by verge and miniflare in bench/bindings.sh
// (both load this same file as an ES module, with a KV namespace bound as KV
// and a D1 database bound as DB).
//
//   POST /seed?rows=N   body = the value of the hot KV key. Once, before the
//                       timed runs: (re)creates the tables, fills `items` with
//                       rows 1..N, empties `events`, puts KV "hot" = body.
//   GET  /kv            KV get of the hot key; answers its text.
//   GET  /d1/select?id=N
//                       point SELECT by primary key; answers the row as JSON,
//                       {"id":N,"name":"item-N","score":N*7}.
//   POST /d1/insert     INSERT of one row into `events` (payload = request
//                       body); answers {"last_row_id":N}.
//   GET  /d1/count      rows in `events` (read after the runs).
const HOT_KEY = "hot";

const json = (data, status = 200) =>
  new Response(JSON.stringify(data), {
    status,
    headers: { "content-type": "application/json" },
  });

async function seed(request, env, url) {
  const rows = Number(url.searchParams.get("rows") || "10000");
  if (!Number.isInteger(rows) || rows < 1 || rows > 10000000) {
    return json({ error: "bad rows" }, 400);
  }
  const value = await request.text();
  await env.DB.batch([
    env.DB.prepare("DROP TABLE IF EXISTS items"),
    env.DB.prepare("DROP TABLE IF EXISTS events"),
    env.DB.prepare(
      "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INTEGER NOT NULL)",
    ),
    env.DB.prepare(
      "CREATE TABLE events (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, created_at INTEGER NOT NULL)",
    ),
  ]);
  // One statement: a recursive CTE generates ids 1..rows.
  await env.DB.prepare(
    "INSERT INTO items (id, name, score) " +
      "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?1) " +
      "SELECT n, 'item-' || n, n * 7 FROM seq",
  )
    .bind(rows)
    .run();
  await env.KV.put(HOT_KEY, value);
  const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM items").first("n");
  return json({ items: count, kv_bytes: value.length });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/kv": {
        const value = await env.KV.get(HOT_KEY);
        if (value === null) return new Response("no hot key\n", { status: 404 });
        return new Response(value, { headers: { "content-type": "text/plain" } });
      }
      case "/d1/select": {
        const id = Number(url.searchParams.get("id"));
        const row = await env.DB.prepare("SELECT id, name, score FROM items WHERE id = ?1")
          .bind(id)
          .first();
        return row === null ? json({ error: "no such row", id }, 404) : json(row);
      }
      case "/d1/insert": {
        if (request.method !== "POST") return new Response("POST only\n", { status: 405 });
        const payload = await request.text();
        const result = await env.DB.prepare(
          "INSERT INTO events (payload, created_at) VALUES (?1, ?2)",
        )
          .bind(payload, Date.now())
          .run();
        return json({ last_row_id: result.meta.last_row_id });
      }
      case "/d1/count":
        return json({ n: await env.DB.prepare("SELECT COUNT(*) AS n FROM events").first("n") });
      case "/seed":
        if (request.method !== "POST") return new Response("POST only\n", { status: 405 });
        return seed(request, env, url);
      default:
        return new Response("not found\n", { status: 404 });
    }
  },
};
