'use strict';
// node:process, as Workers has it: nextTick (a microtask, as workerd does),
// env (a plain object whose values read back as strings), platform,
// getBuiltinModule, version/versions, cwd, hrtime, emitWarning, and the
// EventEmitter methods Node's process has. There is no OS process behind
// it: argv is empty, pid and the like are absent.

const EventEmitter = require('./events.js');

// process.env: values are coerced to strings on write, as in Node.
const envTarget = Object.create(null);
const env = new Proxy(envTarget, {
  set(target, key, value) {
    if (typeof key === 'symbol') return Reflect.set(target, key, value);
    target[key] = String(value);
    return true;
  },
  defineProperty(target, key, desc) {
    if ('value' in desc && typeof key !== 'symbol') desc = { ...desc, value: String(desc.value) };
    return Reflect.defineProperty(target, key, desc);
  },
});

function nextTick(callback, ...args) {
  if (typeof callback !== 'function') {
    const err = new TypeError(`The "callback" argument must be of type function. Received ${typeof callback}`);
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  queueMicrotask(() => callback(...args));
}

// Monotonic time from the runtime's clock (milliseconds, fractional).
function hrtime(previous) {
  const ns = BigInt(Math.round(native.now() * 1e6));
  let sec = Number(ns / 1000000000n);
  let nsec = Number(ns % 1000000000n);
  if (previous !== undefined) {
    if (!Array.isArray(previous) || previous.length !== 2) {
      const err = new TypeError('The "time" argument must be an instance of Array of length 2');
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    sec -= previous[0];
    nsec -= previous[1];
    if (nsec < 0) { sec -= 1; nsec += 1e9; }
  }
  return [sec, nsec];
}
hrtime.bigint = () => BigInt(Math.round(native.now() * 1e6));

const process = new EventEmitter();
function emitWarning(warning, type, code) {
  if (typeof type === 'object' && type !== null) ({ type, code } = type);
  if (typeof warning === 'string') {
    const w = new Error(warning);
    w.name = typeof type === 'string' ? type : 'Warning';
    if (code !== undefined) w.code = code;
    warning = w;
  }
  queueMicrotask(() => {
    if (process.listenerCount('warning') > 0) process.emit('warning', warning);
    else native.log('warn', `(node) ${warning.name}: ${warning.message}`);
  });
}

Object.assign(process, {
  title: 'workerd',
  version: 'v22.14.0',
  versions: { node: '22.14.0' },
  platform: 'linux',
  arch: 'x64',
  release: { name: 'node' },
  argv: [],
  execArgv: [],
  env,
  features: { inspector: false, ipv6: true, tls_alpn: true, tls_sni: true, tls_ocsp: true, tls: true, cached_builtins: true, require_module: false, typescript: false },
  nextTick,
  hrtime,
  emitWarning,
  cwd: () => '/bundle',
  uptime: () => native.now() / 1000,
  getBuiltinModule: (id) => internals.nodeModule(id),
});
Object.defineProperty(process, Symbol.toStringTag, { value: 'process', configurable: true });

module.exports = process;
