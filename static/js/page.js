/* On every page: where the page shows a problem with what was sent (its error summary), move the
   focus there, so that a keyboard or screen-reader user starts at what to fix. Without this file
   the summary is still the first thing after the heading. */
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary[tabindex='-1']");
  if (summary && !document.querySelector("[autofocus]")) { summary.focus(); }
})();
