// The supervisors' live board (/calls/live). It follows
// /api/v1/calls/events (server-sent events): a snapshot of the ongoing
// calls, then one event per change. Everything is built with DOM methods
// and textContent, never innerHTML: utterance text comes from callers.
(function () {
  "use strict";
  var board = document.getElementById("live-board");
  var status = document.getElementById("live-status");
  if (!board) return;
  var T = JSON.parse(board.dataset.texts || "{}");
  var csrf = board.dataset.csrf || "";
  var calls = new Map(); // call id → {card, call, seen: Set of seq}
  var source = null;

  // Times follow the page's language, not the browser's (9:02:00 AM on a
  // Japanese page read oddly).
  var lang = document.documentElement.lang || undefined;

  function t(key) { return T[key] || key; }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  // highlight returns the utterance text with the detected spans in <mark>.
  // Spans count Unicode code points, so the text is split the same way.
  function highlight(text, categories) {
    var cps = Array.from(text);
    var marked = new Array(cps.length).fill(false);
    (categories || []).forEach(function (c) {
      (c.spans || []).forEach(function (s) {
        for (var i = Math.max(0, s.start); i < Math.min(cps.length, s.end); i++) marked[i] = true;
      });
    });
    var p = el("p", "utt-text");
    var i = 0;
    while (i < cps.length) {
      var j = i;
      while (j < cps.length && marked[j] === marked[i]) j++;
      var chunk = cps.slice(i, j).join("");
      p.appendChild(marked[i] ? el("mark", null, chunk) : document.createTextNode(chunk));
      i = j;
    }
    return p;
  }

  function stageLabel(stage) { return t("calls.stage." + (stage || "none")); }

  function card(call) {
    var entry = calls.get(call.id);
    if (entry) return entry;
    var c = el("article", "call-card");
    c.dataset.callId = call.id;
    var head = el("header", "call-head");
    head.appendChild(el("strong", "call-title"));
    head.appendChild(el("span", "call-staff"));
    head.appendChild(el("span", "call-stage"));
    head.appendChild(el("span", "call-counts"));
    c.appendChild(head);
    c.appendChild(el("p", "call-restricted"));
    c.appendChild(el("p", "call-script"));
    var actions = el("div", "call-actions");
    c.appendChild(actions);
    c.appendChild(el("ol", "call-flagged"));
    entry = { card: c, call: call, seen: new Set() };
    calls.set(call.id, entry);
    board.prepend(c);
    return entry;
  }

  function update(entry, call) {
    entry.call = call;
    var c = entry.card;
    c.querySelector(".call-title").textContent = t("calls.channel." + call.channel) + " " + (call.caller_number || "—");
    c.querySelector(".call-staff").textContent = call.staff_name;
    var st = c.querySelector(".call-stage");
    st.textContent = stageLabel(call.stage);
    st.dataset.stage = call.stage || "none";
    c.querySelector(".call-counts").textContent = t("calls.live.utterances") + " " + call.utterances + " · " + t("calls.live.flagged") + " " + call.flagged;
    var r = c.querySelector(".call-restricted");
    r.textContent = call.restricted ? t("calls.live.restricted") + " " + (call.restricted_reason || "") : "";
    r.hidden = !call.restricted;
    c.classList.toggle("alerting", call.flagged > 0 || call.restricted);
    renderActions(entry);
  }

  // renderActions offers the stages after the current one; the supervisor
  // confirms, the server records and audits it. Nothing moves by itself.
  function renderActions(entry) {
    var box = entry.card.querySelector(".call-actions");
    box.textContent = "";
    var stages = ["warning", "final_warning", "closing"];
    var cur = stages.indexOf(entry.call.stage);
    stages.slice(cur + 1).forEach(function (s) {
      var b = el("button", "small", t("calls.live.confirm") + ": " + stageLabel(s));
      b.type = "button";
      b.dataset.stage = s;
      b.addEventListener("click", function () { confirmStage(entry.call.id, s, b); });
      box.appendChild(b);
    });
  }

  function confirmStage(id, stage, button) {
    button.disabled = true;
    fetch("/api/v1/calls/" + id + "/stage", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ stage: stage })
    }).then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok) throw new Error((body.error && body.error.message) || res.status);
        apply({ kind: "stage", call: body.call, script: body.script });
      });
    }).catch(function (err) {
      button.disabled = false;
      status.textContent = t("calls.live.error") + " " + err.message;
    });
  }

  function addUtterance(entry, u) {
    if (entry.seen.has(u.seq)) return;
    entry.seen.add(u.seq);
    var li = el("li", "utt");
    li.dataset.seq = u.seq;
    var meta = el("p", "utt-meta", t("calls.speaker." + u.speaker) + " · #" + u.seq + " · " + new Date(u.at).toLocaleTimeString(lang));
    li.appendChild(meta);
    li.appendChild(highlight(u.text, u.categories));
    var reasons = el("ul", "utt-reasons");
    (u.categories || []).forEach(function (c) {
      reasons.appendChild(el("li", "reason-category", c.label + " (" + Math.round(c.score * 100) + "%)"));
    });
    (u.alerts || []).forEach(function (a) {
      var r = el("li", "reason-alert");
      r.appendChild(el("strong", null, t("calls.alert." + a.kind) + ": "));
      r.appendChild(document.createTextNode(a.reason));
      reasons.appendChild(r);
    });
    li.appendChild(reasons);
    var list = entry.card.querySelector(".call-flagged");
    // Newest first; keep the board light.
    var before = Array.from(list.children).find(function (x) { return Number(x.dataset.seq) < u.seq; });
    list.insertBefore(li, before || null);
    while (list.children.length > 20) list.removeChild(list.lastChild);
  }

  function showScript(entry, script, nextStage) {
    var p = entry.card.querySelector(".call-script");
    if (!script) { p.textContent = nextStage ? t("calls.live.script") + " " + stageLabel(nextStage) : ""; return; }
    p.textContent = t("calls.live.script") + " " + stageLabel(script.stage) + ": " + script.text;
  }

  function apply(ev) {
    if (!ev.call) return;
    if (ev.kind === "end") {
      var gone = calls.get(ev.call.id);
      if (gone) { gone.card.remove(); calls.delete(ev.call.id); }
      empty();
      return;
    }
    var entry = card(ev.call);
    update(entry, ev.call);
    if (ev.utterance) addUtterance(entry, ev.utterance);
    if (ev.script || ev.next_stage) showScript(entry, ev.script, ev.next_stage);
    if (ev.kind === "utterance") board.prepend(entry.card);
    empty();
  }

  function empty() {
    var msg = board.querySelector(".live-empty");
    if (calls.size === 0 && !msg) board.appendChild(el("p", "live-empty muted", t("calls.live.empty")));
    if (calls.size > 0 && msg) msg.remove();
  }

  function connect() {
    if (source) source.close();
    source = new EventSource(board.dataset.events);
    source.addEventListener("snapshot", function (e) {
      board.textContent = "";
      calls.clear();
      JSON.parse(e.data).slice().reverse().forEach(function (lc) {
        var entry = card(lc.call);
        update(entry, lc.call);
        lc.flagged.slice().reverse().forEach(function (u) { addUtterance(entry, u); });
      });
      empty();
      status.textContent = t("calls.live.connected");
      board.dataset.ready = "true";
    });
    source.addEventListener("call", function (e) { apply(JSON.parse(e.data)); });
    source.addEventListener("resync", function () { connect(); });
    source.onerror = function () { status.textContent = t("calls.live.reconnecting"); };
  }
  connect();
})();
