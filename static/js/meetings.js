// Meetings: live updates, the grouping board's moves and drag, agenda order, the dots counter.
// Every page works without this file; it only makes the same forms quicker to use.
(function () {
  "use strict";

  function announce(text) { window.forumAnnounce(text); }

  // Live polling: send the ETag we hold so an unchanged meeting costs a 304 and no swap.
  document.addEventListener("htmx:configRequest", function (event) {
    var el = event.detail.elt;
    if (el.id === "live" && el.dataset.etag) {
      event.detail.headers["If-None-Match"] = '"' + el.dataset.etag + '"';
    }
  });

  // The live part (#live) is replaced whole at every change. Focus stays where the person
  // was: an element that comes back unchanged is kept as it is (htmx moves the same node
  // back, with hx-preserve), so it is neither lost nor announced again; one that changed is
  // found again in the new part by its id or place and focused quietly. Counts are not a
  // live region: they are read out when voting opens or closes, or when asked for.
  function placeOf(root, el) {
    var path = [];
    for (var node = el; node && node !== root; node = node.parentElement) {
      path.unshift(Array.prototype.indexOf.call(node.parentElement.children, node));
    }
    return path;
  }
  function atPlace(root, path) {
    var node = root;
    for (var i = 0; node && i < path.length; i++) node = node.children[path[i]];
    return node || null;
  }
  function liveCount(live) {
    var count = live && live.querySelector("[data-live-count]");
    return count ? count.textContent.replace(/\s+/g, " ").trim() : "";
  }

  var previousPhase = null;
  var held = null;  // where focus was in #live before a swap: {id, path, keptId}
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 304) {
      event.detail.shouldSwap = false;
      return;
    }
    var live = event.detail.target;
    if (live.id !== "live") return;
    previousPhase = live.dataset.phase;
    held = null;
    var active = document.activeElement;
    if (!active || active === live || !live.contains(active)) return;
    held = { id: active.id, path: placeOf(live, active), keptId: null };
    var doc = new DOMParser().parseFromString(event.detail.serverResponse, "text/html");
    var fresh = doc.getElementById("live");
    if (!fresh) return;
    var twin = (active.id && doc.getElementById(active.id)) || atPlace(fresh, held.path);
    if (twin && twin.isEqualNode(active)) {
      held.keptId = active.id || "live-focus-kept";
      active.id = held.keptId;
      twin.id = held.keptId;
      twin.setAttribute("hx-preserve", "");
      event.detail.serverResponse = doc.body.innerHTML;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var live = document.getElementById("live");
    var phaseChanged = Boolean(live && previousPhase && live.dataset.phase !== previousPhase);
    if (live && (held || phaseChanged)) {
      var kept = held && held.keptId && document.getElementById(held.keptId);
      if (kept && !held.id) kept.removeAttribute("id");
      var active = document.activeElement;
      var lost = Boolean(held) && !live.contains(active);
      var heading = document.getElementById("live-heading");
      if (phaseChanged && heading) {
        // A new stage: say so with the count, and start a person whose place went with the
        // old stage at the new stage's heading.
        var count = liveCount(live);
        announce(heading.textContent.trim() + (count ? ". " + count + "." : ""));
        if (lost || !active || active === document.body) heading.focus();
      } else if (lost) {
        var twin = (held.id && document.getElementById(held.id)) || atPlace(live, held.path);
        if (twin && live.contains(twin)) {
          if (!twin.matches("a[href], button, input, select, textarea, [tabindex]")) {
            twin.setAttribute("tabindex", "-1");
          }
          twin.focus({ preventScroll: true });
        }
      }
    }
    previousPhase = null;
    held = null;
    // After a change on the grouping board, focus what changed (named in ?focus=).
    var xhr = event.detail.xhr;
    if (xhr && xhr.responseURL) {
      var focus = new URL(xhr.responseURL).searchParams.get("focus");
      var target = focus && document.getElementById(focus);
      if (target) {
        // An issue's own Move select; a theme card itself (its selects sit in closed details).
        var control = target.querySelector(":scope > .move-form select");
        if (!control || !control.getClientRects().length) control = target;
        if (control === target && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
        control.focus();
      }
    }
  });

  // "Check how many are here": read the count out now (without JavaScript it reloads the page).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#live-count-request");
    if (!link) return;
    var text = liveCount(document.getElementById("live"));
    if (!text) return;
    event.preventDefault();
    announce(text + ".");
  });

  // Grouping board: a move redraws the two columns it changed (out of band) and says what
  // happened in #messages, naming in data-focus what takes focus: the moved issue's own
  // "Move to" list, or the column the ticked issues went to.
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "messages") return;
    var said = target.querySelector("[data-focus]");
    var el = said && document.getElementById(said.dataset.focus);
    if (!el) return;
    if (!el.matches("select, button, input, [tabindex]")) el.setAttribute("tabindex", "-1");
    el.focus();
  });
  // A form sent back with a mistake: focus the first field that needs a change.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.target || event.detail.target.id !== "grouping") return;
    var root = document.getElementById("grouping");
    var wrong = root.querySelector("[aria-invalid=true]");
    if (wrong) {
      var tools = wrong.closest("details");
      if (tools) tools.open = true;
      wrong.focus();
    }
  });

  // Drag an issue by its handle onto another column: mouse, pen and touch alike (Pointer
  // Events). The drop submits the issue's own Move form, the one the keyboard uses.
  if (document.getElementById("board")) document.documentElement.classList.add("js-board");
  var drag = null;
  function zoneAt(x, y) {
    var under = document.elementFromPoint(x, y);
    return under && under.closest(".drop-zone");
  }
  function endDrag() {
    if (!drag) return;
    if (drag.ghost) drag.ghost.remove();
    drag.chip.classList.remove("dragging");
    document.querySelectorAll(".drop-over").forEach(function (el) { el.classList.remove("drop-over"); });
    drag = null;
  }
  document.addEventListener("pointerdown", function (event) {
    var grip = event.target.closest && event.target.closest(".grip");
    if (!grip || event.button > 0) return;
    var chip = grip.closest("[data-issue]");
    if (!chip) return;
    event.preventDefault();
    grip.setPointerCapture(event.pointerId);
    drag = { chip: chip, grip: grip, x: event.clientX, y: event.clientY, ghost: null, zone: null };
  });
  document.addEventListener("pointermove", function (event) {
    if (!drag) return;
    if (!drag.ghost) {
      if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) < 6) return;
      drag.ghost = drag.chip.cloneNode(true);
      drag.ghost.removeAttribute("id");
      drag.ghost.querySelectorAll("[id]").forEach(function (el) { el.removeAttribute("id"); });
      drag.ghost.querySelectorAll("form").forEach(function (el) { el.remove(); });
      drag.ghost.classList.add("drag-ghost");
      drag.ghost.setAttribute("aria-hidden", "true");
      document.body.appendChild(drag.ghost);
      drag.chip.classList.add("dragging");
    }
    drag.ghost.style.left = event.clientX + 8 + "px";
    drag.ghost.style.top = event.clientY + 8 + "px";
    var zone = zoneAt(event.clientX, event.clientY);
    if (zone !== drag.zone) {
      if (drag.zone) drag.zone.classList.remove("drop-over");
      if (zone) zone.classList.add("drop-over");
      drag.zone = zone;
    }
    // Near the top or bottom of the window, scroll so a far column can be reached.
    var edge = 48;
    if (event.clientY < edge) window.scrollBy(0, -12);
    else if (event.clientY > window.innerHeight - edge) window.scrollBy(0, 12);
  });
  document.addEventListener("pointerup", function (event) {
    if (!drag) return;
    var chip = drag.chip;
    var zone = drag.ghost ? zoneAt(event.clientX, event.clientY) : null;
    endDrag();
    if (!zone || zone === chip.closest(".drop-zone")) return;
    var form = chip.querySelector(".move-form");
    var select = form && form.querySelector("select");
    if (!select) return;
    select.value = zone.dataset.theme;
    form.requestSubmit();
  });
  document.addEventListener("pointercancel", endDrag);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") endDrag();
  });

  // Agenda: drag a free item onto another to put it there (the HTML drag API).
  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest("[data-item]");
    if (!row) return;
    dragged = row;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.item);
  });
  document.addEventListener("dragover", function (event) {
    var row = event.target.closest && event.target.closest(".agenda-items li");
    if (row && dragged) {
      event.preventDefault();
      row.classList.add("drop-over");
    }
  });
  document.addEventListener("dragleave", function (event) {
    var row = event.target.closest && event.target.closest(".agenda-items li");
    if (row) row.classList.remove("drop-over");
  });
  document.addEventListener("drop", function (event) {
    var row = event.target.closest && event.target.closest(".agenda-items li");
    if (!dragged) return;
    event.preventDefault();
    document.querySelectorAll(".drop-over").forEach(function (el) { el.classList.remove("drop-over"); });
    if (row) reorderAgenda(dragged, row);
    dragged = null;
  });

  // Agenda: drag a free item onto another to put it there; saved at once.
  function reorderAgenda(item, onto) {
    var list = onto.parentNode;
    if (item === onto || item.parentNode !== list) return;
    var items = Array.prototype.slice.call(list.children);
    if (items.indexOf(item) < items.indexOf(onto)) onto.after(item); else onto.before(item);
    var body = new URLSearchParams();
    list.querySelectorAll("[data-item]").forEach(function (li) { body.append("item", li.dataset.item); });
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(list.dataset.reorderUrl, {
      method: "POST",
      headers: { "X-CSRFToken": token ? token.value : "", "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
      credentials: "same-origin",
    }).then(function (response) {
      announce(response.ok ? list.dataset.savedText || "Agenda order saved." : "The new order was not saved. Use the Up and Down buttons.");
    });
  }

  // Ballot: keep a running count of the dots left.
  function updateRemaining(form) {
    var budget = parseInt(form.dataset.budget, 10);
    var used = 0;
    form.querySelectorAll("input[data-dots]").forEach(function (input) {
      var n = parseInt(input.value, 10);
      if (!isNaN(n) && n > 0) used += n;
    });
    var left = budget - used;
    var out = form.querySelector("[data-remaining]");
    if (!out) return;
    if (left >= 0) {
      out.textContent = left === 1 ? "You have 1 dot left." : "You have " + left + " dots left.";
      out.classList.remove("over");
    } else {
      out.textContent = "That is " + (-left) + " too many. Take some dots off.";
      out.classList.add("over");
    }
  }
  // The + and − buttons submit the form without JavaScript; here they change the count in place.
  function step(form, button) {
    var input = document.getElementById(button.dataset.for);
    if (!input) return;
    var budget = parseInt(form.dataset.budget, 10);
    var cap = parseInt(form.dataset.cap, 10);
    var used = 0;
    form.querySelectorAll("input[data-dots]").forEach(function (other) {
      var n = parseInt(other.value, 10);
      if (!isNaN(n) && n > 0) used += n;
    });
    var now = parseInt(input.value, 10);
    if (isNaN(now) || now < 0) now = 0;
    var by = parseInt(button.dataset.step, 10);
    if (by > 0 && (now >= cap || used >= budget)) {
      var out = form.querySelector("[data-remaining]");
      if (out) out.textContent = now >= cap ? "That theme already has the most dots one theme can take." : "You have no dots left. Take one off another theme first.";
      return;
    }
    input.value = Math.max(0, now + by);
    updateRemaining(form);
  }
  document.querySelectorAll("form.ballot").forEach(function (form) {
    form.addEventListener("input", function () { updateRemaining(form); });
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-step]");
      if (!button || !form.contains(button)) return;
      event.preventDefault();
      step(form, button);
    });
    updateRemaining(form);
  });

  // The decide page is one form around every theme. Enter in a theme's field saves that
  // theme, not the first one on the page (which a browser's own Enter would choose).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT") return;
    var section = event.target.closest("section.decision");
    var button = section && section.querySelector("button[type=submit]");
    if (!button) return;
    event.preventDefault();
    button.click();
  });
})();
