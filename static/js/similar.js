// "Is this already raised?" sends what is typed (in the body of a POST, never in an address)
// while a person types. The first part of a long text is enough to find similar issues, so
// trim the texts of requests from elements marked data-similar-clip="<characters>".
(function () {
  "use strict";
  document.body.addEventListener("htmx:configRequest", function (event) {
    var limit = Number(event.detail.elt.getAttribute("data-similar-clip"));
    if (!limit) return;
    var params = event.detail.parameters;
    ["title", "body"].forEach(function (name) {
      var value = params[name];
      if (typeof value === "string" && value.length > limit) params[name] = value.slice(0, limit);
    });
  });
  // The list of similar issues is long to hear after every pause in typing: say only a short
  // count, and only when it changes (the list itself is not a live region).
  var lastSaid = "";
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target.id !== "similar-issues") return;
    var status = document.getElementById("similar-status");
    var source = event.detail.target.querySelector("[data-announce]");
    var text = source ? source.getAttribute("data-announce") : "";
    if (!status || !text || text === lastSaid) return;
    lastSaid = text;
    status.textContent = text;
  });
})();
