'use strict';
// WHATWG URL Pattern Standard (https://urlpattern.spec.whatwg.org/): the
// pattern tokenizer and parser, the constructor string parser, per-component
// canonicalization, regular expression generation, and the URLPattern
// interface (plus the tentative URLPattern.compareComponent() and
// URLPattern.prototype.generate() that WPT tests).
//
// Publishes: internals.URLPattern.
// Uses:      internals.urlParser (url.js) for every canonicalization step, so
//            a pattern's fixed text is encoded exactly as URL would encode it.
//
// Implementation notes
// - Strings are handled as UTF-16; every index is a code unit index. The
//   standard counts code points, but it only ever uses indices to cut the
//   input, so code unit indices cut it at the same places.
// - The standard builds each component's regular expression with the `v`
//   flag. V8 10.2 has no `v` flag, so the `u` flag is used when `v` is not
//   available, and the character classes of custom regexp groups are
//   rewritten from `v` syntax into `u` syntax that matches the same code
//   points (nested classes, `--`, `&&`; see classesToUnicodeFlag()). The
//   remaining differences: `\q{...}` in a class is a TypeError, and the `i`
//   flag folds the case of a complemented class as `u` does.
// - Backtracking: the standard matches with backtracking RegExps, which
//   take time exponential (or polynomial of a high degree) in the input for
//   some patterns when a match fails. Two nested-quantifier shapes are
//   emitted as the equivalent single quantifier (wildcardRepeat()), and a
//   component whose parts could still compete for the same characters is
//   matched by a linear-time Pike VM compiled from the same parts, with the
//   same results (runProgram()). Components with a custom regexp group use
//   the RegExp as the author wrote it.

const {
  URLRecord, basicParse, serializePath, percentEncode, toUSVString,
  isSpecialScheme, defaultPort,
  USERINFO_SET, HOSTNAME, PORT, PATH_START, OPAQUE_PATH, QUERY, FRAGMENT,
} = internals.urlParser;

const ReflectApply = Reflect.apply;
const RegExpCtor = RegExp;
const RegExpPrototypeExec = RegExp.prototype.exec;
const ObjectKeys = Object.keys;
const ObjectFreeze = Object.freeze;
const ObjectCreate = Object.create;
const ObjectPrototypeHasOwnProperty = Object.prototype.hasOwnProperty;
const ObjectDefineProperty = Object.defineProperty;
const ObjectGetOwnPropertyNames = Object.getOwnPropertyNames;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;

function regExpExec(re, s) {
  return ReflectApply(RegExpPrototypeExec, re, [s]);
}

// The flag the standard asks for, when this V8 has it.
const kUnicodeSetsFlag = (() => {
  try {
    new RegExpCtor('', 'v');
    return 'v';
  } catch {
    return 'u';
  }
})();

