// The "realistic" worker of bench/hello.sh (issue 17): parse the URL, read a
// query parameter and a request header, answer JSON with a headers init.
// verge and workerd load this same file as an ES module.
export default {
  async fetch(req) {
    const url = new URL(req.url);
    if (url.pathname.startsWith("/api/")) {
      const id = url.searchParams.get("id") || "0";
      return Response.json(
        { id, path: url.pathname, ua: req.headers.get("user-agent") },
        { headers: { "cache-control": "no-store", "x-powered-by": "edge" } },
      );
    }
    return new Response("not found", { status: 404 });
  },
};
