// Bundles a worker the way wrangler does, for `verge dev` and `verge serve`.
//
//   node tools/bundler/bundle.mjs <options.json>
//
// options.json (written by verge, src/edge/bundle.cc):
//   entry         absolute path of the entry module
//   root          the project folder (working directory, module names are relative to it)
//   outdir        where the output goes (emptied first)
//   format        "esm" (module syntax) or "iife" (a service-worker script)
//   nodejsCompat  true under the nodejs_compat flag: node:* specifiers stay
//                 imports of the runtime's modules
//   nodejsCompatV2  version 2 of it (from the compatibility date 2024-09-23,
//                 or the flag): bare built-in names (`buffer`) and require()
//                 of built-ins as well
//   define        { expression: replacement } ([define])
//   alias         { package: replacement } ([alias])
//   rules         [{ type, globs, fallthrough }] (wrangler's module rules)
//   minify, jsxFactory, jsxFragment, tsconfig   as wrangler's keys of those names
//
// Writes outdir/<entry name>.js (+ .map), outdir/meta.json (esbuild's
// metafile) and outdir/result.json:
//   { main, sourcemap, modules: [{ name, type, path }] }
// where modules lists the bundle and every file imported as a Text, Data or
// CompiledWasm module (kept out of the bundle, as wrangler does, and loaded
// by the runtime as modules of that type). On failure it prints esbuild's
// messages (with a hint where one helps) to stderr and exits 1.
import * as esbuild from 'esbuild';
import { builtinModules } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const options = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const root = options.root;
const outdir = options.outdir;

// wrangler's default module rules; a configured rule comes first, and hides
// the default rules of its type unless it says `fallthrough = true`.
const DEFAULT_RULES = [
  { type: 'Text', globs: ['**/*.txt', '**/*.html', '**/*.sql'] },
  { type: 'Data', globs: ['**/*.bin'] },
  { type: 'CompiledWasm', globs: ['**/*.wasm', '**/*.wasm?module'] },
];
const FILE_TYPES = { Text: 'text', Data: 'data', CompiledWasm: 'wasm' };

function moduleRules(configured) {
  const rules = [];
  const hidden = new Set();
  for (const rule of configured || []) {
    rules.push(rule);
    if (!rule.fallthrough) hidden.add(rule.type);
  }
  for (const rule of DEFAULT_RULES) if (!hidden.has(rule.type)) rules.push(rule);
  return rules;
}

// A wrangler glob as a regular expression over the import specifier.
function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') i++;
      re += '(?:.*/)?';
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`(^|/)${re}$`);
}

const modules = [];
const nodeBuiltins = new Set(builtinModules.filter((m) => !m.startsWith('_')));

// The node:* modules the runtime provides: the registry of src/node/index.js
// beside this bundler (null when the bundler was installed without it).
function runtimeNodeModules() {
  const index = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'src', 'node', 'index.js');
  if (!fs.existsSync(index)) return null;
  const text = fs.readFileSync(index, 'utf8');
  const body = text.slice(text.indexOf('const factories = {'), text.indexOf('};', text.indexOf('const factories = {')));
  return new Set([...body.matchAll(/^\s*'?([a-z_/]+)'?:\s*\(\)/gm)].map((m) => m[1]));
}
const providedNodeModules = runtimeNodeModules();