const kSpecialSchemes = ['ftp', 'file', 'http', 'https', 'ws', 'wss'];
const kComponents = ['protocol', 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash'];

function typeError(message) {
  return new TypeError(message);
}

// ---------------------------------------------------------------------------
// Tokenizer (https://urlpattern.spec.whatwg.org/#tokenizing)

const T_OPEN = 0;
const T_CLOSE = 1;
const T_REGEXP = 2;
const T_NAME = 3;
const T_CHAR = 4;
const T_ESCAPED_CHAR = 5;
const T_OTHER_MODIFIER = 6;
const T_ASTERISK = 7;
const T_END = 8;
const T_INVALID_CHAR = 9;

const kIdentifierStart = /^[$_\p{ID_Start}]$/u;
const kIdentifierPart = /^[$\u200C\u200D\p{ID_Continue}]$/u;

function isValidNameCodePoint(cp, first) {
  if (cp === undefined) return false; // the first code point of empty text
  // Fast paths for ASCII, which is nearly every name.
  if (cp < 0x80) {
    if ((cp >= 0x61 && cp <= 0x7A) || (cp >= 0x41 && cp <= 0x5A) || cp === 0x24 || cp === 0x5F) return true;
    return !first && cp >= 0x30 && cp <= 0x39;
  }
  const s = String.fromCodePoint(cp);
  return regExpExec(first ? kIdentifierStart : kIdentifierPart, s) !== null;
}

function codePointSize(cp) {
  return cp > 0xFFFF ? 2 : 1;
}

function quote(s) {
  return JSON.stringify(s);
}

// Returns the token list of `input`. With `strict`, a tokenizing error
// throws a TypeError naming `what` (the component) and the position;
// otherwise it becomes an invalid-char token.
function tokenize(input, strict, what) {
  const tokens = [];
  const len = input.length;
  let index = 0;

  const add = (type, next, valueStart, valueEnd) => {
    tokens.push({ type, index, value: input.slice(valueStart, valueEnd) });
    index = next;
  };
  const error = (next, valueStart, reason) => {
    if (strict) {
      throw typeError(`Invalid ${what} pattern ${quote(input)}: ${reason} at index ${index}.`);
    }
    add(T_INVALID_CHAR, next, valueStart, next);
  };

  while (index < len) {
    const cp = input.codePointAt(index);
    let next = index + codePointSize(cp);
    switch (cp) {
      case 0x2A: // *
        add(T_ASTERISK, next, index, next);
        continue;
      case 0x2B: // +
      case 0x3F: // ?
        add(T_OTHER_MODIFIER, next, index, next);
        continue;
      case 0x5C: { // backslash
        if (next === len) {
          error(next, index, 'a "\\" must be followed by the character it escapes');
          continue;
        }
        const escapedIndex = next;
        next += codePointSize(input.codePointAt(next));
        add(T_ESCAPED_CHAR, next, escapedIndex, next);
        continue;
      }
      case 0x7B: // {
        add(T_OPEN, next, index, next);
        continue;
      case 0x7D: // }
        add(T_CLOSE, next, index, next);
        continue;
      case 0x3A: { // :
        const nameStart = next;
        let pos = nameStart;
        while (pos < len) {
          const c = input.codePointAt(pos);
          if (!isValidNameCodePoint(c, pos === nameStart)) break;
          pos += codePointSize(c);
        }
        if (pos <= nameStart) {
          error(nameStart, index, 'a ":" must be followed by a group name (a JavaScript identifier)');
          continue;
        }
        add(T_NAME, pos, nameStart, pos);
        continue;
      }
      case 0x28: { // (
        const start = next;
        let pos = start;
        let depth = 1;
        let reason = null;
        while (pos < len) {
          const c = input.codePointAt(pos);
          let after = pos + codePointSize(c);
          if (c > 0x7F) {
            reason = 'a regexp group may only contain ASCII characters';
            break;
          }
          if (pos === start && c === 0x3F) {
            reason = 'a regexp group may not start with "?"';
            break;
          }
          if (c === 0x5C) {
            if (after === len) {
              reason = 'a regexp group ends with an unfinished "\\" escape';
              break;
            }
            const d = input.codePointAt(after);
            if (d > 0x7F) {
              reason = 'a regexp group may only contain ASCII characters';
              break;
            }
            pos = after + 1;
            continue;
          }
          if (c === 0x29) {
            if (--depth === 0) {
              pos = after;
              break;
            }
          } else if (c === 0x28) {
            depth++;
            if (after === len) {
              reason = 'a regexp group is not closed';
              break;
            }
            if (input.charCodeAt(after) !== 0x3F) {
              reason = 'a nested group in a regexp group must be non-capturing ("(?:" or a lookaround)';
              break;
            }
          }
          pos = after;
        }
        if (reason === null && depth !== 0) reason = 'a regexp group is not closed';
        if (reason === null && pos - start - 1 === 0) reason = 'a regexp group is empty';
        if (reason !== null) {
          error(start, index, reason);
          continue;
        }
        add(T_REGEXP, pos, start, pos - 1);
        continue;
      }
      default:
        add(T_CHAR, next, index, next);
    }
  }
  add(T_END, index, index, index);
  return tokens;
}

// ---------------------------------------------------------------------------
// Parts and options (https://urlpattern.spec.whatwg.org/#parsing)

const P_FIXED = 0;
const P_REGEXP = 1;
const P_SEGMENT_WILDCARD = 2;
const P_FULL_WILDCARD = 3;

const M_NONE = 0;
const M_OPTIONAL = 1;
const M_ZERO_OR_MORE = 2;
const M_ONE_OR_MORE = 3;

const kFullWildcardRegexp = '.*';

function makeOptions(delimiter, prefix, ignoreCase) {
  return ObjectFreeze({ delimiter, prefix, ignoreCase });
}
const kDefaultOptions = makeOptions('', '', false);
const kHostnameOptions = makeOptions('.', '', false);

function modifierString(m) {
  switch (m) {
    case M_ZERO_OR_MORE: return '*';
    case M_OPTIONAL: return '?';
    case M_ONE_OR_MORE: return '+';
    default: return '';
  }
}

function escapeRegexpString(s) {
  return s.replace(/[.+*?^${}()[\]|/\\]/g, '\\$&');
}

function escapePatternString(s) {
  return s.replace(/[+*?:{}()\\]/g, '\\$&');
}

function segmentWildcardRegexp(options) {
  return '[^' + escapeRegexpString(options.delimiter) + ']+?';
}

// Parses `input` into a part list; `encode` is the component's encoding
// callback, applied to every piece of fixed text.
function parsePatternString(input, options, encode, what) {
  const tokens = tokenize(input, true, what);
  const segmentWildcard = segmentWildcardRegexp(options);
  const parts = [];
  const names = new Set();
  let pending = '';
  let index = 0;
  let nextNumericName = 0;

  const tryConsume = (type) => {
    const token = tokens[index];
    if (token.type !== type) return null;
    index++;
    return token;
  };
  const tryConsumeModifier = () => tryConsume(T_OTHER_MODIFIER) || tryConsume(T_ASTERISK);
  const tryConsumeRegexpOrWildcard = (nameToken) => {
    const token = tryConsume(T_REGEXP);
    if (nameToken === null && token === null) return tryConsume(T_ASTERISK);
    return token;
  };
  const consumeRequired = (type, expected) => {
    const token = tryConsume(type);
    if (token === null) {
      const found = tokens[index];
      const got = found.type === T_END ? 'the end of the pattern' : quote(found.value);
      throw typeError(`Invalid ${what} pattern ${quote(input)}: expected ${expected} but found ${got} at index ${found.index}.`);
    }
    return token;
  };
  const consumeText = () => {
    let result = '';
    for (;;) {
      const token = tryConsume(T_CHAR) || tryConsume(T_ESCAPED_CHAR);
      if (token === null) return result;
      result += token.value;
    }
  };
  const flushPending = () => {
    if (pending === '') return;
    const value = encode(pending);
    pending = '';
    parts.push({ type: P_FIXED, value, modifier: M_NONE, name: '', prefix: '', suffix: '' });
  };
  const addPart = (prefix, nameToken, regexpOrWildcardToken, suffix, modifierToken) => {
    let modifier = M_NONE;
    if (modifierToken !== null) {
      const v = modifierToken.value;
      modifier = v === '?' ? M_OPTIONAL : v === '*' ? M_ZERO_OR_MORE : M_ONE_OR_MORE;
    }
    if (nameToken === null && regexpOrWildcardToken === null && modifier === M_NONE) {
      // A "{foo}" group: plain text, merged with its neighbours.
      pending += prefix;
      return;
    }
    flushPending();
    if (nameToken === null && regexpOrWildcardToken === null) {
      // A "{foo}?" group: text with a modifier, a part of its own.
      if (prefix === '') return;
      parts.push({ type: P_FIXED, value: encode(prefix), modifier, name: '', prefix: '', suffix: '' });
      return;
    }
    let value;
    if (regexpOrWildcardToken === null) value = segmentWildcard;
    else if (regexpOrWildcardToken.type === T_ASTERISK) value = kFullWildcardRegexp;
    else value = regexpOrWildcardToken.value;
    let type = P_REGEXP;
    if (value === segmentWildcard) {
      type = P_SEGMENT_WILDCARD;
      value = '';
    } else if (value === kFullWildcardRegexp) {
      type = P_FULL_WILDCARD;
      value = '';
    }
    let name;
    if (nameToken !== null) {
      name = nameToken.value;
    } else {
      name = `${nextNumericName++}`;
    }
    if (names.has(name)) {
      throw typeError(`Invalid ${what} pattern ${quote(input)}: the group name ${quote(name)} is used twice.`);
    }
    names.add(name);
    parts.push({ type, value, modifier, name, prefix: encode(prefix), suffix: encode(suffix) });
  };

  while (index < tokens.length) {
    const charToken = tryConsume(T_CHAR);
    let nameToken = tryConsume(T_NAME);
    let regexpOrWildcardToken = tryConsumeRegexpOrWildcard(nameToken);
    if (nameToken !== null || regexpOrWildcardToken !== null) {
      let prefix = charToken === null ? '' : charToken.value;
      if (prefix !== '' && prefix !== options.prefix) {
        pending += prefix;
        prefix = '';
      }
      flushPending();
      const modifierToken = tryConsumeModifier();
      addPart(prefix, nameToken, regexpOrWildcardToken, '', modifierToken);
      continue;
    }
    const fixedToken = charToken || tryConsume(T_ESCAPED_CHAR);
    if (fixedToken !== null) {
      pending += fixedToken.value;
      continue;
    }
    if (tryConsume(T_OPEN) !== null) {
      const prefix = consumeText();
      nameToken = tryConsume(T_NAME);
      regexpOrWildcardToken = tryConsumeRegexpOrWildcard(nameToken);
      const suffix = consumeText();
      consumeRequired(T_CLOSE, 'a "}" to close the "{" group');
      const modifierToken = tryConsumeModifier();
      addPart(prefix, nameToken, regexpOrWildcardToken, suffix, modifierToken);
      continue;
    }
    flushPending();
    consumeRequired(T_END, 'text, a group or the end of the pattern');
  }
  return parts;
}

// ---------------------------------------------------------------------------
// `v`-flag character classes under the `u` flag
//
// The standard compiles custom regexp groups with the `v` flag, whose
// character classes differ from `u`'s: they nest, they have set operations
// (`A--B`, `A&&B`), they allow escaping any punctuator, and they reject some
// characters `u` takes literally. Without `v` (V8 10.2), each class of a
// custom regexp group is rewritten into `u` syntax matching the same code
// points, and the class syntax `v` rejects throws, so a pattern means the
// same under both flags. With the `i` flag, `v` complements a class after
// case folding (so `[^a]`, `\P{Ll}` and `\W` exclude both cases of what
// they name); those become negative lookaheads, `(?:(?!X)[^])`, which do
// the same. Not rewritten: `\q{...}` string alternatives (a TypeError here).

const kClassSyntaxCharacters = '()[]{}/-\\|';
const kDoublePunctuators = '&!#$%*+,.:;<=>?@^`~';

function classError(source, reason) {
  return new SyntaxError(`Invalid regular expression /${source}/v: ${reason}`);
}

function hexEscape(c) {
  return '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
}

// A code point as it may stand in a `u` class: letters and digits as they
// are, other ASCII escaped, so no rewrite can turn it into syntax.
function classChar(c) {
  return /^[A-Za-z0-9]$/.test(c) || c.length > 1 || c.charCodeAt(0) > 0x7F ? c : hexEscape(c);
}

// A complemented class escape (\D, \S, \W, \P{...}) under the `i` flag:
// what the escape's positive form does not match in either case.
function complementEscape(text) {
  const positive = text[1] === 'P' ? '\\p' + text.slice(2) : text.toLowerCase();
  return '(?:(?!' + positive + ')[^])';
}

// Reads the escape at source[i] (a backslash) inside a `v` class. Returns
// { kind: 'char' | 'escape' | 'nested', text, end }.
function classEscape(source, i, ignoreCase) {
  const d = source[i + 1];
  if (d === undefined) throw classError(source, 'unterminated escape');
  if ('dDsSwW'.includes(d)) {
    const text = '\\' + d;
    if (ignoreCase && 'DSW'.includes(d)) return { kind: 'nested', text: complementEscape(text), end: i + 2 };
    return { kind: 'escape', text, end: i + 2 };
  }
  if (d === 'p' || d === 'P') {
    const close = source.indexOf('}', i);
    if (source[i + 2] !== '{' || close === -1) throw classError(source, 'invalid property name');
    const text = source.slice(i, close + 1);
    if (ignoreCase && d === 'P') return { kind: 'nested', text: complementEscape(text), end: close + 1 };
    return { kind: 'escape', text, end: close + 1 };
  }
  if (d === 'q') throw classError(source, '\\q{...} string alternatives are not supported without the v flag');
  const fixed = /^\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|u\{[0-9A-Fa-f]+\}|c[A-Za-z]|0(?![0-9])|[bfnrtv])/.exec(source.slice(i, i + 12));
  if (fixed !== null) return { kind: 'char', text: fixed[0], end: i + fixed[0].length };
  if ('&-!#%,:;<=>@`~'.includes(d) || kClassSyntaxCharacters.includes(d) || '^$.*+?'.includes(d)) {
    return { kind: 'char', text: hexEscape(d), end: i + 2 };
  }
  throw classError(source, `invalid escape "\\${d}" in a class`);
}

