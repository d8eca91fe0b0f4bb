/* Appeals inbox keyboard: j/k move between appeals, a/r start accepting/rejecting the current one (its reason
   field takes focus), Enter decides, Escape cancels. Every control is also a plain form that works without it. */
(function () {
  "use strict";

  const cards = () => Array.from(document.querySelectorAll("#appeal-cards article[data-appeal]"));
  let current = null;   // id of the appeal the keyboard is on
  let advance = null;   // after this appeal is decided, move to the next open one

  function focusCard(card) {
    if (!card) return;
    cards().forEach((c) => c.classList.remove("current"));
    card.classList.add("current");
    current = card.id;
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest" });
  }
  function currentCard() {
    const el = current && document.getElementById(current);
    return el || (document.activeElement && document.activeElement.closest && document.activeElement.closest("article[data-appeal]"));
  }
  function move(delta) {
    const list = cards();
    if (!list.length) return;
    const i = list.indexOf(currentCard());
    focusCard(list[Math.max(0, Math.min(list.length - 1, i + delta))] || list[0]);
  }
  function start(card, outcome) {
    const form = card && card.querySelector("form.appeal-decide");
    if (!form) return;
    form.dataset.outcome = outcome;
    form.querySelector("[data-pending]").textContent =
      (outcome === "accept" ? "Accepting" : "Rejecting") + ": Enter to confirm, Esc to cancel";
    form.querySelector("[data-reason]").focus();
  }
  function cancel(form) {
    delete form.dataset.outcome;
    form.querySelector("[data-pending]").textContent = "";
    focusCard(form.closest("article[data-appeal]"));
  }

  document.addEventListener("keydown", (evt) => {
    if (evt.ctrlKey || evt.metaKey || evt.altKey || !document.getElementById("appeal-cards")) return;
    const el = evt.target;
    const reason = el.matches && el.matches("input[data-reason]") ? el : null;
    if (reason) {
      const form = reason.form;
      if (evt.key === "Escape") { evt.preventDefault(); cancel(form); return; }
      if (evt.key === "Enter") {
        evt.preventDefault();  // never the form's default (first) button: the outcome chosen decides
        const outcome = form.dataset.outcome || "accept";
        advance = form.closest("article[data-appeal]").id;
        form.querySelector('button[value="' + outcome + '"]').click();
      }
      return;
    }
    if (el.closest && el.closest("input, textarea, select, [contenteditable]")) return;
    if (evt.key === "j" || evt.key === "ArrowDown") { evt.preventDefault(); move(1); }
    else if (evt.key === "k" || evt.key === "ArrowUp") { evt.preventDefault(); move(-1); }
    else if (evt.key === "a" || evt.key === "r") {
      const card = currentCard();
      if (!card) { move(1); return; }
      evt.preventDefault();
      start(card, evt.key === "a" ? "accept" : "reject");
    }
  });

  document.addEventListener("focusin", (evt) => {
    const card = evt.target.closest && evt.target.closest("article[data-appeal]");
    if (card && card.id !== current) { cards().forEach((c) => c.classList.remove("current")); card.classList.add("current"); current = card.id; }
  });

  // The decision's answer replaces the card (its status shown); the keyboard moves on to the next open appeal.
  document.body && document.body.addEventListener("appeal-decided", () => {
    if (!advance) return;
    const from = advance;
    advance = null;
    setTimeout(() => {
      const list = cards();
      const i = list.findIndex((c) => c.id === from);
      const next = list.slice(i + 1).find((c) => c.dataset.status === "submitted") || list[i];
      focusCard(next);
    }, 0);
  });
})();
