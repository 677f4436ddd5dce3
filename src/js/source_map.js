'use strict';
// Maps stack traces of a bundled worker back to its source files, with the
// source maps the bundler wrote (native.sourceMap(moduleName) gives one as
// JSON text, or undefined). A map is decoded on the first stack that
// mentions its module; workers without errors never pay for it.

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

// The "mappings" string of a source map (version 3) as one array per
// generated line of [generatedColumn, source, line, column, ...] quads, in
// column order, all zero-based.
function decodeMappings(mappings) {
  const lines = [];
  let line = [];
  let genCol = 0, source = 0, srcLine = 0, srcCol = 0;
  const segment = [];
  const n = mappings.length;
  for (let i = 0; i <= n;) {
    const c = i < n ? mappings.charCodeAt(i) : 59;
    if (c === 59 || c === 44) {  // ';' ends a line, ',' a segment
      if (segment.length) {
        genCol += segment[0];
        if (segment.length >= 4) {
          source += segment[1];
          srcLine += segment[2];
          srcCol += segment[3];
          line.push(genCol, source, srcLine, srcCol);
        }
        segment.length = 0;
      }
      if (c === 59) {
        lines.push(line);
        line = [];
        genCol = 0;
      }
      i++;
      continue;
    }
    let value = 0, shift = 0, digit;
    do {
      digit = i < n ? B64_VALUE[mappings.charCodeAt(i++) & 127] : -1;
      if (digit < 0) return lines;  // malformed: keep what decoded
      value += (digit & 31) * 2 ** shift;
      shift += 5;
    } while (digit & 32);
    segment.push(value % 2 ? -Math.floor(value / 2) : value / 2);
  }
  return lines;
}

const maps = new Map();  // module name → { sources, lines } | null

function mapOf(name) {
  if (maps.has(name)) return maps.get(name);
  let map = null;
  try {
    const text = native.sourceMap(name);
    if (typeof text === 'string') {
      const json = JSON.parse(text);
      if (typeof json.mappings === 'string' && Array.isArray(json.sources)) {
        map = { sources: json.sources, lines: decodeMappings(json.mappings) };
      }
    }
  } catch {
    map = null;
  }
  maps.set(name, map);
  return map;
}

// The original position of 1-based (line, column) of module `name`.
function originalPosition(name, line, column) {
  const map = mapOf(name);
  const segments = map && map.lines[line - 1];
  if (!segments || segments.length === 0) return null;
  let found = -1;
  for (let i = 0; i < segments.length; i += 4) {
    if (segments[i] > column - 1) break;
    found = i;
  }
  if (found < 0) found = 0;
  const source = map.sources[segments[found + 1]];
  if (typeof source !== 'string') return null;
  return `${source}:${segments[found + 2] + 1}:${segments[found + 3] + 1}`;
}

const FRAME = /([\w@.\-/]+\.m?js):(\d+):(\d+)/g;

// `text` (a stack trace) with every position in a bundled module replaced
// by the position in the source file it came from.
internals.mapStack = (text) => {
  if (typeof text !== 'string' || !text.includes('.js:')) return text;
  return text.replace(FRAME, (whole, name, line, column) =>
    originalPosition(name, Number(line), Number(column)) ?? whole);
};
