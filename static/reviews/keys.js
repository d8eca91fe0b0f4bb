/* Dashboard behaviour on top of htmx: keyboard triage, dialogs, toasts, live queue updates.
   Everything here is an enhancement: every control is also a plain link or form that works without it. */
(function () {
  "use strict";

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const rows = () => $$("#queue-rows tr.queue-row");
  let currentId = null;      // the row the keyboard is on
  let advanceFrom = null;    // after a decision on this row succeeds, focus the next one

  // --- toasts -----------------------------------------------------------------------------------
  function toast(message, level) {
    const box = $("#toasts");
    if (!box) return;
    const div = document.createElement("div");
    div.className = "toast toast-" + (level || "error");
    div.setAttribute("role", level === "success" ? "status" : "alert");
    div.setAttribute("data-toast", "");
    div.textContent = message;
    box.appendChild(div);
    scheduleDismiss(div);
  }
  function scheduleDismiss(el) {
    if (el.dataset.scheduled) return;
    el.dataset.scheduled = "1";
    const ms = el.classList.contains("toast-error") ? 12000 : (el.querySelector(".toast-undo") ? 10000 : 5000);
    setTimeout(() => el.remove(), ms);
  }
  function armToasts() { $$("#toasts .toast").forEach(scheduleDismiss); }

  // --- focus and rows ---------------------------------------------------------------------------
  function focusRow(row) {
    if (!row) return;
    $$("#queue-rows tr.current").forEach((r) => r.classList.remove("current"));
    row.classList.add("current");
    currentId = row.id;
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }
  function currentRow() {
    const byId = currentId && document.getElementById(currentId);
    if (byId && byId.matches("tr.queue-row")) return byId;
    const active = document.activeElement && document.activeElement.closest && document.activeElement.closest("tr.queue-row");
    return active || null;
  }
  function move(delta) {
    const list = rows();
    if (!list.length) return;
    const cur = currentRow();
    const i = cur ? list.indexOf(cur) : -1;
    focusRow(list[Math.max(0, Math.min(list.length - 1, i + delta))] || list[0]);
  }
  function nextAfter(rowId) {
    const list = rows();
    const row = document.getElementById(rowId);
    const i = row ? list.indexOf(row) : -1;
    return list[i + 1] || list[i - 1] || null;
  }
  function updateSelected() {
    const count = $("#selected-count");
    if (!count) return;
    const n = $$("input[type=checkbox][form]:checked").length;
    count.textContent = n + " selected";
  }

  // --- the decision dialog (ban, note) ----------------------------------------------------------
  // The dialog opens with one verb ticked (the row link's data-dialog names it) and shows that verb's options.
  function openDecision(row, verb) {
    const dialog = $("#decide-dialog");
    if (!dialog || !row) return false;
    const form = $("#decide-form");
    const link = row.querySelector('[data-dialog="' + verb + '"]');
    form.reset();
    const error = $("#decide-error");
    if (error) error.hidden = true;
    form.action = row.querySelector("form[hx-post]").getAttribute("hx-post");
    form.dataset.row = row.id;
    $$("input[name=actions]", form).forEach((cb) => { cb.checked = cb.value === verb; });
    $$("fieldset[data-for]", form).forEach((fs) => { fs.hidden = fs.dataset.for !== verb; });
    $("#decide-title").textContent = (link && link.getAttribute("aria-label")) || "Decision";
    $("#decide-subject").textContent = row.getAttribute("aria-label") || "";
    advanceFrom = row.id;
    dialog.showModal();
    (verb === "note" ? $("#d-note") : $("#d-reason")).focus();
    return true;
  }

  // Verbs whose reason the dashboard requires (the decision table's needs_reason, sent by the page).
  function verbsNeedingReason() {
    const data = document.getElementById("reason-verbs");
    try { return data ? JSON.parse(data.textContent) : ["ban"]; } catch (e) { return ["ban"]; }
  }
  document.addEventListener("submit", (evt) => {
    const form = evt.target;
    if (form.id !== "decide-form") return;
    evt.preventDefault();
    const needing = verbsNeedingReason();
    const ticked = $$("input[name=actions]:checked", form).filter((cb) => needing.includes(cb.value));
    const error = $("#decide-error");
    if (ticked.length && !$("#d-reason").value.trim()) {
      // Said here, with what was typed kept; the server refuses it too (reviews/forms.py).
      const labels = ticked.map((cb) => cb.parentElement.textContent.trim().toLowerCase()).join(" and ");
      error.textContent = "A reason is required for " + labels + ": pick a preset or write one.";
      error.hidden = false;
      $("#d-reason").focus();
      return;
    }
    error.hidden = true;
    htmx.ajax("POST", form.action, { source: form, swap: "none" });  // the answer's row partial updates the row
    $("#decide-dialog").close();
  });

  // The row's decision menu (a <details>): one open at a time; a click elsewhere or Esc closes it.
  function closeMenus(except) {
    $$("details.decide-menu[open]").forEach((d) => { if (d !== except) d.open = false; });
  }
  document.addEventListener("click", (evt) => { closeMenus(evt.target.closest && evt.target.closest("details.decide-menu")); });

  document.addEventListener("click", (evt) => {
    const t = evt.target.closest("[data-dialog],[data-reveal],[data-close],[data-dismiss],[data-help],[data-close-drawer],#select-all");
    if (!t) return;
    if (t.matches("[data-dialog]")) {
      if (openDecision(t.closest("tr.queue-row"), t.dataset.dialog)) { evt.preventDefault(); closeMenus(); }
    } else if (t.matches("[data-reveal]")) {
      t.classList.toggle("revealed");
      t.setAttribute("aria-pressed", t.classList.contains("revealed") ? "true" : "false");
    } else if (t.matches("[data-close]")) {
      t.closest("dialog").close();
    } else if (t.matches("[data-dismiss]")) {
      t.closest(".toast").remove();
    } else if (t.matches("[data-help]")) {
      $("#help-dialog").showModal();
    } else if (t.matches("[data-close-drawer]")) {
      closeDrawer(evt);
    } else if (t.id === "select-all") {
      const form = t.closest("table").querySelector("input[type=checkbox][form]");
      const formId = form && form.getAttribute("form");
      $$('input[type=checkbox][form="' + formId + '"]').forEach((cb) => { cb.checked = t.checked; });
      updateSelected();
    }
  });
  document.addEventListener("change", (evt) => { if (evt.target.matches("input[type=checkbox][form]")) updateSelected(); });

  function closeDrawer(evt) {
    const drawer = $("#drawer");
    if (!drawer || !$(".queue-layout")) return; // the standalone item page: the link back does it
    if (evt) evt.preventDefault();
    releaseHeld($("#drawer-inner", drawer));
    drawer.innerHTML = "";
    const row = currentRow();
    if (row) focusRow(row);
  }

  // --- claims: looking claims nothing; deciding does, and leaving lets go (reviews/actions/registry.py) -------
  // The drawer's claim URL is the server's (data-claim); release is its sibling.
  const releaseUrl = (claimUrl) => claimUrl.replace(/claim$/, "release");
  const heldByMe = (inner) => !!(inner && inner.isConnected && $(".held-you", inner));
  function claimUrlOfRow(row) {
    const open = row && row.querySelector('[data-key="o"]');
    return open ? open.getAttribute("href").replace(/\/?$/, "/") + "claim" : null;
  }
  function claim(url, place) {
    if (!url || sessionEnded) return;
    htmx.ajax("POST", url, { values: place ? { place: place, quiet: "1" } : {}, target: "#toasts", swap: "none" });
  }
  // A claim made from this drawer's decision form, once per drawer (a renewal after it lapsed is the server's
  // answer to the next touch).
  function claimOnFirstTouch(evt) {
    const form = evt.target.closest && evt.target.closest("form[data-claims]");
    const inner = form && form.closest("#drawer-inner");
    if (!inner || inner.dataset.claimAsked || heldByMe(inner)) return;
    inner.dataset.claimAsked = "1";
    claim(inner.dataset.claim, "drawer");
  }
  ["focusin", "change", "input", "pointerdown"].forEach((type) => document.addEventListener(type, claimOnFirstTouch));

  // Let go of an item held by this moderator that they leave undecided, quietly. On the way out of the page
  // (pagehide) only a beacon is sure to be sent; it carries the CSRF token in its body.
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }
  function releaseHeld(inner, beacon) {
    if (!heldByMe(inner) || !inner.dataset.claim || sessionEnded) return;
    const url = releaseUrl(inner.dataset.claim);
    if (beacon) {
      const body = new FormData();
      body.append("csrfmiddlewaretoken", csrfToken());
      body.append("quiet", "1");
      navigator.sendBeacon(url, body);
    } else {
      htmx.ajax("POST", url, { values: { quiet: "1" }, target: "#toasts", swap: "none" });
    }
  }
  let drawerBefore = null;  // the drawer's item before a swap into #drawer: left, when the swap shows another one
  document.addEventListener("htmx:beforeSwap", (evt) => {
    if (evt.detail.target && evt.detail.target.id === "drawer") drawerBefore = $("#drawer #drawer-inner");
  });
  document.addEventListener("htmx:afterSwap", (evt) => {
    if (!evt.detail.target || evt.detail.target.id !== "drawer" || !drawerBefore) return;
    const now = $("#drawer #drawer-inner");
    if (!now || now.dataset.itemId !== drawerBefore.dataset.itemId) {
      // The old drawer element is detached now; its markup still says whether it was held by me.
      if ($(".held-you", drawerBefore)) {
        htmx.ajax("POST", releaseUrl(drawerBefore.dataset.claim), { values: { quiet: "1" }, target: "#toasts", swap: "none" });
      }
    }
    drawerBefore = null;
  });
  window.addEventListener("pagehide", () => releaseHeld($("#drawer-inner"), true));

  // --- keyboard ---------------------------------------------------------------------------------
  // A verb's key is the decision table's (reviews/actions/registry.py), sent as a JSON data block by the queue
  // page; each row control carries its key in data-key, so a key press clicks that control.
  function verbKeys() {
    const data = document.getElementById("verb-keys");
    try { return data ? JSON.parse(data.textContent) : {}; } catch (e) { return {}; }
  }
  let ROW_KEYS = null;
  document.addEventListener("keydown", (evt) => {
    if (evt.ctrlKey || evt.metaKey || evt.altKey) return;
    const el = evt.target;
    if (el.closest && el.closest("#session-dialog")) return;  // its own link and button keep their keys
    // Text entry keeps its keys; a focused checkbox or button does not (x after clicking a checkbox still works).
    const typing = el.closest && el.closest("textarea, select, [contenteditable], input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit])");
    if (evt.key === "Escape") {
      if (typing && el.id === "f-q") { el.blur(); return; }
      const menu = $("details.decide-menu[open]");
      if (menu) { menu.open = false; menu.querySelector("summary").focus(); return; }
      if (!document.querySelector("dialog[open]")) closeDrawer(evt);
      return;
    }
    // The session dialog is not modal: keys still work under it, and a decision pressed meanwhile is kept too.
    if (typing || document.querySelector("dialog[open]:not(#session-dialog)")) return;
    if (!$("#queue-rows")) { if (evt.key === "/" && $("input[type=search]")) { evt.preventDefault(); $("input[type=search]").focus(); } return; }
    const key = evt.key;
    if (key === "j" || key === "ArrowDown") { evt.preventDefault(); move(1); return; }
    if (key === "k" || key === "ArrowUp") { evt.preventDefault(); move(-1); return; }
    if (key === "/") { evt.preventDefault(); $("#f-q").focus(); return; }
    if (key === "?") { evt.preventDefault(); $("#help-dialog").showModal(); return; }
    if (key === "u") {
      evt.preventDefault();
      const undo = $("#undo-last");
      if (undo) undo.click(); else toast("Nothing to undo yet.", "info");
      return;
    }
    ROW_KEYS = ROW_KEYS || verbKeys();
    const row = currentRow();
    if (!row) { if (key === "x" || key === "o" || key === "c" || ROW_KEYS[key]) { toast("Pick an item first: j / k move through the queue.", "info"); } return; }
    if (key === "c") { evt.preventDefault(); claim(claimUrlOfRow(row)); return; }
    if (key === "x") {
      evt.preventDefault();
      const cb = row.querySelector("input[type=checkbox]");
      cb.checked = !cb.checked; updateSelected();
      return;
    }
    if (key === "Enter") { evt.preventDefault(); row.querySelector('[data-key="o"]').click(); return; }
    if (key === "o" || ROW_KEYS[key]) {
      const control = row.querySelector('[data-key="' + key + '"]');
      evt.preventDefault();
      if (!control) { toast("That action does not apply to this item (or your role cannot act).", "info"); return; }
      if (key !== "o" && !control.dataset.dialog) advanceFrom = row.id;
      control.click();  // a control with data-dialog opens the decision dialog (the click handler above)
    }
  });

  // --- an ended session: said, the decision kept, re-applied after logging in again ---------------
  // The server answers an HTMX request without a session with 401 and HX-Trigger "session-expired"
  // (reviews/views/_common.py: login_needed) instead of a login page. This tab then sends nothing (the live poll
  // pauses), says so in #session-dialog, and keeps each decision it could not send in sessionStorage (this tab
  // only) with the item's version as the page saw it. After a login, in this tab (login?next= comes back here)
  // or another (noticed by asking /accounts/session), each kept decision is sent once more with `expect_v`:
  // the server refuses it, saying how the item stands, if the item changed meanwhile.
  const KEPT = "moderation.kept-decisions";
  const NOTICE = "moderation.notice";
  let sessionEnded = false;
  let sessionPoll = null;
  const whoami = () => document.body.dataset.user || "";
  function keptList() { try { return JSON.parse(sessionStorage.getItem(KEPT) || "[]"); } catch (e) { return []; } }
  function saveKept(list) {
    if (list.length) sessionStorage.setItem(KEPT, JSON.stringify(list)); else sessionStorage.removeItem(KEPT);
  }
  const isSessionExpiry = (xhr) => xhr && xhr.status === 401 && /session-expired/.test(xhr.getResponseHeader("HX-Trigger") || "");
  const keepable = (cfg) => cfg && cfg.verb && cfg.verb.toLowerCase() !== "get" && !/\/(claim|release)$/.test(cfg.path || "");

  function describe(cfg) {
    const elt = cfg.elt;
    const submitter = cfg.triggeringEvent && cfg.triggeringEvent.submitter;
    let what = submitter && (submitter.getAttribute("aria-label") || submitter.textContent.trim());
    const form = elt && (elt.matches && elt.matches("form") ? elt : elt.closest && elt.closest("form"));
    if ((!what || /apply/i.test(what)) && form) {
      const ticked = $$("input[name=actions]:checked", form).map((cb) => cb.parentElement.textContent.trim());
      if (ticked.length) what = ticked.join(" + ");
    }
    const row = elt && elt.closest && elt.closest("tr.queue-row");
    const dialogRow = form && form.id === "decide-form" && document.getElementById(form.dataset.row);
    const subjectRow = row || dialogRow;
    let subject = subjectRow ? subjectRow.getAttribute("aria-label") : "";
    if (!subject) { const title = $("#drawer-title"); subject = title ? title.textContent.trim() : document.title; }
    return { what: what || "Your change", subject: subject || "" };
  }
  function itemOf(path) { const m = /\/queue\/([0-9a-f-]{36})\//.exec(path || ""); return m ? m[1] : null; }
  function versionOf(itemId) {
    if (!itemId) return "";
    const row = document.getElementById("item-" + itemId);
    if (row && row.dataset.v) return row.dataset.v;
    const inner = $('#drawer-inner[data-item-id="' + itemId + '"]');
    return inner ? inner.dataset.v || "" : "";
  }
  function keep(cfg) {
    const params = [];
    const data = cfg.formData || cfg.parameters;
    const add = (k, v) => { if (k !== "csrfmiddlewaretoken" && k !== "expect_v" && typeof v === "string") params.push([k, v]); };
    if (data && typeof data.forEach === "function" && !(data instanceof Array)) data.forEach((v, k) => add(k, v));
    else if (data) Object.keys(data).forEach((k) => [].concat(data[k]).forEach((v) => add(k, v)));
    const item = itemOf(cfg.path);
    const list = keptList();
    list.push({ user: whoami(), verb: cfg.verb, path: cfg.path, params: params, item: item, v: versionOf(item),
                ...describe(cfg) });
    saveKept(list.slice(-20));
  }

  function showSessionDialog() {
    const dialog = $("#session-dialog");
    if (!dialog) return;
    const list = keptList();
    $("#session-pending").hidden = !list.length;
    $("#session-discard").hidden = !list.length;
    const ul = $("#session-pending-list");
    ul.innerHTML = "";
    list.forEach((k) => { const li = document.createElement("li"); li.textContent = k.what + " — " + k.subject; ul.appendChild(li); });
    $("#session-user").textContent = whoami();
    const next = location.pathname + location.search;
    $("#session-login").href = (document.body.dataset.loginUrl || "/accounts/login/") + "?next=" + encodeURIComponent(next);
    if (!dialog.open) {
      // Shown without taking the keyboard from the queue (a non-modal alertdialog, announced): the moderator
      // reads it, and a decision key pressed meanwhile is kept as well.
      const had = document.activeElement;
      dialog.show();
      if (had && had !== document.body && had.isConnected && !dialog.contains(had)) had.focus({ preventScroll: true });
    }
  }
  function sessionEnd(cfg) {
    if (keepable(cfg)) keep(cfg);
    advanceFrom = null;
    sessionEnded = true;
    showSessionDialog();
    if (!sessionPoll) sessionPoll = setInterval(checkSession, 2000);
  }
  function checkSession() {
    const url = document.body.dataset.sessionUrl;
    if (!url) return;
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then((r) => r.ok ? r.json() : null)
      .then((data) => { if (data && data.user) sessionBack(data.user, data.csrf); })
      .catch(() => {});
  }
  // Logged in again (in another tab): take the new CSRF token (a login rotates it), carry on, re-apply.
  function sessionBack(user, token) {
    clearInterval(sessionPoll);
    sessionPoll = null;
    if (user !== whoami()) {
      sessionStorage.setItem(NOTICE, "Logged in as " + user + " now: the page was reloaded for them.");
      discardKept("kept from " + whoami() + "'s session");
      location.reload();
      return;
    }
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    headers["X-CSRFToken"] = token;
    document.body.setAttribute("hx-headers", JSON.stringify(headers));
    $$("input[name=csrfmiddlewaretoken]").forEach((input) => { input.value = token; });
    sessionEnded = false;
    const dialog = $("#session-dialog");
    if (dialog && dialog.open) dialog.close();
    reapply();
  }
  function discardKept(why) {
    const list = keptList();
    saveKept([]);
    if (list.length) {
      const text = "Not applied (" + why + "): " + list.map((k) => k.what + " — " + k.subject).join("; ");
      const prior = sessionStorage.getItem(NOTICE);
      sessionStorage.setItem(NOTICE, (prior ? prior + " " : "") + text);
      toast(text, "info");
    }
  }
  // Each kept decision is sent once (taken out of storage first), showing what is re-applied; its answer
  // (the toast, the row) shows the result, or why it was not applied.
  async function reapply() {
    const list = keptList();
    if (!list.length || !whoami()) return;
    saveKept([]);
    for (const k of list) {
      if (k.user !== whoami()) { toast("Not applied: “" + k.what + "” was kept from " + k.user + "'s session; you are logged in as " + whoami() + ".", "error"); continue; }
      toast("Re-applying what you decided before the session ended: " + k.what + " — " + k.subject, "info");
      const values = {};
      k.params.forEach(([name, value]) => { values[name] = name in values ? [].concat(values[name], value) : value; });
      if (k.v) values.expect_v = k.v;
      try { await htmx.ajax(k.verb, k.path, { values: values, target: "#toasts", swap: "none" }); } catch (e) { /* shown by the error handlers */ }
    }
  }
  document.addEventListener("click", (evt) => {
    if (evt.target.id === "session-discard") { discardKept("discarded by you"); showSessionDialog(); }
  });
  // While the session is gone nothing is sent: polls wait, a decision is kept instead.
  document.addEventListener("htmx:beforeRequest", (evt) => {
    if (!sessionEnded) return;
    evt.preventDefault();
    sessionEnd(evt.detail.requestConfig);
  });

  // --- a duplicate click is ignored quietly ------------------------------------------------------------
  // A second click on a row's decision while its first is in flight, or just after its answer replaced the row
  // (the new row's button under the pointer may be another verb), does nothing. The drawer's form disables its
  // button in flight (hx-disabled-elt) and its fresh form's button waits for an action to be ticked.
  const decidedAt = new Map();  // row id -> when its last decision was sent or answered
  document.addEventListener("click", (evt) => {
    const control = evt.target.closest && evt.target.closest("#queue-rows tr.queue-row form button[name=actions]");
    if (!control) return;
    const row = control.closest("tr.queue-row");
    const last = decidedAt.get(row.id);
    if (last !== undefined && (last === Infinity || performance.now() - last < 600)) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);
  function syncApply(form) {
    const button = form && $("button[type=submit]", form);
    if (button && $$("input[name=actions][type=checkbox]", form).length) {
      button.disabled = !$("input[name=actions]:checked", form);
    }
  }
  document.addEventListener("change", (evt) => {
    if (evt.target.matches && evt.target.matches("form[data-claims] input[name=actions]")) syncApply(evt.target.form);
  });

  // --- heavy actions without an undo ask first (data-confirm; the decision table's Verb.confirms) -------------
  // On a form (every submit asks) or on one submit button (only that one asks).
  let confirmed = null;
  document.addEventListener("htmx:confirm", (evt) => {
    const elt = evt.detail.elt;
    const submitter = evt.detail.triggeringEvent && evt.detail.triggeringEvent.submitter;
    const asking = (submitter && submitter.closest("[data-confirm]")) || (elt && elt.closest && elt.closest("[data-confirm]"));
    const dialog = $("#confirm-dialog");
    if (!asking || !dialog) return;
    evt.preventDefault();
    $("#confirm-text").textContent = asking.dataset.confirm;
    confirmed = () => {
      // htmx sends the clicked button's name and value when it has focus again (the dialog took it).
      if (submitter && submitter.isConnected) submitter.focus();
      evt.detail.issueRequest(true);
    };
    dialog.showModal();
    $("#confirm-yes").focus();
  });
  document.addEventListener("click", (evt) => {
    if (evt.target.id !== "confirm-yes") return;
    const go = confirmed;
    confirmed = null;
    $("#confirm-dialog").close();
    if (go) go();
  });
  document.addEventListener("close", (evt) => { if (evt.target.id === "confirm-dialog") confirmed = null; }, true);

  // --- htmx: errors are visible, decisions advance, live updates merge ---------------------------
  document.addEventListener("htmx:beforeSwap", (evt) => {
    const xhr = evt.detail.xhr;
    if (isSessionExpiry(xhr)) {
      evt.detail.shouldSwap = false;
      evt.detail.isError = false;
      sessionEnd(evt.detail.requestConfig);
      return;
    }
    if (xhr.status >= 400) {
      if (xhr.getResponseHeader("HX-Retarget")) { evt.detail.shouldSwap = true; evt.detail.isError = false; }
      else { evt.detail.shouldSwap = false; toast("The server refused that (" + xhr.status + " " + xhr.statusText + "). Nothing was changed.", "error"); }
      if (evt.detail.requestConfig && evt.detail.requestConfig.elt) advanceFrom = null;
    }
    if (evt.detail.target && evt.detail.target.id === "live") {
      const cur = currentRow();
      evt.detail.target.dataset.index = cur ? rows().indexOf(cur) : -1;
    }
  });
  document.addEventListener("htmx:sendError", () => toast("Network error: the request did not reach the server. Nothing was changed; try again.", "error"));
  document.addEventListener("htmx:timeout", () => toast("The server took too long to answer. Check the result before retrying.", "error"));

  document.body && document.body.addEventListener("decided", () => {
    if (!advanceFrom) return;
    const next = nextAfter(advanceFrom);
    advanceFrom = null;
    if (next) setTimeout(() => focusRow(next), 0);
  });

  // Rows arrive as <hx-partial hx-target="#queue-rows">, matched by id when they land: a row already on the
  // page is replaced where it is; one that is not is prepended ("upsert") or dropped ("upsert-replace": only
  // refresh what is shown; "decision": the answer to a decision, authoritative for a row still shown).
  // Rows with a decision in flight (from the row's own buttons or from the dialog): a live update must not
  // remove or replace them before the decision's answer lands, or the moderator never sees its effect.
  const deciding = new Set();
  const decisionRow = (elt) => {
    if (!elt) return null;
    if (elt.id === "decide-form") return elt.dataset.row || null;
    const row = elt.closest && elt.closest("#queue-rows tr.queue-row");
    return row ? row.id : null;
  };
  document.addEventListener("htmx:beforeRequest", (evt) => {
    if (evt.defaultPrevented) return;  // not sent (the session ended): nothing is in flight
    const id = decisionRow(evt.detail.elt);
    if (id) { deciding.add(id); decidedAt.set(id, Infinity); evt.detail.elt.dataset.decidingRow = id; }
  });
  document.addEventListener("htmx:afterRequest", (evt) => {
    // Read back from the element: by now the answer may have replaced the row the element was in.
    const id = evt.detail.elt && evt.detail.elt.dataset && evt.detail.elt.dataset.decidingRow;
    if (id) { decidedAt.set(id, performance.now()); setTimeout(() => deciding.delete(id), 0); }  // after this answer's own partials are swapped in
  });

  document.addEventListener("htmx:partialBeforeSwap", (evt) => {
    const frag = evt.detail.fragment;
    const target = evt.detail.target;
    if (target && target.matches && target.matches("tr.queue-row") && deciding.has(target.id)) {
      evt.detail.shouldSwap = false;  // "gone" from a poll that raced our own decision: its answer decides
      return;
    }
    if (!target || target.id !== "queue-rows" || !frag || !frag.children) return;
    Array.from(frag.children).forEach((tr) => {
      const mode = tr.dataset.oob || "upsert";
      const existing = tr.id && document.getElementById(tr.id);
      const stale = mode !== "decision" && existing &&
        (parseFloat(existing.dataset.v) > parseFloat(tr.dataset.v) || deciding.has(existing.id));
      if (stale) {
        tr.remove(); // a poll answered before our own decision landed: keep the newer row
      } else if (existing) {
        const wasCurrent = existing.id === currentId;
        existing.replaceWith(tr);
        htmx.process(tr);
        if (wasCurrent) { tr.classList.add("current"); if (document.activeElement === document.body) tr.focus({ preventScroll: true }); }
      } else if (mode === "upsert-replace" || mode === "decision") {
        tr.remove();
      } else {
        tr.classList.add("fresh");
      }
    });
    if (frag.children.length) { const empty = $("#queue-rows tr.empty"); if (empty) empty.remove(); }
  });

  function applyHeld(live) {
    let held;
    try { held = JSON.parse(live.dataset.held || "{}"); } catch (e) { return; }
    const me = document.body.dataset.me;
    rows().forEach((row) => {
      const cell = row.querySelector("td.holder");
      const holder = held[row.dataset.itemId];
      const other = holder && holder !== me;
      row.classList.toggle("held", !!other);
      const text = holder ? (other ? "held: " + holder : "you") : "—";
      if (cell && cell.textContent.trim() !== text) {
        cell.innerHTML = "";
        const span = document.createElement("span");
        span.className = holder ? (other ? "held-other" : "held-you") : "muted";
        span.textContent = text;
        if (other) span.title = "Held by " + holder;
        cell.appendChild(span);
      }
    });
  }

  document.addEventListener("htmx:afterSettle", (evt) => {
    armToasts();
    const live = $("#live");
    if (live && evt.detail.elt && (evt.detail.elt === live || evt.detail.elt.id === "live")) {
      applyHeld(live);
      const idx = parseInt(live.dataset.index || "-1", 10);
      if (idx >= 0 && !currentRow()) { const list = rows(); focusRow(list[Math.min(idx, list.length - 1)]); }
    }
    const drawerInner = $("#drawer #drawer-inner");
    if (drawerInner && evt.detail.target && evt.detail.target.id === "drawer") {
      drawerInner.focus({ preventScroll: true });
      syncApply($("form[data-claims]", drawerInner));
    }
  });

  document.addEventListener("focusin", (evt) => {
    const row = evt.target.closest && evt.target.closest("tr.queue-row");
    if (row && row.id !== currentId) { $$("#queue-rows tr.current").forEach((r) => r.classList.remove("current")); row.classList.add("current"); currentId = row.id; }
  });

  // Detection boxes over media (CSP: no inline style attributes; positions come as data-box="left top width height" in %).
  function placeBoxes(root) {
    (root || document).querySelectorAll("[data-box]").forEach((el) => {
      const [l, t, w, h] = el.dataset.box.split(" ");
      Object.assign(el.style, { left: l + "%", top: t + "%", width: w + "%", height: h + "%" });
    });
  }
  document.addEventListener("htmx:afterSwap", (evt) => placeBoxes(evt.detail.target));

  document.addEventListener("DOMContentLoaded", () => {
    placeBoxes();
    armToasts();
    syncApply($("#drawer-inner form[data-claims]"));
    const notice = sessionStorage.getItem(NOTICE);
    if (notice && whoami()) { sessionStorage.removeItem(NOTICE); toast(notice, "info"); }
    const kept = keptList();
    const note = $("#pending-note");
    if (kept.length && note) {  // the login page: say what will be applied after logging in
      note.textContent = "After you log in, this tab applies what you decided before your session ended: " +
        kept.map((k) => k.what + " — " + k.subject).join("; ") + ".";
      note.hidden = false;
    } else if (kept.length && whoami()) {
      reapply();
    }
    $$("#decide-form fieldset[data-for]").forEach((fs) => { fs.hidden = false; });
    document.documentElement.classList.add("js");
  });
})();