// Rewrites the class that starts at source[start] ("["). Returns
// { text, end } with `text` a `u`-flag expression matching one code point.
function translateClass(source, start, ignoreCase) {
  let i = start + 1;
  let negated = false;
  if (source[i] === '^') {
    negated = true;
    i++;
  }
  const items = []; // { kind: 'char' | 'escape' | 'range' | 'nested' | 'op', text }
  for (;;) {
    if (i >= source.length) throw classError(source, 'unterminated character class');
    const c = source[i];
    if (c === ']') {
      i++;
      break;
    }
    if (c === '[') {
      const nested = translateClass(source, i, ignoreCase);
      items.push({ kind: 'nested', text: nested.text });
      i = nested.end;
      continue;
    }
    if ((c === '-' || c === '&') && source[i + 1] === c) {
      if (c === '&' && source[i + 2] === '&') throw classError(source, '"&&&" in a class');
      items.push({ kind: 'op', text: c + c });
      i += 2;
      continue;
    }
    if (c === '-') {
      // A range: the character before and the one after.
      const from = items[items.length - 1];
      let to;
      if (source[i + 1] === '\\') to = classEscape(source, i + 1, ignoreCase);
      else if (source[i + 1] !== undefined && !kClassSyntaxCharacters.includes(source[i + 1])) {
        const ch = String.fromCodePoint(source.codePointAt(i + 1));
        if (kDoublePunctuators.includes(ch) && source[i + 2] === ch) {
          throw classError(source, `"${ch}${ch}" is reserved in a class`);
        }
        to = { kind: 'char', text: classChar(ch), end: i + 1 + ch.length };
      }
      if (from === undefined || from.kind !== 'char' || to === undefined || to.kind !== 'char') {
        throw classError(source, 'a "-" in a class must be escaped unless it makes a range');
      }
      items[items.length - 1] = { kind: 'range', text: from.text + '-' + to.text };
      i = to.end;
      continue;
    }
    if (c === '\\') {
      const e = classEscape(source, i, ignoreCase);
      items.push({ kind: e.kind, text: e.text });
      i = e.end;
      continue;
    }
    if (kClassSyntaxCharacters.includes(c)) throw classError(source, `"${c}" must be escaped in a class`);
    if (kDoublePunctuators.includes(c) && source[i + 1] === c) throw classError(source, `"${c}${c}" is reserved in a class`);
    const ch = String.fromCodePoint(source.codePointAt(i));
    items.push({ kind: 'char', text: classChar(ch) });
    i += ch.length;
  }

  let text;
  const ops = items.filter((item) => item.kind === 'op');
  if (ops.length > 0) {
    // A--B--C or A&&B&&C: operands are single characters, escapes or classes.
    const op = ops[0].text;
    if (items.length !== ops.length * 2 + 1) throw classError(source, `"${op}" needs an operand on each side`);
    const operands = [];
    for (let k = 0; k < items.length; k++) {
      const item = items[k];
      if (k % 2 === 1) {
        if (item.kind !== 'op' || item.text !== op) throw classError(source, 'mixed "--" and "&&" need nested classes');
        continue;
      }
      if (item.kind === 'op' || item.kind === 'range') throw classError(source, `a range cannot be an operand of "${op}"`);
      operands.push(item.kind === 'nested' ? item.text : '[' + item.text + ']');
    }
    const look = op === '--' ? '(?!' : '(?=';
    text = '(?:' + operands.slice(1).map((o) => look + o + ')').join('') + operands[0] + ')';
  } else {
    const plain = items.filter((item) => item.kind !== 'nested').map((item) => item.text).join('');
    const nested = items.filter((item) => item.kind === 'nested').map((item) => item.text);
    if (nested.length === 0 && (!negated || !ignoreCase)) {
      return { text: '[' + (negated ? '^' : '') + plain + ']', end: i };
    }
    if (plain !== '' || nested.length === 0) nested.unshift('[' + plain + ']');
    text = nested.length === 1 ? nested[0] : '(?:' + nested.join('|') + ')';
  }
  if (negated) text = '(?:(?!' + text + ')[^])';
  return { text, end: i };
}

// Rewrites every class of a custom regexp group for the `u` flag (and,
// with `i`, the complemented class escapes outside classes); the rest of
// the syntax is the same under both flags.
function classesToUnicodeFlag(source, ignoreCase) {
  if (!source.includes('[') && !(ignoreCase && /\\[DSWP]/.test(source))) return source;
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') {
      const d = source[i + 1];
      if (ignoreCase && (d === 'D' || d === 'S' || d === 'W' || (d === 'P' && source[i + 2] === '{'))) {
        const e = classEscape(source, i, true);
        out += e.text;
        i = e.end;
        continue;
      }
      out += source.slice(i, i + 2);
      i += 2;
    } else if (c === '[') {
      const r = translateClass(source, i, ignoreCase);
      out += r.text;
      i = r.end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Part list to regular expression and to pattern string
// (https://urlpattern.spec.whatwg.org/#converting-part-lists-to-regular-expressions)

// The capturing group of a repeated wildcard part, as one quantifier over
// the wildcard's character set where the standard's form nests quantifiers.
// The standard's `((?:[^/]+?)+)` and `((?:.*)(?:<suffix><prefix>(?:.*))*)`
// match the same strings as `([^/]+)` and `(.*)`, and try the possible ends
// of the group in the same order (longest first), so every match and every
// captured value is the same; but when the rest of the pattern fails they
// retry every way of splitting the text between iterations, which takes
// time exponential in the input length. Returns null for the other shapes
// (a segment wildcard with a prefix or suffix, or a custom regexp), which
// are emitted as the standard writes them.
function wildcardRepeat(part, options) {
  if (part.type === P_FULL_WILDCARD) return '(' + kFullWildcardRegexp + ')';
  if (part.type === P_SEGMENT_WILDCARD && part.prefix === '' && part.suffix === '') {
    const set = '[^' + escapeRegexpString(options.delimiter) + ']';
    return '(' + set + (part.modifier === M_ZERO_OR_MORE ? '*' : '+') + ')';
  }
  return null;
}

function generateRegexp(parts, options) {
  let result = '^';
  const names = [];
  for (const part of parts) {
    if (part.type === P_FIXED) {
      if (part.modifier === M_NONE) {
        result += escapeRegexpString(part.value);
      } else {
        result += '(?:' + escapeRegexpString(part.value) + ')' + modifierString(part.modifier);
      }
      continue;
    }
    names.push(part.name);
    let value = part.value;
    if (part.type === P_REGEXP && kUnicodeSetsFlag === 'u') value = classesToUnicodeFlag(value, options.ignoreCase);
    if (part.type === P_SEGMENT_WILDCARD) value = segmentWildcardRegexp(options);
    else if (part.type === P_FULL_WILDCARD) value = kFullWildcardRegexp;
    const repeated = part.modifier === M_ZERO_OR_MORE || part.modifier === M_ONE_OR_MORE;
    const prefix = escapeRegexpString(part.prefix);
    const suffix = escapeRegexpString(part.suffix);
    if (part.prefix === '' && part.suffix === '') {
      if (!repeated) {
        result += '(' + value + ')' + modifierString(part.modifier);
      } else {
        result += wildcardRepeat(part, options) ||
          '((?:' + value + ')' + modifierString(part.modifier) + ')';
      }
      continue;
    }
    if (!repeated) {
      result += '(?:' + prefix + '(' + value + ')' + suffix + ')' + modifierString(part.modifier);
      continue;
    }
    const group = wildcardRepeat(part, options) ||
      '((?:' + value + ')(?:' + suffix + prefix + '(?:' + value + '))*)';
    result += '(?:' + prefix + group + suffix + ')';
    if (part.modifier === M_ZERO_OR_MORE) result += '?';
  }
  result += '$';
  return { source: result, names };
}

function isASCIIDigitChar(s) {
  const c = s.charCodeAt(0);
  return c >= 0x30 && c <= 0x39;
}

function generatePatternString(parts, options) {
  let result = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const previous = i > 0 ? parts[i - 1] : null;
    const next = i < parts.length - 1 ? parts[i + 1] : null;
    if (part.type === P_FIXED) {
      if (part.modifier === M_NONE) {
        result += escapePatternString(part.value);
      } else {
        result += '{' + escapePatternString(part.value) + '}' + modifierString(part.modifier);
      }
      continue;
    }
    const customName = !isASCIIDigitChar(part.name);
    let needsGrouping = part.suffix !== '' || (part.prefix !== '' && part.prefix !== options.prefix);
    if (!needsGrouping && customName && part.type === P_SEGMENT_WILDCARD &&
        part.modifier === M_NONE && next !== null && next.prefix === '' && next.suffix === '') {
      if (next.type === P_FIXED) {
        needsGrouping = isValidNameCodePoint(next.value.codePointAt(0), false);
      } else {
        needsGrouping = isASCIIDigitChar(next.name);
      }
    }
    if (!needsGrouping && part.prefix === '' && previous !== null && previous.type === P_FIXED &&
        previous.value !== '' && previous.value[previous.value.length - 1] === options.prefix) {
      needsGrouping = true;
    }
    if (needsGrouping) result += '{';
    result += escapePatternString(part.prefix);
    if (customName) result += ':' + part.name;
    if (part.type === P_REGEXP) {
      result += '(' + part.value + ')';
    } else if (part.type === P_SEGMENT_WILDCARD && !customName) {
      result += '(' + segmentWildcardRegexp(options) + ')';
    } else if (part.type === P_FULL_WILDCARD) {
      if (!customName && (previous === null || previous.type === P_FIXED ||
          previous.modifier !== M_NONE || needsGrouping || part.prefix !== '')) {
        result += '*';
      } else {
        result += '(' + kFullWildcardRegexp + ')';
      }
    }
    if (part.type === P_SEGMENT_WILDCARD && customName && part.suffix !== '' &&
        isValidNameCodePoint(part.suffix.codePointAt(0), false)) {
      result += '\\';
    }
    result += escapePatternString(part.suffix);
    if (needsGrouping) result += '}';
    result += modifierString(part.modifier);
  }
  return result;
}

