// Keeps the quick report's draft in this browser (localStorage) while it is
// typed, so a lost connection or a closed tab loses nothing; the case page
// clears it once the server has the report. No framework, no network calls.
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

  function restore() {
    var raw;
    try { raw = localStorage.getItem(key); } catch (e) { return; }
    if (!raw) { return; }
    var data;
    try { data = JSON.parse(raw); } catch (e) { return; }
    // A server-rendered form that already carries input (after an error) wins.
    if (form.querySelector("#form-error")) { return; }
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
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", save);
})();
