// Keeps the quick report's draft in this browser (localStorage) while it is
// typed, so a lost connection or a closed tab loses nothing; the case page
// clears it once the server has the report. The "suggest" button asks the
// server which of the policy's types the detector finds in what was written
// and ticks them in place (without JavaScript the button posts the form and
// the server does the same). No framework; that request is the only one.
(function () {
  "use strict";
  var done = document.querySelector("[data-clear-draft]");
  if (done) {
    try { localStorage.removeItem(done.getAttribute("data-clear-draft")); } catch (e) {}
    return;
  }
  var form = document.getElementById("quick-report");
  if (!form || !window.localStorage) { return; }
  var key = form.getAttribute("data-draft-key");
  var status = document.getElementById("draft-status");
  var skip = { csrf: true };

  function save() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || skip[el.name]) { return; }
      if (el.type === "checkbox") {
        if (el.checked) { (data[el.name] = data[el.name] || []).push(el.value); }
      } else if (el.type === "radio") {
        if (el.checked) { data[el.name] = el.value; }
      } else if (el.tagName !== "BUTTON") {
        data[el.name] = el.value;
      }
    });
    data._saved = new Date().toISOString();
    try {
      localStorage.setItem(key, JSON.stringify(data));
      if (status) { status.textContent = status.getAttribute("data-saved") || ""; }
    } catch (e) {}
  }

  // suggestions wires the suggest button to the API: the types found are
  // ticked, unless the staff member unticked them after an earlier
  // suggestion, and each shows the words that were found. The staff member
  // always decides: nothing is filed, and every box stays editable.
  function suggestions() {
    var btn = document.getElementById("suggest-types");
    var out = document.getElementById("suggest-status");
    if (!btn || !window.fetch) { return; }
    var unticked = {};
    form.addEventListener("change", function (ev) {
      var el = ev.target;
      if (el.name === "types" && !el.checked) { unticked[el.value] = true; }
    });
    btn.addEventListener("click", function (ev) {
      ev.preventDefault();
      var at = form.elements.occurred_at && form.elements.occurred_at.value;
      var body = { demand: form.elements.demand.value, narrative: form.elements.narrative.value };
      if (at) { body.occurred_at = new Date(at).toISOString(); }
      btn.disabled = true;
      fetch(btn.getAttribute("data-url"), {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": form.elements.csrf.value },
        body: JSON.stringify(body)
      }).then(function (res) {
        return res.json().then(function (data) { return { ok: res.ok, data: data }; });
      }).then(function (r) {
        if (!r.ok) { throw new Error((r.data && r.data.error && r.data.error.message) || ""); }
        var found = {};
        (r.data.items || []).forEach(function (s) { found[s.type_id] = s.quotes || []; });
        Array.prototype.forEach.call(form.querySelectorAll("label[data-type]"), function (label) {
          var id = label.getAttribute("data-type");
          var box = label.querySelector("input");
          var note = label.querySelector(".suggested");
          if (found[id]) {
            if (!unticked[id]) { box.checked = true; }
            if (note) { note.textContent = btn.getAttribute("data-quoted") + found[id].map(function (q) { return "「" + q + "」"; }).join("、"); }
          } else if (note) {
            note.textContent = "";
          }
        });
        out.textContent = btn.getAttribute((r.data.items || []).length ? "data-msg-done" : "data-msg-none");
        save();
      }).catch(function (e) {
        out.textContent = e.message || btn.getAttribute("data-msg-failed");
      }).then(function () { btn.disabled = false; });
    });
  }

  function restore() {
    var raw;
    try { raw = localStorage.getItem(key); } catch (e) { return; }
    if (!raw) { return; }
    var data;
    try { data = JSON.parse(raw); } catch (e) { return; }
    // A server-rendered form that already carries input (after an error or
    // suggestions) wins.
    if (form.querySelector("#form-error") || form.hasAttribute("data-server-filled")) { return; }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || skip[el.name] || !(el.name in data)) { return; }
      var v = data[el.name];
      if (el.type === "checkbox") {
        el.checked = Array.isArray(v) && v.indexOf(el.value) >= 0;
      } else if (el.type === "radio") {
        el.checked = v === el.value;
      } else if (el.tagName !== "BUTTON") {
        el.value = v;
      }
    });
    var details = form.querySelector("details.customer");
    if (details && (data.customer_name || data.customer_phone || data.customer_email || data.customer_member)) { details.open = true; }
    if (status) { status.textContent = status.getAttribute("data-restored") || ""; }
  }

  if (status) {
    status.setAttribute("data-saved", form.getAttribute("data-msg-saved") || "");
    status.setAttribute("data-restored", form.getAttribute("data-msg-restored") || "");
  }
  restore();
  suggestions();
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", save);
})();
