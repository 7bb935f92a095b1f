/* Search on search.html: results as you type, from disk or from a server alike.
 *
 * The index is built at build time (dossier/features/search.py) in MiniSearch's own serialised
 * form and shipped as data/search-index.js, a script that sets window.DOSSIER_SEARCH; this file
 * loads it into MiniSearch (assets/vendor/minisearch.js) and searches it: no fetch, no modules.
 * In a large dossier the terms are in parts (data/search/N.js, each a script that sets
 * window.DOSSIER_SEARCH_PARTS[N]), and a query first loads, with a <script> element, the parts
 * that hold its words (partOf, the same hash as search.py's part_of).
 * Results are built with DOM methods and textContent only: indexed text is never parsed as HTML.
 *
 * The tokenizer here must split text exactly as search.py does (tests/test_search.py checks it):
 * lower case, NFKD, combining marks dropped, NFC; words of letters and digits; Han and kana as
 * bigrams; Hangul words indexed with their suffixes; stop words left out. The code point ranges
 * and the stop words come with the index.
 *
 * In Node (the tests) this file only defines globalThis.DossierSearch.
 */
(function (global) {
  'use strict';

  const WORD = /[\p{L}\p{N}]+/gu;           // Python's [^\W_]
  const SHOWN_WORD = /[\p{L}\p{N}\p{M}]+/gu; // a word of the original text, marks included
  const MARKS = /\p{Mn}/gu;
  // From a word's start (the character before it captured: no lookbehind in older Safari), so that
  // a long run of letters is not tried again from each of them.
  const APOSTROPHED = /(^|[^\p{L}\p{N}])([\p{L}\p{N}]+(?:['’‘][\p{L}\p{N}]+)+)/gu;
  const CONTRACTED = new Set(['s', 't', 'd', 'm', 'll', 're', 've']);  // English endings: I'll is not "ill"
  const ENDING = /([\p{L}\p{N}])['’‘](?:s|t|d|m|ll|re|ve)(?![\p{L}\p{N}])/giu;   // the same, in a query
  const PAGE = 20;                           // results drawn at once (drawing costs more than searching)
  // Letters the last word needs before it is searched as a prefix: one or two letters would match
  // most of a large index, which takes too long (measured: docs/search.md).
  const PREFIX_MIN_LARGE = 3;
  const SMALL = 500;                         // documents: up to this, any prefix

  function charClass(ranges) {
    return ranges.map(function (r) {
      return String.fromCodePoint(r[0]) + '-' + String.fromCodePoint(r[1]);
    }).join('');
  }

  /* fold, tokenize and index terms, from the "tokenizer" part of the index. */
  function makeTokenizer(spec) {
    const cjk = charClass(spec.cjk);
    const hangul = charClass(spec.hangul);
    const eastAsian = new RegExp('[' + cjk + hangul + ']', 'u');
    const runs = new RegExp('([' + cjk + ']+)|([' + hangul + ']+)|([^' + cjk + hangul + ']+)', 'gu');
    const hangulWord = new RegExp('^[' + hangul + ']+$', 'u');
    const suffixMax = spec.hangulSuffixMax;
    const stopWords = new Set(spec.stopWords);

    function fold(text) {
      return text.toLowerCase().normalize('NFKD').replace(MARKS, '').normalize('NFC')
        .toLowerCase().replace(/ς/g, 'σ');
    }

    /* The terms of folded text, each with where it starts and ends in that text. */
    function termsAt(folded) {
      const out = [];
      for (const m of folded.matchAll(WORD)) {
        const word = m[0];
        if (!eastAsian.test(word)) {
          out.push({ term: word, start: m.index, end: m.index + word.length });
          continue;
        }
        for (const r of word.matchAll(runs)) {
          const at = m.index + r.index;
          if (r[1]) {
            const chars = Array.from(r[1]);  // code points: Han beyond the BMP is two units
            let offset = at;
            for (let i = 0; i < chars.length; i++) {
              const term = i + 1 < chars.length ? chars[i] + chars[i + 1] : chars[i];
              out.push({ term: term, start: offset, end: offset + term.length });
              offset += chars[i].length;
            }
          } else {
            out.push({ term: r[0], start: at, end: at + r[0].length });
          }
        }
      }
      return /['’‘]/.test(folded) ? joinedAt(folded, out) : out;
    }

    /* Words written with apostrophes (Ji'an, O’Brien), as terms without them (search.py's _joined),
     * after the other terms, an English ending after the last one left out (Ji'an's is "jian";
     * I'll joins nothing); never in Han, kana or Hangul. */
    function joinedAt(folded, out) {
      for (const m of folded.matchAll(APOSTROPHED)) {
        const word = m[2], start = m.index + m[1].length;
        const parts = word.split(/['’‘]/);
        if (CONTRACTED.has(parts[parts.length - 1])) parts.pop();
        if (parts.length > 1 && !eastAsian.test(word)) {
          out.push({ term: parts.join(''), start: start, end: start + word.length });
        }
      }
      return out;
    }

    function tokenize(text) {
      return termsAt(fold(String(text))).map(function (t) { return t.term; });
    }

    function isHangulWord(term) { return hangulWord.test(term); }

    /* What one token puts in the index: itself, and for a Hangul word each of its suffixes;
     * nothing for a stop word. */
    function indexTerms(term) {
      if (stopWords.has(term)) return null;
      if (term.length > 1 && term.length <= suffixMax && hangulWord.test(term)) {
        const out = [];
        for (let i = 0; i < term.length; i++) out.push(term.slice(i));
        return out;
      }
      return term;
    }

    function isEastAsian(term) { return eastAsian.test(term); }

    /* The terms searched for: the query's, less stop words. */
    function queryTerm(term) { return stopWords.has(term) ? null : term; }

    return { fold: fold, termsAt: termsAt, tokenize: tokenize, indexTerms: indexTerms, queryTerm: queryTerm,
             isEastAsian: isEastAsian, isHangulWord: isHangulWord };
  }

  /* MiniSearch's options for this index: the same when it is loaded and when it was built. */
  function options(data, tok) {
    return {
      fields: data.fields,
      storeFields: data.storeFields,
      tokenize: tok.tokenize,
      processTerm: tok.indexTerms,
      searchOptions: { processTerm: tok.queryTerm },
    };
  }

  function load(data, MiniSearch) {
    if (!data || data.format !== 2 || !data.index) throw new Error('unknown search index format');
    const tok = makeTokenizer(data.tokenizer);
    const engine = MiniSearch.loadJS(data.index, options(data, tok));
    return { engine: engine, tok: tok, data: data, parts: data.parts || 0, loaded: new Set() };
  }

  /* Which part of an index in `parts` parts holds a term: search.py's part_of, a 32-bit FNV-1a
   * hash of the code points of its first three characters (of the first alone in Han, kana and
   * Hangul). A query's word and every term it can match share them: a large index matches a
   * Latin or Cyrillic word as a prefix from three letters on, and Han and Hangul from the first. */
  function partOf(tok, term, parts) {
    if (parts <= 1) return 0;
    const chars = Array.from(term);
    const key = tok.isEastAsian(chars[0]) ? chars[0] : chars.slice(0, 3).join('');
    let h = 0x811c9dc5;
    for (const ch of key) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0;
    return h % parts;
  }

  /* The parts a query needs that are not loaded yet: none for an index in one file. */
  function partsNeeded(index, query) {
    const out = [];
    if (!index.parts) return out;
    for (const term of index.tok.tokenize(query)) {
      if (!index.tok.queryTerm(term)) continue;
      const n = partOf(index.tok, term, index.parts);
      if (!index.loaded.has(n) && out.indexOf(n) < 0) out.push(n);
    }
    return out;
  }

  /* Add part n ({stamp, terms: [[term, {field id: {document id: count}}], ...]}) to the engine,
   * exactly as MiniSearch.loadJS adds the terms of an index loaded whole: MiniSearch has no public
   * method for it, so this writes its map of terms (the vendored version is pinned: docs/search.md).
   * False, and nothing added, when the part is not of this index (the site was rebuilt since the
   * page was opened: its documents have other numbers). */
  function addPart(index, n, part) {
    if (index.loaded.has(n)) return true;
    if (!part || part.stamp !== index.data.stamp || !Array.isArray(part.terms)) return false;
    for (const entry of part.terms) {
      const byField = new Map();
      const fields = entry[1];
      for (const fieldId of Object.keys(fields)) {
        const counts = fields[fieldId];
        const byDocument = new Map();
        for (const id of Object.keys(counts)) byDocument.set(parseInt(id, 10), counts[id]);
        byField.set(parseInt(fieldId, 10), byDocument);
      }
      index.engine._index.set(entry[0], byField);
    }
    index.loaded.add(n);
    return true;
  }

  /* The particles a Korean word takes (두만강을, 평양에서), longest first: a query word that ends in
   * one, and that nothing has as typed, is looked for without it, if two syllables or more are
   * left (one syllable is looked for as a prefix, and most words end in 이, 도 or 의: 국가, 도로
   * and 회의 would find 국, 도 and 회 anywhere). */
  const PARTICLES = ['에서는', '에서', '에게', '한테', '까지', '부터', '으로', '처럼', '보다',
                     '을', '를', '이', '가', '은', '는', '의', '에', '로', '와', '과', '도', '만'];

  function withoutParticle(term) {
    for (const p of PARTICLES) {
      if (term.length >= p.length + 2 && term.endsWith(p)) return term.slice(0, -p.length);
    }
    return term;
  }

  /* The query less the English endings after an apostrophe (Korea's is "Korea", don't "don"): the
   * ending alone, the last word, was searched as a prefix (every word beginning with s). */
  function withoutEndings(query) {
    return String(query).replace(ENDING, '$1');
  }

  /* Every word but stop words must match: the last one as a prefix (in an index of more than
   * SMALL documents, once it has PREFIX_MIN_LARGE characters), and any Han or Hangul one always
   * as a prefix (one syllable says more than one letter; Korean words carry endings). When
   * nothing matches, a Korean word is looked for without its particle; then any word may match,
   * with a little fuzziness for long words. */
  function search(index, query) {
    const tok = index.tok;
    query = withoutEndings(query);
    const words = tok.tokenize(query);
    const terms = words.filter(tok.queryTerm);
    if (!terms.length) return { results: [], terms: terms, loose: false, common: words.length > 0 };
    const least = index.engine.documentCount > SMALL ? PREFIX_MIN_LARGE : 1;
    const prefix = function (term, i, all) {
      return tok.isEastAsian(term) || (i === all.length - 1 && term.length >= least);
    };
    const base = { boost: index.data.boost, prefix: prefix };
    let results = index.engine.search(query, Object.assign({ combineWith: 'AND' }, base));
    if (results.length) return { results: results, terms: terms, loose: false, common: false };
    const bare = terms.map(function (term) {
      if (!tok.isHangulWord(term)) return term;
      const word = withoutParticle(term);
      return word === term || index.engine.search(term, { prefix: true }).length ? term : word;
    });
    const asked = bare.some(function (term, i) { return term !== terms[i]; }) ? bare : null;
    if (asked) {
      results = index.engine.search(asked.join(' '), Object.assign({ combineWith: 'AND' }, base));
      if (results.length) return { results: results, terms: asked, loose: false, common: false };
    }
    results = index.engine.search(asked ? asked.join(' ') : query, Object.assign({
      combineWith: 'OR',
      fuzzy: function (term) { return term.length > 4 && !tok.isEastAsian(term) ? 0.2 : false; },
    }, base));
    return { results: results, terms: asked || terms, loose: true, common: false };
  }

  /* Which characters of folded text to mark. `matched` holds the index terms a result matched,
   * `queryTerms` the terms of the query. A word of a Latin, Cyrillic... script is marked whole
   * when it is a matched term; in Han and Hangul only the part the query asked for is marked
   * (the end of a Hangul word matched through its suffix, a Han pair through its first half). */
  function marksOf(tok, folded, matched, eastAsian, queryTerms) {
    let marked = null;
    const mark = function (from, to) {
      if (!marked) marked = new Array(folded.length).fill(false);
      marked.fill(true, from, to);
    };
    const asked = function (term) {  // how much of a matched term the query typed
      let best = 0;
      for (const q of queryTerms) if (q.length > best && term.startsWith(q)) best = q.length;
      return best || term.length;
    };
    for (const t of tok.termsAt(folded)) {
      if (!eastAsian.length || !tok.isEastAsian(t.term)) {
        if (matched.has(t.term)) mark(t.start, t.end);
        continue;
      }
      for (const term of eastAsian) {
        let at = -1;
        if (term === t.term) at = t.start;
        else if (term.length < t.term.length && t.term.endsWith(term) && tok.isHangulWord(t.term)) at = t.end - term.length;
        if (at >= 0) mark(at, at + asked(term));
      }
    }
    return marked;
  }

  function pieces(text, marked, out) {
    let i = 0;
    while (i < text.length) {
      let j = i;
      while (j < text.length && marked[j] === marked[i]) j++;
      out.push([text.slice(i, j), marked[i]]);
      i = j;
    }
    return out;
  }

  /* A text cut in pieces [text, marked] (see marksOf). */
  function segments(tok, text, matched, queryTerms) {
    queryTerms = queryTerms || [];
    const eastAsian = [];
    for (const term of matched) if (tok.isEastAsian(term)) eastAsian.push(term);
    const folded = tok.fold(text);
    if (folded.length === text.length) {  // the usual case: offsets in the folded text hold
      const marked = marksOf(tok, folded, matched, eastAsian, queryTerms);
      return marked ? pieces(text, marked, []) : (text ? [[text, false]] : []);
    }
    const out = [];
    let last = 0;
    for (const m of text.matchAll(SHOWN_WORD)) {  // else word by word
      const word = m[0];
      const foldedWord = tok.fold(word);
      const marked = marksOf(tok, foldedWord, matched, eastAsian, queryTerms);
      if (!marked) continue;
      if (m.index > last) out.push([text.slice(last, m.index), false]);
      if (foldedWord.length === word.length) pieces(word, marked, out);
      else out.push([word, true]);  // folding changed its length: mark the whole word
      last = m.index + word.length;
    }
    if (last < text.length) out.push([text.slice(last), false]);
    return out;
  }

  global.DossierSearch = { makeTokenizer: makeTokenizer, options: options, load: load, partOf: partOf,
                           partsNeeded: partsNeeded, addPart: addPart, search: search, segments: segments };

  if (typeof document === 'undefined') return;

  // --- the page ---------------------------------------------------------------------------------

  const FIELD_LABELS = { name: 'name', alias: 'other names', title: 'title', about: 'details', text: 'text' };
  const me = document.currentScript;
  const root = ((me && me.getAttribute('src')) || 'assets/search.js').replace(/assets\/search\.js([?#].*)?$/, '');

  /* search.html loads the index after this file: reading it takes seconds in a large dossier
   * (docs/search.md), and until then the page would still say it waits for JavaScript. */
  if (document.readyState === 'loading') {
    const status = document.getElementById('search-status');
    if (status) status.textContent = 'Loading the search index…';
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  /* Append text to a node, with <mark> around the matched parts; true when something was marked. */
  function appendMarked(node, tok, text, matched, queryTerms) {
    let marked = false;
    for (const part of segments(tok, text, matched, queryTerms)) {
      if (part[1]) {
        node.appendChild(el('mark', '', part[0]));
        marked = true;
      } else {
        node.appendChild(document.createTextNode(part[0]));
      }
    }
    return marked;
  }

  function resultItem(index, r, queryTerms) {
    const tok = index.tok;
    const matched = new Set(r.terms);
    const kind = r.k || 'page';
    const li = el('li', 'result result-' + kind.replace(/[^a-z0-9-]/g, ''));
    const head = el('p', 'result-head');
    head.appendChild(el('span', 'result-kind', (index.data.kinds[kind] || kind)));
    head.appendChild(document.createTextNode(' '));
    const link = el('a', 'result-title');
    link.href = root + r.id;
    let marked = appendMarked(link, tok, r.t || r.id, matched, queryTerms);
    head.appendChild(link);
    li.appendChild(head);
    if (r.a) {
      const aliases = el('p', 'result-aliases');
      if (appendMarked(aliases, tok, r.a, matched, queryTerms)) {
        li.appendChild(aliases);
        marked = true;
      }
    }
    if (r.s) {
      const snippet = el('p', 'result-snippet');
      if (appendMarked(snippet, tok, r.s, matched, queryTerms)) marked = true;
      li.appendChild(snippet);
    }
    if (!marked) {  // the match is further in than the snippet: say which words matched, and where
      const where = el('p', 'result-match');
      const terms = r.terms.slice(0, 3);
      const fields = [];
      terms.forEach(function (term) {
        (r.match[term] || []).forEach(function (f) {
          const label = FIELD_LABELS[f] || f;
          if (fields.indexOf(label) < 0) fields.push(label);
        });
      });
      where.appendChild(document.createTextNode('Found in the ' + (fields.join(', ') || 'text') + ': '));
      terms.forEach(function (term, i) {
        if (i) where.appendChild(document.createTextNode(', '));
        where.appendChild(el('mark', '', term));
      });
      li.appendChild(where);
    }
    return li;
  }

  function start() {
    const input = document.getElementById('search-input');
    const list = document.getElementById('search-results');
    const status = document.getElementById('search-status');
    if (!input || !list || !status) return;
    let index;
    try {
      const t0 = performance.now();
      index = load(global.DOSSIER_SEARCH, global.MiniSearch);
      global.DossierSearch.loadMs = performance.now() - t0;   // measured in docs/search.md
      global.DossierSearch.readyAt = performance.now();        // since the page began to load
      global.DOSSIER_SEARCH = null;  // MiniSearch keeps its own copy
    } catch (e) {
      status.textContent = 'The search index could not be read: rebuild the site.';
      return;
    }
    const count = index.engine.documentCount;
    const idle = 'Type to search ' + count + ' entities, sources and pages.';
    let found = { results: [], terms: [] };
    let shown = 0;
    let more = null;

    function showMore() {
      const end = Math.min(found.results.length, shown + PAGE);
      const fragment = document.createDocumentFragment();
      for (let i = shown; i < end; i++) fragment.appendChild(resultItem(index, found.results[i], found.terms));
      list.appendChild(fragment);
      shown = end;
      if (more) more.remove();
      more = null;
      if (shown < found.results.length) {
        more = el('button', 'search-more', 'Show more results');
        more.type = 'button';
        more.addEventListener('click', function () {
          const first = shown;
          showMore();
          const link = list.children[first] && list.children[first].querySelector('a');
          if (link) link.focus();  // keyboard users carry on from the first new result
        });
        list.insertAdjacentElement('afterend', more);
      }
      describe();
    }

    function describe() {
      const query = input.value.trim();
      const n = found.results.length;
      if (!query) {
        status.textContent = idle;
      } else if (found.common) {
        status.textContent = '“' + query + '” is too common a word to search for: add another.';
      } else if (!n) {
        status.textContent = 'Nothing found for “' + query + '”.';
      } else {
        const results = n + (n === 1 ? ' result' : ' results');
        const loosely = found.terms.length > 1 ? ' with some of these words (none has all of them)'
          : ' for words close to it (none has it as written)';
        status.textContent = (found.loose ? results + loosely : results)
          + (n > shown ? ', the first ' + shown + ' shown.' : '.');
      }
    }

    const requested = new Set();   // parts whose script was added to the page
    const failed = new Map();      // part -> what went wrong: queries that need it say so
    let waiting = null;            // the timer that says "Searching…" when a part is slow

    /* Load parts with <script> elements, which work from file:// as from a server; each part
     * loaded searches again, with what the field holds by then. */
    function loadParts(parts) {
      parts.forEach(function (n) {
        if (requested.has(n)) return;
        requested.add(n);
        const tag = document.createElement('script');
        tag.src = root + 'data/search/' + n + '.js?v=' + encodeURIComponent(index.data.stamp);
        const done = function (problem) {
          const registry = global.DOSSIER_SEARCH_PARTS || {};
          const part = registry[n];
          delete registry[n];   // the engine keeps its own copy
          tag.remove();
          if (!problem && !addPart(index, n, part)) {
            problem = part && part.stamp && part.stamp !== index.data.stamp
              ? 'The site was rebuilt since this page was opened: reload the page to search it.'
              : 'Part of the search index is missing or damaged: rebuild the site.';
          }
          if (problem) failed.set(n, problem);
          run();
        };
        tag.onload = function () { done(null); };
        tag.onerror = function () { done('Part of the search index is missing or damaged: rebuild the site.'); };
        document.head.appendChild(tag);
      });
    }

    function clearResults() {
      list.textContent = '';
      if (more) more.remove();
      more = null;
      found = { results: [], terms: [] };
      shown = 0;
    }

    function run() {
      clearTimeout(waiting);
      const missing = partsNeeded(index, input.value);
      const problem = missing.map(function (n) { return failed.get(n); }).filter(Boolean)[0];
      if (problem) {   // this query cannot be answered; others still can
        clearResults();
        status.textContent = problem;
        return;
      }
      if (missing.length) {
        clearResults();   // nothing stale under the field while its parts load
        status.textContent = '';
        loadParts(missing);
        // Said only when a part is slow: a screen reader would hear it on nearly every keystroke.
        waiting = setTimeout(function () { status.textContent = 'Searching…'; }, 300);
        return;
      }
      const t0 = performance.now();
      found = search(index, input.value);
      list.textContent = '';
      shown = 0;
      showMore();
      global.DossierSearch.lastMs = performance.now() - t0;
    }

    function remember() {
      try {
        const url = new URL(location.href);
        if (input.value) url.searchParams.set('q', input.value); else url.searchParams.delete('q');
        history.replaceState(null, '', url.href);
      } catch (e) { /* some browsers refuse history changes on file:// pages: the search still works */ }
    }

    input.addEventListener('input', run);
    input.addEventListener('change', remember);
    if (input.form) {
      input.form.addEventListener('submit', function (event) {
        event.preventDefault();
        run();
        remember();
      });
    }
    const q = new URLSearchParams(location.search).get('q');
    if (q) {
      input.value = q;
      input.focus();   // from the header's box: the keyboard carries on to the results, not from the page's top
    }
    const box = document.getElementById('site-search');
    if (box && q && !box.value) box.value = q;
    run();
  }

  /* A large index takes a moment to load (docs/search.md): say so, and let the page paint first. */
  function startSoon() {
    const data = global.DOSSIER_SEARCH;
    const status = document.getElementById('search-status');
    const count = data && data.index && data.index.documentCount;
    if (!status || !(count > SMALL)) {
      start();
      return;
    }
    status.textContent = 'Loading the search index (' + count + ' entries)…';
    requestAnimationFrame(function () { setTimeout(start, 0); });
  }

  function ready() {
    if (global.MiniSearch) {
      startSoon();
      return;
    }
    const status = document.getElementById('search-status');
    if (status) status.textContent = 'Search is missing assets/vendor/minisearch.js: rebuild the site.';
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})(typeof window !== 'undefined' ? window : globalThis);
