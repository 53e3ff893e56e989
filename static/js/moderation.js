/* Keyboard shortcuts for the moderation queue and item pages. Everything works without this
   file: every shortcut is also a link or a button on the page. */
(function () {
  "use strict";

  function typing(target) {
    var name = target && target.tagName;
    return name === "INPUT" || name === "TEXTAREA" || name === "SELECT" || (target && target.isContentEditable);
  }

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.queue-item")); }

  function current(list) {
    for (var i = 0; i < list.length; i++) { if (list[i].classList.contains("current")) { return i; } }
    return -1;
  }

  function select(list, index) {
    if (!list.length) { return; }
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row) { row.classList.remove("current"); });
    list[index].classList.add("current");
    var link = list[index].querySelector("a.item-link");
    if (link) { link.focus(); }
  }

  function press(selector) {
    var button = document.querySelector(selector);
    if (button) { button.click(); return true; }
    return false;
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link) { window.location.href = link.href; }
  }

  var REMEMBER = "consult-queue-row";

  function decideInPlace(list, index, outcome) {
    var form = document.querySelector("form.queue-form");
    var choice = document.getElementById("bulk-" + outcome);
    if (!form || !choice) { return; }
    list.forEach(function (row, i) {
      var box = row.querySelector("input[name='item_ids']");
      if (box) { box.checked = i === index; }
    });
    choice.checked = true;
    if (outcome === "approve") {
      try { window.sessionStorage.setItem(REMEMBER, String(index)); } catch (e) { /* private mode */ }
      form.submit();
      return;
    }
    // Rejecting cites a rule: take the moderator to the rule choices; "Apply" sends it.
    var rule = form.querySelector("fieldset.bulk input[name='rules']");
    if (rule) { rule.focus(); }
  }

  // After an in-place decision the queue reloads: highlight the row where the moderator was.
  (function restore() {
    var list = rows(), remembered = null;
    try { remembered = window.sessionStorage.getItem(REMEMBER); window.sessionStorage.removeItem(REMEMBER); } catch (e) { return; }
    if (remembered !== null && list.length) { select(list, parseInt(remembered, 10) || 0); }
  }());

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = event.key;
    var list = rows();
    if (list.length) {
      // The queue page: j and k move through the items, Enter opens one (the link has focus);
      // a and r decide the highlighted item in place through the bulk form (which sends the
      // item version shown, so an edited text is refused); e opens the item to redact it.
      if (key === "j") { select(list, current(list) + 1); event.preventDefault(); }
      else if (key === "k") { select(list, current(list) - 1); event.preventDefault(); }
      else if (key === "a" || key === "r" || key === "e") {
        var index = current(list);
        if (index < 0) { return; }
        event.preventDefault();
        if (key === "e") { window.location.href = list[index].getAttribute("data-item-url") + "#redact"; return; }
        decideInPlace(list, index, key === "a" ? "approve" : "reject");
      }
      return;
    }
    if (!document.getElementById("decision-form")) {
      if (key === "j") { follow("next-item"); } else if (key === "k") { follow("previous-item"); }
      return;
    }
    if (key === "j") { follow("next-item"); }
    else if (key === "k") { follow("previous-item"); }
    else if (key === "a") { press("button[data-shortcut='a']"); }
    else if (key === "r") {
      // Rejecting needs a rule: with one ticked, reject; otherwise go to the rules.
      if (document.querySelector("#decision-form input[name='rules']:checked")) { press("button[data-shortcut='r']"); }
      else { var first = document.querySelector("#decision-form input[name='rules']"); if (first) { first.focus(); } }
      event.preventDefault();
    }
    else if (key === "e") {
      var area = document.getElementById("redacted_text");
      if (area) { area.focus(); event.preventDefault(); }
    }
  });

  // Arriving from the queue's "e": straight to the redaction box.
  if (window.location.hash === "#redact") {
    var box = document.getElementById("redacted_text");
    if (box) { box.focus(); }
  }
}());
