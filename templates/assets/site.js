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
})();
