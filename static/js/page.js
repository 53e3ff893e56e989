/* On every page: where the page shows a problem with what was sent (its error summary), move the
   focus there, so that a keyboard or screen-reader user starts at what to fix. Without this file
   the summary is still the first thing after the heading. */
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary[tabindex='-1']");
  if (summary && !document.querySelector("[autofocus]")) { summary.focus(); }
})();

/* A form that says how much it may carry (data-max-bytes): files chosen beyond that are refused
   here, before sending, with the form's own words (data-too-large), since the server cannot read
   a request that large and what was typed would be lost. Without this file the server says so. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("form[data-max-bytes]"), function (form) {
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
    if (!limit) { return; }
    form.addEventListener("submit", function (event) {
      var total = 0;
      Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
        Array.prototype.forEach.call(input.files || [], function (file) { total += file.size; });
      });
      if (total <= limit) { return; }
      event.preventDefault();
      var summary = form.querySelector(".too-large");
      if (!summary) {
        summary = document.createElement("div");
        summary.className = "error-summary too-large";
        summary.setAttribute("role", "alert");
        summary.setAttribute("tabindex", "-1");
        var text = document.createElement("p");
        text.textContent = form.getAttribute("data-too-large");
        summary.appendChild(text);
        form.insertBefore(summary, form.firstChild);
      }
      summary.focus();
    });
  });
})();
