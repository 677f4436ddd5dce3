// Scores cache-tests results (http-cache-tests, https://cache-tests.fyi) the
// way cache-tests.fyi shows them, for verge and for the reverse proxies and
// CDN whose results the package ships.
//
//   node tests/conformance/score.mjs VERGE_JSON [--json OUT] [--failures] [--markdown]
//
// Every result is classified with the package's own determineTestResult()
// (lib/display.mjs), dependencies honoured, exactly as the web page does:
//   pass    ✅ / ●   the test passed (a "check" test answering yes counts here)
//   FAIL    ⛔️       a test whose kind is "required" failed: a conformance failure
//   optimal ⚠️       a test whose kind is "optimal" failed: allowed, not ideal
//   no      ○        a "check" test (behaviour survey) answered no
//   dep     ⚪️       a test it depends on did not pass, so it is not judged
//   other   🔹 ⁉️ ↻   setup failure, harness failure, or the cache retried
// Conformance failures (FAIL) are what make one cache "more correct" than
// another; the other columns describe behaviour.
//
// All implementations are scored over the same test ids: those that the
// package's suite defines for proxies and that verge's results and every
// shipped result file contain (Traffic Server's file predates some tests).
//
// --json OUT   also writes the scores (and verge's FAIL ids) as JSON.
// --failures   lists every verge result (of the common ids) that is not a
//              pass, by class, with the client's reason text.
// --markdown   prints the table as Markdown (for docs/caching.md).
// The last line is a one-line summary; the exit code is 0 unless the input
// cannot be read.
import fs from 'fs'
import path from 'path'
import { fileURLToPath, pathToFileURL } from 'url'

const here = path.dirname(fileURLToPath(import.meta.url))
const pkgDir = process.env.CACHE_TESTS_DIR ||
  path.join(here, '..', 'node_modules', 'http-cache-tests')

// The four implementations verge is compared against in
// tests/integration/test_conformance.py, then the other shipped proxies.
const PEERS = ['nginx', 'varnish', 'trafficserver', 'fastly']
const OTHERS = ['apache', 'squid', 'nuster']

async function load (rel) {
  return import(pathToFileURL(path.join(pkgDir, rel)).href)
}

function usage (msg) {
  console.error(`score.mjs: ${msg}\nusage: node score.mjs VERGE_JSON [--json OUT] [--failures] [--markdown]`)
  process.exit(2)
}

const args = process.argv.slice(2)
let vergeFile = null
let jsonOut = null
let listFailures = false
let markdown = false
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') jsonOut = args[++i]
  else if (args[i] === '--failures') listFailures = true
  else if (args[i] === '--markdown') markdown = true
  else if (args[i].startsWith('--')) usage(`unknown option ${args[i]}`)
  else vergeFile = args[i]
}
if (!vergeFile) usage('no verge results file given')
if (!fs.existsSync(path.join(pkgDir, 'tests', 'index.mjs'))) {
  usage(`http-cache-tests not found in ${pkgDir} (run scripts/setup.sh, or npm install in tests/)`)
}

const suites = (await load('tests/index.mjs')).default
suites.push((await load('tests/surrogate-control.mjs')).default) // as cli.mjs does
const display = await load('lib/display.mjs')
const index = (await load('results/index.mjs')).default

const tests = new Map()
for (const suite of suites) {
  for (const test of suite.tests) {
    if (test.browser_only === true) continue // the CLI (a proxy run) skips these
    tests.set(test.id, { ...test, suite: suite.name })
  }
}

const impls = [{ key: 'verge', name: 'verge', version: '(this tree)', results: readJson(vergeFile) }]
for (const key of [...PEERS, ...OTHERS]) {
  const entry = index.find(e => e.file === `${key}.json`) || { name: key, version: '?' }
  impls.push({
    key,
    name: entry.name,
    version: entry.version,
    results: readJson(path.join(pkgDir, 'results', `${key}.json`))
  })
}

function readJson (file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (err) {
    console.error(`score.mjs: cannot read ${file}: ${err.message}`)
    process.exit(2)
  }
}

// The common test ids, in suite order.
const ids = [...tests.keys()].filter(id => impls.every(impl => id in impl.results))
const dropped = [...tests.keys()].length - ids.length

