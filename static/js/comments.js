/* Progressive enhancement for comment forms. Everything works without this file:
   the "Comment on 4.2" links go to the paragraph's own page, which has the form. */
(function () {
  "use strict";
  var LIMIT = 5000;

  function updateCounter(textarea) {
    var counter = document.getElementById(textarea.getAttribute("data-counter"));
    if (!counter) { return; }
    var left = LIMIT - textarea.value.length;
    counter.textContent = left >= 0
      ? left.toLocaleString() + " characters left"
      : (-left).toLocaleString() + " characters too many";
    counter.classList.toggle("over", left < 0);
  }

  function wireCounters(root) {
    var areas = root.querySelectorAll("textarea[data-counter]");
    for (var i = 0; i < areas.length; i++) {
      updateCounter(areas[i]);
      areas[i].addEventListener("input", function (event) { updateCounter(event.target); });
    }
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID().replace(/-/g, ""); }
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function closeInline() {
    var open = document.querySelector(".inline-comment");
    if (open) { open.parentNode.removeChild(open); }
  }

  function openInline(link) {
    var template = document.getElementById("inline-comment-form");
    if (!template) { return false; }
    closeInline();
    var box = document.createElement("div");
    box.className = "inline-comment";
    var heading = document.createElement("h2");
    heading.className = "inline-heading";
    heading.textContent = "Comment on " + link.getAttribute("data-number");
    box.appendChild(heading);
    box.appendChild(template.content.cloneNode(true));
    var form = box.querySelector("form");
    form.setAttribute("action", link.getAttribute("data-action"));
    form.querySelector("input[name=submission_key]").value = newKey();
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button-link";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", function () { closeInline(); link.focus(); });
    form.querySelector("button[type=submit]").insertAdjacentElement("afterend", cancel);
    link.parentNode.insertAdjacentElement("afterend", box);
    wireCounters(box);
    form.addEventListener("submit", function (event) { submitInline(event, form, link); });
    box.querySelector("textarea").focus();
    return true;
  }

  function submitInline(event, form, link) {
    event.preventDefault();
    var status = form.querySelector(".form-status");
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    status.textContent = "Sending…";
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { response: response, data: data }; });
    }).then(function (result) {
      var data = result.data;
      if (data.ok) {
        var box = form.parentNode;
        var done = document.createElement("p");
        done.className = "flash flash-success";
        done.setAttribute("role", "status");
        done.textContent = data.message + " ";
        var view = document.createElement("a");
        view.href = data.url;
        view.textContent = "See your comment";
        done.appendChild(view);
        box.replaceChild(done, form);
        done.setAttribute("tabindex", "-1");
        done.focus();
      } else {
        button.disabled = false;
        status.textContent = data.error || "Your comment was not sent. Your text is kept: try again.";
        status.classList.add("error");
      }
    }).catch(function () {
      button.disabled = false;
      status.textContent = "The connection failed. Your text is kept: try again.";
      status.classList.add("error");
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.comment-link") : null;
    if (link && openInline(link)) { event.preventDefault(); }
  });
  wireCounters(document);
})();
