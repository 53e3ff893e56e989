/* Progressive enhancement for comment forms. Everything works without this file:
   the "Comment on 4.2" links go to the paragraph's own page, which has the form. */
(function () {
  "use strict";
  var LIMIT = 5000;
  var LANG = document.documentElement.lang || "en";

  // The words to show, in the page's language, from the JSON every page carries
  // (templates/_script_words.html): this file holds no English of its own.
  var WORDS = (function () {
    var block = document.getElementById("script-words");
    try { return block ? JSON.parse(block.getAttribute("data-words")) : {}; } catch (e) { return {}; }
  })();

  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : all;
    });
  }

  function word(key, values) { return fill(WORDS[key], values || {}); }

  // A count in the page's language: the form of its plural category (Welsh has six).
  function counted(key, n) {
    var forms = WORDS[key] || {};
    var category = n === 1 ? "one" : "other";
    if (window.Intl && Intl.PluralRules) {
      try { category = new Intl.PluralRules(LANG).select(n); } catch (e) { /* keep the simple rule */ }
    }
    return fill(forms[category] || forms.other, { n: n.toLocaleString(LANG) });
  }

  function updateCounter(textarea) {
    var counter = document.getElementById(textarea.getAttribute("data-counter"));
    if (!counter) { return; }
    var left = LIMIT - textarea.value.length;
    counter.textContent = left >= 0 ? counted("charactersLeft", left) : counted("charactersOver", -left);
    counter.classList.toggle("over", left < 0);
  }

  // A comment being written is kept in this tab (sessionStorage) until it is sent, so switching
  // language, or following a link and coming back, does not lose it. Only an empty box is filled.
  function draftKey(textarea) {
    var form = textarea.closest("form");
    return form ? "consult-draft:" + form.getAttribute("action") + ":" + textarea.name : null;
  }

  function keepDraft(textarea) {
    var key = draftKey(textarea);
    if (!key) { return; }
    try {
      if (textarea.value.trim()) { window.sessionStorage.setItem(key, textarea.value); }
      else { window.sessionStorage.removeItem(key); }
    } catch (e) { /* storage refused (private mode): nothing kept, as without this script */ }
  }

  function restoreDraft(textarea) {
    var key = draftKey(textarea);
    if (!key || textarea.value) { return; }
    try {
      var kept = window.sessionStorage.getItem(key);
      if (kept) { textarea.value = kept; }
    } catch (e) { /* as above */ }
  }

  function forgetDraft(form) {
    var areas = form.querySelectorAll("textarea[data-counter]");
    for (var i = 0; i < areas.length; i++) {
      var key = draftKey(areas[i]);
      try { if (key) { window.sessionStorage.removeItem(key); } } catch (e) { /* as above */ }
    }
  }

  function wireCounters(root) {
    var areas = root.querySelectorAll("textarea[data-counter]");
    for (var i = 0; i < areas.length; i++) {
      restoreDraft(areas[i]);
      updateCounter(areas[i]);
      areas[i].addEventListener("input", function (event) { updateCounter(event.target); keepDraft(event.target); });
    }
  }

  // A form sent the ordinary way: the page that answers shows what was kept if it was refused.
  document.addEventListener("submit", function (event) {
    if (event.target.querySelector && !event.defaultPrevented) { forgetDraft(event.target); }
  });

  // The organisation's name matters only to someone responding for one: without this script
  // the field is always shown, labelled as needed only then; with it, it shows when chosen.
  function wireOrganisation(root) {
    var boxes = root.querySelectorAll("[data-shown-for]");
    for (var i = 0; i < boxes.length; i++) {
      (function (box) {
        var form = box.closest("form");
        var radios = form.querySelectorAll("input[name=" + box.getAttribute("data-shown-for") + "]");
        var label = box.querySelector("label");
        function update() {
          var chosen = form.querySelector("input[name=" + box.getAttribute("data-shown-for") + "]:checked");
          var shown = !!chosen && chosen.value === box.getAttribute("data-shown-value");
          box.hidden = !shown;
          if (label && label.getAttribute("data-label-shown")) {
            label.textContent = label.getAttribute("data-label-shown");
          }
        }
        for (var j = 0; j < radios.length; j++) { radios[j].addEventListener("change", update); }
        update();
      })(boxes[i]);
    }
  }

  // After a comment is published in place, the count beside its paragraph counts it too.
  function countPublished(link) {
    var tools = link.parentNode;
    var count = tools.querySelector(".comment-count");
    var n = 1;
    if (count) {
      n = (parseInt(count.textContent, 10) || 0) + 1;
    } else {
      count = document.createElement("a");
      count.className = "comment-count";
      count.href = link.getAttribute("href").split("#")[0] + "#comments-heading";
      tools.appendChild(document.createTextNode(" "));
      tools.appendChild(count);
    }
    count.textContent = counted("comments", n);
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = word("on", { number: link.getAttribute("data-number") });
    count.appendChild(hidden);
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
    heading.textContent = word("commentOn", { number: link.getAttribute("data-number") });
    box.appendChild(heading);
    box.appendChild(template.content.cloneNode(true));
    var form = box.querySelector("form");
    form.setAttribute("action", link.getAttribute("data-action"));
    form.querySelector("input[name=submission_key]").value = newKey();
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button-link";
    cancel.textContent = word("cancel");
    cancel.addEventListener("click", function () { closeInline(); link.focus(); });
    form.querySelector("button[type=submit]").insertAdjacentElement("afterend", cancel);
    link.parentNode.insertAdjacentElement("afterend", box);
    wireCounters(box);
    wireOrganisation(box);
    form.addEventListener("submit", function (event) { submitInline(event, form, link); });
    box.querySelector("textarea").focus();
    return true;
  }

  function submitInline(event, form, link) {
    event.preventDefault();
    var status = form.querySelector(".form-status");
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    status.textContent = word("sending");
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
        forgetDraft(form);
        var box = form.parentNode;
        var done = document.createElement("p");
        done.className = "flash flash-success";
        done.setAttribute("role", "status");
        done.textContent = data.message + " ";
        var view = document.createElement("a");
        view.href = data.url;
        view.textContent = word("seeYourComment");
        done.appendChild(view);
        box.replaceChild(done, form);
        if (data.held_html) {
          // Why it waits, the house rules it cites and the way to edit it (rendered and escaped
          // by the server, as the no-script page is).
          var notice = document.createElement("div");
          notice.innerHTML = data.held_html;
          box.appendChild(notice);
        }
        if (data.created && data.status === "published") { countPublished(link); }
        done.setAttribute("tabindex", "-1");
        done.focus();
      } else {
        button.disabled = false;
        status.textContent = data.error || word("notSent");
        status.classList.add("error");
      }
    }).catch(function () {
      button.disabled = false;
      status.textContent = word("connectionFailed");
      status.classList.add("error");
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.comment-link") : null;
    if (link && openInline(link)) { event.preventDefault(); }
  });
  wireCounters(document);
  wireOrganisation(document);
})();