// ---------------------------------------------------------------------------
// Linear-time matching
//
// The standard matches each component with a backtracking RegExp. A
// component with two or more quantified parts (wildcards, optional or
// repeated text) can make that take time polynomial in the input with a
// degree of the number of parts (`*a*a*a*b`), or exponential (`{x:a}+` in a
// hostname, where the repeat's own text can also be matched by the
// wildcard). Such components, when they have no custom regexp group, are
// matched instead by a Pike VM (a thread list run over the input once)
// compiled from the same part list as the RegExp, with the same structure.
// A Pike VM that keeps its threads in priority order finds the match a
// backtracking engine finds first, with the same captures; it takes time
// proportional to input length times program length. Components with a
// custom regexp group, and simple ones, use the RegExp.

const kLinearMatching = true;

const I_CHAR = 0; // consume one code point for which inst.test(cp) is true
const I_SPLIT = 1; // go on at inst.x, then (lower priority) at inst.y
const I_JMP = 2; // go on at inst.x
const I_SAVE = 3; // record the position in capture slot inst.n
const I_MATCH = 4; // the end of the pattern: a match if at the end of input

function isLineTerminator(cp) {
  return cp === 0x0A || cp === 0x0D || cp === 0x2028 || cp === 0x2029;
}

// A test for one code point of fixed text, as a RegExp with the `u` (and
// `i`) flag compares it.
function charTest(ch, ignoreCase) {
  const cp = ch.codePointAt(0);
  if (!ignoreCase) return (c) => c === cp;
  // ASCII input (nearly all, as inputs are canonicalized URLs) is compared
  // directly; other code points as the RegExp would (K matches U+212A).
  const lower = ch.toLowerCase().codePointAt(0);
  const upper = ch.toUpperCase().codePointAt(0);
  const re = new RegExpCtor('^' + escapeRegexpString(ch) + '$', 'ui');
  if (cp > 0x7F) return (c) => c === cp || regExpExec(re, String.fromCodePoint(c)) !== null;
  return (c) => c === lower || c === upper ||
    (c > 0x7F && regExpExec(re, String.fromCodePoint(c)) !== null);
}

// Whether a RegExp for `parts` can backtrack more than linearly: when two
// quantified parts (wildcards, text with a modifier) can compete for the
// same characters, or one repeated segment wildcard's own prefix and suffix
// can be matched by the wildcard (its form nests quantifiers). Fixed text
// that contains the delimiter separates competitors, unless a full wildcard
// before it can match across. False when there is a custom regexp group,
// which only a RegExp can run.
function needsLinearMatching(parts, options) {
  const delimiter = options.delimiter;
  let quantified = 0;
  let crossing = false;
  for (const part of parts) {
    if (part.type === P_REGEXP) return false;
    if (part.type === P_FIXED && part.modifier === M_NONE) {
      if (delimiter !== '' && !crossing && part.value.includes(delimiter)) quantified = 0;
      continue;
    }
    quantified++;
    if (part.type === P_FULL_WILDCARD) crossing = true;
    if (part.type === P_SEGMENT_WILDCARD &&
        (part.modifier === M_ZERO_OR_MORE || part.modifier === M_ONE_OR_MORE) &&
        (part.prefix !== '' || part.suffix !== '') &&
        (delimiter === '' || !(part.suffix + part.prefix).includes(delimiter))) {
      quantified++;
    }
    if (quantified >= 2) return true;
  }
  return false;
}

// Compiles a part list into a program equivalent to generateRegexp()'s
// regular expression (including its wildcardRepeat() forms).
function compileProgram(parts, options) {
  const prog = [];
  const emit = (inst) => prog.push(inst) - 1;
  const here = () => prog.length;
  const ignoreCase = options.ignoreCase;
  const delimiter = options.delimiter === '' ? -1 : options.delimiter.charCodeAt(0);
  const notDelimiter = (c) => c !== delimiter;
  const notLineTerminator = (c) => !isLineTerminator(c);
  const literal = (text) => {
    for (const ch of text) emit({ op: I_CHAR, test: charTest(ch, ignoreCase) });
  };
  // (?:body)? greedy
  const optional = (body) => {
    const split = emit({ op: I_SPLIT, x: 0, y: 0 });
    prog[split].x = here();
    body();
    prog[split].y = here();
  };
  // (?:body)* greedy
  const zeroOrMore = (body) => {
    const split = emit({ op: I_SPLIT, x: 0, y: 0 });
    prog[split].x = here();
    body();
    emit({ op: I_JMP, x: split });
    prog[split].y = here();
  };
  // (?:body)+ greedy
  const oneOrMore = (body) => {
    const start = here();
    body();
    emit({ op: I_SPLIT, x: start, y: here() + 1 });
  };
  const withModifier = (modifier, body) => {
    if (modifier === M_OPTIONAL) optional(body);
    else if (modifier === M_ZERO_OR_MORE) zeroOrMore(body);
    else if (modifier === M_ONE_OR_MORE) oneOrMore(body);
    else body();
  };
  const charClass = (test) => () => emit({ op: I_CHAR, test });
  // [^<delimiter>]+? : lazy, the loop's exit first
  const segment = () => {
    const start = emit({ op: I_CHAR, test: notDelimiter });
    emit({ op: I_SPLIT, x: here() + 1, y: start });
  };
  const fullWildcard = () => zeroOrMore(charClass(notLineTerminator));
  let group = 0;
  const capture = (body) => {
    const n = ++group;
    emit({ op: I_SAVE, n: 2 * n });
    body();
    emit({ op: I_SAVE, n: 2 * n + 1 });
  };

  for (const part of parts) {
    if (part.type === P_FIXED) {
      withModifier(part.modifier, () => literal(part.value));
      continue;
    }
    const value = part.type === P_SEGMENT_WILDCARD ? segment : fullWildcard;
    const repeated = part.modifier === M_ZERO_OR_MORE || part.modifier === M_ONE_OR_MORE;
    if (part.prefix === '' && part.suffix === '') {
      if (!repeated && part.type === P_FULL_WILDCARD && part.modifier === M_OPTIONAL) {
        // `(.*)?`: a RegExp rejects an iteration of `?` that matches the
        // empty string, so the group is undefined rather than "" when
        // nothing is left: the same as `(.+)?`.
        optional(() => capture(() => oneOrMore(charClass(notLineTerminator))));
      } else if (!repeated) {
        withModifier(part.modifier, () => capture(value));
      } else if (part.type === P_FULL_WILDCARD) {
        capture(fullWildcard);
      } else {
        capture(() => withModifier(part.modifier, charClass(notDelimiter)));
      }
      continue;
    }
    if (!repeated) {
      withModifier(part.modifier, () => {
        literal(part.prefix);
        capture(value);
        literal(part.suffix);
      });
      continue;
    }
    const body = () => {
      literal(part.prefix);
      if (part.type === P_FULL_WILDCARD) {
        capture(fullWildcard);
      } else {
        capture(() => {
          segment();
          zeroOrMore(() => {
            literal(part.suffix + part.prefix);
            segment();
          });
        });
      }
      literal(part.suffix);
    };
    if (part.modifier === M_ZERO_OR_MORE) optional(body);
    else body();
  }
  emit({ op: I_MATCH });
  return { prog, slots: 2 * group + 2 };
}

