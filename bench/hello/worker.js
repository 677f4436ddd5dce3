// Hello-world worker shared by every runtime in bench/hello.sh (verge and
// workerd load this same file as an ES module).
export default {
  async fetch(request, env, ctx) {
    return new Response("Hello World\n", {
      headers: { "content-type": "text/plain" },
    });
  },
};
