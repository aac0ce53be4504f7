// Client-side search over the FAQ: fetches the generated index once, then ranks questions by
// how many query words they contain (title words count more). No dependencies, no tracking.
(function () {
  'use strict';
  var box = document.getElementById('site-search');
  if (!box || !window.fetch) return;
  var input = document.getElementById('search-input');
  var out = document.getElementById('search-results');
  var index = null;
  var pending = null;
  box.hidden = false;

  function words(text) {
    return text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
      .split(/[^\p{L}\p{N}]+/u).filter(function (w) { return w.length > 1; });
  }

  function load() {
    if (!pending) {
      pending = fetch(box.getAttribute('data-index'))
        .then(function (r) { if (!r.ok) throw new Error('index'); return r.json(); })
        .then(function (docs) {
          index = docs.map(function (d) {
            return { doc: d, title: words(d.t).join(' '), body: words(d.s + ' ' + d.x).join(' ') };
          });
        });
    }
    return pending;
  }

  function score(entry, terms) {
    var s = 0;
    for (var i = 0; i < terms.length; i++) {
      var inTitle = entry.title.indexOf(terms[i]) !== -1;
      var inBody = entry.body.indexOf(terms[i]) !== -1;
      if (!inTitle && !inBody) return 0;
      s += inTitle ? 3 : 1;
    }
    return s;
  }

  function show() {
    var terms = words(input.value);
    out.textContent = '';
    if (!terms.length) return;
    var hits = index.map(function (e) { return { e: e, s: score(e, terms) }; })
      .filter(function (h) { return h.s > 0; })
      .sort(function (a, b) { return b.s - a.s; })
      .slice(0, 10);
    if (!hits.length) {
      var none = document.createElement('p');
      none.textContent = 'No questions match. Try other words, or call the help line.';
      out.appendChild(none);
      return;
    }
    var count = document.createElement('p');
    count.textContent = hits.length === 1 ? '1 question matches.' : hits.length + ' questions match.';
    var list = document.createElement('ol');
    hits.forEach(function (h) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = h.e.doc.u;
      a.textContent = h.e.doc.t;
      li.appendChild(a);
      list.appendChild(li);
    });
    out.appendChild(count);
    out.appendChild(list);
  }

  input.addEventListener('input', function () {
    load().then(show, function () {
      out.textContent = 'Search is not available right now.';
    });
  });
  input.addEventListener('focus', load, { once: true });
  // Enter opens the best match rather than reloading the page.
  box.querySelector('form').addEventListener('submit', function (event) {
    event.preventDefault();
    var first = out.querySelector('a');
    if (first) window.location.href = first.href;
  });
})();
