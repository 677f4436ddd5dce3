'use strict';
// The entry of the Node.js compatibility modules (nodejs_compat). Bundled
// by tools/bundler/build-node-compat.mjs into one runtime JS file of the
// usual shape (a body of `function (internals, native)`), loaded after
// globals.js in every isolate. Nothing here runs at load time except
// defining the registry: every module is a factory that runs on its first
// import, so an isolate that never imports `node:*` pays (almost) nothing.

const factories = {
  assert: () => require('./assert.js'),
  'assert/strict': () => require('./assert.js').strict,
  async_hooks: () => require('./async_hooks.js'),
  buffer: () => require('./buffer.js'),
  crypto: () => require('./crypto.js'),
  diagnostics_channel: () => require('./diagnostics_channel.js'),
  events: () => require('./events.js'),
  net: () => require('./net.js'),
  path: () => require('./path.js'),
  'path/posix': () => require('./path.js').posix,
  process: () => require('./process.js'),
  querystring: () => require('./querystring.js'),
  stream: () => require('./stream.js'),
  'stream/promises': () => require('./stream.js').promises,
  'stream/web': () => require('./stream_web.js'),
  string_decoder: () => require('./string_decoder.js'),
  timers: () => require('./timers.js'),
  tls: () => require('./tls.js'),
  'timers/promises': () => require('./timers.js').promises,
  url: () => require('./url.js'),
  util: () => require('./util.js'),
  'util/types': () => require('./util.js').types,
  zlib: () => require('./zlib.js'),
};

const names = Object.keys(factories);
const cache = new Map();

// The module's exports for `node:x` or `x`; undefined for anything else.
function nodeModule(specifier) {
  if (typeof specifier !== 'string') return undefined;
  const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  if (!Object.prototype.hasOwnProperty.call(factories, name)) return undefined;
  let exports = cache.get(name);
  if (exports === undefined) {
    exports = factories[name]();
    cache.set(name, exports);
  }
  return exports;
}

internals.nodeModule = nodeModule;
internals.nodeModuleNames = Object.freeze(names.flatMap((n) => ['node:' + n, n]));

// Called once per isolate for a worker with nodejs_compat: the globals
// Cloudflare adds (Buffer, process, global), and process.env filled from
// the env's string values (nodejs_compat_populate_process_env).
internals.installNodeGlobals = (global, env) => {
  const process = nodeModule('process');
  if (env !== null && typeof env === 'object') {
    for (const key of Object.keys(env)) {
      const value = env[key];
      if (typeof value === 'string') process.env[key] = value;
    }
  }
  const define = (name, value) =>
    Object.defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
  define('Buffer', nodeModule('buffer').Buffer);
  define('process', process);
  define('global', global);
};
