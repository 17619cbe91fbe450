// eSoseska pages: the error summary, "?" help that opens and closes, and the live list of password rules.
(function () {
  "use strict";

  function setUpHelp() {
    document.querySelectorAll(".esoseska-help-toggle").forEach(function (button) {
      var help = document.getElementById(button.getAttribute("aria-controls"));
      if (!help) { return; }
      help.hidden = true; // without JavaScript the help simply stays visible
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") === "true";
        button.setAttribute("aria-expanded", String(!open));
        help.hidden = open;
      });
    });
  }

  var RULES = {
    length: function (value, n) { return value.length >= n; },
    upperCase: function (value, n) { return (value.match(/\p{Lu}/gu) || []).length >= n; },
    lowerCase: function (value, n) { return (value.match(/\p{Ll}/gu) || []).length >= n; },
    digits: function (value, n) { return (value.match(/[0-9]/g) || []).length >= n; },
    specialChars: function (value, n) { return (value.match(/[^\p{L}\p{N}]/gu) || []).length >= n; },
    notEmail: function (value) {
      var email = document.getElementById("email");
      return value.length > 0 && (!email || value.toLowerCase() !== email.value.trim().toLowerCase());
    }
  };

  function setUpPasswordRules() {
    var list = document.getElementById("password-rules");
    var password = document.getElementById("password");
    if (!list || !password) { return; }
    function update() {
      list.querySelectorAll("li[data-rule]").forEach(function (item) {
        var check = RULES[item.getAttribute("data-rule")];
        var met = check ? check(password.value, parseInt(item.getAttribute("data-value") || "1", 10)) : false;
        item.classList.toggle("esoseska-rule-met", met);
      });
    }
    password.addEventListener("input", update);
    update();
  }

  // the error summary gets the focus (a screen reader reads it first); its links move the focus to their field
  function setUpErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (!summary) { return; }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var input = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!input) { return; }
      event.preventDefault();
      var group = input.closest(".pf-v5-c-form__group") || input;
      group.scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpErrorSummary();
    setUpHelp();
    setUpPasswordRules();
  });
})();
