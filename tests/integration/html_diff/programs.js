// Handler programs of the HTMLRewriter differential test
// (test_html_differential.py). Each takes a fresh rewriter and a log
// function and registers handlers; the same module runs under Node against
// html-rewriter-wasm (lol-html, oracle.mjs) and inside a verge worker
// (worker.js), and the outputs and logs must agree byte for byte.
//
// Handlers log what they were given, so that which handlers ran, in what
// order and with what tokens is compared too.

// The document in chunks of the given sizes (cycled; [] is one chunk).
export function split(bytes, sizes) {
  const chunks = [];
  let at = 0, i = 0;
  while (at < bytes.length) {
    const n = sizes.length ? Math.max(1, sizes[i++ % sizes.length]) : bytes.length;
    chunks.push(bytes.subarray(at, at + n));
    at += n;
  }
  return chunks;
}

function logElement(log, tag, e) {
  log(['el', tag, e.tagName, [...e.attributes], e.namespaceURI, e.removed]);
}
function logText(log, tag, t) {
  log(['text', tag, t.text, t.lastInTextNode, t.removed]);
}
function logComment(log, tag, c) {
  log(['comment', tag, c.text, c.removed]);
}
// Runs f, logging the error message it throws (invalid names, onEndTag on
// a void element …), so that errors are compared as well.
function attempt(log, f) {
  try {
    f();
  } catch (e) {
    log(['error', String(e && e.message)]);
  }
}

function observe(log, tag, withEnd = true) {
  return {
    element(e) {
      logElement(log, tag, e);
      if (withEnd) attempt(log, () => e.onEndTag((end) => log(['end', tag, end.name])));
    },
    text(t) { logText(log, tag, t); },
    comments(c) { logComment(log, tag, c); },
  };
}
function observeDocument(log) {
  return {
    doctype(d) { log(['doctype', d.name, d.publicId, d.systemId]); },
    text(t) { logText(log, 'doc', t); },
    comments(c) { logComment(log, 'doc', c); },
    end(end) { log(['docend']); },
  };
}

export const SELECTORS = [
  '*', 'p', 'P', 'div p', 'div > p', 'ul > li', 'body *', 'html > body > div', '#main', '.a', '.a.b',
  'p.a', '[id]', '[class=a]', '[class~=b]', '[href^=http]', '[href$=".png"]', '[href*=example]',
  '[lang|=en]', '[class=A i]', '[class="a" s]', '[data-x]', 'li:first-child', 'li:nth-child(2)',
  'li:nth-child(odd)', 'li:nth-child(2n+1)', 'li:nth-child(-n+2)', 'li:nth-child(even)',
  'p:first-of-type', 'p:nth-of-type(2)', 'td:nth-of-type(3n)', ':not(p)', 'div:not(.a)',
  'li:not(:first-child)', 'a:not([href])', 'svg', 'svg > circle', 'math mi', 'table td',
  'table > tr', 'tbody > tr > td', 'script', 'style', 'template p', 'img, br', 'h1, h2, h3',
  'div div', 'span:nth-child(3)', 'x-custom', '[data-x="1"]', 'head > meta', 'option', 'dd', 'dt',
];

