// "Nisem robot": the ALTCHA widget (js/altcha/, from npm, served by this theme) in the page's language. The widget
// solves the page's signed challenge on its own as the page loads; its words come from the page (data-*).
import "./altcha/altcha.min.js";

const WORDS = ["label", "verifying", "verified", "error", "expired", "verificationRequired", "waitAlert", "loading",
  "verify", "reload", "cancel"];

document.querySelectorAll("altcha-widget[data-label]").forEach(function (widget) {
  const language = widget.getAttribute("language");
  const strings = Object.assign({}, globalThis.$altcha.i18n.get("en"), { footer: "", ariaLinkLabel: "" });
  WORDS.forEach(function (word) {
    if (widget.dataset[word]) { strings[word] = widget.dataset[word]; }
  });
  globalThis.$altcha.i18n.set(language, strings);
});
