// Small behaviours shared by every page. Everything works without this file.
(function () {
  "use strict";
  // After htmx swaps a region in, move focus to the element marked data-focus-after-swap
  // (usually a heading or the first result) so keyboard and screen-reader users follow.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target.querySelector("[data-focus-after-swap]");
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  });
  // Announce a message sent by the server in the HX-Trigger header: {"announce": "text"}.
  document.body.addEventListener("announce", function (event) {
    var region = document.getElementById("messages");
    if (!region) return;
    var p = document.createElement("p");
    p.className = "message message-info";
    p.textContent = event.detail.value;
    region.replaceChildren(p);
  });
  // Ask before leaving a form with unsaved typing.
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (e) {
      if (dirty) { e.preventDefault(); }
    });
  });
})();