const workerPlugin = {
  name: 'verge-worker',
  setup(build) {
    // cloudflare:* modules are the runtime's.
    build.onResolve({ filter: /^cloudflare:/ }, (args) => ({ path: args.path, external: true }));
    if (options.nodejsCompat) {
      // node:* names are the runtime's Node.js modules.
      build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, external: true }));
    }
    if (options.nodejsCompatV2) {
      // require() of a built-in (npm packages in CommonJS): ESM output has no
      // require, so, as wrangler does, the call reads a module that imports
      // the runtime's module. One the runtime lacks fails when it is used,
      // not when the package loads (pg requires node:dns and never calls it).
      build.onResolve({ filter: /^(node:)?[a-z_]+(\/[a-z_]+)?$/ }, (args) => {
        if (args.kind !== 'require-call') return undefined;
        const name = args.path.replace(/^node:/, '');
        if (!nodeBuiltins.has(name)) return undefined;
        return { path: name, namespace: 'verge-node-require' };
      });
      build.onLoad({ filter: /.*/, namespace: 'verge-node-require' }, (args) => {
        const name = args.path;
        if (providedNodeModules && !providedNodeModules.has(name)) {
          const message = JSON.stringify(`verge does not provide the Node.js module "node:${name}"`);
          return {
            contents: `module.exports = new Proxy({}, { get(_, key) { if (typeof key === 'symbol' || key === '__esModule') return undefined; throw new Error(${message}); } });`,
            loader: 'js',
          };
        }
        return { contents: `import m from 'node:${name}'; module.exports = m;`, loader: 'js', resolveDir: root };
      });
      // Bare built-in names too (version 2 of nodejs_compat).
      build.onResolve({ filter: /^[a-z_]+(\/[a-z_]+)?$/ }, (args) =>
        nodeBuiltins.has(args.path) ? { path: `node:${args.path}`, external: true } : undefined);
    }
    // Text, Data and CompiledWasm modules: kept as modules of their own,
    // imported by their path relative to the project folder.
    for (const rule of moduleRules(options.rules)) {
      const type = FILE_TYPES[rule.type];
      if (!type) continue;  // ESModule/CommonJS: bundled as code
      for (const glob of rule.globs || []) {
        build.onResolve({ filter: globToRegExp(glob) }, async (args) => {
          if (args.pluginData === 'verge-resolving') return undefined;
          const specifier = args.path.replace(/\?module$/, '');
          let file;
          if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
            file = path.resolve(args.resolveDir, specifier);
          } else {
            const found = await build.resolve(specifier, {
              kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'verge-resolving',
            });
            if (found.errors.length) return { errors: found.errors };
            file = found.path;
          }
          const name = path.relative(root, file).split(path.sep).join('/');
          if (!modules.some((m) => m.name === name)) modules.push({ name, type, path: file });
          return { path: `./${name}`, external: true };
        });
      }
    }
  },
};

const define = { ...(options.define || {}) };
if (!options.nodejsCompat && !('process.env.NODE_ENV' in define)) {
  define['process.env.NODE_ENV'] = '"production"';
}
const entryName = path.basename(options.entry).replace(/\.(m?[jt]sx?|cjs|cts|mts)$/, '') + '.js';

fs.rmSync(outdir, { recursive: true, force: true });
fs.mkdirSync(outdir, { recursive: true });

let result;
try {
  result = await esbuild.build({
    entryPoints: [options.entry],
    absWorkingDir: root,
    bundle: true,
    format: options.format === 'iife' ? 'iife' : 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['workerd', 'worker', 'browser', 'module', 'main'],
    // JSX may appear in .js files, as wrangler allows.
    loader: { '.js': 'jsx', '.mjs': 'jsx', '.cjs': 'jsx' },
    keepNames: true,
    define,
    alias: options.alias || {},
    minify: !!options.minify,
    ...(options.jsxFactory ? { jsxFactory: options.jsxFactory } : {}),
    ...(options.jsxFragment ? { jsxFragment: options.jsxFragment } : {}),
    ...(options.tsconfig ? { tsconfig: options.tsconfig } : {}),
    sourcemap: 'external',
    sourcesContent: false,
    outfile: path.join(outdir, entryName),
    metafile: true,
    logLevel: 'silent',
    plugins: [workerPlugin],
  });
} catch (err) {
  const errors = err.errors || [{ text: String(err) }];
  const text = await esbuild.formatMessages(errors, { kind: 'error', color: false });
  process.stderr.write(text.join(''));
  const missing = errors.map((e) => /Could not resolve "(node:)?([^"/]+)/.exec(e.text || '')).find(
    (m) => m && (m[1] || nodeBuiltins.has(m[2])));
  if (missing && !options.nodejsCompat) {
    process.stderr.write(`hint: "${missing[1] || ''}${missing[2]}" is a Node.js built-in module. Add "nodejs_compat" ` +
      'to compatibility_flags in your wrangler config to use Node.js modules.\n');
  } else if (missing && !missing[1] && !options.nodejsCompatV2) {
    process.stderr.write(`hint: "${missing[2]}" is a Node.js built-in module. With nodejs_compat and a compatibility_date ` +
      `before 2024-09-23 (Node.js compatibility v1), only "node:${missing[2]}" works: import it with the node: prefix, ` +
      'or set compatibility_date to 2024-09-23 or later.\n');
  }
  process.exit(1);
}

