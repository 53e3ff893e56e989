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

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = event.key;
    var list = rows();
    if (list.length) {
      // The queue page: j and k move through the items, Enter opens one (the link has focus).
      if (key === "j") { select(list, current(list) + 1); event.preventDefault(); }
      else if (key === "k") { select(list, current(list) - 1); event.preventDefault(); }
      else if (key === "a" || key === "r" || key === "e") {
        var index = current(list);
        if (index >= 0) { window.location.href = list[index].getAttribute("data-item-url"); }
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
}());
