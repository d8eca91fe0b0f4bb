/* Wellness preferences, read from <body>'s data attributes (the moderator's preferences page): media that does
   not start or sound on its own, and a gentle, dismissible break reminder after N decisions or M minutes on
   graphic content (items with images, or nudity or violence labels: rows and the drawer say `graphic`).
   Greyscale and blur strength are pure CSS (static/reviews/shift.css). Nothing here blocks the queue. */
(function () {
  "use strict";

  const body = document.body;
  const KEY = "moderation.wellness.v1";
  const TICK_MS = 5000;
  const SHIFT_MS = 12 * 3600 * 1000;  // counts older than a shift start again

  function prefs() {
    return {
      autoplay: body.dataset.videoAutoplay === "on",
      muted: body.dataset.audioMuted === "on",
      decisions: parseInt(body.dataset.breakDecisions || "0", 10) || 0,
      minutes: parseInt(body.dataset.breakMinutes || "0", 10) || 0,
    };
  }

  // --- media --------------------------------------------------------------------------------------
  function applyMedia(root) {
    const p = prefs();
    const scope = root && root.querySelectorAll ? root : document;
    const media = Array.from(scope.querySelectorAll("video, audio"));
    if (scope.matches && scope.matches("video, audio")) media.push(scope);
    media.forEach((m) => {
      if (!p.autoplay) {
        m.autoplay = false;
        m.removeAttribute("autoplay");
        if (!m.dataset.played) m.pause();
      }
      if (p.muted) { m.muted = true; m.defaultMuted = true; }
    });
  }
  // A play the moderator asked for (controls) is theirs: only the first, automatic start is stopped.
  document.addEventListener("play", (evt) => { evt.target.dataset.played = "1"; }, true);
  document.addEventListener("htmx:load", (evt) => applyMedia(evt.target));

  // --- the break reminder -------------------------------------------------------------------------
  function load() {
    let st = null;
    try { st = JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { st = null; }
    if (!st || typeof st.since !== "number" || Date.now() - st.since > SHIFT_MS) {
      st = { since: Date.now(), decisions: 0, ms: 0 };
    }
    return st;
  }
  function save(st) {
    try { localStorage.setItem(KEY, JSON.stringify(st)); } catch (e) { /* private mode: counts stay per page */ }
  }

  function showReminder(text) {
    if (document.getElementById("break-reminder")) return;
    const box = document.createElement("div");
    box.id = "break-reminder";
    box.className = "break-reminder";
    box.setAttribute("role", "status");
    const p = document.createElement("p");
    p.textContent = text + " A few minutes away from the screen helps; the queue will wait.";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Dismiss";
    button.setAttribute("data-break-dismiss", "");
    box.append(p, button);
    body.appendChild(box);
  }

  function check(st) {
    const p = prefs();
    if (p.decisions && st.decisions >= p.decisions) {
      showReminder("You have made " + st.decisions + " decisions on graphic content.");
    } else if (p.minutes && st.ms >= p.minutes * 60000) {
      showReminder("You have spent " + Math.round(st.ms / 60000) + " minutes on graphic content.");
    }
  }

  // Which item a decision was about: its row (row buttons, keys), the decision dialog's row, or the drawer.
  function decidedGraphic(target) {
    if (!(target instanceof Element)) return false;
    let el = target.closest("tr.queue-row") || target.closest("#drawer-inner");
    if (!el && target.id === "decide-form" && target.dataset.row) el = document.getElementById(target.dataset.row);
    return !!el && (el.classList.contains("graphic") || el.dataset.graphic === "1");
  }
  // The answer to a decision carries `HX-Trigger: decided`, fired on the element that made the request.
  document.addEventListener("decided", (evt) => {
    if (!decidedGraphic(evt.target)) return;
    const st = load();
    st.decisions += 1;
    save(st);
    check(st);
  });

  // Time on graphic content: a graphic item open (drawer or item page), an image revealed, or graphic rows
  // shown unblurred, while this tab is visible.
  function onGraphic() {
    if (document.visibilityState !== "visible") return false;
    if (document.querySelector("#drawer-inner[data-graphic], .blurred.revealed")) return true;
    return body.classList.contains("blur-none") && !!document.querySelector("tr.queue-row.graphic");
  }
  setInterval(() => {
    if (!onGraphic()) return;
    const st = load();
    st.ms += TICK_MS;
    save(st);
    check(st);
  }, TICK_MS);

  document.addEventListener("click", (evt) => {
    const button = evt.target.closest && evt.target.closest("[data-break-dismiss]");
    if (!button) return;
    button.closest(".break-reminder").remove();
    save({ since: Date.now(), decisions: 0, ms: 0 });  // the next reminder counts from here
  });

  applyMedia(document);
  check(load());
})();
