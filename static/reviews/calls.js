/* Calls page: keyboard shortcuts, and the permission-request list's polling paused while focus is in it.
   A static file, not inline script, so the Content-Security-Policy needs no 'unsafe-inline' or 'unsafe-eval'. */
(function () {
  "use strict";

  // Shortcuts; ignored while typing in a field.
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test((e.target.tagName || ""))) return;
    var pick = {a: "#requests .request:first-child [data-call-key], #requests .request:first-child button.ok",
                x: "#requests .request:first-child form:nth-of-type(2) button",
                m: "[data-call-key='m']"}[e.key];
    var button = pick && document.querySelector(pick);
    if (button && !button.disabled) { e.preventDefault(); button.click(); }
  });

  // The requests list refreshes every 2 s, except while a moderator is on one of its buttons (the refresh
  // would take their focus away) or while a decision made in it is on its way (a refresh rendered before that
  // decision would bring its request back). Cancelling a poll skips it; the next one tries again.
  var pending = new Set();  // requests made from inside the list, until they finish
  function isPoll(elt) { return elt && elt.id === "requests"; }
  document.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail.elt, active = document.activeElement;
    if (isPoll(elt)) {
      if (pending.size || (active && active.closest && active.closest("#requests"))) e.preventDefault();
    } else if (elt && elt.closest && elt.closest("#requests")) {
      pending.add(e.detail.xhr);
    }
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (isPoll(e.detail.elt) && pending.size) e.detail.shouldSwap = false;
  });
  document.addEventListener("htmx:afterRequest", function (e) { pending.delete(e.detail.xhr); });
})();
