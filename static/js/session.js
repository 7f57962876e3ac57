// Warn before a quiet session is signed out, and let the person stay signed in.
// Typing, clicking or the page's own requests count as activity: the session is then
// extended quietly, so nobody writing a long issue is signed out mid-sentence.
// While the warning shows, the rest of the page is inert: Tab and Shift+Tab stay in the panel,
// so focus is never on a control hidden behind it. Escape counts as staying signed in; once
// the session cannot be extended, Escape (or "Close this message") puts the page back, so
// what was typed can be copied.
// Without JavaScript the warning never shows and the server's timeout applies as usual.
(function () {
  "use strict";
  var box = document.getElementById("session-warning");
  if (!box) return;
  var form = box.querySelector("form");
  var text = document.getElementById("session-warning-text");
  var extendButton = document.getElementById("session-extend");
  var signIn = document.getElementById("session-sign-in");
  var closeButton = document.getElementById("session-close");
  var madeInert = [];
  var warnBefore = Number(box.dataset.warnSeconds) * 1000;
  var endsAt = Date.now() + Number(box.dataset.secondsLeft) * 1000;
  var active = false;
  var returnFocusTo = null;
  var timer = null;

  function markActive(event) {
    if (!box.contains(event.target)) active = true;
  }
  ["keydown", "input", "pointerdown"].forEach(function (name) {
    document.addEventListener(name, markActive, true);
  });
  document.addEventListener("htmx:afterRequest", function () { active = true; });

  function setPageInert(inert) {
    if (inert) {
      madeInert = Array.prototype.filter.call(document.body.children, function (el) {
        return el !== box && !el.inert && el.tagName !== "SCRIPT";
      });
      madeInert.forEach(function (el) { el.inert = true; });
    } else {
      madeInert.forEach(function (el) { el.inert = false; });
      madeInert = [];
    }
  }

  function show(message, canExtend) {
    text.textContent = message;
    extendButton.hidden = !canExtend;
    signIn.hidden = canExtend;
    closeButton.hidden = canExtend;
    if (box.hidden) {
      returnFocusTo = document.activeElement;
      box.hidden = false;
      setPageInert(true);
    }
    (canExtend ? extendButton : signIn).focus();
  }

  function hide() {
    box.hidden = true;
    setPageInert(false);
    if (returnFocusTo && document.contains(returnFocusTo)) returnFocusTo.focus();
    returnFocusTo = null;
  }

  function controls() {
    return Array.prototype.filter.call(box.querySelectorAll("button, a[href]"), function (el) {
      return !el.hidden && el.getClientRects().length > 0;
    });
  }

  document.addEventListener("keydown", function (event) {
    if (box.hidden) return;
    if (event.key === "Escape") {
      event.preventDefault();
      if (extendButton.hidden) hide(); else extend();
    } else if (event.key === "Tab") {
      // Wrap round inside the panel rather than leave for the browser's own controls.
      var inPanel = controls();
      if (!inPanel.length) return;
      var first = inPanel[0];
      var last = inPanel[inPanel.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
  });
  closeButton.addEventListener("click", hide);

  function at(time, callback) {
    clearTimeout(timer);
    timer = setTimeout(callback, Math.min(Math.max(time - Date.now(), 0), 2147483647));
  }

  function ended() {
    clearTimeout(timer);
    show(box.dataset.textEnded, false);
  }

  // Ask the server for another idle period; the 12-hour limit cannot be extended.
  function extend() {
    active = false;
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("application/json") === -1) throw new Error("signed out");
      return response.json();
    }).then(function (data) {
      endsAt = Date.now() + data.seconds_left * 1000;
      if (endsAt - Date.now() <= warnBefore) {
        show(box.dataset.textLimit, false);
        at(endsAt, ended);
      } else {
        hide();
        at(endsAt - warnBefore, due);
      }
    }).catch(ended);
  }

  function due() {
    if (active) return extend();
    show(box.dataset.textIdle, true);
    at(endsAt, ended);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    extend();
  });
  at(endsAt - warnBefore, due);
})();