fs.writeFileSync(path.join(outdir, 'meta.json'), JSON.stringify(result.metafile));
cheapenKeepNames(path.join(outdir, entryName), options.format !== 'iife');
// The map's sources relative to the project folder, as stack traces show them.
const mapFile = path.join(outdir, `${entryName}.map`);
const map = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
map.sources = map.sources.map((s) => path.relative(root, path.resolve(outdir, s)).split(path.sep).join('/'));
fs.writeFileSync(mapFile, JSON.stringify(map));
const out = {
  main: entryName,
  sourcemap: `${entryName}.map`,
  modules: [{ name: entryName, type: 'esm', path: path.join(outdir, entryName) }, ...modules],
};
fs.writeFileSync(path.join(outdir, 'result.json'), JSON.stringify(out));

// keepNames (wrangler's default) makes esbuild wrap functions in
// `__name(fn, "name")`, which is `Object.defineProperty(fn, "name", ...)`.
// Most wrapped functions are anonymous arrows (class fields: Hono's Context
// holds fifteen, made anew for every request), and in V8 each such call
// turns the closure into a dictionary-mode object: a Hono request spent
// more time there than in routing. In a module the helper asks the runtime
// (verge:bundle) to name the function literal itself, so later closures of
// it already have the name and skip the call; a name that is already right
// is left alone, as redefining it to the same value changes nothing. The
// helper keeps its place, so the source map stays right.
function cheapenKeepNames(file, esm) {
  const code = fs.readFileSync(file, 'utf8');
  const plain = 'var __name = (target, value) => __defProp(target, "name", { value, configurable: true });';
  const named = esm
    ? 'var __name = (target, value) => ' +
      'target.name === value || __vergeNameFunction(target, value) && target.name === value ? target : ' +
      '__defProp(target, "name", { value, configurable: true });'
    : 'var __name = (target, value) => target.name === value ? target : ' +
      '__defProp(target, "name", { value, configurable: true });';
  let patched = code.replace(plain, named);
  if (patched === code) {
    // The minified helper: var n=(e,t)=>r(e,"name",{value:t,configurable:!0});
    patched = code.replace(/([=,;\s]|^)(\w+)=\((\w+),(\w+)\)=>(\w+)\(\3,"name",\{value:\4,configurable:!0\}\)/m,
      (m, lead, name, t, v, def) => {
        const define = `${def}(${t},"name",{value:${v},configurable:!0})`;
        return esm
          ? `${lead}${name}=(${t},${v})=>${t}.name===${v}||__vergeNameFunction(${t},${v})&&${t}.name===${v}?${t}:${define}`
          : `${lead}${name}=(${t},${v})=>${t}.name===${v}?${t}:${define}`;
      });
  }
  if (patched === code) return;
  // Imports are hoisted: at the end, the import moves no mapped column.
  if (esm) patched += '\nimport { nameFunction as __vergeNameFunction } from "verge:bundle";\n';
  fs.writeFileSync(file, patched);
}
