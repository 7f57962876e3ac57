// Small behaviours shared by every page. Everything works without this file.
(function () {
  "use strict";
  // The one way a script tells someone what happened: a message in the page's live region,
  // which screen readers read out. With keep, it goes beside the messages already there.
  // Other scripts call it as window.forumAnnounce (this file loads first on every page).
  function announce(text, keep) {
    var region = document.getElementById("messages");
    if (!region) return;
    var p = document.createElement("p");
    p.className = "message message-info";
    p.textContent = text;
    if (keep) region.appendChild(p); else region.replaceChildren(p);
  }
  window.forumAnnounce = announce;
  // Below 40em the header's links fold behind the Menu button; Escape closes it again.
  var menuButton = document.querySelector(".menu-button");
  var nav = document.getElementById("site-nav");
  if (menuButton && nav) {
    document.documentElement.classList.add("js-menu");
    var setMenu = function (open) {
      menuButton.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
    };
    menuButton.addEventListener("click", function () {
      setMenu(menuButton.getAttribute("aria-expanded") !== "true");
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("open")) {
        setMenu(false);
        menuButton.focus();
      }
    });
  }
  // After htmx swaps a region in, move focus to the element marked data-focus-after-swap
  // (usually a heading or the first result) so keyboard and screen-reader users follow.
  // Wait until it has settled: a key pressed on a form htmx has not yet taken over would
  // send it the slow way, reloading the page. While someone types or chooses (search as you
  // type, a filter), leave focus with them and announce the new heading instead.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target.querySelector("[data-focus-after-swap]");
    if (!target) return;
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (trigger && (trigger.type === "input" || trigger.type === "change")) {
      announce(target.textContent.trim());
      return;
    }
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  });
  // A form sent back with errors opens at the summary of what went wrong, so keyboard and
  // screen-reader users hear it first and can follow its links to each field.
  var summary = document.querySelector(".error-summary[tabindex]");
  if (summary && (!document.activeElement || document.activeElement === document.body)) {
    summary.focus();
  }
  // A live region announces changes, not what it held when the page loaded: put the page's
  // own messages ("Your issue has been raised.") back in a moment later so they are heard,
  // ahead of any message another script has announced meanwhile (a draft put back).
  var region = document.getElementById("messages");
  if (region && region.children.length) {
    var loaded = Array.prototype.slice.call(region.childNodes);
    region.replaceChildren();
    setTimeout(function () { region.prepend.apply(region, loaded); }, 150);
  }
  // Announce a message sent by the server in the HX-Trigger header: {"announce": "text"}.
  document.body.addEventListener("announce", function (event) { announce(event.detail.value); });
  // "Copy the code": copy the button's data-copy text and say so.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!navigator.clipboard) return;
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        var status = document.querySelector("[data-copy-status]");
        if (status) status.textContent = button.getAttribute("data-copied");
        button.textContent = button.getAttribute("data-copied");
      });
    });
  });
  // Long text fields count down to their limit: "N characters left" under the field, read
  // with it as its description. Screen readers are not told at every key: a quiet status
  // speaks once typing pauses, and only near the limit or past it.
  function charactersLeft(left) {
    if (left >= 0) return left === 1 ? "1 character left" : left.toLocaleString("en-GB") + " characters left";
    var over = -left;
    return (over === 1 ? "1 character" : over.toLocaleString("en-GB") + " characters") + " too many: shorten it before sending";
  }
  function addCounter(field) {
    var limit = parseInt(field.getAttribute("data-limit"), 10);
    if (!limit || !field.id || field.hasAttribute("data-counted")) return;
    field.setAttribute("data-counted", "");
    var count = document.createElement("p");
    count.className = "char-count";
    count.id = field.id + "-count";
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    field.after(count, spoken);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + count.id);
    var pause = null;
    function update(speak) {
      var left = limit - Array.from(field.value.replace(/\r\n/g, "\n")).length;
      count.textContent = charactersLeft(left);
      count.classList.toggle("over", left < 0);
      clearTimeout(pause);
      if (speak && left < limit / 10) {
        pause = setTimeout(function () { spoken.textContent = charactersLeft(left); }, 1200);
      }
    }
    field.addEventListener("input", function () { update(true); });
    update(false);
  }
  function addCounters(root) {
    if (root.matches && root.matches("textarea[data-limit]")) addCounter(root);
    if (root.querySelectorAll) root.querySelectorAll("textarea[data-limit]").forEach(addCounter);
  }
  addCounters(document);
  document.addEventListener("htmx:load", function (event) { addCounters(event.detail.elt); });
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