// Runs `program` over the whole of `input`; returns an array shaped like
// RegExp exec()'s (index 0 the input, then each group's text or
// undefined), or null.
function runProgram(program, input) {
  const { prog, slots } = program;
  const len = input.length;
  const marks = new Int32Array(prog.length).fill(-1);
  let generation = 0;
  let list = [];

  // Adds the thread at `pc` and everything it reaches without consuming
  // input, in priority order; a pc already added in this step keeps its
  // first (higher priority) thread.
  const add = (to, pc, caps, pos) => {
    for (;;) {
      if (marks[pc] === generation) return;
      marks[pc] = generation;
      const inst = prog[pc];
      if (inst.op === I_JMP) {
        pc = inst.x;
      } else if (inst.op === I_SPLIT) {
        add(to, inst.x, caps, pos);
        pc = inst.y;
      } else if (inst.op === I_SAVE) {
        caps = caps.slice();
        caps[inst.n] = pos;
        pc++;
      } else {
        to.push(pc, caps);
        return;
      }
    }
  };

  generation++;
  add(list, 0, new Array(slots).fill(-1), 0);
  let pos = 0;
  for (;;) {
    if (list.length === 0) return null;
    const cp = pos < len ? input.codePointAt(pos) : -1;
    const next = pos + (cp > 0xFFFF ? 2 : 1);
    const nextList = [];
    generation++;
    for (let i = 0; i < list.length; i += 2) {
      const inst = prog[list[i]];
      if (inst.op === I_MATCH) {
        if (pos !== len) continue;
        const caps = list[i + 1];
        const result = [input];
        for (let n = 2; n < slots; n += 2) {
          result.push(caps[n] === -1 || caps[n + 1] === -1 ? undefined : input.slice(caps[n], caps[n + 1]));
        }
        return result;
      }
      if (cp !== -1 && inst.test(cp)) add(nextList, list[i] + 1, list[i + 1], next);
    }
    if (pos >= len) return null;
    list = nextList;
    pos = next;
  }
}

// ---------------------------------------------------------------------------
// Canonicalization (https://urlpattern.spec.whatwg.org/#canon)
//
// Each callback returns the canonical form or throws a TypeError; `value`
// is a piece of fixed text from a pattern, or a whole component of a URL
// given as a dictionary to test() or exec().

function dummyURL() {
  // https://dummy.invalid/, built directly: parsing it every time would
  // only produce this record.
  const url = new URLRecord();
  url.scheme = 'https';
  url.host = 'dummy.invalid';
  url.path = [''];
  return url;
}

function canonicalizeProtocol(value) {
  if (value === '') return value;
  const url = basicParse(value + '://dummy.invalid/', null, null, 0);
  if (url === null) throw typeError(`Invalid protocol ${quote(value)}: a scheme is a letter followed by letters, digits, "+", "-" or ".".`);
  return url.scheme;
}

function canonicalizeUsername(value) {
  if (value === '') return value;
  return percentEncode(value, USERINFO_SET, false);
}

function canonicalizePassword(value) {
  if (value === '') return value;
  return percentEncode(value, USERINFO_SET, false);
}

function canonicalizeHostname(value) {
  if (value === '') return value;
  const url = dummyURL();
  if (basicParse(value, null, url, HOSTNAME) === null) throw typeError(`Invalid hostname ${quote(value)}: it has a forbidden host code point or is not a valid domain.`);
  return url.host === null ? '' : url.host;
}

function canonicalizeIPv6Hostname(value) {
  let result = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const isHex = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
    if (!isHex && c !== 0x5B && c !== 0x5D && c !== 0x3A) {
      throw typeError(`Invalid IPv6 hostname ${quote(value)}: only hex digits, ":", "[" and "]" are allowed.`);
    }
    result += c >= 0x41 && c <= 0x46 ? String.fromCharCode(c + 0x20) : value[i];
  }
  return result;
}

function canonicalizePort(value, protocol) {
  if (value === '') return value;
  const url = dummyURL();
  if (protocol !== undefined) url.scheme = protocol;
  if (basicParse(value, null, url, PORT) === null) {
    throw typeError(`Invalid port ${quote(value)}: a port is a number from 0 to 65535.`);
  }
  return url.port === null ? '' : `${url.port}`;
}

function canonicalizePathname(value) {
  if (value === '') return value;
  const leadingSlash = value.charCodeAt(0) === 0x2F;
  const url = dummyURL();
  url.path = [];
  basicParse(leadingSlash ? value : '/-' + value, null, url, PATH_START);
  const result = serializePath(url);
  return leadingSlash ? result : result.slice(2);
}

function canonicalizeOpaquePathname(value) {
  if (value === '') return value;
  const url = dummyURL();
  url.path = '';
  if (basicParse(value, null, url, OPAQUE_PATH) === null) throw typeError(`Invalid opaque pathname ${quote(value)}.`);
  return serializePath(url);
}

function canonicalizeSearch(value) {
  if (value === '') return value;
  const url = dummyURL();
  url.query = '';
  basicParse(value, null, url, QUERY);
  return url.query;
}

function canonicalizeHash(value) {
  if (value === '') return value;
  const url = dummyURL();
  url.fragment = '';
  basicParse(value, null, url, FRAGMENT);
  return url.fragment;
}

// ---------------------------------------------------------------------------
// URLPatternInit processing
// (https://urlpattern.spec.whatwg.org/#canon-processing-for-init)

const PATTERN = 0; // the init describes a pattern: its strings are patterns
const URL_INPUT = 1; // the init describes a URL to match: canonicalize it

function processBaseURLString(input, type) {
  return type === PATTERN ? escapePatternString(input) : input;
}

function isAbsolutePathname(input, type) {
  if (input === '') return false;
  if (input[0] === '/') return true;
  if (type === URL_INPUT || input.length < 2) return false;
  return (input[0] === '\\' || input[0] === '{') && input[1] === '/';
}

// Whether the dictionary `init` has the member `key` (own properties only,
// so a polluted Object.prototype cannot add members).
function has(init, key) {
  return ReflectApply(ObjectPrototypeHasOwnProperty, init, [key]) && init[key] !== undefined;
}

