// On the review page, selecting a phrase in a numbered paragraph of the text fills the first empty
// inline comment with that paragraph and phrase. Without JavaScript the reviewer picks the paragraph.
(function () {
  "use strict";
  var text = document.querySelector("ol.paragraphs");
  var fields = document.querySelector("[data-inline-comments]");
  if (!text || !fields || !window.getSelection) {
    return;
  }
  var status = fields.querySelector("[data-inline-status]");
  function paragraphOf(node) {
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    var item = element && element.closest("li[data-paragraph]");
    return item && text.contains(item) ? item : null;
  }
  function fill() {
    var selection = window.getSelection();
    var phrase = selection ? selection.toString().replace(/\s+/g, " ").trim() : "";
    if (!phrase) {
      return;
    }
    var start = paragraphOf(selection.anchorNode), end = paragraphOf(selection.focusNode);
    if (!start || start !== end) {
      return;
    }
    var rows = fields.querySelectorAll("[data-row]");
    for (var i = 0; i < rows.length; i++) {
      var note = rows[i].querySelector("textarea"), quote = rows[i].querySelector("input");
      if (!note.value.trim()) {
        rows[i].querySelector("select").value = start.getAttribute("data-paragraph");
        quote.value = phrase.slice(0, 1000);
        if (status) {
          status.textContent = (fields.getAttribute("data-filled") || "").replace("{number}", rows[i].getAttribute("data-row"));
        }
        return;
      }
    }
  }
  text.addEventListener("mouseup", fill);
  text.addEventListener("keyup", fill);
})();
