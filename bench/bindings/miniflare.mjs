// Runs bench/bindings/worker.js under miniflare (the npm package pinned in
// bench/package.json) for bench/bindings.sh, with the same binding names as
// bench/bindings/wrangler.toml: KV namespace "KV" and D1 database "DB".
//
//   node bench/bindings/miniflare.mjs PORT PERSIST_DIR
//
// Listens on 127.0.0.1:PORT, persists KV and D1 under PERSIST_DIR, prints
// "miniflare ready on URL (workerd pid P)" once it accepts requests, and runs
// until SIGTERM/SIGINT, when it disposes of miniflare (stopping its workerd
// child) and exits.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
// Resolve miniflare from bench/node_modules whatever the working directory.
const require = createRequire(path.join(here, "..", "package.json"));
const { Miniflare, Log, LogLevel } = require("miniflare");

const [portArg, persistDir] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || port <= 0 || !persistDir) {
  console.error("usage: node miniflare.mjs PORT PERSIST_DIR");
  process.exit(2);
}

const mf = new Miniflare({
  host: "127.0.0.1",
  port,
  modules: true,
  scriptPath: path.join(here, "worker.js"),
  compatibilityDate: "2024-09-23",
  kvNamespaces: { KV: "bench-kv" },
  d1Databases: { DB: "bench-db" },
  kvPersist: path.join(persistDir, "kv"),
  d1Persist: path.join(persistDir, "d1"),
  cf: false, // placeholder request.cf; never fetch one
  log: new Log(LogLevel.WARN),
});

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  try {
    await mf.dispose();
  } catch (e) {
    console.error(`miniflare dispose after ${signal} failed:`, e);
  }
  process.exit(0);
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

try {
  const url = await mf.ready;
  console.log(`miniflare ready on ${url}`);
} catch (e) {
  console.error("miniflare failed to start:", e);
  process.exit(1);
}
// The workerd child keeps the event loop alive; nothing else to do.
