// Save an assignment's text as the trainee types: the same form post the "Save draft" button makes,
// sent in the background a few seconds after the last key. Without JavaScript the button does it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  var text = form && form.querySelector("textarea");
  if (!text || !window.fetch || !window.FormData) {
    return;
  }
  var status = form.querySelector("[data-autosave-status]");
  var timer = null;
  var saved = text.value;
  function save() {
    if (text.value === saved) {
      return;
    }
    var data = new FormData(form);
    data.delete("files");
    data.delete("submit");
    var sent = text.value;
    fetch(form.action, {method: "POST", body: data, credentials: "same-origin", headers: {"X-Autosave": "1"}})
      .then(function (response) {
        if (response.ok) {
          saved = sent;
          if (status) {
            status.textContent = status.getAttribute("data-saved") || "";
          }
        }
      })
      .catch(function () { /* the button still saves */ });
  }
  text.addEventListener("input", function () {
    if (status && text.value !== saved) {
      status.textContent = "";  // what is shown is no longer what is saved
    }
    clearTimeout(timer);
    timer = setTimeout(save, 3000);
  });
})();
