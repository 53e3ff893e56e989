// A "Print" button where a page asks for one (an element with data-print-label): it only
// makes sense with a script, so the script adds it. Printing from the browser's menu works
// without it; the print stylesheet (static/css/consult.css, "Printing") lays the page out.
(function () {
  "use strict";
  document.querySelectorAll("[data-print-label]").forEach(function (slot) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary button-small print-button";
    button.textContent = slot.getAttribute("data-print-label");
    button.addEventListener("click", function () { window.print(); });
    slot.appendChild(button);
  });
})();
