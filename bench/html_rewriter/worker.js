// HTMLRewriter benchmark worker, shared by verge and workerd in
// bench/html_rewriter.sh: a 100 KiB page (made once, at module load)
// rewritten on every request with five rewrites: an attribute on every
// link, an element's inner content, a text replace, a comment removal and
// an injected script.

function page() {
  const parts = [
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Shop: products</title>\n',
    '<link rel="stylesheet" href="/static/site.css">\n<style>body{font-family:sans-serif} .card{margin:1em}</style>\n',
    '<script>window.dataLayer = window.dataLayer || []; if (a < b) { dataLayer.push("x"); }</script>\n</head>\n',
    '<body>\n<header><h1 class="title">Welcome to the Shop</h1><nav><ul>',
  ];
  for (let i = 0; i < 8; i++) parts.push(`<li><a href="/section/${i}">Section ${i}</a></li>`);
  parts.push('</ul></nav></header>\n<!-- tracking: begin -->\n<div id="banner">Old banner</div>\n<main>\n');
  let i = 0;
  while (parts.reduce((n, p) => n + p.length, 0) < 100 * 1024 - 400) {
    parts.push(`<article class="card" data-id="${i}"><h2>Product ${i}</h2>` +
      `<p>A fine product &amp; a fair price. It ships in ${i % 5 + 1} days; rated ${i % 10}/10.</p>` +
      `<a href="/product/${i}" class="buy">Buy now</a> <img src="/img/${i}.jpg" alt="Product ${i}"></article>\n`);
    i++;
  }
  parts.push('</main>\n<!-- tracking: end -->\n<footer><p>&copy; Shop</p></footer>\n</body>\n</html>\n');
  return parts.join('');
}

const PAGE = page();

export default {
  async fetch(request) {
    const response = new Response(PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } });
    return new HTMLRewriter()
      .on('a[href]', { element(e) { e.setAttribute('rel', 'noopener'); } })
      .on('#banner', { element(e) { e.setInnerContent('<strong>Sale today</strong>', { html: true }); } })
      .on('h1.title', { text(t) { if (t.text) t.replace(t.text.replace('Shop', 'Edge Shop')); } })
      .onDocument({ comments(c) { if (c.text.includes('tracking')) c.remove(); } })
      .on('head', { element(e) { e.append('<script src="/static/analytics.js" defer></script>', { html: true }); } })
      .transform(response);
  },
};