// The symbol determineTestResult returns (its third field) names the class.
const CLASS = {
  '✅': 'pass',
  Y: 'pass',
  '⛔️': 'FAIL',
  '⚠️': 'optimal',
  N: 'no',
  '⚪️': 'dep',
  '🔹': 'other',
  '⁉️': 'other',
  '↻': 'other',
  '-': 'other'
}

function classify (impl, id) {
  const symbol = display.determineTestResult(suites, id, impl.results)[2]
  return CLASS[symbol] || 'other'
}

for (const impl of impls) {
  impl.score = { tests: ids.length, passed: 0, failed: 0, FAIL: 0, optimal: 0, no: 0, dep: 0, other: 0 }
  impl.byClass = { FAIL: [], optimal: [], no: [], dep: [], other: [] }
  for (const id of ids) {
    const cls = classify(impl, id)
    if (cls === 'pass') {
      impl.score.passed++
    } else {
      impl.score.failed++
      impl.score[cls]++
      impl.byClass[cls].push(id)
    }
  }
}

// The table.
const cols = [
  ['implementation', impl => `${impl.name} ${impl.version}`, 34],
  ['tests', impl => impl.score.tests, 6],
  ['passed', impl => impl.score.passed, 7],
  ['not passed', impl => impl.score.failed, 11],
  ['required ⛔', impl => impl.score.FAIL, 11],
  ['optimal ⚠', impl => impl.score.optimal, 10],
  ['check no', impl => impl.score.no, 9],
  ['dep ⚪', impl => impl.score.dep, 6],
  ['setup/other', impl => impl.score.other, 11]
]
const pad = (s, n, left) => left ? String(s).padEnd(n) : String(s).padStart(n)
if (markdown) {
  console.log(`| ${cols.map(([h]) => h).join(' | ')} |`)
  console.log(`| ${cols.map((c, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`)
  for (const impl of impls) console.log(`| ${cols.map(([, f]) => f(impl)).join(' | ')} |`)
} else {
  console.log(cols.map(([h, , w], i) => pad(h, w, i === 0)).join(' '))
  for (const impl of impls) {
    console.log(cols.map(([, f, w], i) => pad(f(impl), w, i === 0)).join(' '))
  }
}
console.log(`(${ids.length} test ids common to the suite, verge and every shipped result file;` +
  ` ${dropped} left out. "required ⛔" = conformance failures as cache-tests.fyi shows them.)`)

// verge ran every test of the suite; its conformance failures over all of
// them (not only the common ids) are what expected_failures.txt pins.
const verge = impls[0]
const vergeIds = [...tests.keys()].filter(id => id in verge.results)
const vergeFailAll = vergeIds.filter(id => classify(verge, id) === 'FAIL')
console.log(`verge over all ${vergeIds.length} tests it ran: ${vergeFailAll.length} conformance failures.`)

if (listFailures) {
  const labels = {
    FAIL: 'required (conformance) failures ⛔',
    optimal: 'optimal failures ⚠',
    no: 'checks answered no ○',
    dep: 'not judged: a dependency failed ⚪',
    other: 'setup / harness / retry'
  }
  for (const cls of Object.keys(labels)) {
    console.log(`\nverge ${labels[cls]}: ${verge.byClass[cls].length}`)
    for (const id of verge.byClass[cls]) {
      const r = verge.results[id]
      const why = Array.isArray(r) ? `${r[0]}: ${r[1]}` : String(r)
      console.log(`  ${id} [${tests.get(id).suite}] ${why}`)
    }
  }
}

const peers = impls.filter(impl => PEERS.includes(impl.key))
const best = peers.reduce((a, b) => (b.score.FAIL < a.score.FAIL ? b : a))
if (jsonOut) {
  fs.writeFileSync(jsonOut, JSON.stringify({
    test_ids: ids.length,
    scores: Object.fromEntries(impls.map(impl => [impl.key, impl.score])),
    verge_required_failures: verge.byClass.FAIL,
    verge_required_failures_all: vergeFailAll,
    best_peer: { key: best.key, required_failures: best.score.FAIL }
  }, null, 2) + '\n')
}

const verdict = verge.score.FAIL <= best.score.FAIL ? 'at or below' : 'ABOVE'
console.log(`\nsummary: verge has ${verge.score.FAIL} conformance failures over ${ids.length} tests; ` +
  `the best of ${PEERS.join('/')} is ${best.name} with ${best.score.FAIL}; verge is ${verdict} it.`)