export const programs = {
  // Every handler on everything: the element stack (which elements are
  // open when text and comments come), text chunks, comments, doctypes.
  observe(rw, log) {
    rw.on('*', observe(log, '*')).onDocument(observeDocument(log));
  },
  // Each selector logs what it matched (and text/comments inside).
  selectors(rw, log) {
    for (const s of SELECTORS) {
      rw.on(s, { element(e) { log(['el', s, e.tagName]); } });
    }
  },
  selectorsInside(rw, log) {
    for (const s of ['div p', 'ul > li', 'li:nth-child(2)', 'td', 'p:not(.a)', 'svg']) {
      rw.on(s, observe(log, s, false));
    }
  },
  before_after(rw, log) {
    rw.on('p, li, td', {
      element(e) {
        e.before('<b>&before</b>');
        e.after('<i>after</i>', { html: true });
      },
    });
  },
  prepend_append(rw, log) {
    rw.on('div, ul, p', {
      element(e) {
        e.prepend('[pre1]');
        e.prepend('<em>pre2</em>', { html: true });
        e.append('<em>app1</em>', { html: true });
        e.append('[app2 & "q"]');
      },
    });
  },
  replace(rw, log) {
    rw.on('li:nth-child(2), img, h1', { element(e) { e.replace('<span>replaced</span>', { html: true }); } });
    rw.on('p', { element(e) { e.replace('<text> & "x"'); } });
  },
  inner(rw, log) {
    rw.on('div', { element(e) { e.setInnerContent('<b>inner</b>', { html: true }); } });
    rw.on('p, title', { element(e) { e.setInnerContent('<i>text</i> & more'); } });
    rw.on('*', { text(t) { logText(log, '*', t); } });
  },
  remove(rw, log) {
    rw.on('ul, script, br', { element(e) { e.remove(); logElement(log, 'x', e); } });
    rw.on('*', { element(e) { logElement(log, '*', e); }, text(t) { logText(log, '*', t); } });
  },
  removeAndKeepContent(rw, log) {
    rw.on('div, b, li, span', {
      element(e) {
        e.removeAndKeepContent();
        e.append('<!--appended-->', { html: true });
        e.after('(after)');
      },
    });
  },
  attributes(rw, log) {
    rw.on('*', {
      element(e) {
        log(['attrs', e.tagName, [...e.attributes], e.getAttribute('class'), e.hasAttribute('ID'),
             e.getAttribute('HREF')]);
        if (e.hasAttribute('href')) e.setAttribute('href', 'https://x.test/?a=1&b="2"');
        if (e.hasAttribute('class')) e.removeAttribute('class');
        if (e.tagName === 'img') e.setAttribute('loading', 'lazy');
        if (e.hasAttribute('id')) e.setAttribute('ID', 'new<id>');
        attempt(log, () => e.setAttribute('bad name', 'x'));
        attempt(log, () => e.setAttribute('', 'x'));
        e.removeAttribute('nonexistent');
      },
    });
  },
  tagName(rw, log) {
    rw.on('p, li, b', {
      element(e) {
        e.tagName = e.tagName === 'p' ? 'section' : 'X-' + e.tagName.toUpperCase();
        log(['renamed', e.tagName]);
      },
    });
    rw.on('div', { element(e) { attempt(log, () => { e.tagName = 'bad name'; }); attempt(log, () => { e.tagName = ''; }); } });
  },
  endTags(rw, log) {
    rw.on('*', {
      element(e) {
        attempt(log, () => e.onEndTag((end) => {
          log(['end', end.name]);
          if (end.name === 'p') end.name = 'section';
          if (end.name === 'li') { end.before('<before>', { html: true }); end.after('&after'); }
          if (end.name === 'b') end.remove();
          if (end.name === 'div') { end.before('[d]'); end.name = 'DIV2'; }
        }));
      },
    });
  },
  endTagRename(rw, log) {
    rw.on('p, div', {
      element(e) {
        e.tagName = 'article';
        attempt(log, () => e.onEndTag((end) => log(['end', end.name])));
      },
    });
  },
  text(rw, log) {
    rw.on('p, li, title, script', {
      text(t) {
        logText(log, 't', t);
        if (t.text.includes('a')) t.replace(t.text.toUpperCase() + '<&>');
        else if (t.text.includes('b')) t.remove();
        else if (!t.lastInTextNode) { t.before('{', { html: true }); t.after('}'); }
      },
    });
  },
  comments(rw, log) {
    rw.on('*', { comments(c) { logComment(log, '*', c); } });
    rw.onDocument({
      comments(c) {
        logComment(log, 'doc', c);
        if (c.text.includes('remove')) c.remove();
        else if (c.text.includes('replace')) c.replace('<!-- R -->', { html: true });
        else { c.text = c.text + ' (edited)'; c.before('[', { html: false }); c.after(']'); }
      },
    });
  },
  documentEnd(rw, log) {
    rw.onDocument({
      end(end) {
        end.append('<!-- end -->', { html: true });
        end.append('<&>');
      },
      doctype(d) { log(['doctype', d.name, d.publicId, d.systemId]); },
    });
  },
  // Several registrations on the same elements: their handlers run in
  // registration order, and the later one sees the earlier one's changes.
  layered(rw, log) {
    rw.on('a', { element(e) { e.setAttribute('data-first', '1'); e.before('1'); } });
    rw.on('a[data-first]', { element(e) { log(['matched-after-change']); } });
    rw.on('*', { element(e) { logElement(log, '*', e); } });
    rw.on('a', { element(e) { logElement(log, 'a2', e); e.remove(); } });
  },
  // Inner content replaced while nested elements would match other handlers.
  nested(rw, log) {
    rw.on('ul', { element(e) { e.setInnerContent('gone'); } });
    rw.on('li', observe(log, 'li'));
    rw.on('div', { element(e) { e.remove(); } });
    rw.on('p', observe(log, 'p'));
  },
};
