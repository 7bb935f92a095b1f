/* Small enhancements; every page reads fine without them. No network, no modules. */
(function () {
  "use strict";
  // Claims ledger: filter by status with checkboxes (shown only when this script runs).
  var filter = document.querySelector(".claim-filter");
  if (filter) {
    filter.hidden = false;
    var apply = function () {
      var on = {};
      var boxes = filter.querySelectorAll("input[name=status]");
      for (var i = 0; i < boxes.length; i++) { on[boxes[i].value] = boxes[i].checked; }
      var claims = document.querySelectorAll(".claims > li[data-status]");
      for (var j = 0; j < claims.length; j++) { claims[j].hidden = !on[claims[j].getAttribute("data-status")]; }
    };
    filter.addEventListener("change", apply);
    apply();
    // Back to the page, the browser puts the boxes as the reader left them, with no "change".
    window.addEventListener("pageshow", apply);
  }
  // Reading view: a click on a highlight goes to its note (the note's kind links back).
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest || target.closest("a")) { return; }
    var mark = target.closest("mark.anno[data-anno]");
    var note = mark && document.getElementById(mark.getAttribute("data-anno") + "-note");
    if (note) { location.hash = note.id; }
  });
  placeNotesBeside();
  showCurrentSection();

  // On a phone the navigation is one row that scrolls sideways (style.css): the link of the
  // section the reader is in is brought into that row's view (the page itself does not scroll),
  // and so is a link the keyboard moves to (Chromium leaves a partly shown one where it is).
  function showCurrentSection() {
    var row = document.querySelector(".site-nav ul");
    if (!row) { return; }
    row.addEventListener("focusin", function (event) {
      if (row.scrollWidth > row.clientWidth && event.target.scrollIntoView) {
        event.target.scrollIntoView({block: "nearest", inline: "nearest"});
      }
    });
    var current = row.querySelector("[aria-current]");
    if (!current || row.scrollWidth <= row.clientWidth) { return; }
    var link = current.getBoundingClientRect();
    var box = row.getBoundingClientRect();
    row.scrollLeft += link.left - box.left - (box.width - link.width) / 2;
  }

  // Reading view on a wide screen: each note in the margin level with its highlight, or just
  // below the note above it. Only when every note then stays within half a screen of its words:
  // the notes of a densely annotated article are taller than its text (the demo's main article:
  // 6,600 px of notes beside 2,100 px of text), and beside it they would drift screens away from
  // what they annotate. Otherwise, as without this script, each note follows its paragraph.
  function placeNotesBeside() {
    var article = document.querySelector(".article-text");
    var notes = article ? Array.prototype.slice.call(article.querySelectorAll(".passage-notes > .anno-note")) : [];
    if (!notes.length || !window.matchMedia) { return; }
    var wide = window.matchMedia("screen and (min-width: 75rem)");
    function place() {
      article.classList.toggle("notes-beside", wide.matches);
      article.style.minHeight = "";
      notes.forEach(function (note) { note.style.top = ""; });
      if (!wide.matches) { return; }
      // Read everything, then write: one layout, not one a note (an article may have hundreds).
      var origin = article.getBoundingClientRect().top;
      var gap = parseFloat(getComputedStyle(notes[0]).fontSize) || 14;
      var placed = notes.map(function (note, order) {
        var mark = document.getElementById(note.id.replace(/-note$/, ""));
        return {note: note, order: order, height: note.offsetHeight,
                at: (mark || note.parentNode.parentNode).getBoundingClientRect().top - origin};
      });
      placed.sort(function (a, b) { return a.at - b.at || a.order - b.order; });
      var below = 0;   // where the note above ends
      var drift = 0;
      placed.forEach(function (p) {
        p.top = Math.max(p.at, below);
        below = p.top + p.height + gap;
        drift = Math.max(drift, p.top - p.at);
      });
      if (drift > window.innerHeight / 2) {
        article.classList.remove("notes-beside");
        return;
      }
      placed.forEach(function (p) { p.note.style.top = p.top + "px"; });
      article.style.minHeight = below + "px";
    }
    var pending = false;
    function soon() {
      if (!pending) {
        pending = true;
        requestAnimationFrame(function () { pending = false; place(); });
      }
    }
    place();
    window.addEventListener("resize", soon);
    window.addEventListener("load", soon);   // images and web fonts change the text's height
    if (wide.addEventListener) { wide.addEventListener("change", soon); }
  }
})();
