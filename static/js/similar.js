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
})();
