/* Progressive enhancement for the progress of a background job. Everything works without this
   file: the box says how far the job had got when the page was made, with a link to reload.
   With it, the box asks the job's JSON endpoint (data-progress-url) every two seconds and shows
   the sentence it returns in the box's polite live region, until the job is finished. */
(function () {
  "use strict";
  var EVERY = 2000;

  function follow(box) {
    var url = box.getAttribute("data-progress-url");
    var text = box.querySelector("[data-progress-text]");
    var bar = box.querySelector("[data-progress-bar]");
    var reload = box.querySelector("[data-progress-reload]");

    function show(data) {
      if (text && typeof data.text === "string" && text.textContent !== data.text) {
        text.textContent = data.text;
      }
      if (bar) {
        var done = data.told === null || data.told === undefined ? data.done : data.told;
        var most = Math.max(data.total || 0, data.done || 0, done || 0, 1);
        bar.max = most;
        bar.value = data.finished ? most : Math.min(done || 0, most);
        bar.textContent = bar.value.toLocaleString("en-GB") + " of " + most.toLocaleString("en-GB");
      }
      if (data.finished) {
        box.setAttribute("data-finished", "true");
        if (reload) { reload.hidden = true; }
      }
    }

    function ask() {
      if (document.hidden) {  // nobody is looking: ask again when someone might be
        window.setTimeout(ask, EVERY);
        return;
      }
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { throw new Error("progress " + response.status); }
          return response.json();
        })
        .then(function (data) {
          show(data);
          if (!data.finished) { window.setTimeout(ask, EVERY); }
        })
        .catch(function () {
          // Signed out, the job gone, the network down: stop asking; the reload link stays.
        });
    }

    window.setTimeout(ask, EVERY);
  }

  if (!window.fetch) { return; }
  var boxes = document.querySelectorAll("[data-progress-url][data-finished=false]");
  for (var i = 0; i < boxes.length; i++) { follow(boxes[i]); }
})();
