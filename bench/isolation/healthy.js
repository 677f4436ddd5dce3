// The healthy worker of bench/isolation.sh: a small JSON answer.
export default {
  async fetch(request) {
    const url = new URL(request.url);
    return Response.json({ ok: true, path: url.pathname });
  },
};