// `init` holds strings for the members that are present; `defaults`, when
// given, holds the starting value of every component.
function processInit(init, type, defaults) {
  const result = defaults === undefined ? {} : { ...defaults };
  let baseURL = null;
  if (has(init, 'baseURL')) {
    baseURL = basicParse(init.baseURL, null, null, 0);
    if (baseURL === null) throw typeError(`Invalid baseURL ${quote(init.baseURL)}.`);
    const hasProtocol = has(init, 'protocol');
    const hasHostname = has(init, 'hostname');
    const hasPort = has(init, 'port');
    const hasPathname = has(init, 'pathname');
    const hasSearch = has(init, 'search');
    if (!hasProtocol) result.protocol = processBaseURLString(baseURL.scheme, type);
    if (type !== PATTERN && !hasProtocol && !hasHostname && !hasPort && !has(init, 'username')) {
      result.username = processBaseURLString(baseURL.username, type);
    }
    if (type !== PATTERN && !hasProtocol && !hasHostname && !hasPort && !has(init, 'username') &&
        !has(init, 'password')) {
      result.password = processBaseURLString(baseURL.password, type);
    }
    if (!hasProtocol && !hasHostname) {
      result.hostname = processBaseURLString(baseURL.host === null ? '' : baseURL.host, type);
    }
    if (!hasProtocol && !hasHostname && !hasPort) {
      result.port = baseURL.port === null ? '' : `${baseURL.port}`;
    }
    if (!hasProtocol && !hasHostname && !hasPort && !hasPathname) {
      result.pathname = processBaseURLString(serializePath(baseURL), type);
    }
    if (!hasProtocol && !hasHostname && !hasPort && !hasPathname && !hasSearch) {
      result.search = processBaseURLString(baseURL.query === null ? '' : baseURL.query, type);
    }
    if (!hasProtocol && !hasHostname && !hasPort && !hasPathname && !hasSearch && !has(init, 'hash')) {
      result.hash = processBaseURLString(baseURL.fragment === null ? '' : baseURL.fragment, type);
    }
  }
  if (has(init, 'protocol')) {
    let value = init.protocol;
    if (value.endsWith(':')) value = value.slice(0, -1);
    result.protocol = type === PATTERN ? value : canonicalizeProtocol(value);
  }
  if (has(init, 'username')) {
    result.username = type === PATTERN ? init.username : canonicalizeUsername(init.username);
  }
  if (has(init, 'password')) {
    result.password = type === PATTERN ? init.password : canonicalizePassword(init.password);
  }
  if (has(init, 'hostname')) {
    result.hostname = type === PATTERN ? init.hostname : canonicalizeHostname(init.hostname);
  }
  const protocol = has(result, 'protocol') ? result.protocol : '';
  if (has(init, 'port')) {
    result.port = type === PATTERN ? init.port : canonicalizePort(init.port, protocol);
  }
  if (has(init, 'pathname')) {
    let pathname = init.pathname;
    if (baseURL !== null && typeof baseURL.path !== 'string' && !isAbsolutePathname(pathname, type)) {
      const basePath = processBaseURLString(serializePath(baseURL), type);
      const slash = basePath.lastIndexOf('/');
      if (slash !== -1) pathname = basePath.slice(0, slash + 1) + pathname;
    }
    if (type === PATTERN) {
      result.pathname = pathname;
    } else if (protocol === '' || isSpecialScheme(protocol)) {
      result.pathname = canonicalizePathname(pathname);
    } else {
      result.pathname = canonicalizeOpaquePathname(pathname);
    }
  }
  if (has(init, 'search')) {
    let value = init.search;
    if (value.startsWith('?')) value = value.slice(1);
    result.search = type === PATTERN ? value : canonicalizeSearch(value);
  }
  if (has(init, 'hash')) {
    let value = init.hash;
    if (value.startsWith('#')) value = value.slice(1);
    result.hash = type === PATTERN ? value : canonicalizeHash(value);
  }
  return result;
}

// ---------------------------------------------------------------------------
// Constructor string parsing
// (https://urlpattern.spec.whatwg.org/#constructor-string-parsing)

const S_INIT = 0;
const S_PROTOCOL = 1;
const S_AUTHORITY = 2;
const S_USERNAME = 3;
const S_PASSWORD = 4;
const S_HOSTNAME = 5;
const S_PORT = 6;
const S_PATHNAME = 7;
const S_SEARCH = 8;
const S_HASH = 9;
const S_DONE = 10;

