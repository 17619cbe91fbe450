// "Nisem robot": the ALTCHA widget (js/altcha/, from npm, served by this theme) in the page's language. The widget
// solves the page's signed challenge on its own as the page loads; its words come from the page (data-*). A form
// sent while the widget is still at work waits for it (the server refuses a form without a solution).
import "./altcha/altcha.min.js";

const WORDS = ["label", "verifying", "verified", "error", "expired", "verificationRequired", "waitAlert", "loading",
  "verify"];

function useWords(widget) {
  const strings = Object.assign({}, globalThis.$altcha.i18n.get("en"), { footer: "", ariaLinkLabel: "" });
  WORDS.forEach(function (word) {
    if (widget.dataset[word]) { strings[word] = widget.dataset[word]; }
  });
  globalThis.$altcha.i18n.set(widget.getAttribute("language"), strings);
}

function waitForTheWorkOnSubmit(widget) {
  const form = widget.closest("form");
  if (!form) { return; }
  form.addEventListener("submit", function (event) {
    const submitter = event.submitter;
    if (submitter && submitter.hasAttribute("formnovalidate")) { return; } // "Prekliči" needs no proof
    const state = typeof widget.getState === "function" ? widget.getState() : "verified";
    if (state !== "verifying" && state !== "unverified") { return; }
    event.preventDefault();
    widget.addEventListener("verified", function () { form.requestSubmit(submitter || undefined); }, { once: true });
    if (state === "unverified") { widget.verify(); }
  });
}

document.querySelectorAll("altcha-widget[data-label]").forEach(function (widget) {
  useWords(widget);
  waitForTheWorkOnSubmit(widget);
});
