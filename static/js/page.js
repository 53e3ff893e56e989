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
      var total = 64 * 1024;  // the other fields and the form's own framing, roughly
      var files = form.querySelectorAll("input[type=file]");
      Array.prototype.forEach.call(files, function (input) {
        Array.prototype.forEach.call(input.files || [], function (file) { total += file.size; });
      });
      Array.prototype.forEach.call(form.querySelectorAll("textarea"), function (area) {
        total += new Blob([area.value]).size;  // pasted text counts too, in the bytes it is sent as
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
        var words = form.getAttribute("data-too-large");
        if (files.length && files[0].id) {  // a link to the files to choose again, as error summaries have
          var link = document.createElement("a");
          link.href = "#" + files[0].id;
          link.textContent = words;
          text.appendChild(link);
        } else {
          text.textContent = words;
        }
        summary.appendChild(text);
        form.insertBefore(summary, form.firstChild);
      }
      summary.focus();
    });
  });
})();
