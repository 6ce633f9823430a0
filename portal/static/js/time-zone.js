// Pre-fill an empty time zone choice with the browser's own zone. Nothing is saved until the person
// sends the form; without JavaScript the list works as it is.
(function () {
  "use strict";
  var select = document.querySelector("select[data-guess-time-zone]");
  if (!select || select.value !== "" || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var guess = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var known = Array.prototype.some.call(select.options, function (option) { return option.value === guess; });
  if (!guess || !known) {
    return;
  }
  select.value = guess;
  var note = document.createElement("p");
  note.className = "hint";
  note.id = "time-zone-guess";
  note.textContent = select.getAttribute("data-guess-time-zone");
  select.insertAdjacentElement("afterend", note);
})();
