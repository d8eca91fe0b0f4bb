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

  document.addEventListener("submit", (evt) => {
    const form = evt.target;
    if (form.id !== "decide-form") return;
    evt.preventDefault();
    const row = document.getElementById(form.dataset.row);
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
    const inner = $("#drawer-inner", drawer);
    if (inner && $(".held-you", inner)) {
      const url = "/queue/" + inner.dataset.itemId + "/release";
      htmx.ajax("POST", url, { target: "#toasts", swap: "none" });
    }
    drawer.innerHTML = "";
    const row = currentRow();
    if (row) focusRow(row);
  }

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
    // Text entry keeps its keys; a focused checkbox or button does not (x after clicking a checkbox still works).
    const typing = el.closest && el.closest("textarea, select, [contenteditable], input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit])");
    if (evt.key === "Escape") {
      if (typing && el.id === "f-q") { el.blur(); return; }
      const menu = $("details.decide-menu[open]");
      if (menu) { menu.open = false; menu.querySelector("summary").focus(); return; }
      if (!document.querySelector("dialog[open]")) closeDrawer(evt);
      return;
    }
    if (typing || document.querySelector("dialog[open]")) return;
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
    if (!row) { if (key === "x" || key === "o" || ROW_KEYS[key]) { toast("Pick an item first: j / k move through the queue.", "info"); } return; }
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

  // --- htmx: errors are visible, decisions advance, live updates merge ---------------------------
  document.addEventListener("htmx:beforeSwap", (evt) => {
    const xhr = evt.detail.xhr;
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
    const id = decisionRow(evt.detail.elt);
    if (id) { deciding.add(id); evt.detail.elt.dataset.decidingRow = id; }
  });
  document.addEventListener("htmx:afterRequest", (evt) => {
    // Read back from the element: by now the answer may have replaced the row the element was in.
    const id = evt.detail.elt && evt.detail.elt.dataset && evt.detail.elt.dataset.decidingRow;
    if (id) setTimeout(() => deciding.delete(id), 0);  // after this answer's own partials are swapped in
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
    if (drawerInner && evt.detail.target && evt.detail.target.id === "drawer") drawerInner.focus({ preventScroll: true });
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
    $$("#decide-form fieldset[data-for]").forEach((fs) => { fs.hidden = false; });
    document.documentElement.classList.add("js");
  });
})();