const kStateComponent = [null, 'protocol', null, 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash', null];

class ConstructorStringParser {
  constructor(input) {
    this.input = input;
    this.tokens = tokenize(input, false, 'URL');
    this.result = {};
    this.componentStart = 0;
    this.tokenIndex = 0;
    this.tokenIncrement = 1;
    this.groupDepth = 0;
    this.ipv6Depth = 0;
    this.protocolIsSpecial = false;
    this.state = S_INIT;
  }

  parse() {
    const tokens = this.tokens;
    while (this.tokenIndex < tokens.length) {
      this.tokenIncrement = 1;
      if (tokens[this.tokenIndex].type === T_END) {
        if (this.state === S_INIT) {
          // No protocol: a relative pattern. Find where it starts.
          this.rewind();
          if (this.isHashPrefix()) this.changeState(S_HASH, 1);
          else if (this.isSearchPrefix()) this.changeState(S_SEARCH, 1);
          else this.changeState(S_PATHNAME, 0);
          this.tokenIndex += this.tokenIncrement;
          continue;
        }
        if (this.state === S_AUTHORITY) {
          // No "@": there is no username or password.
          this.rewindAndSetState(S_HOSTNAME);
          this.tokenIndex += this.tokenIncrement;
          continue;
        }
        this.changeState(S_DONE, 0);
        break;
      }
      if (tokens[this.tokenIndex].type === T_OPEN) {
        // Component boundaries never fall inside a "{ ... }" group.
        this.groupDepth++;
        this.tokenIndex += this.tokenIncrement;
        continue;
      }
      if (this.groupDepth > 0) {
        if (tokens[this.tokenIndex].type === T_CLOSE) {
          this.groupDepth--;
        } else {
          this.tokenIndex += this.tokenIncrement;
          continue;
        }
      }
      switch (this.state) {
        case S_INIT:
          if (this.isChar(this.tokenIndex, ':')) this.rewindAndSetState(S_PROTOCOL);
          break;
        case S_PROTOCOL:
          if (this.isChar(this.tokenIndex, ':')) {
            this.computeProtocolIsSpecial();
            let nextState = S_PATHNAME;
            let skip = 1;
            if (this.isChar(this.tokenIndex + 1, '/') && this.isChar(this.tokenIndex + 2, '/')) {
              nextState = S_AUTHORITY;
              skip = 3;
            } else if (this.protocolIsSpecial) {
              nextState = S_AUTHORITY;
            }
            this.changeState(nextState, skip);
          }
          break;
        case S_AUTHORITY:
          if (this.isChar(this.tokenIndex, '@')) {
            this.rewindAndSetState(S_USERNAME);
          } else if (this.isChar(this.tokenIndex, '/') || this.isSearchPrefix() || this.isHashPrefix()) {
            this.rewindAndSetState(S_HOSTNAME);
          }
          break;
        case S_USERNAME:
          if (this.isChar(this.tokenIndex, ':')) this.changeState(S_PASSWORD, 1);
          else if (this.isChar(this.tokenIndex, '@')) this.changeState(S_HOSTNAME, 1);
          break;
        case S_PASSWORD:
          if (this.isChar(this.tokenIndex, '@')) this.changeState(S_HOSTNAME, 1);
          break;
        case S_HOSTNAME:
          if (this.isChar(this.tokenIndex, '[')) this.ipv6Depth++;
          else if (this.isChar(this.tokenIndex, ']')) this.ipv6Depth--;
          else if (this.isChar(this.tokenIndex, ':') && this.ipv6Depth === 0) this.changeState(S_PORT, 1);
          else if (this.isChar(this.tokenIndex, '/')) this.changeState(S_PATHNAME, 0);
          else if (this.isSearchPrefix()) this.changeState(S_SEARCH, 1);
          else if (this.isHashPrefix()) this.changeState(S_HASH, 1);
          break;
        case S_PORT:
          if (this.isChar(this.tokenIndex, '/')) this.changeState(S_PATHNAME, 0);
          else if (this.isSearchPrefix()) this.changeState(S_SEARCH, 1);
          else if (this.isHashPrefix()) this.changeState(S_HASH, 1);
          break;
        case S_PATHNAME:
          if (this.isSearchPrefix()) this.changeState(S_SEARCH, 1);
          else if (this.isHashPrefix()) this.changeState(S_HASH, 1);
          break;
        case S_SEARCH:
          if (this.isHashPrefix()) this.changeState(S_HASH, 1);
          break;
        default:
          break;
      }
      this.tokenIndex += this.tokenIncrement;
    }
    if (has(this.result, 'hostname') && !has(this.result, 'port')) {
      // A pattern that names a host but no port means the default port.
      this.result.port = '';
    }
    return this.result;
  }

  changeState(newState, skip) {
    const state = this.state;
    const result = this.result;
    if (state !== S_INIT && state !== S_AUTHORITY && state !== S_DONE) {
      result[kStateComponent[state]] = this.makeComponentString();
    }
    if (state !== S_INIT && newState !== S_DONE) {
      const beforeHost = state === S_PROTOCOL || state === S_AUTHORITY || state === S_USERNAME || state === S_PASSWORD;
      const beforePath = beforeHost || state === S_HOSTNAME || state === S_PORT;
      if (beforeHost && (newState === S_PORT || newState === S_PATHNAME || newState === S_SEARCH || newState === S_HASH) &&
          !has(result, 'hostname')) {
        result.hostname = '';
      }
      if (beforePath && (newState === S_SEARCH || newState === S_HASH) && !has(result, 'pathname')) {
        result.pathname = this.protocolIsSpecial ? '/' : '';
      }
      if ((beforePath || state === S_PATHNAME) && newState === S_HASH && !has(result, 'search')) {
        result.search = '';
      }
    }
    this.state = newState;
    this.tokenIndex += skip;
    this.componentStart = this.tokenIndex;
    this.tokenIncrement = 0;
  }

  rewind() {
    this.tokenIndex = this.componentStart;
    this.tokenIncrement = 0;
  }

  rewindAndSetState(state) {
    this.rewind();
    this.state = state;
  }

  safeToken(index) {
    const tokens = this.tokens;
    return index < tokens.length ? tokens[index] : tokens[tokens.length - 1];
  }

  // "is a non-special pattern char": the token at `index` is the literal
  // text `value`, not pattern syntax.
  isChar(index, value) {
    const token = this.safeToken(index);
    if (token.value !== value) return false;
    return token.type === T_CHAR || token.type === T_ESCAPED_CHAR || token.type === T_INVALID_CHAR;
  }

  isSearchPrefix() {
    if (this.isChar(this.tokenIndex, '?')) return true;
    if (this.tokens[this.tokenIndex].value !== '?') return false;
    // A "?" modifier token is a search prefix unless it follows something
    // it can modify.
    const previousIndex = this.tokenIndex - 1;
    if (previousIndex < 0) return true;
    const previous = this.safeToken(previousIndex).type;
    return previous !== T_NAME && previous !== T_REGEXP && previous !== T_CLOSE && previous !== T_ASTERISK;
  }

  isHashPrefix() {
    return this.isChar(this.tokenIndex, '#');
  }

  makeComponentString() {
    const token = this.tokens[this.tokenIndex];
    const start = this.safeToken(this.componentStart).index;
    return this.input.slice(start, token.index);
  }

  computeProtocolIsSpecial() {
    const component = compileComponent(this.makeComponentString(), canonicalizeProtocol, kDefaultOptions, 'protocol');
    if (protocolComponentMatchesSpecialScheme(component)) this.protocolIsSpecial = true;
  }
}

// ---------------------------------------------------------------------------
// Components and the URL pattern (https://urlpattern.spec.whatwg.org/#urlpattern-internals)

function compileComponent(input, encode, options, what) {
  const parts = parsePatternString(input, options, encode, what);
  let regexp;
  let names;
  try {
    let source;
    ({ source, names } = generateRegexp(parts, options));
    regexp = new RegExpCtor(source, options.ignoreCase ? kUnicodeSetsFlag + 'i' : kUnicodeSetsFlag);
  } catch (err) {
    throw typeError(`Invalid ${what} pattern ${quote(input)}: ${err.message}`);
  }
  let hasRegExpGroups = false;
  for (const part of parts) {
    if (part.type === P_REGEXP) hasRegExpGroups = true;
  }
  return {
    patternString: generatePatternString(parts, options),
    regexp,
    program: kLinearMatching && needsLinearMatching(parts, options) ? compileProgram(parts, options) : null,
    names,
    hasRegExpGroups,
    parts,
    options,
    encode,
  };
}

function protocolComponentMatchesSpecialScheme(component) {
  for (const scheme of kSpecialSchemes) {
    if (regExpExec(component.regexp, scheme) !== null) return true;
  }
  return false;
}

function hostnamePatternIsIPv6(input) {
  if (input.length < 2) return false;
  return input[0] === '[' || ((input[0] === '{' || input[0] === '\\') && input[1] === '[');
}

// Builds the components of a URL pattern from an init (already converted
// from the constructor's arguments) and the ignoreCase option.
function createURLPattern(input, baseURL, ignoreCase) {
  let init;
  if (typeof input === 'string') {
    init = new ConstructorStringParser(input).parse();
    if (baseURL === null && !has(init, 'protocol')) {
      throw typeError(`Invalid URL pattern ${quote(input)}: a relative pattern needs a baseURL argument.`);
    }
    if (baseURL !== null) init.baseURL = baseURL;
  } else {
    if (baseURL !== null) {
      throw typeError('A baseURL argument is only allowed with a pattern string; put baseURL in the URLPatternInit instead.');
    }
    init = input;
  }
  const processed = processInit(init, PATTERN);
  for (const name of kComponents) {
    if (!has(processed, name)) processed[name] = '*';
  }
  if (isSpecialScheme(processed.protocol) && processed.port === `${defaultPort(processed.protocol)}`) {
    processed.port = '';
  }
  const c = {};
  c.protocol = compileComponent(processed.protocol, canonicalizeProtocol, kDefaultOptions, 'protocol');
  c.username = compileComponent(processed.username, canonicalizeUsername, kDefaultOptions, 'username');
  c.password = compileComponent(processed.password, canonicalizePassword, kDefaultOptions, 'password');
  c.hostname = compileComponent(processed.hostname,
    hostnamePatternIsIPv6(processed.hostname) ? canonicalizeIPv6Hostname : canonicalizeHostname,
    kHostnameOptions, 'hostname');
  c.port = compileComponent(processed.port, canonicalizePort, kDefaultOptions, 'port');
  const options = makeOptions('', '', ignoreCase);
  if (protocolComponentMatchesSpecialScheme(c.protocol)) {
    c.pathname = compileComponent(processed.pathname, canonicalizePathname, makeOptions('/', '/', ignoreCase), 'pathname');
  } else {
    c.pathname = compileComponent(processed.pathname, canonicalizeOpaquePathname, options, 'pathname');
  }
  c.search = compileComponent(processed.search, canonicalizeSearch, options, 'search');
  c.hash = compileComponent(processed.hash, canonicalizeHash, options, 'hash');
  return c;
}

// The URL pattern "match" steps; `input` is a string or an init, `baseURL`
// a string or undefined. Returns the URLPatternResult or null.
function match(components, input, baseURL) {
  const inputs = [input];
  let values;
  if (typeof input !== 'string') {
    if (baseURL !== undefined) {
      throw typeError('A baseURL argument is only allowed with a URL string; put baseURL in the URLPatternInit instead.');
    }
    try {
      values = processInit(input, URL_INPUT, kEmptyValues);
    } catch {
      return null; // an input that is not a valid URL matches nothing
    }
  } else {
    let base = null;
    if (baseURL !== undefined) {
      base = basicParse(baseURL, null, null, 0);
      if (base === null) return null;
      inputs.push(baseURL);
    }
    const url = basicParse(input, base, null, 0);
    if (url === null) return null;
    values = {
      protocol: url.scheme,
      username: url.username,
      password: url.password,
      hostname: url.host === null ? '' : url.host,
      port: url.port === null ? '' : `${url.port}`,
      pathname: serializePath(url),
      search: url.query === null ? '' : url.query,
      hash: url.fragment === null ? '' : url.fragment,
    };
  }
  const execResults = [];
  for (const name of kComponents) {
    const component = components[name];
    const r = component.program !== null ?
      runProgram(component.program, values[name]) : regExpExec(component.regexp, values[name]);
    if (r === null) return null;
    execResults.push(r);
  }
  const result = { inputs };
  for (let i = 0; i < kComponents.length; i++) {
    const name = kComponents[i];
    const component = components[name];
    const execResult = execResults[i];
    const groups = {};
    for (let j = 0; j < component.names.length; j++) {
      // Defined, not assigned: a group may be named __proto__.
      ObjectDefineProperty(groups, component.names[j],
        { value: execResult[j + 1], writable: true, enumerable: true, configurable: true });
    }
    result[name] = { input: values[name], groups };
  }
  return result;
}

const kEmptyValues = ObjectFreeze({
  protocol: '', username: '', password: '', hostname: '', port: '', pathname: '', search: '', hash: '',
});

// ---------------------------------------------------------------------------
// compareComponent() and generate() (tentative; WPT's
// urlpattern-compare-tests and urlpattern-generate-tests)

const kPartTypeRank = [3, 2, 1, 0]; // indexed by P_*: fixed > regexp > segment > full
const kModifierRank = [3, 1, 0, 2]; // indexed by M_*: none > one-or-more > optional > zero-or-more

function compareStrings(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePart(a, b) {
  const typeA = kPartTypeRank[a.type];
  const typeB = kPartTypeRank[b.type];
  if (typeA !== typeB) return typeA < typeB ? -1 : 1;
  const modA = kModifierRank[a.modifier];
  const modB = kModifierRank[b.modifier];
  if (modA !== modB) return modA < modB ? -1 : 1;
  return compareStrings(a.prefix, b.prefix) || compareStrings(a.value, b.value) ||
    compareStrings(a.suffix, b.suffix);
}

const kEmptyFixedPart = ObjectFreeze({ type: P_FIXED, value: '', modifier: M_NONE, name: '', prefix: '', suffix: '' });

function compareParts(left, right) {
  const n = Math.min(left.length, right.length);
  for (let i = 0; i < n; i++) {
    const r = comparePart(left[i], right[i]);
    if (r !== 0) return r;
  }
  // One list is a prefix of the other: the longer one's next part is
  // compared with empty text.
  if (left.length > n) return comparePart(left[n], kEmptyFixedPart);
  if (right.length > n) return comparePart(kEmptyFixedPart, right[n]);
  return 0;
}

function toComponentName(value, method) {
  const name = `${value}`;
  if (!kComponents.includes(name)) {
    throw typeError(`Failed to execute '${method}': ${quote(name)} is not a URL component (${kComponents.join(', ')}).`);
  }
  return name;
}

// Fills the named groups of a component with `groups` values. Only plain
// text and named segment wildcards can be generated; a value must not
// contain the component's delimiter.
function generateComponent(component, name, groups) {
  let result = '';
  const { options, encode } = component;
  const segment = new RegExpCtor('^' + segmentWildcardRegexp(options) + '$', 'u');
  for (const part of component.parts) {
    if (part.modifier !== M_NONE) {
      throw typeError(`Failed to execute 'generate': the ${name} pattern has an optional or repeated part.`);
    }
    if (part.type === P_FIXED) {
      result += part.value;
      continue;
    }
    if (part.type !== P_SEGMENT_WILDCARD || isASCIIDigitChar(part.name)) {
      throw typeError(`Failed to execute 'generate': the ${name} pattern has a wildcard or regexp group, which cannot be generated.`);
    }
    const value = groups[part.name];
    if (value === undefined) {
      throw typeError(`Failed to execute 'generate': no value for the group ${quote(part.name)}.`);
    }
    const encoded = encode(value);
    if (regExpExec(segment, encoded) === null) {
      throw typeError(`Failed to execute 'generate': the value ${quote(value)} for ${quote(part.name)} does not fit in one ${name} segment.`);
    }
    result += part.prefix + encoded + part.suffix;
  }
  return result;
}

// ---------------------------------------------------------------------------
// WebIDL conversions

const kInitKeys = ['baseURL', 'hash', 'hostname', 'password', 'pathname', 'port', 'protocol', 'search', 'username'];

function isObject(v) {
  return (typeof v === 'object' && v !== null) || typeof v === 'function';
}

function isDictionaryLike(v) {
  return v === undefined || v === null || typeof v === 'object' || typeof v === 'function';
}

function toInit(value) {
  const init = {};
  if (value === undefined || value === null) return init;
  for (const key of kInitKeys) {
    const v = value[key];
    if (v !== undefined) init[key] = toUSVString(`${v}`);
  }
  return init;
}

// (USVString or URLPatternInit)
function toInput(value) {
  return isDictionaryLike(value) ? toInit(value) : toUSVString(`${value}`);
}

function toIgnoreCase(options) {
  if (options === undefined || options === null) return false;
  if (typeof options !== 'object' && typeof options !== 'function') {
    throw typeError("Failed to construct 'URLPattern': the options argument is not an object.");
  }
  return !!options.ignoreCase;
}

function toGroups(value) {
  const groups = ObjectCreate(null); // group names such as "constructor" or "__proto__" are plain keys
  if (value === undefined || value === null) return groups;
  if (typeof value !== 'object' && typeof value !== 'function') {
    throw typeError("Failed to execute 'generate': groups is not an object.");
  }
  for (const key of ObjectKeys(value)) groups[key] = toUSVString(`${value[key]}`);
  return groups;
}

// ---------------------------------------------------------------------------
// The URLPattern interface

class URLPattern {
  #c;

  constructor(input = undefined, baseURL = undefined, options = undefined) {
    input = toInput(input);
    // new URLPattern(input, options) or new URLPattern(input, baseURL, options):
    // WebIDL overload resolution picks by the second argument's type.
    let base = null;
    if (arguments.length >= 3 || !isDictionaryLike(baseURL)) {
      base = toUSVString(`${baseURL}`);
    } else {
      options = baseURL;
    }
    this.#c = createURLPattern(input, base, toIgnoreCase(options));
  }

  test(input = undefined, baseURL = undefined) {
    input = toInput(input);
    if (baseURL !== undefined) baseURL = toUSVString(`${baseURL}`);
    return match(this.#c, input, baseURL) !== null;
  }

  exec(input = undefined, baseURL = undefined) {
    input = toInput(input);
    if (baseURL !== undefined) baseURL = toUSVString(`${baseURL}`);
    return match(this.#c, input, baseURL);
  }

  generate(component, groups) {
    const c = this.#c;
    const name = toComponentName(component, 'generate');
    return generateComponent(c[name], name, toGroups(groups));
  }

  static compareComponent(component, left, right) {
    const name = toComponentName(component, 'compareComponent');
    if (!isObject(left) || !isObject(right) || !(#c in left) || !(#c in right)) {
      throw typeError("Failed to execute 'compareComponent': both patterns must be URLPattern objects.");
    }
    return compareParts(left.#c[name].parts, right.#c[name].parts);
  }

  get protocol() { return this.#c.protocol.patternString; }
  get username() { return this.#c.username.patternString; }
  get password() { return this.#c.password.patternString; }
  get hostname() { return this.#c.hostname.patternString; }
  get port() { return this.#c.port.patternString; }
  get pathname() { return this.#c.pathname.patternString; }
  get search() { return this.#c.search.patternString; }
  get hash() { return this.#c.hash.patternString; }

  get hasRegExpGroups() {
    const c = this.#c;
    for (const name of kComponents) {
      if (c[name].hasRegExpGroups) return true;
    }
    return false;
  }
}

for (const target of [URLPattern.prototype, URLPattern]) {
  for (const key of ObjectGetOwnPropertyNames(target)) {
    if (key === 'constructor' || key === 'prototype' || key === 'length' || key === 'name') continue;
    const desc = ObjectGetOwnPropertyDescriptor(target, key);
    desc.enumerable = true;
    ObjectDefineProperty(target, key, desc);
  }
}
ObjectDefineProperty(URLPattern.prototype, Symbol.toStringTag, { value: 'URLPattern', configurable: true });

internals.URLPattern = URLPattern;
