// Nothing typed is lost when a session ends: what is typed in a form marked data-keep-draft
// is kept in this tab's sessionStorage (never sent anywhere, gone when the tab closes), put
// back when the form's page opens again after signing in, and forgotten once the form has
// been accepted. Signing out forgets every kept draft.
(function () {
  "use strict";
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!store) return;
  var PREFIX = "draft:";
  var SENT = "draft-sent";  // the form just sent; its fate is known on the next page
  var SIGNING_IN = "draft-signing-in";

  function keyOf(form) {
    return PREFIX + (form.getAttribute("data-keep-draft") || form.getAttribute("action") || location.pathname);
  }
  function checkable(el) { return el.type === "radio" || el.type === "checkbox"; }
  function nameOf(el) { return checkable(el) ? el.name + "=" + el.value : el.name; }
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.name === "csrfmiddlewaretoken") return false;
      if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
      return ["text", "number", "date", "email", "url", "search", "radio", "checkbox"].indexOf(el.type) >= 0;
    });
  }
  function save(form) {
    var data = {};
    fields(form).forEach(function (el) { data[nameOf(el)] = checkable(el) ? el.checked : el.value; });
    try { store.setItem(keyOf(form), JSON.stringify(data)); } catch (e) { /* full: nothing kept */ }
  }
  function read(key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }
  function forget(key) { store.removeItem(key); }
  function announce(text) { window.forumAnnounce(text, true); }

  // Put a kept draft back into a form still showing what the page brought (nothing typed
  // since). Choices go back too: a draft meant to be anonymous stays anonymous.
  function restore(form) {
    var data = read(keyOf(form));
    if (!data) return false;
    var els = fields(form);
    var differs = els.some(function (el) {
      var kept = data[nameOf(el)];
      return !checkable(el) && typeof kept === "string" && kept.trim() !== "" && kept !== el.value;
    });
    var untouched = els.every(function (el) {
      return checkable(el) ? el.checked === el.defaultChecked : el.tagName === "SELECT" || el.value === el.defaultValue;
    });
    if (!differs || !untouched) return false;
    els.forEach(function (el) {
      var kept = data[nameOf(el)];
      if (kept === undefined) return;
      if (checkable(el)) el.checked = kept; else el.value = kept;
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
    announce(form.getAttribute("data-restored-text") || "What you typed before has been put back.");
    return true;
  }

  function settle() {
    var sent = store.getItem(SENT);
    var onSignIn = location.pathname.indexOf("/accounts/") === 0;
    if (sent && onSignIn) {
      store.setItem(SIGNING_IN, sent);  // refused for want of a session: keep it for after
      return;
    }
    var afterSignIn = store.getItem(SIGNING_IN);
    forms().forEach(function (form) {
      var key = keyOf(form);
      if (key === sent && key !== afterSignIn) {
        var refused = form.querySelector("[aria-invalid=true], .errorlist") ||
          document.querySelector(".error-summary");
        if (!refused) forget(key);  // accepted, and the page shows the form afresh
        return;
      }
      restore(form);
    });
    if (sent && !forms().some(function (form) { return keyOf(form) === sent; }) && sent !== afterSignIn) {
      forget(sent);  // accepted: the form's page gave way to the next one
    }
    store.removeItem(SENT);
    store.removeItem(SIGNING_IN);
  }
  function forms() { return Array.prototype.slice.call(document.querySelectorAll("form[data-keep-draft]")); }

  document.addEventListener("input", function (event) {
    var form = event.target.form || (event.target.closest && event.target.closest("form"));
    if (form && form.hasAttribute("data-keep-draft")) save(form);
  });
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-keep-draft")) save(form);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-keep-draft")) {
      save(form);
      store.setItem(SENT, keyOf(form));
    }
    if (/\/accounts\/logout\//.test(form.getAttribute("action") || "")) {
      Object.keys(store).forEach(function (key) { if (key.indexOf(PREFIX) === 0) forget(key); });
    }
  }, true);
  // A form sent by htmx comes back in place: once it has settled, judge it as after a page
  // load. Other swaps on the page (a section loading) say nothing about the form.
  var answered = false;
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-keep-draft")) return;
    var xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Redirect")) return;  // off to sign in: keep it
    answered = true;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!answered) return;
    answered = false;
    settle();
  });
  settle();
})();
