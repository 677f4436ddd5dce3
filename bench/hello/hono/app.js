// The Hono app of bench/hello.sh: 20 routes and one middleware, as a small
// real API would have. Each runtime gets it as its users deploy it: verge
// bundles this file at start (Hono from bench/node_modules), workerd runs
// the bundle `wrangler deploy` would upload (esbuild, wrangler's options).
// The benchmark requests GET /api/users/42/posts?limit=5, a route near the
// end of the table, so routing does real work.
import { Hono } from "hono";

const app = new Hono();

// Middleware: a request id and the time spent, on every response.
app.use("*", async (c, next) => {
  const started = Date.now();
  c.set("requestId", c.req.header("x-request-id") || "none");
  await next();
  c.header("x-request-id", c.get("requestId"));
  c.header("x-response-time", `${Date.now() - started}ms`);
});

app.get("/", (c) => c.text("home"));
app.get("/health", (c) => c.json({ ok: true }));
app.get("/about", (c) => c.html("<h1>about</h1>"));
app.get("/robots.txt", (c) => c.text("User-agent: *\nDisallow:\n"));
app.get("/api/status", (c) => c.json({ status: "up" }));
app.get("/api/users", (c) => c.json({ users: [], page: Number(c.req.query("page") || 1) }));
app.post("/api/users", async (c) => c.json(await c.req.json(), 201));
app.get("/api/users/:id", (c) => c.json({ id: c.req.param("id") }));
app.put("/api/users/:id", async (c) => c.json({ id: c.req.param("id"), ...(await c.req.json()) }));
app.delete("/api/users/:id", (c) => c.body(null, 204));
app.get("/api/users/:id/posts", (c) =>
  c.json({
    user: c.req.param("id"),
    limit: Number(c.req.query("limit") || 10),
    agent: c.req.header("user-agent") || null,
    posts: [],
  }, 200, { "cache-control": "no-store" }));
app.get("/api/users/:id/posts/:post", (c) => c.json({ user: c.req.param("id"), post: c.req.param("post") }));
app.get("/api/posts", (c) => c.json({ posts: [] }));
app.get("/api/posts/:slug", (c) => c.json({ slug: c.req.param("slug") }));
app.get("/api/tags/:tag", (c) => c.json({ tag: c.req.param("tag") }));
app.get("/api/search", (c) => c.json({ q: c.req.query("q") || "" }));
app.get("/static/*", (c) => c.text("static"));
app.get("/blog/:year/:month/:slug", (c) => c.json(c.req.param()));
app.get("/redirect", (c) => c.redirect("/"));
app.all("/echo", async (c) => c.text(await c.req.text()));
app.notFound((c) => c.json({ error: "not found" }, 404));

export default app;
