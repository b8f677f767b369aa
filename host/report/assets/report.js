"use strict";
// Reprokit report. Every recorded value is inserted as text (textContent,
// .title, .value), never as HTML; images are data: URLs that Reprokit made.
(function () {
  if (window.performance && performance.mark) performance.mark("rk-start");
  var D;
  try {
    D = JSON.parse(document.getElementById("rk-data").textContent);
  } catch (e) {
    document.getElementById("rk-loading").textContent = "This report's data could not be read: " + e.message;
    return;
  }
  var M = D.manifest || {};
  var E = D.entries || [];
  // The entries' details (headers, query, body previews, frames, image
  // previews) come in a second block after this script, so the table is up
  // before the browser has read them; they are merged in on
  // DOMContentLoaded, and what needs them waits for them (withDetails).
  var detailsIn = false, whenDetails = [];
  function mergeDetails() {
    if (detailsIn) return;
    var n = document.getElementById("rk-detail"), X = [];
    if (n) {
      try { X = JSON.parse(n.textContent); } catch (e) { X = []; }
      n.textContent = "";
    }
    for (var i = 0; i < E.length && i < X.length; i++) {
      var x = X[i];
      for (var k in x) if (Object.prototype.hasOwnProperty.call(x, k)) E[i][k] = x[k];
    }
    detailsIn = true;
    whenDetails.splice(0).forEach(function (f) { f(); });
  }
  function withDetails(f) { if (detailsIn) f(); else whenDetails.push(f); }
  document.addEventListener("DOMContentLoaded", mergeDetails);
  // W is a label in the reporter's language: the extension's own words
  // (D.words, from extension/_locales), English when there are none.
  function W(key, en) { return (D.words && D.words[key]) || en; }
  if (D.lang) document.documentElement.lang = D.lang;
  var main = document.getElementById("rk-main");

  // ---- small helpers -------------------------------------------------
  function el(tag, props) {
    var n = document.createElement(tag);
    if (props) {
      for (var k in props) {
        if (!Object.prototype.hasOwnProperty.call(props, k)) continue;
        var v = props[k];
        if (v === undefined || v === null) continue;
        if (k === "text") n.textContent = String(v);
        else if (k === "cls") n.className = v;
        else if (k === "on") { for (var ev in v) n.addEventListener(ev, v[ev]); }
        else if (k === "title") n.title = String(v);
        else if (k === "type" || k === "value" || k === "placeholder" || k === "checked" || k === "hidden" || k === "min" || k === "max" || k === "step" || k === "id" || k === "htmlFor" || k === "disabled") n[k] = v;
        else if (k === "src") { if (/^data:image\/(png|jpeg|gif|webp);base64,/.test(v)) n.src = v; }
        else if (k === "href") { if (/^#[A-Za-z0-9_-]*$/.test(v)) n.setAttribute("href", v); }
        else if (k === "data") { for (var dk in v) n.dataset[dk] = String(v[dk]); }
        else if (k === "aria") { for (var ak in v) n.setAttribute("aria-" + ak, String(v[ak])); }
      }
    }
    for (var i = 2; i < arguments.length; i++) add(n, arguments[i]);
    return n;
  }
  function add(n, c) {
    if (c === undefined || c === null || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { add(n, x); }); return; }
    if (typeof c === "string" || typeof c === "number") c = document.createTextNode(String(c));
    n.appendChild(c);
  }
  function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); }
  function size(n) {
    if (n === undefined || n === null || n < 0) return "";
    if (n >= 1073741824) return (n / 1073741824).toFixed(1) + " GB";
    if (n >= 1048576) return (n / 1048576).toFixed(1) + " MB";
    if (n >= 1024) return Math.round(n / 1024) + " KB";
    return n + " B";
  }
  function ms(v) {
    if (v === undefined || v === null || v < 0) return "";
    if (v >= 10000) return (v / 1000).toFixed(1) + " s";
    if (v >= 1000) return (v / 1000).toFixed(2) + " s";
    return Math.round(v) + " ms";
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  // Times are shown in the recording's time zone (named once in the
  // summary), not in whatever zone the viewer's machine has.
  var ZONE = (M.recording || {}).timeZone || (M.environment || {}).timeZone || M.timeZone || "";
  var fmtClock = null, fmtDate = null;
  try {
    fmtClock = new Intl.DateTimeFormat("en-GB", { timeZone: ZONE || undefined, hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3, hourCycle: "h23" });
    fmtDate = new Intl.DateTimeFormat("en-GB", { timeZone: ZONE || undefined, weekday: "short", year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short" });
  } catch (x) {
    ZONE = "";
    fmtClock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3, hourCycle: "h23" });
    fmtDate = new Intl.DateTimeFormat("en-GB", { weekday: "short", year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short" });
  }
  function clock(t) {
    if (!t) return "";
    var d = new Date(t);
    if (isNaN(d.getTime())) return "";
    return fmtClock.format(d);
  }
  // human is a date and time for a person: "Mon, 7 Dec 2026, 03:15:41 UTC".
  function human(v) {
    if (!v) return "";
    var d = new Date(typeof v === "number" ? v : Date.parse(v));
    if (isNaN(d.getTime())) return String(v);
    return fmtDate.format(d);
  }
  // markdown renders the little Markdown that SUPPORT_REQUEST.md uses
  // (headings, tables, lists, paragraphs, **bold**, `code`, <br> in table
  // cells) as elements with text: never as HTML.
  function markdown(src) {
    var out = el("div", { cls: "md" });
    var lines = String(src).split(/\r?\n/), i = 0;
    function unesc(s) { return s.replace(/\\([\\|*_`#\[\]<>-])/g, "$1"); }
    function inline(s, parent) {
      s.split(/<br\s*\/?>/i).forEach(function (part, k) {
        if (k) parent.appendChild(el("br"));
        var re = /\*\*([^*]+)\*\*|`([^`]+)`|(?:^|\b)_([^_]+)_(?:\b|$)/g, last = 0, m;
        while ((m = re.exec(part))) {
          add(parent, unesc(part.slice(last, m.index)));
          parent.appendChild(m[2] !== undefined ? el("code", { text: m[2] }) : m[3] !== undefined ? el("i", { text: unesc(m[3]) }) : el("b", { text: unesc(m[1]) }));
          last = re.lastIndex;
        }
        add(parent, unesc(part.slice(last)));
      });
      return parent;
    }
    function cells(l) {
      var t = l.trim().replace(/^\|/, "").replace(/\|$/, ""), res = [], cur = "";
      for (var k = 0; k < t.length; k++) {
        if (t[k] === "\\" && t[k + 1] === "|") { cur += "|"; k++; } else if (t[k] === "|") { res.push(cur.trim()); cur = ""; } else cur += t[k];
      }
      res.push(cur.trim());
      return res;
    }
    while (i < lines.length) {
      var l = lines[i];
      var h = /^(#{1,6})\s+(.*)$/.exec(l);
      if (h) { out.appendChild(inline(h[2], el(h[1].length <= 1 ? "h3" : "h4"))); i++; continue; }
      if (/^\s*\|/.test(l)) {
        var t = el("table", { cls: "plain" }), first = true;
        for (; i < lines.length && /^\s*\|/.test(lines[i]); i++) {
          if (/^\s*\|?\s*:?-{2,}/.test(lines[i])) continue;
          var tr = el("tr");
          cells(lines[i]).forEach(function (c) { tr.appendChild(inline(c, el(first ? "th" : "td"))); });
          t.appendChild(tr);
          first = false;
        }
        out.appendChild(t);
        continue;
      }
      if (/^\s*([-*]|\d+\.)\s+/.test(l)) {
        var ordered = /^\s*\d+\./.test(l), list = el(ordered ? "ol" : "ul");
        for (; i < lines.length && /^\s*([-*]|\d+\.)\s+/.test(lines[i]); i++) list.appendChild(inline(lines[i].replace(/^\s*([-*]|\d+\.)\s+/, ""), el("li")));
        out.appendChild(list);
        continue;
      }
      if (!l.trim()) { i++; continue; }
      var para = [];
      for (; i < lines.length && lines[i].trim() && !/^(#{1,6}\s|\s*\||\s*([-*]|\d+\.)\s+)/.test(lines[i]); i++) para.push(lines[i]);
      out.appendChild(inline(para.join("<br>"), el("p")));
    }
    return out;
  }
  // cutText shortens s to n characters, but never inside a word that holds a
  // sanitizer tag or a JWT: half of one reads as a secret left in place.
  function cutText(s, n) {
    if (s.length <= n) return s;
    var c = n, from = Math.max(s.lastIndexOf(" ", c - 1), s.lastIndexOf("\n", c - 1)) + 1, to = s.slice(c).search(/[ \n]/);
    var word = s.slice(from, to < 0 ? s.length : c + to);
    if (/\[REDACTED|ey[J]/.test(word)) c = from;
    return s.slice(0, c) + "…";
  }
  function rel(t) { return t && T0 ? "+" + ((t - T0) / 1000).toFixed(2) + " s" : ""; }
  function copyText(text, btn) {
    function done(ok) {
      if (!btn) return;
      var old = btn.textContent;
      btn.textContent = ok ? "Copied" : "Copy failed";
      setTimeout(function () { btn.textContent = old; }, 1200);
    }
    function fallback() {
      var ta = el("textarea", { value: text });
      ta.style.position = "fixed"; ta.style.opacity = "0";
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(ta);
      done(ok);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    } else fallback();
  }
  function copyBtn(text, label) {
    var b = el("button", { cls: "small copy", text: label || "Copy", title: "Copy to the clipboard" });
    b.addEventListener("click", function (ev) { ev.stopPropagation(); copyText(text, b); });
    return b;
  }
  function section(id, title, count) {
    var s = el("section", { id: id }, el("h2", null, title, count !== undefined ? el("span", { cls: "count", text: count }) : null));
    main.appendChild(s);
    navLinks.push([id, title]);
    return s;
  }
  function kv(pairs) {
    var dl = el("dl", { cls: "kv" });
    pairs.forEach(function (p) {
      if (p[1] === undefined || p[1] === null || p[1] === "") return;
      dl.appendChild(el("dt", { text: p[0] }));
      dl.appendChild(el("dd", null, p[1]));
    });
    return dl.childNodes.length ? dl : el("p", { cls: "empty", text: "Not recorded." });
  }
  function hostOf(u) { var m = /^[a-z][a-z0-9+.-]*:\/\/([^\/?#]*)/i.exec(u || ""); return m ? m[1] : ""; }
  function pathOf(u) {
    var m = /^[a-z][a-z0-9+.-]*:\/\/[^\/?#]*([^#]*)/i.exec(u || "");
    return m ? (m[1] || "/") : (u || "");
  }
  function statusClass(e) {
    if (e.f && (!e.s || e.s < 400)) return 0;
    if (!e.s) return e.inc ? -1 : 0;
    return Math.floor(e.s / 100);
  }

  // ---- time origin ----------------------------------------------------
  var T0 = 0, T1 = 0;
  E.forEach(function (e) {
    if (e.b > 0) {
      if (!T0 || e.b < T0) T0 = e.b;
      var end = e.b + Math.max(e.d || 0, 0);
      if (end > T1) T1 = end;
    }
  });
  var rs = Date.parse((M.recording || {}).start || ""), re = Date.parse((M.recording || {}).end || "");
  if (!isNaN(rs) && (!T0 || rs < T0)) T0 = rs;
  if (!isNaN(re) && re > T1) T1 = re;
  (D.screenshots || []).concat(D.screencast || [], D.steps || [], D.console || []).forEach(function (x) {
    if (x.t > 0) { if (!T0 || x.t < T0) T0 = x.t; if (x.t > T1) T1 = x.t; }
  });
  var RP = (D.replay || {}).tabs || [];
  // tabOf(e) is the index in RP of the tab an entry's page loaded in (its
  // page's target), or -1 when the HAR does not say.
  var pageTab = {};
  (D.pages || []).forEach(function (p) {
    if (!p.tg) return;
    for (var k = 0; k < RP.length; k++) if (RP[k].target === p.tg) pageTab[p.id] = k;
  });
  function tabOf(e) { var k = e && e.pg ? pageTab[e.pg] : undefined; return k === undefined ? -1 : k; }
  RP.forEach(function (tb) {
    // A page shows its last state until the recording stopped.
    if (!isNaN(re) && re > tb.e) tb.e = re;
    if (tb.b > 0) { if (!T0 || tb.b < T0) T0 = tb.b; if (tb.e > T1) T1 = tb.e; }
  });
  if (T1 <= T0) T1 = T0 + 1000;

  // entries that findings point to, by rule
  var findingsByEntry = {};
  (M.findings || []).forEach(function (f) {
    (f.entries || []).forEach(function (i) { (findingsByEntry[i] = findingsByEntry[i] || []).push(f.rule); });
  });

  var navLinks = [];
  document.getElementById("rk-title").textContent = (D.title || "Reprokit report") + (D.source ? " — " + D.source : "");
  document.title = D.title || "Reprokit report";
  clear(main);

  // ---- integrity ------------------------------------------------------
  // A bundle whose members do not match bundle.json was changed or
  // damaged after Reprokit wrote it: say so before anything else, as
  // `reprokit inspect` does.
  if (D.integrity && D.integrity.length) {
    var ib = el("div", { cls: "banner bad integrity", id: "rk-integrity", aria: { live: "polite" } },
      el("b", { text: "INTEGRITY: " + plural(D.integrity.length, "problem") + ". " }),
      "This bundle does not match its bundle.json: it was changed or damaged after Reprokit wrote it. What follows may not be what was recorded.");
    var il = el("ul");
    D.integrity.forEach(function (w) { il.appendChild(el("li", { cls: "mono", text: w })); });
    ib.appendChild(il);
    main.appendChild(ib);
  }

  // ---- summary --------------------------------------------------------
  (function summary() {
    var s = section("summary", W("reportSummary", "Summary"));
    var c = M.counts || {};
    var failed = c.failed !== undefined ? c.failed : E.filter(function (e) { return e.f; }).length;
    var dur = (M.recording || {}).durationMillis || (T1 - T0);
    s.appendChild(el("div", { cls: "stats" },
      stat(E.length, "request"),
      stat(failed, "failed", failed > 0),
      stat((M.findings || []).length, "finding", (M.findings || []).some(function (f) { return f.severity === "error"; })),
      stat((M.requestIds || []).length, "request ID"),
      stat(ms(dur), "recorded"),
      stat((D.screenshots || []).length, "screenshot"),
      stat((D.console || []).filter(function (m) { return m.l === "error"; }).length, "console error")
    ));
    var b = M.budget || {};
    if (b.overBudget) s.appendChild(el("div", { cls: "banner bad", text: b.message || "This bundle is over its size budget." }));
    (D.warnings || []).forEach(function (w) { s.appendChild(el("div", { cls: "banner warn", text: w })); });
    (M.notes || []).forEach(function (w) { s.appendChild(el("div", { cls: "banner warn", text: w })); });
    var rec = M.recording || {}, env = M.environment || {}, rep = M.reporter || {};
    var br = env.browser || {}, os = env.os || {}, dev = env.device || {}, net = env.network || {};
    var grid = el("div", { cls: "grid" });
    var reporter = [
      // the same words as the popup and SUPPORT_REQUEST.md (bundle.FieldLabels)
      [W("fieldDescription", "Problem description"), rep.description], [W("fieldEmail", "Account email"), rep.email], [W("fieldBillingEmail", "Billing email, if another"), rep.billingEmail],
      [W("fieldPlan", "Plan"), rep.plan], [W("fieldWorkspace", "Workspace or organization ID"), rep.workspace], [W("fieldCustomApp", "Custom app or assistant (link or ID)"), rep.customApp],
      [W("fieldSafety", "Safety message (exact text)"), rep.safetyMessage], [W("fieldSafetyRequestId", "Request ID of the safety message"), rep.safetyRequestId], [W("fieldNetwork", "Network (corporate or home)"), rep.network]
    ];
    if (rep.extra) Object.keys(rep.extra).sort().forEach(function (k) { reporter.push([k, rep.extra[k]]); });
    grid.appendChild(el("div", { cls: "card" }, el("h3", { text: W("reportReporter", "Reporter") }), kv(reporter)));
    grid.appendChild(el("div", { cls: "card" }, el("h3", { text: W("reportRecording", "Recording") }), kv([
      ["Start", human(rec.start)], ["End", human(rec.end)], ["Time zone", (rec.timeZone || env.timeZone || M.timeZone || "") + (ZONE ? " (the report shows times in it)" : "")],
      ["Duration", ms(dur)], ["Mode", rec.mode], ["Stopped by", rec.stopReason], ["Start URL", rec.startUrl],
      ["Recovered", rec.recovered ? "yes: made from a recording its process left behind" : ""]
    ])));
    grid.appendChild(el("div", { cls: "card" }, el("h3", { text: W("supportEnvironment", "Environment") }), kv([
      ["Browser", D.browser || br.name || br.product || br.userAgent],
      ["OS", [os.name, os.version, os.arch, os.bitness ? os.bitness + "-bit" : ""].filter(Boolean).join(" ")],
      ["Device", [dev.type, dev.model].filter(Boolean).join(" ")],
      ["Network", net.online === false && (br.version || br.product) ? "offline" : [net.type, net.effectiveType, net.rttMillis ? net.rttMillis + " ms RTT" : "", net.downlinkMbps ? net.downlinkMbps + " Mbit/s" : ""].filter(Boolean).join(", ")],
      ["Proxy", [net.proxy, net.proxyServer].filter(Boolean).join(" ")],
      ["Locale", env.locale]
    ])));
    grid.appendChild(el("div", { cls: "card" }, el("h3", { text: W("reportBundle", "Bundle") }), kv([
      ["ID", M.id ? [M.id, " ", copyBtn(M.id)] : ""], ["Created", human(M.created)], ["Tool", M.tool ? (M.tool.name + " " + M.tool.version) : ""],
      ["Format", M.format], ["Source", D.source],
      ["Size budget", b.limit ? size(b.limit) + (b.actions && b.actions.length ? " (" + b.actions.length + " reductions)" : "") : (D.kind === "bundle" ? "none" : "")]
    ])));
    s.appendChild(grid);
    // stat shows a number and its label, plural unless the number is 1.
    function stat(v, label, bad) {
      if (typeof v === "number" && v !== 1 && label !== "failed") label += "s";
      return el("div", { cls: "stat" + (bad ? " bad" : "") }, el("b", { text: v }), el("span", { text: label }));
    }
  })();

  // ---- findings -------------------------------------------------------
  (function findings() {
    var F = M.findings || [];
    var s = section("findings", W("reviewFindings", "Findings"), F.length ? plural(F.length, "finding") : "");
    if (!F.length) { s.appendChild(el("p", { cls: "empty", text: W("supportNoFindings", "No known problem pattern was found in this recording.") })); return; }
    F.forEach(function (f) {
      var evid = el("ul");
      (f.evidence || []).forEach(function (x) { evid.appendChild(el("li", { text: x })); });
      var btn = null;
      if (f.entries && f.entries.length) {
        btn = el("button", { cls: "small", text: "Show " + f.entries.length + " request" + (f.entries.length > 1 ? "s" : "") });
        btn.addEventListener("click", function () { showOnly(f.entries, f.title); });
      }
      s.appendChild(el("div", { cls: "finding " + f.severity, data: { rule: f.rule } },
        el("div", { cls: "bar" }),
        el("div", null,
          el("div", { cls: "head" }, el("span", { cls: "sev " + f.severity, text: f.severity }), el("b", { text: f.title }), el("span", { cls: "tag", text: f.rule }), btn),
          el("div", { cls: "advice", text: f.advice }),
          evid)));
    });
  })();

  // ---- request IDs ------------------------------------------------------
  (function ids() {
    var R = M.requestIds || [];
    var s = section("request-ids", W("reviewRequestIDs", "Request IDs"), R.length ? plural(R.length, "ID") : "");
    if (!R.length) { s.appendChild(el("p", { cls: "empty", text: "No request or trace ID was found in the responses." })); return; }
    var all = R.map(function (r) { return r.value + "  " + r.method + " " + r.url + " → " + (r.status || "failed"); }).join("\n");
    s.querySelector("h2").appendChild(copyBtn(all, "Copy all"));
    var t = el("table", { cls: "plain" }, el("thead", null, el("tr", null, el("th", { text: "ID" }), el("th", { text: "Source" }), el("th", { text: "Request" }), el("th", { text: "Status" }), el("th", { text: "Time" }))));
    var tb = el("tbody");
    var shown = 0;
    function more(n) {
      R.slice(shown, shown + n).forEach(row);
      shown = Math.min(R.length, shown + n);
      moreBtn.hidden = shown >= R.length;
      moreBtn.textContent = "Show " + Math.min(500, R.length - shown) + " more of " + (R.length - shown);
    }
    var moreBtn = el("button", { cls: "small" });
    moreBtn.addEventListener("click", function () { more(500); });
    function row(r) {
      var tr = el("tr", null,
        el("td", { cls: "mono" }, r.value, copyBtn(r.value)),
        el("td", { cls: "muted", text: r.source }),
        el("td", { cls: "mono", text: r.method + " " + r.url }),
        el("td", { cls: r.failed ? "st-4" : "st-2", text: r.status || "failed" }),
        el("td", { cls: "muted", text: clock(Date.parse(r.time)) }));
      tr.style.cursor = "pointer";
      tr.addEventListener("click", function () { selectEntry(r.entry, true); });
      tb.appendChild(tr);
    }
    t.appendChild(tb);
    s.appendChild(t);
    s.appendChild(moreBtn);
    more(50);
  })();

  // ---- timeline -------------------------------------------------------
  var lightbox = document.getElementById("rk-lightbox");
  function openImage(img) {
    clear(lightbox);
    lightbox.appendChild(el("figure", null, el("img", { src: img.src, title: img.file }),
      el("figcaption", { text: [clock(img.t), rel(img.t), img.r, img.u].filter(Boolean).join(" · ") })));
    lightbox.hidden = false;
  }
  lightbox.addEventListener("click", function () { lightbox.hidden = true; clear(lightbox); });
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape" && !lightbox.hidden) { lightbox.hidden = true; clear(lightbox); } });

  // goConsole and goStep show one console message or step in its section;
  // set by those sections below.
  var goConsole = function () {}, goStep = function () {};
  function flash(n) {
    if (!n) return;
    n.scrollIntoView({ block: "center" });
    n.classList.remove("hl"); void n.offsetWidth; n.classList.add("hl");
  }
  // moment(t) points the timeline at one moment: a cursor across the
  // lanes and a list of what happened then (the step, the requests, the
  // console messages and the screenshot nearest it), each a link to its
  // place in the report. Selecting a request, console message, step or
  // screenshot anywhere in the report calls it: the lanes link both ways.
  var moment = function () {};
  // replaySeek(t, kind, idx) points the session replay at moment t;
  // replayHead(t) draws the player's time on the timeline's Replay lane;
  // markInflight(t, tab) highlights the requests in flight at t (of the
  // player's tab, when an entry's tab is known). Set by the sections that
  // own them.
  var replaySeek = function () {}, replayHead = function () {}, markInflight = function () {};
  (function timeline() {
    var S = D.screenshots || [], C = D.screencast || [], ST = D.steps || [], CO = D.console || [];
    var s = section("timeline", W("reportTimeline", "Timeline"), plural(S.length, "screenshot") + (C.length ? ", " + plural(C.length, "screencast frame") : ""));
    var span = T1 - T0;
    function frac(t) { return Math.max(0, Math.min(1, (t - T0) / span)); }
    function pos(t) { return (frac(t) * 100).toFixed(3) + "%"; }
    var tl = el("div", { cls: "timeline" });
    var cursors = [];
    function lane(name, cls) {
      var track = el("div", { cls: "track" });
      var cur = el("div", { cls: "cursor", hidden: true });
      track.appendChild(cur);
      cursors.push(cur);
      tl.appendChild(el("div", { cls: "lane " + (cls || ""), data: { lane: name.toLowerCase() } }, el("div", { cls: "lbl", text: name }), track));
      return track;
    }
    // The session replay is a lane: a bar per recorded tab where the
    // player has the page, its playhead, and a click plays from there.
    if (RP.length) {
      var rpLane = lane("Replay", "replay");
      RP.forEach(function (tb, k) {
        var seg = el("button", { cls: "rpseg", data: { k: k },
          title: "Session replay" + (RP.length > 1 ? " of tab " + (k + 1) : "") + (tb.u ? ": " + tb.u : "") + " (" + rel(tb.b) + " – " + rel(tb.e) + "). Click to show the page then." });
        seg.style.left = pos(tb.b);
        seg.style.width = Math.max(0.3, (frac(tb.e) - frac(tb.b)) * 100).toFixed(3) + "%";
        seg.addEventListener("click", function (ev) {
          var r = rpLane.getBoundingClientRect();
          moment(T0 + Math.max(0, Math.min(1, (ev.clientX - r.left) / r.width)) * span, "replay", k);
        });
        rpLane.appendChild(seg);
      });
      var head = el("div", { cls: "playhead", hidden: true });
      rpLane.appendChild(head);
      replayHead = function (t) { head.hidden = !t; if (t) head.style.left = pos(t); };
    }
    var stepsLane = lane("Steps");
    var stepMarks = [];
    ST.forEach(function (st, i) {
      if (!st.t) return;
      var m = el("button", { cls: "mark step", title: (i + 1) + ". " + st.x + " (" + clock(st.t) + ")", data: { i: i } });
      m.style.left = pos(st.t);
      m.addEventListener("click", function () { moment(st.t, "step", i); });
      stepsLane.appendChild(m);
      stepMarks[i] = m;
    });
    // Requests are drawn as buckets (a bar per slice of time, its height
    // the number of requests that start in it, red when one failed), so
    // that 10,000 entries cost a few hundred elements.
    var reqLane = lane("Requests", "reqs");
    var NB = 200, buckets = [], maxB = 1;
    E.forEach(function (e, i) { if (!e.b) return; var k = Math.min(NB - 1, Math.floor(frac(e.b) * NB)); (buckets[k] = buckets[k] || []).push(i); });
    buckets.forEach(function (b) { if (b && b.length > maxB) maxB = b.length; });
    var bucketMarks = [];
    buckets.forEach(function (b, k) {
      if (!b) return;
      var bad = b.filter(function (i) { return E[i].f; });
      var first = bad.length ? bad[0] : b[0];
      var m = el("button", { cls: "mark req" + (bad.length ? " bad" : ""), data: { k: k },
        title: plural(b.length, "request") + (bad.length ? ", " + bad.length + " failed" : "") + " at " + rel(E[first].b) + ": " + E[first].m + " " + E[first].u });
      m.style.left = (k / NB * 100) + "%";
      m.style.width = "calc(" + (100 / NB) + "% - 1px)";
      m.style.height = (5 + Math.round(15 * Math.sqrt(b.length / maxB))) + "px";
      m.addEventListener("click", function () { moment(E[first].b, "req", first); });
      reqLane.appendChild(m);
      bucketMarks[k] = m;
    });
    var consLane = lane("Console");
    var conMarks = [];
    CO.forEach(function (c, i) {
      if (!c.t || i >= 3000) return;
      var m = el("button", { cls: "mark con " + c.l, title: c.l + ": " + cutText(c.x, 300), data: { i: i } });
      m.style.left = pos(c.t);
      m.addEventListener("click", function () { moment(c.t, "con", i); });
      consLane.appendChild(m);
      conMarks[i] = m;
    });
    var shots = lane("Screenshots", "shots");
    var thumbs = [];
    S.forEach(function (img, i) {
      if (!img.t) return;
      var pic = el("img", { src: img.src });
      var b = el("button", { cls: "thumb", title: [clock(img.t), img.r, img.u].filter(Boolean).join(" · "), data: { i: i } }, pic);
      var tick = el("span", { cls: "tick" });
      b.addEventListener("click", function () { moment(img.t, "shot", i); openImage(img); });
      shots.appendChild(tick);
      shots.appendChild(b);
      thumbs.push({ img: img, b: b, pic: pic, tick: tick, ratio: img.w && img.h ? img.w / img.h : 4 / 3 });
    });
    // Thumbnails never overlap and stay inside the lane: each sits at its
    // time (a tick marks it) or, when its neighbours take that place, as
    // near as the rows allow; the rows and the thumbnail size give way to
    // a crowded recording, and what still does not fit is in the gallery.
    function layoutThumbs() {
      var W = shots.clientWidth;
      if (!W || !thumbs.length) return;
      var gap = 4, sizes = [62, 44, 30], maxRows = 3, placed = null, h = 62;
      for (var si = 0; si < sizes.length && !placed; si++) {
        h = sizes[si];
        placed = place(h, si === sizes.length - 1);
      }
      var rows = 1;
      placed.forEach(function (p) { if (p.row >= 0) rows = Math.max(rows, p.row + 1); });
      shots.parentNode.style.height = (rows * (h + 6) + 10) + "px";
      placed.forEach(function (p, i) {
        var t = thumbs[i];
        t.tick.style.left = p.x + "px";
        if (p.row < 0) { t.b.hidden = true; return; }
        t.b.hidden = false;
        t.pic.style.height = (h - 2) + "px";
        t.b.style.height = h + "px";
        t.b.style.width = p.w + "px";
        t.b.style.left = p.left + "px";
        t.b.style.top = (4 + p.row * (h + 6)) + "px";
      });
      function place(h, last) {
        var ends = [], out = [], all = true;
        thumbs.forEach(function (t) {
          var w = Math.max(16, Math.round((h - 2) * t.ratio) + 2);
          var x = Math.max(0, Math.min(W, (t.img.t - T0) / span * W));
          var want = Math.max(0, Math.min(W - w, x - w / 2));
          var row = -1, left = want;
          for (var r = 0; r < maxRows; r++) {
            var free = r < ends.length ? ends[r] + gap : 0;
            var l = Math.max(want, free);
            if (l + w <= W && (row < 0 || l < left)) { row = r; left = l; if (l === want) break; }
          }
          if (row < 0) { all = false; if (!last) return; }
          else { while (ends.length <= row) ends.push(-gap); ends[row] = left + w; }
          out.push({ x: x, w: w, left: left, row: row });
        });
        return all || last ? out : null;
      }
    }
    var axis = el("div", { cls: "axis" });
    var digits = span < 5000 ? 2 : 1;
    for (var k = 0; k <= 5; k++) axis.appendChild((function (k) { var x = el("span", { text: "+" + (span * k / 5000).toFixed(digits) + " s" }); x.style.left = (k * 20) + "%"; if (k === 0) x.style.transform = "none"; if (k === 5) x.style.transform = "translateX(-100%)"; return x; })(k));
    tl.appendChild(axis);
    s.appendChild(tl);
    var at = el("div", { cls: "moment", id: "rk-moment", hidden: true });
    s.appendChild(at);
    layoutThumbs();
    window.addEventListener("resize", layoutThumbs);

    function nearestBefore(list, t) {
      var best = -1;
      list.forEach(function (x, i) { if (x.t && x.t <= t + 50 && (best < 0 || x.t >= list[best].t)) best = i; });
      if (best < 0) list.forEach(function (x, i) { if (x.t && (best < 0 || Math.abs(x.t - t) < Math.abs(list[best].t - t))) best = i; });
      return best;
    }
    moment = function (t, kind, idx) {
      if (!t) return;
      replaySeek(t, kind, idx);
      cursors.forEach(function (c) { c.hidden = false; c.style.left = pos(t); });
      var W = Math.max(1000, span / 40);
      var st = kind === "step" ? idx : nearestBefore(ST, t);
      var shot = kind === "shot" ? idx : -1;
      if (shot < 0) S.forEach(function (x, i) { if (x.t >= t - 50 && (shot < 0 || x.t < S[shot].t)) shot = i; });
      if (shot < 0) shot = nearestBefore(S, t);
      var rq = [];
      for (var i = 0; i < E.length; i++) if (E[i].b && Math.abs(E[i].b - t) <= W) rq.push(i);
      rq.sort(function (a, b) { return (E[b].f ? 1 : 0) - (E[a].f ? 1 : 0) || Math.abs(E[a].b - t) - Math.abs(E[b].b - t); });
      if (kind === "req") rq = [idx].concat(rq.filter(function (x) { return x !== idx; }));
      var moreReq = Math.max(0, rq.length - 8);
      rq = rq.slice(0, 8);
      var cm = [];
      CO.forEach(function (c, i) { if (c.t && Math.abs(c.t - t) <= W) cm.push(i); });
      cm.sort(function (a, b) { return Math.abs(CO[a].t - t) - Math.abs(CO[b].t - t); });
      if (kind === "con") cm = [idx].concat(cm.filter(function (x) { return x !== idx; }));
      cm = cm.slice(0, 6);
      Array.prototype.forEach.call(tl.querySelectorAll(".near"), function (n) { n.classList.remove("near"); });
      if (stepMarks[st]) stepMarks[st].classList.add("near");
      rq.forEach(function (i) { var m = bucketMarks[Math.min(NB - 1, Math.floor(frac(E[i].b) * NB))]; if (m) m.classList.add("near"); });
      cm.forEach(function (i) { if (conMarks[i]) conMarks[i].classList.add("near"); });
      thumbs.forEach(function (x) { if (x.img === S[shot]) x.b.classList.add("near"); });
      clear(at);
      at.hidden = false;
      at.appendChild(el("div", { cls: "mhead" }, el("b", { text: "At " + rel(t) }), el("span", { cls: "muted", text: clock(t) + " · what happened within " + ms(W) + " of it" }),
        el("button", { cls: "small", text: "Close", on: { click: function () { at.hidden = true; cursors.forEach(function (c) { c.hidden = true; }); } } })));
      var cols = el("div", { cls: "mcols" });
      function col(title, items, empty) { cols.appendChild(el("div", { cls: "mcol", data: { kind: title.toLowerCase() } }, el("h3", { text: title }), items.length ? items : el("p", { cls: "empty", text: empty }))); }
      col("Step", st >= 0 ? [link((st + 1) + ". " + ST[st].x, rel(ST[st].t), function () { goStep(st); }, "step")] : [], "No step recorded.");
      col("Requests", rq.map(function (i) {
        var e = E[i];
        return link(e.m + " " + pathOf(e.u), (e.s || e.e || "failed") + " · " + rel(e.b), function () { selectEntry(i, true); }, "req" + (e.f ? " bad" : ""), i);
      }).concat(moreReq ? [el("p", { cls: "note", text: moreReq + " more in the requests table" })] : []), "No request started then.");
      col("Console", cm.map(function (i) { var c = CO[i]; return link(cutText(c.x, 160), c.l + " · " + rel(c.t), function () { goConsole(i); }, "con " + c.l, i); }), "No console message then.");
      col("Screenshot", shot >= 0 ? [el("button", { cls: "mshot", data: { i: shot }, title: S[shot].u || S[shot].file, on: { click: function () { openImage(S[shot]); } } },
        el("img", { src: S[shot].src }), el("span", { text: rel(S[shot].t) + (S[shot].r ? " · " + S[shot].r : "") }))] : [], "No screenshot.");
      at.appendChild(cols);
      function link(text, meta, go, cls, i) {
        return el("button", { cls: "mlink " + (cls || ""), data: i !== undefined ? { i: i } : undefined, on: { click: go } }, el("span", { text: text }), el("span", { cls: "muted", text: meta }));
      }
    };
    if (S.length) {
      var g = el("div", { cls: "gallery" });
      S.forEach(function (img, i) {
        var b = el("button", { cls: "shot", title: img.u || img.file }, el("img", { src: img.src }),
          el("div", { text: [rel(img.t), img.r].filter(Boolean).join(" · ") }), el("div", { text: img.u || img.file }));
        b.addEventListener("click", function () { moment(img.t, "shot", i); openImage(img); });
        g.appendChild(b);
      });
      s.appendChild(g);
    } else s.appendChild(el("p", { cls: "empty", text: "No screenshot in this recording." }));
    if (C.length) {
      var frame = el("img", { src: C[0].src });
      var label = el("span", { cls: "muted", text: rel(C[0].t) });
      var slider = el("input", { type: "range", min: 0, max: C.length - 1, value: 0, step: 1, aria: { label: "Screencast frame" } });
      var play = el("button", { text: "Play" });
      var timer = null;
      function show(i) { var f = C[i]; frame.src = /^data:image\//.test(f.src) ? f.src : ""; label.textContent = rel(f.t) + " · " + (i + 1) + "/" + C.length; slider.value = i; }
      slider.addEventListener("input", function () { show(+slider.value); });
      play.addEventListener("click", function () {
        if (timer) { clearInterval(timer); timer = null; play.textContent = "Play"; return; }
        play.textContent = "Pause";
        timer = setInterval(function () { var i = +slider.value + 1; if (i >= C.length) { clearInterval(timer); timer = null; play.textContent = "Play"; return; } show(i); }, 200);
      });
      s.appendChild(el("h3", { text: "Screencast" }));
      s.appendChild(el("div", { cls: "player" }, frame, el("div", { cls: "filters" }, play, slider, label)));
      show(0);
    }
  })();

  // ---- session replay -------------------------------------------------
  // The recorded page, rebuilt by the rrweb player from its DOM events.
  // Recorded scripts never run: the player's frame is sandboxed with
  // allow-same-origin only (rrweb's default; UNSAFE_replayCanvas, which
  // would add allow-scripts, stays off), and the page's CSP, which the
  // frame inherits, allows no script but the report's own. Images come
  // from the HAR's bodies where it has them, else a grey box: the player
  // never loads anything from the network. The events (compressed) are
  // read when the player starts, after the report has drawn (or at once
  // when something seeks it), so that a long recording does not slow the
  // report.
  var startReplay = null;
  (function sessionReplay() {
    if (!RP.length) return;
    var total = 0;
    RP.forEach(function (tb) { total += tb.n; });
    var s = section("replay", "Session replay", (RP.length > 1 ? plural(RP.length, "tab") + ", " : "") + ms(RP.reduce(function (a, tb) { return a + tb.e - tb.b; }, 0)));
    s.appendChild(el("p", { cls: "note", text: "The page as the user saw it, rebuilt from " + plural(total, "recorded DOM event") + ". Typed values are masked as recorded; no script of the page runs here; images come from the HAR (a grey box where it has none). Click a request, console message, step or screenshot to see the page at that moment." }));
    var tabSel = null;
    if (RP.length > 1) {
      tabSel = el("select", { id: "rk-replay-tab", aria: { label: "Tab" } });
      RP.forEach(function (tb, k) { tabSel.appendChild(el("option", { value: k, text: "Tab " + (k + 1) + ": " + (tb.u ? cutText(tb.u, 80) : tb.target) + " (" + rel(tb.b) + ")" })); });
      tabSel.addEventListener("change", function () { seekTab(+tabSel.value, RP[+tabSel.value].b); });
    }
    var playBtn = el("button", { id: "rk-replay-play", text: "Play", disabled: true });
    var speedSel = el("select", { id: "rk-replay-speed", aria: { label: "Speed" } });
    [0.5, 1, 2, 4, 8].forEach(function (v) { speedSel.appendChild(el("option", { value: v, text: v + "×" })); });
    speedSel.value = "1";
    var timeLbl = el("span", { cls: "muted mono", id: "rk-replay-time", text: "Loading the player…" });
    var flightLbl = el("span", { cls: "muted", id: "rk-replay-inflight" });
    var bar = el("div", { cls: "rpbar", id: "rk-replay-bar", title: "Click to show the page then (← → move 5 s, space plays)", aria: { label: "Replay position" } });
    bar.tabIndex = 0;
    bar.setAttribute("role", "slider");
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    var fill = el("div", { cls: "rpfill" });
    var knob = el("div", { cls: "rpknob" });
    bar.appendChild(fill);
    bar.appendChild(knob);
    var marksBox = el("div", { cls: "rpmarks" });
    bar.appendChild(marksBox);
    var stage = el("div", { cls: "rpstage", id: "rk-replay-stage" });
    var root = el("div", { cls: "rproot" });
    stage.appendChild(root);
    var lic = el("pre", { cls: "license" });
    s.appendChild(el("div", { cls: "filters rpctl" }, tabSel, playBtn, speedSel, timeLbl, flightLbl));
    s.appendChild(bar);
    s.appendChild(stage);
    s.appendChild(el("details", { cls: "note" }, el("summary", { text: "The player is rrweb " + (D.replay.v || "") + " (MIT licence)" }), lic));

    var block = null, player = null, cur = -1, meta = null, fullOff = 0, playing = false, timer = null, fixed = {};
    var PLACEHOLDER = "data:image/svg+xml," + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24"><rect width="24" height="24" fill="#e3e6ec"/></svg>');
    // whenLoaded(fn) runs fn once the replay block is read: gzipped JSON in
    // base64 (see host/report), inflated with DecompressionStream, which
    // fetches nothing.
    var loading = null;
    function whenLoaded(fn) {
      if (block) { fn(); return; }
      if (!loading) {
        loading = new Promise(function (done) {
          var n = document.getElementById("rk-replay");
          var bin = atob((n ? n.textContent : "").trim());
          var bytes = new Uint8Array(bin.length);
          for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
          done(new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text());
        }).then(function (text) {
          block = JSON.parse(text);
          lic.textContent = block.license || "";
        }).catch(function (x) { fail("The session replay could not be read: " + (x && x.message || x)); });
      }
      loading.then(function () { if (block) fn(); });
    }
    function fail(msg) {
      timeLbl.textContent = msg;
      playBtn.disabled = true;
      s.dataset.error = "1";
    }
    // Images: a body from the HAR, else the placeholder, never a URL the
    // frame would fetch (the CSP would block it anyway).
    function imgSrc(v) {
      if (typeof v !== "string") return v;
      if (/^data:image\/(png|jpeg|gif|webp);base64,/.test(v)) return v;
      return (block.images || {})[v] || PLACEHOLDER;
    }
    function fixAttrs(tag, a) {
      if (!a || typeof a !== "object") return;
      if (tag === "img" || tag === "source" || tag === "input" || tag === "image") {
        if ("src" in a && a.src !== null) a.src = imgSrc(a.src);
        if ("srcset" in a) delete a.srcset;
        if ("href" in a && tag === "image") a.href = imgSrc(a.href);
        if ("xlink:href" in a && tag === "image") a["xlink:href"] = imgSrc(a["xlink:href"]);
      }
      if (tag === "video" && a.poster) a.poster = imgSrc(a.poster);
      // An icon, manifest or preload the frame would ask for (and the CSP
      // refuse, with a console error each time); rrweb has inlined the
      // stylesheets (_cssText).
      if (tag === "link" && "href" in a) delete a.href;
    }
    function fixNode(n, tags) {
      if (!n || typeof n !== "object") return;
      if (n.type === 2) {
        var tag = String(n.tagName || "").toLowerCase();
        tags[n.id] = tag;
        fixAttrs(tag, n.attributes);
      }
      var c = n.childNodes || [];
      for (var i = 0; i < c.length; i++) fixNode(c[i], tags);
    }
    function fixImages(evs) {
      var tags = {};
      evs.forEach(function (e) {
        if (!e || !e.data) return;
        if (e.type === 2) fixNode(e.data.node, tags);
        else if (e.type === 3 && e.data.source === 0) {
          (e.data.adds || []).forEach(function (a) { fixNode(a.node, tags); });
          (e.data.attributes || []).forEach(function (a) { fixAttrs(tags[a.id] || "", a.attributes); });
        }
      });
    }
    // open(k) makes the player of tab k (one at a time).
    function open(k) {
      if (k === cur && player) return true;
      if (!block) return false;
      if (!window.rrwebReplay || !window.rrwebReplay.Replayer) { fail("The player did not load."); return false; }
      var tb = block.tabs[k];
      if (!tb) return false;
      if (player) { try { player.destroy(); } catch (x) { /* already gone */ } clear(root); player = null; }
      if (!fixed[k]) {
        fixImages(tb.events);
        // An event of its own at the end of the recording (the player
        // ignores custom events): the page stays until the recording
        // stopped, and, as rrweb applies on a seek to t the events before
        // t, not at t, a seek to the end shows the last change.
        var last = tb.events[tb.events.length - 1];
        if (last && last.timestamp) tb.events.push({ type: 5, data: { tag: "reprokit-end", payload: null }, timestamp: Math.max(last.timestamp + 1, RP[k].e) });
        fixed[k] = true;
      }
      try {
        player = new window.rrwebReplay.Replayer(tb.events, {
          root: root, speed: +speedSel.value, UNSAFE_replayCanvas: false, showWarning: false,
          skipInactive: false, triggerFocus: false, mouseTail: { strokeStyle: "#e53935", lineWidth: 2, duration: 500 }
        });
      } catch (x) { fail("The session replay could not start: " + x.message); return false; }
      cur = k;
      size = null; // the new tab's viewport comes with its events
      if (tabSel) tabSel.value = String(k);
      meta = player.getMetaData();
      // A seek before the first full snapshot would apply no event and
      // leave the frame as it was: the earliest moment is just after it.
      fullOff = 0;
      for (var i = 0; i < tb.events.length; i++) if (tb.events[i] && tb.events[i].type === 2) { fullOff = tb.events[i].timestamp - meta.startTime; break; }
      s.dataset.tab = String(k);
      player.on("resize", fit);
      player.on("finish", function () { setPlaying(false); tick(); });
      player.pause(0);
      drawMarks();
      playBtn.disabled = false;
      fit();
      firstFrame();
      tick(); // the position, in place of "Loading the player…"
      return true;
    }
    // firstFrame marks the section once the frame shows the page (what the
    // tests and the benchmark wait for).
    function firstFrame() {
      delete s.dataset.frame;
      var tries = 0;
      (function check() {
        var f = player && player.iframe, d = f && f.contentDocument;
        if (d && d.body && d.body.childNodes.length) { s.dataset.frame = "1"; if (window.performance && performance.mark) performance.mark("rk-replay-frame"); return; }
        if (++tries < 600) requestAnimationFrame(check);
      })();
    }
    var size = null;
    function fit(dim) {
      if (dim && dim.width) size = dim;
      if (!size) size = { width: RP[cur].w || 1280, height: RP[cur].h || 800 };
      var wrap = root.querySelector(".replayer-wrapper");
      var w = stage.clientWidth || 800, sc = Math.min(1, w / size.width, Math.max(240, (window.innerHeight || 800) * 0.7) / size.height);
      if (wrap) { wrap.style.transform = "scale(" + sc + ")"; wrap.style.transformOrigin = "0 0"; }
      stage.style.height = Math.round(size.height * sc) + "px";
    }
    window.addEventListener("resize", function () { if (player) fit(); });
    function drawMarks() {
      clear(marksBox);
      var tb = RP[cur], sp = Math.max(1, tb.e - tb.b);
      function mark(t, cls, title, go) {
        if (!t || t < tb.b || t > tb.e) return;
        var m = el("button", { cls: "rpmark " + cls, title: title });
        m.style.left = ((t - tb.b) / sp * 100).toFixed(3) + "%";
        m.addEventListener("click", function (ev) { ev.stopPropagation(); go(); });
        marksBox.appendChild(m);
      }
      (D.steps || []).forEach(function (st, i) { mark(st.t, "step", (i + 1) + ". " + st.x + " (" + rel(st.t) + ")", function () { moment(st.t, "step", i); }); });
      E.forEach(function (e, i) { if (e.f) mark(e.b, "req", "Failed: " + e.m + " " + e.u + " (" + (e.s || e.e || "failed") + ", " + rel(e.b) + ")", function () { selectEntry(i, false); }); });
      (D.console || []).forEach(function (c, i) { if (c.l === "error") mark(c.t, "con", "Console error: " + cutText(c.x, 200) + " (" + rel(c.t) + ")", function () { moment(c.t, "con", i); }); });
    }
    function now() { return player && meta ? meta.startTime + player.getCurrentTime() : 0; }
    function tick() {
      if (!player) return;
      var t = now(), tb = RP[cur], f = meta.totalTime ? Math.max(0, Math.min(1, (t - meta.startTime) / meta.totalTime)) : 0;
      fill.style.width = (f * 100).toFixed(2) + "%";
      knob.style.left = (f * 100).toFixed(2) + "%";
      timeLbl.textContent = rel(t) + " · " + clock(t) + " (" + ms(t - tb.b) + " of " + ms(tb.e - tb.b) + ")";
      s.dataset.t = String(Math.round(t));
      bar.setAttribute("aria-valuenow", String(Math.round(f * 100)));
      bar.setAttribute("aria-valuetext", rel(t));
      replayHead(t);
      var n = markInflight(t, cur);
      flightLbl.textContent = n ? plural(n, "request") + " in flight" : "";
    }
    function setPlaying(on) {
      playing = on;
      playBtn.textContent = on ? "Pause" : "Play";
      clearInterval(timer);
      timer = on ? setInterval(tick, 100) : null;
    }
    // seekTab(k, t) shows tab k at moment t (clamped to its recording).
    function seekTab(k, t) {
      if (!block) { whenLoaded(function () { seekTab(k, t); }); return; }
      if (!open(k)) return;
      // +1 ms: what happened at t itself shows (see open).
      var off = Math.max(fullOff + 1, Math.min(meta.totalTime, t - meta.startTime + 1));
      if (playing) player.play(off); else player.pause(off);
      tick();
    }
    playBtn.addEventListener("click", function () {
      if (!player) return;
      if (playing) { player.pause(); setPlaying(false); tick(); return; }
      var off = player.getCurrentTime();
      if (off >= meta.totalTime - 1) off = fullOff + 1;
      player.play(off);
      setPlaying(true);
    });
    speedSel.addEventListener("change", function () { if (player) player.setConfig({ speed: +speedSel.value }); });
    bar.addEventListener("click", function (ev) {
      if (!player) return;
      var r = bar.getBoundingClientRect();
      seekTab(cur, meta.startTime + Math.max(0, Math.min(1, (ev.clientX - r.left) / r.width)) * meta.totalTime);
    });
    bar.addEventListener("keydown", function (ev) {
      if (!player) return;
      if (ev.key === "ArrowLeft" || ev.key === "ArrowRight") {
        ev.preventDefault();
        seekTab(cur, now() + (ev.key === "ArrowLeft" ? -5000 : 5000));
      } else if (ev.key === " ") {
        ev.preventDefault();
        playBtn.click();
      }
    });
    // The tab that shows moment t: the current one when it has t, else the
    // one that recorded t, else the current one.
    function tabAt(t, k, entry) {
      if (k !== undefined && RP[k]) return k;
      // a request: the tab its page loaded in, when the HAR says
      var et = entry !== undefined ? tabOf(E[entry]) : -1;
      if (et >= 0 && t >= RP[et].b && t <= RP[et].e) return et;
      var c = cur < 0 ? 0 : cur;
      if (t >= RP[c].b && t <= RP[c].e) return c;
      for (var i = 0; i < RP.length; i++) if (t >= RP[i].b && t <= RP[i].e) return i;
      return c;
    }
    replaySeek = function (t, kind, idx) {
      // A step shows the page just after it: what the click or the typing
      // changed lands a few milliseconds after the step's time.
      if (kind === "step") {
        var next = (D.steps || [])[idx + 1];
        t += Math.max(0, Math.min(500, next && next.t > t ? next.t - t - 1 : 500));
      }
      seekTab(tabAt(t, kind === "replay" ? idx : undefined, kind === "req" ? idx : undefined), t);
    };
    startReplay = function () { whenLoaded(function () { if (!player) open(0); }); };
  })();

  // ---- requests -------------------------------------------------------
  var state = { q: "", cls: "all", type: "", failed: false, only: null, zoom: null };
  var view = [];
  var selected = -1;
  var ROW = 26;
  var reqSec = section("requests", W("reportRequests", "Requests"), plural(E.length, "request"));
  var countLbl = el("span", { cls: "muted", aria: { live: "polite" } });
  var search = el("input", { type: "search", id: "rk-search", placeholder: "Filter by URL, method, status, error, request ID, header or body text", aria: { label: "Filter requests" } });
  var typeSel = el("select", { aria: { label: "Resource type" } }, el("option", { value: "", text: "All types" }));
  var types = {};
  E.forEach(function (e) { types[e.t] = (types[e.t] || 0) + 1; });
  Object.keys(types).sort().forEach(function (t) { typeSel.appendChild(el("option", { value: t, text: t + " (" + types[t] + ")" })); });
  var seg = el("div", { cls: "seg", aria: { label: "Status class" } });
  [["all", "All"], ["2", "2xx"], ["3", "3xx"], ["4", "4xx"], ["5", "5xx"], ["0", "Errors"]].forEach(function (c) {
    var b = el("button", { text: c[1], data: { cls: c[0] }, cls: c[0] === "all" ? "on" : "" });
    b.addEventListener("click", function () {
      state.cls = c[0];
      Array.prototype.forEach.call(seg.children, function (x) { x.className = x === b ? "on" : ""; });
      refresh();
    });
    seg.appendChild(b);
  });
  var failedBox = el("input", { type: "checkbox", id: "rk-failed" });
  var onlyBtn = el("button", { cls: "small", hidden: true });
  onlyBtn.addEventListener("click", function () { state.only = null; onlyBtn.hidden = true; refresh(); });
  var zoomBtn = el("button", { cls: "small", hidden: true, id: "rk-unzoom", title: "Show the whole recording again" });
  zoomBtn.addEventListener("click", function () { setZoom(null); });
  // Save HAR: `reprokit view` serves the bundle's session.har; the file
  // alone saves a HAR of what it holds (bodies are previews).
  var saveBtn = el("button", { cls: "small", id: "rk-save-har",
    text: D.har === "served" ? "Save HAR" : "Save HAR (body previews)",
    title: D.har === "served" ? "Save the bundle's session.har" : "Save a HAR of what this report holds: the bodies are the report's previews, not the whole bodies (session.har in the bundle has them)" });
  saveBtn.addEventListener("click", function () { withDetails(saveHAR); });
  reqSec.querySelector("h2").appendChild(saveBtn);
  reqSec.appendChild(el("div", { cls: "filters" }, search, seg, typeSel,
    el("label", { htmlFor: "rk-failed" }, failedBox, "Failed only"), onlyBtn, zoomBtn, countLbl));
  var wfHead = el("div", { cls: "wfhead", title: "Drag across the waterfall's time axis to zoom to a range" });
  var thead = el("div", { cls: "thead" }, el("div", { text: "#" }), el("div", { text: "Status" }), el("div", { text: "Method" }), el("div", { text: "URL" }), el("div", { text: "Type" }),
    el("div", { cls: "num", text: "Sent", title: "Request body size" }), el("div", { cls: "num", text: "Size", title: "Response body size" }), el("div", { cls: "num", text: "Time" }), wfHead);
  var vp = el("div", { cls: "viewport", id: "rk-table", aria: { label: "Requests: ↑/↓ move, Enter opens the details, Esc closes them" } });
  vp.tabIndex = 0;
  var spacer = el("div", { cls: "spacer" });
  var nomatch = el("div", { cls: "nomatch", id: "rk-nomatch", hidden: true });
  vp.appendChild(spacer);
  vp.appendChild(nomatch);
  var details = el("div", { cls: "details", id: "rk-details", hidden: true });
  var PH = [["Queueing", "blocked"], ["DNS lookup", "dns"], ["Initial connection", "connect"], ["SSL", "ssl"], ["Request sent", "send"], ["Waiting for server response", "wait"], ["Content download", "receive"]];
  var legend = el("div", { cls: "legend" }, PH.map(function (p) { return el("span", null, el("i", { cls: "ph-" + p[1] }), p[0]); }),
    el("span", { cls: "muted", text: "(DevTools' colours; drag across the time axis above the bars to zoom)" }));
  var reqwrap = el("div", { cls: "reqwrap" }, el("div", { cls: "tablecol" }, thead, vp, legend), details);
  reqSec.appendChild(reqwrap);

  var timer = null;
  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { state.q = search.value.trim().toLowerCase(); refresh(); }, 120); });
  typeSel.addEventListener("change", function () { state.type = typeSel.value; refresh(); });
  failedBox.addEventListener("change", function () { state.failed = failedBox.checked; refresh(); });
  vp.addEventListener("scroll", function () { paint(); });
  window.addEventListener("resize", function () { paint(); axisTicks(); });

  // The search reads, per entry, the request line, status, errors and
  // request IDs (hay, lowercase, built on the first search), then header
  // values, the query, the body previews and frames (deep, lowercase,
  // built in the background after the page is ready, a slice at a time;
  // an entry not indexed yet is tested in place with a case-insensitive
  // pattern), so that opening the page does not wait for the index.
  var hay = null, deep = new Array(E.length), deepDone = 0;
  function buildHay() {
    hay = new Array(E.length);
    for (var i = 0; i < E.length; i++) {
      var e = E[i];
      hay[i] = (e.m + " " + e.u + " " + e.s + " " + (e.st || "") + " " + (e.e || "") + " " + (e.ids || []).join(" ") + " " + (e.ce || "") + " " + (e.bl || "") + " " + e.t).toLowerCase();
    }
  }
  function deepText(e) {
    var parts = [];
    [e.rqh, e.rsh, e.q].forEach(function (h) { if (h) for (var k = 0; k < h.length; k++) parts.push(h[k][0] + ": " + h[k][1]); });
    parts.push(e.rqb || "", e.rsb || "", e.rqn || "", e.bn || "");
    if (e.ws) for (var w = 0; w < e.ws.length; w++) parts.push(e.ws[w].x);
    return parts.join("\n");
  }
  function indexSome() {
    var end = Math.min(E.length, deepDone + 400);
    for (; deepDone < end; deepDone++) deep[deepDone] = deepText(E[deepDone]).toLowerCase();
    if (deepDone < E.length) setTimeout(indexSome, 0);
  }
  function deepMatch(i, q, re) {
    return deep[i] !== undefined ? deep[i].indexOf(q) >= 0 : re.test(deepText(E[i]));
  }
  // refresh lists the entries that pass the filters. The text filter
  // first matches the request line, status, errors and IDs of every entry;
  // headers and bodies are then searched a slice at a time, and their
  // matches join the list as they are found, so that typing into a report
  // of 10,000 entries never blocks the page.
  var scan = 0, searching = false;
  function refresh() {
    view = [];
    var only = state.only, z = state.zoom, q = state.q;
    if (q && !hay) buildHay();
    var re = q ? new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "i") : null;
    var pending = [];
    for (var i = 0; i < E.length; i++) {
      var e = E[i];
      if (only && !only[i]) continue;
      if (state.failed && !e.f) continue;
      if (state.type && e.t !== state.type) continue;
      if (state.cls !== "all" && String(statusClass(e)) !== state.cls) continue;
      if (z && !(e.b <= z[1] && e.b + Math.max(e.d || 0, 0) >= z[0])) continue;
      if (re && hay[i].indexOf(q) < 0) { pending.push(i); continue; }
      view.push(i);
    }
    var token = ++scan;
    searching = pending.length > 0;
    (function more(from) {
      if (token !== scan) return; // a newer filter replaced this one
      if (!detailsIn) { // headers and bodies are not read yet
        searching = true;
        if (from === 0) show();
        whenDetails.push(function () { more(from); });
        return;
      }
      var found = [], end = Math.min(pending.length, from + 1500);
      for (var k = from; k < end; k++) if (deepMatch(pending[k], q, re)) found.push(pending[k]);
      if (found.length) view = view.concat(found).sort(function (a, b) { return a - b; });
      searching = end < pending.length;
      if (searching) setTimeout(function () { more(end); }, 0);
      if (from === 0 || found.length || !searching) show();
    })(0);
  }
  function show() {
    var only = state.only, z = state.zoom;
    countLbl.textContent = (view.length === E.length ? plural(E.length, "request") : view.length + " of " + plural(E.length, "request")) + (searching ? " (searching headers and bodies…)" : "");
    spacer.style.height = (view.length * ROW) + "px";
    vp.style.height = Math.max(120, Math.min(640, Math.round(window.innerHeight * 0.62), view.length * ROW + 4)) + "px";
    nomatch.hidden = view.length > 0 || searching;
    if (!view.length && !searching) {
      clear(nomatch);
      var why = [];
      if (state.q) why.push("“" + search.value.trim() + "”");
      if (state.cls !== "all" || state.type || state.failed || only || z) why.push("the filters set");
      nomatch.appendChild(el("p", null, el("b", { text: "No match. " }), "No request matches " + (why.join(" with ") || "the filters") + " (searched: URL, method, status, errors, request IDs, headers and body previews)."));
      nomatch.appendChild(el("button", { cls: "small", text: "Clear filters", on: { click: clearFilters } }));
    }
    clear(spacer);
    rendered = {};
    // The details follow the table: a request that is no longer listed
    // closes them, a filter that leaves one request opens its details.
    if (!searching) {
      if (selected >= 0 && view.indexOf(selected) < 0) { selected = -1; closeDetails(); }
      if (view.length === 1 && (state.q || only) && selected !== view[0]) { selectEntry(view[0], false); return; }
    }
    paint();
  }
  function clearFilters() {
    state.only = null; onlyBtn.hidden = true; state.q = ""; search.value = ""; state.cls = "all"; state.type = ""; typeSel.value = "";
    state.failed = false; failedBox.checked = false; state.zoom = null; zoomBtn.hidden = true; axisTicks();
    Array.prototype.forEach.call(seg.children, function (x) { x.className = x.dataset.cls === "all" ? "on" : ""; });
    refresh();
  }
  var rendered = {};
  function paint() {
    var top = vp.scrollTop, h = vp.clientHeight || 600;
    var first = Math.max(0, Math.floor(top / ROW) - 10), last = Math.min(view.length, Math.ceil((top + h) / ROW) + 10);
    var keep = {};
    for (var r = first; r < last; r++) keep[r] = true;
    for (var k in rendered) if (!keep[k]) { spacer.removeChild(rendered[k]); delete rendered[k]; }
    for (var j = first; j < last; j++) if (!rendered[j]) { var n = row(view[j], j); rendered[j] = n; spacer.appendChild(n); }
  }
  // The waterfall's window: the whole recording, or the range zoomed to.
  function win() { return state.zoom || [T0, T1]; }
  function bar(e) {
    var w = win(), sp = w[1] - w[0];
    var b = el("i", { cls: e.inc ? "inc" : (e.f ? "bad" : "") });
    b.style.left = ((e.b - w[0]) / sp * 100).toFixed(3) + "%";
    b.style.width = (Math.max(0, (e.d || 0) / sp) * 100).toFixed(3) + "%";
    var tm = e.tm || [], total = 0, parts = [];
    for (var k = 0; k < 7; k++) {
      var v = tm[k] > 0 ? tm[k] : 0;
      if (k === 2 && tm[3] > 0) v = Math.max(0, v - tm[3]); // HAR's connect includes SSL
      if (v > 0) { parts.push([k, v]); total += v; }
    }
    if (total > 0 && !e.inc) parts.forEach(function (p) { var s = el("b", { cls: "ph-" + PH[p[0]][1] }); s.style.flexGrow = p[1]; b.appendChild(s); });
    return b;
  }
  // Requests in flight at the session replay's moment are highlighted while
  // it plays.
  var flightT = 0, flightTab = -1;
  // A request of another tab than the player's is not its tab's traffic.
  function inFlight(e, t) {
    if (!(t && e && e.b && e.b <= t && (e.inc || t <= e.b + Math.max(e.d || 0, 0)))) return false;
    var k = tabOf(e);
    return k < 0 || flightTab < 0 || k === flightTab;
  }
  markInflight = function (t, tab) {
    flightT = t;
    flightTab = tab === undefined ? -1 : tab;
    Array.prototype.forEach.call(spacer.children, function (n) { if (n.dataset.i) n.classList.toggle("inflight", inFlight(E[+n.dataset.i], t)); });
    var c = 0;
    for (var i = 0; i < E.length; i++) if (inFlight(E[i], t)) c++;
    return c;
  };
  function row(i, pos) {
    var e = E[i];
    var sc = statusClass(e);
    var n = el("div", { cls: "row" + (e.f ? " failed" : "") + (i === selected ? " sel" : "") + (inFlight(e, flightT) ? " inflight" : ""), data: { i: i }, title: e.u + (e.e ? "\n" + e.e : "") },
      el("div", { cls: "num muted", text: i + 1 }),
      el("div", { cls: "st-" + (sc < 0 ? 0 : sc), text: e.s ? e.s : (e.inc ? "…" : "(failed)") }),
      el("div", { text: e.m }),
      el("div", { cls: "url" }, el("span", { text: pathOf(e.u) }), " ", el("span", { cls: "muted", text: hostOf(e.u) }),
        e.e || e.bl || e.ce ? el("span", { cls: "neterr", text: " " + [e.e, e.bl, e.ce].filter(Boolean).join(" ") }) : null),
      el("div", { cls: "muted", text: e.t }),
      el("div", { cls: "num", text: size(e.rqs) }),
      el("div", { cls: "num", text: size(e.sz) }),
      el("div", { cls: "num", text: ms(e.d) }),
      el("div", { cls: "wf" }, bar(e)));
    n.style.top = (pos * ROW) + "px";
    n.addEventListener("click", function () { selectEntry(i, false); vp.focus({ preventScroll: true }); });
    return n;
  }
  // The time axis above the waterfall: ticks at round steps of the window;
  // a drag across it zooms to that range (rows outside it are hidden).
  function axisTicks() {
    clear(wfHead);
    var w = win(), sp = w[1] - w[0], W = wfHead.clientWidth || 300;
    var want = Math.max(2, Math.floor(W / 70)), raw = sp / want, mag = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10)), stepMs = mag;
    [1, 2, 5, 10].some(function (m) { stepMs = m * mag; return m * mag >= raw; });
    for (var t = Math.ceil((w[0] - T0) / stepMs) * stepMs; T0 + t <= w[1]; t += stepMs) {
      if ((T0 + t - w[0]) / sp * W > W - 36) break; // a label cut by the edge
      var x = el("span", { text: stepMs < 1000 ? Math.round(t) + " ms" : (t / 1000).toFixed(stepMs < 10000 ? 1 : 0) + " s" });
      x.style.left = ((T0 + t - w[0]) / sp * 100) + "%";
      wfHead.appendChild(x);
    }
    wfHead.appendChild(sel);
    sel.hidden = true;
  }
  var sel = el("div", { cls: "wfsel", hidden: true });
  var drag = null;
  wfHead.addEventListener("mousedown", function (ev) { var r = wfHead.getBoundingClientRect(); drag = { r: r, x0: ev.clientX - r.left }; ev.preventDefault(); });
  document.addEventListener("mousemove", function (ev) {
    if (!drag) return;
    var x = Math.max(0, Math.min(drag.r.width, ev.clientX - drag.r.left));
    sel.hidden = false; sel.style.left = Math.min(x, drag.x0) + "px"; sel.style.width = Math.abs(x - drag.x0) + "px";
  });
  document.addEventListener("mouseup", function (ev) {
    if (!drag) return;
    var d = drag; drag = null; sel.hidden = true;
    var x = Math.max(0, Math.min(d.r.width, ev.clientX - d.r.left));
    if (Math.abs(x - d.x0) < 4) return;
    var w = win(), sp = w[1] - w[0];
    setZoom([w[0] + Math.min(x, d.x0) / d.r.width * sp, w[0] + Math.max(x, d.x0) / d.r.width * sp]);
  });
  function setZoom(z) {
    state.zoom = z && z[1] - z[0] >= 1 ? z : null;
    zoomBtn.hidden = !state.zoom;
    if (state.zoom) zoomBtn.textContent = "Zoomed to " + rel(z[0]) + " – " + rel(z[1]) + " ✕";
    axisTicks();
    refresh();
  }
  function showOnly(list, label) {
    state.only = {};
    list.forEach(function (i) { state.only[i] = true; });
    onlyBtn.textContent = "Showing: " + label + " ✕";
    onlyBtn.hidden = false;
    refresh();
    reqSec.scrollIntoView();
  }
  function markSelected() {
    Array.prototype.forEach.call(spacer.children, function (n) { n.classList.toggle("sel", +n.dataset.i === selected); });
  }
  function selectEntry(i, scroll) {
    if (i < 0 || i >= E.length) return;
    selected = i;
    var p = view.indexOf(i);
    if (p < 0) { clearFilters(); p = view.indexOf(i); }
    if (scroll) reqSec.scrollIntoView();
    var top = p * ROW;
    if (top < vp.scrollTop || top + ROW > vp.scrollTop + vp.clientHeight) vp.scrollTop = Math.max(0, top - (scroll ? 100 : vp.clientHeight - 2 * ROW));
    paint();
    markSelected();
    showDetails(i);
    moment(E[i].b, "req", i);
  }
  function closeDetails() {
    details.hidden = true;
    reqwrap.classList.remove("open");
    clear(details);
    axisTicks();
  }
  vp.addEventListener("keydown", function (ev) {
    var p = view.indexOf(selected);
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (!view.length) return;
      p = p < 0 ? 0 : Math.max(0, Math.min(view.length - 1, p + (ev.key === "ArrowDown" ? 1 : -1)));
      selected = view[p];
      var top = p * ROW;
      if (top < vp.scrollTop) vp.scrollTop = top;
      else if (top + ROW > vp.scrollTop + vp.clientHeight) vp.scrollTop = top + ROW - vp.clientHeight;
      paint();
      markSelected();
      if (!details.hidden) showDetails(selected);
    } else if (ev.key === "Enter") {
      if (selected < 0 && view.length) selected = view[0];
      if (selected >= 0) { ev.preventDefault(); selectEntry(selected, false); }
    } else if (ev.key === "Escape") {
      if (!details.hidden) { ev.preventDefault(); closeDetails(); }
    }
  });

  var activeTab = "Headers";
  function showDetails(i) {
    var e = E[i];
    clear(details);
    details.hidden = false;
    details.dataset.i = i;
    if (!reqwrap.classList.contains("open")) { reqwrap.classList.add("open"); axisTicks(); paint(); }
    var tabs = el("div", { cls: "tabs" });
    var body = el("div", { cls: "tabbody" });
    details.appendChild(el("div", { cls: "dhead" },
      el("b", { cls: statusClass(e) >= 4 || e.f ? "st-4" : "st-2", text: e.s ? e.s + (e.st ? " " + e.st : "") : (e.e || "no response") }),
      el("span", { cls: "mono", text: e.m + " " + e.u }),
      el("button", { cls: "small", text: "✕", title: "Close the details (Esc)", aria: { label: "Close the details" }, on: { click: function () { closeDetails(); vp.focus({ preventScroll: true }); } } })));
    details.appendChild(el("div", { cls: "dtools" }, copyBtn(e.u, "Copy URL"), copyBtn(curlOf(e), "Copy as cURL"), copyBtn(fetchOf(e), "Copy as fetch"),
      e.b ? el("button", { cls: "small", text: "On the timeline", on: { click: function () { moment(e.b, "req", i); document.getElementById("timeline").scrollIntoView(); } } }) : null));
    details.appendChild(tabs);
    details.appendChild(body);
    var pages = [["Headers", headersTab], ["Payload", payloadTab], ["Response", responseTab], ["Timing", timingTab]];
    if (e.ws && e.ws.length) pages.push([e.t === "eventsource" ? "Events" : "Messages", framesTab]);
    pages.push(["Copy as", copyTab]);
    if (!pages.some(function (p) { return p[0] === activeTab; })) activeTab = "Headers";
    pages.forEach(function (p) {
      var b = el("button", { text: p[0], cls: p[0] === activeTab ? "on" : "" });
      b.addEventListener("click", function () {
        activeTab = p[0];
        Array.prototype.forEach.call(tabs.children, function (x) { x.className = x === b ? "on" : ""; });
        clear(body); p[1](body);
      });
      tabs.appendChild(b);
      if (p[0] === activeTab) p[1](body);
    });

    function hdrTable(h) {
      if (!h || !h.length) return el("p", { cls: "empty", text: "None recorded." });
      var t = el("table", { cls: "plain" });
      h.forEach(function (x) { t.appendChild(el("tr", null, el("td", { cls: "mono", text: x[0] }), el("td", { cls: "mono", text: x[1] }))); });
      return t;
    }
    function headersTab(b) {
      var info = [["URL", e.u], ["Method", e.m], ["Status", e.s ? e.s + " " + (e.st || "") : "none"], ["Error", e.e], ["CORS error", e.ce], ["Blocked", e.bl],
        ["Type", e.t + (e.mt ? " (" + e.mt + ")" : "")], ["Protocol", e.p], ["Server IP", e.ip], ["Initiator", e.in], ["Target", e.tg],
        ["From cache", e.fc], ["Redirect to", e.rd], ["Started", e.b ? clock(e.b) + " (" + rel(e.b) + ")" : ""],
        ["Request body", e.rqs ? size(e.rqs) : ""], ["Response body", e.sz ? size(e.sz) : ""], ["Transferred", e.tx ? size(e.tx) : ""],
        ["Request IDs", (e.ids || []).join(", ")], ["Findings", (findingsByEntry[i] || []).join(", ")],
        ["Still in flight", e.inc ? "yes: no response before the recording stopped" : ""]];
      b.appendChild(kv(info));
      b.appendChild(el("h3", { text: "Response headers" })); b.appendChild(hdrTable(e.rsh));
      b.appendChild(el("h3", { text: "Request headers" })); b.appendChild(hdrTable(e.rqh));
    }
    function payloadTab(b) {
      if (e.q && e.q.length) { b.appendChild(el("h3", { text: "Query string" })); b.appendChild(hdrTable(e.q)); }
      if (e.rqb || e.rqn || e.rqs) b.appendChild(el("h3", { text: "Request body" + (e.rqs ? ", " + size(e.rqs) : "") + (e.rqm ? " (" + e.rqm + ")" : "") }));
      if (e.rqb) {
        b.appendChild(el("pre", { text: pretty(e.rqb) }));
        if (e.rqx) b.appendChild(el("p", { cls: "note", text: size(e.rqx) + " more not shown in the report (see session.har)." }));
      }
      if (e.rqn) b.appendChild(el("p", { cls: "note", text: e.rqn }));
      if (!(e.q && e.q.length) && !e.rqb && !e.rqn && !e.rqs) b.appendChild(el("p", { cls: "empty", text: "No query string or request body." }));
    }
    function responseTab(b) {
      if (e.img) b.appendChild(el("img", { src: e.img }));
      if (e.rsb) b.appendChild(el("pre", { text: pretty(e.rsb) }));
      if (e.rsx) b.appendChild(el("p", { cls: "note", text: size(e.rsx) + " more not shown in the report (see session.har)." }));
      if (e.bn) b.appendChild(el("p", { cls: "note", text: e.bn }));
      if (!e.img && !e.rsb && !e.bn) b.appendChild(el("p", { cls: "empty", text: e.sz ? "The body (" + size(e.sz) + ") is not in the report." : "No response body recorded." }));
    }
    function timingTab(b) {
      var t = el("table", { cls: "plain" });
      (e.tm || []).forEach(function (v, k) {
        if (v >= 0) t.appendChild(el("tr", null, el("td", null, el("i", { cls: "sw ph-" + PH[k][1] }), PH[k][0]), el("td", { cls: "mono", text: ms(v) })));
      });
      t.appendChild(el("tr", null, el("td", null, el("b", { text: "Total" })), el("td", { cls: "mono", text: ms(e.d) })));
      b.appendChild(t);
      b.appendChild(el("p", { cls: "note", text: "Sent " + (size(e.rqs) || "0 B") + "; response body " + (size(e.sz) || "0 B") + ", transferred " + (size(e.tx) || "0 B") + "." }));
    }
    function framesTab(b) {
      if (e.wsc) b.appendChild(el("div", { cls: "banner warn", text: e.wsc }));
      var t = el("table", { cls: "plain" }, el("tr", null, el("th", { text: "" }), el("th", { text: "Time" }), el("th", { text: "Data" })));
      e.ws.forEach(function (f) {
        t.appendChild(el("tr", null, el("td", { text: f.d === "send" ? "↑" : f.d === "receive" ? "↓" : "•" }), el("td", { cls: "muted", text: rel(f.t) }),
          el("td", { cls: "mono", text: f.x + (f.c ? " … (" + f.c + " more bytes)" : "") })));
      });
      b.appendChild(t);
      if (e.wsn > e.ws.length) b.appendChild(el("p", { cls: "note", text: (e.wsn - e.ws.length) + " more messages in session.har." }));
    }
    function copyTab(b) {
      b.appendChild(el("p", { cls: "note", text: "Redaction tags such as [REDACTED:token:1a2b3c4d] are left in place: replace them with real values to send the request again." }));
      var c = curlOf(e), f = fetchOf(e);
      b.appendChild(el("h3", null, "cURL", copyBtn(c)));
      b.appendChild(el("pre", { cls: "curl", text: c }));
      b.appendChild(el("h3", null, "fetch", copyBtn(f)));
      b.appendChild(el("pre", { cls: "fetch", text: f }));
    }
  }
  // Headers a client sets itself, left out of the commands (as DevTools does).
  function skipHeader(n) { n = n.toLowerCase(); return n[0] === ":" || n === "content-length" || n === "host" || n === "connection"; }
  function bodyWhole(e) { return e.rqb && !e.rqx && !e.rqn && !/^multipart\//i.test(e.rqm || ""); }
  function shq(s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; }
  function curlOf(e) {
    var parts = ["curl " + shq(e.u)];
    if (e.m && e.m !== "GET") parts.push("-X " + shq(e.m));
    (e.rqh || []).forEach(function (h) { if (!skipHeader(h[0])) parts.push("-H " + shq(h[0] + ": " + h[1])); });
    if (bodyWhole(e)) parts.push("--data-raw " + shq(e.rqb));
    var head = e.rqs && !bodyWhole(e) ? "# The request body (" + size(e.rqs) + ") is not whole in the report: take it from session.har.\n" : "";
    return head + parts.join(" \\\n  ");
  }
  function fetchOf(e) {
    var h = {};
    (e.rqh || []).forEach(function (x) { if (!skipHeader(x[0])) h[x[0]] = x[1]; });
    var opts = { method: e.m || "GET", headers: h };
    if (bodyWhole(e)) opts.body = e.rqb;
    var head = e.rqs && !bodyWhole(e) ? "// The request body (" + size(e.rqs) + ") is not whole in the report: take it from session.har.\n" : "";
    return head + "fetch(" + JSON.stringify(e.u) + ", " + JSON.stringify(opts, null, 2) + ");";
  }
  // harOfReport is a HAR 1.2 of what the report holds: its body previews,
  // not the whole bodies, and says so in its comments.
  function harOfReport() {
    function nv(p) { return (p || []).map(function (x) { return { name: x[0], value: x[1] }; }); }
    var note = "Saved from a Reprokit report: bodies are the report's previews, not the whole bodies (session.har in the bundle has them).";
    return { log: { version: "1.2", creator: { name: "Reprokit report", version: (M.tool && M.tool.version) || "" }, comment: note,
      pages: (D.pages || []).map(function (p) { return { id: p.id, title: p.title, startedDateTime: p.b ? new Date(p.b).toISOString() : "", pageTimings: {} }; }),
      entries: E.map(function (e) {
        var tm = e.tm || [];
        var x = {
          startedDateTime: e.b ? new Date(e.b).toISOString() : "", time: e.d || 0,
          request: { method: e.m, url: e.u, httpVersion: e.p || "", headers: nv(e.rqh), queryString: nv(e.q), cookies: [], headersSize: -1, bodySize: e.rqs || 0 },
          response: { status: e.s || 0, statusText: e.st || "", httpVersion: e.p || "", headers: nv(e.rsh), cookies: [],
            content: { size: e.sz || 0, mimeType: e.mt || "" }, redirectURL: e.rd || "", headersSize: -1, bodySize: -1 },
          cache: {}, timings: { blocked: tm[0], dns: tm[1], connect: tm[2], ssl: tm[3], send: tm[4] || 0, wait: tm[5] || 0, receive: tm[6] || 0 },
          _resourceType: e.t
        };
        if (e.pg) x.pageref = e.pg;
        if (e.ip) x.serverIPAddress = e.ip;
        if (e.e) x.response._error = e.e;
        if (e.tx) x.response._transferSize = e.tx;
        if (e.rqb || e.rqn) x.request.postData = { mimeType: e.rqm || "", text: e.rqb || "", comment: e.rqx ? "preview: " + e.rqx + " more bytes left out" : (e.rqn || undefined) };
        if (e.rsb) { x.response.content.text = e.rsb; if (e.rsx) x.response.content.comment = "preview: " + e.rsx + " more bytes left out"; }
        else if (e.bn) x.response.content.comment = e.bn;
        if (e.ws) x._webSocketMessages = e.ws.map(function (f) { return { type: f.d, time: f.t / 1000, opcode: f.o || 1, data: f.x }; });
        return x;
      }) } };
  }
  function saveHAR() {
    var a = document.createElement("a"), url = null;
    if (D.har === "served") {
      a.href = "session.har";
      a.download = "session.har";
    } else {
      url = URL.createObjectURL(new Blob([JSON.stringify(harOfReport(), null, 1)], { type: "application/json" }));
      a.href = url;
      a.download = (M.id ? "reprokit-" + M.id.slice(0, 8) : "reprokit-report") + "-previews.har";
    }
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    if (url) setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }
  function pretty(s) {
    var t = s.trim();
    if (t.length < 2000000 && (t[0] === "{" || t[0] === "[")) {
      try { return JSON.stringify(JSON.parse(t), null, 2); } catch (x) { /* not JSON */ }
    }
    return s;
  }
  refresh();
  axisTicks();

  // ---- console --------------------------------------------------------
  (function consoleSec() {
    var C = D.console || [];
    var errs = C.filter(function (m) { return m.l === "error"; }).length;
    var s = section("console", W("reportConsole", "Console"), plural(C.length, "message") + (errs ? " (" + plural(errs, "error") + ")" : ""));
    if (!C.length) { s.appendChild(el("p", { cls: "empty", text: "No console message recorded." })); return; }
    var lvl = el("select", { aria: { label: "Console level" } }, el("option", { value: "", text: "All levels" }), el("option", { value: "error", text: "Errors" }), el("option", { value: "warning", text: "Errors and warnings" }), el("option", { value: "note", text: "Reporter notes" }));
    var list = el("div", { cls: "console" });
    s.appendChild(el("div", { cls: "filters" }, lvl));
    s.appendChild(list);
    var shown = {};
    function draw() {
      clear(list);
      shown = {};
      var n = 0;
      for (var i = 0; i < C.length && n < 3000; i++) {
        var m = C[i];
        if (lvl.value === "error" && m.l !== "error") continue;
        if (lvl.value === "warning" && m.l !== "error" && m.l !== "warning") continue;
        if (lvl.value === "note" && m.l !== "note") continue;
        n++;
        var row = el("div", { cls: "msg " + m.l, data: { i: i }, title: m.t ? "Show this moment on the timeline" : undefined },
          el("span", { cls: "muted", text: clock(m.t) }), el("span", { text: m.l }),
          el("span", { cls: "x", text: m.x + (m.u ? "\n" + m.u + (m.ln ? ":" + m.ln : "") : "") + (m.st ? "\n" + m.st : "") }));
        if (m.t) row.addEventListener("click", (function (i) { return function () { moment(C[i].t, "con", i); }; })(i));
        shown[i] = row;
        list.appendChild(row);
      }
      if (n >= 3000) list.appendChild(el("p", { cls: "note", text: "Showing the first 3000 messages; console.json has them all." }));
    }
    lvl.addEventListener("change", draw);
    draw();
    goConsole = function (i) {
      if (!shown[i]) { lvl.value = ""; draw(); }
      flash(shown[i]);
    };
  })();

  // ---- steps ----------------------------------------------------------
  (function steps() {
    var S = D.steps || [];
    var s = section("steps", W("reviewSteps", "Steps"), S.length + "");
    if (!S.length) { s.appendChild(el("p", { cls: "empty", text: "No user step recorded." })); return; }
    var ol = el("ol", { cls: "steps" });
    var items = [];
    S.forEach(function (st, i) {
      var li = el("li", { data: { i: i }, title: st.t ? "Show this moment on the timeline" : undefined }, st.x, st.t ? el("span", { cls: "t", text: clock(st.t) + " " + rel(st.t) }) : null);
      if (st.t) li.addEventListener("click", function () { moment(st.t, "step", i); });
      items.push(li);
      ol.appendChild(li);
    });
    s.appendChild(ol);
    goStep = function (i) { flash(items[i]); };
  })();

  // ---- support request ------------------------------------------------
  if (D.support) {
    var sr = section("support", W("supportTitle", "Support request"));
    sr.querySelector("h2").appendChild(copyBtn(D.support, "Copy the Markdown"));
    sr.appendChild(markdown(D.support));
  }

  // ---- environment ------------------------------------------------------
  (function environment() {
    var s = section("environment", W("supportEnvironment", "Environment"));
    var rows = [];
    (function flat(prefix, v) {
      if (v === null || v === undefined) return;
      if (Array.isArray(v)) { rows.push([prefix, v.join(", ")]); return; }
      if (typeof v === "object") { Object.keys(v).forEach(function (k) { flat(prefix ? prefix + "." + k : k, v[k]); }); return; }
      rows.push([prefix, String(v)]);
    })("", M.environment || {});
    if (!rows.length) { s.appendChild(el("p", { cls: "empty", text: "No environment recorded (a bare HAR has only the browser name)." })); return; }
    var t = el("table", { cls: "plain" });
    rows.forEach(function (r) { t.appendChild(el("tr", null, el("td", { cls: "muted", text: r[0] }), el("td", { cls: "mono", text: r[1] }))); });
    s.appendChild(t);
  })();

  // ---- redaction, budget, files -------------------------------------------
  (function redaction() {
    var R = M.redaction || {};
    var s = section("redaction", W("reviewRedactions", "Removed secrets"), R.total !== undefined ? R.total + " values" : "");
    if (!R.counts || !R.counts.length) { s.appendChild(el("p", { cls: "empty", text: D.kind === "bundle" ? W("supportNothingRemoved", "Nothing needed removing.") : "This HAR was not sanitized by Reprokit: treat it as sensitive." })); }
    else {
      // in plain words, as the popup's review said them (D.redacted)
      if (D.redacted && D.redacted.length) {
        var pw = el("ul", { cls: "redacted" });
        D.redacted.forEach(function (x) { pw.appendChild(el("li", { text: x })); });
        s.appendChild(pw);
      }
      s.appendChild(el("p", { cls: "note", text: "Secrets and personal data were replaced by tags such as [REDACTED:token:1a2b3c4d] before the bundle was written; the same value always gets the same tag within a bundle." }));
      var t = el("table", { cls: "plain" }, el("tr", null, el("th", { text: "Rule" }), el("th", { text: "Kind" }), el("th", { text: "Count" })));
      R.counts.forEach(function (c) { t.appendChild(el("tr", null, el("td", { cls: "mono", text: c.rule }), el("td", { text: c.kind }), el("td", { text: c.count }))); });
      s.appendChild(t);
    }
    var B = M.budget || {};
    if (B.actions && B.actions.length) {
      s.appendChild(el("h3", { text: "Size budget: what was reduced" }));
      var bt = el("table", { cls: "plain" }, el("tr", null, el("th", { text: "Step" }), el("th", { text: "Action" }), el("th", { text: "What" }), el("th", { text: "Before" }), el("th", { text: "After" })));
      B.actions.forEach(function (a) { bt.appendChild(el("tr", null, el("td", { text: a.step }), el("td", { text: a.action }), el("td", { cls: "mono", text: a.url || a.file || "" }), el("td", { text: size(a.before) }), el("td", { text: size(a.after) }))); });
      s.appendChild(bt);
    }
    var X = M.excluded || {};
    var nShots = typeof X.screenshots === "number" ? X.screenshots : (X.screenshots || []).length;
    var plural = function (n, one, many) { return n + " " + (n === 1 ? one : many); };
    if ((X.domains && X.domains.length) || nShots) {
      s.appendChild(el("p", { cls: "note", text: "Left out by the reporter: " + [
        (X.domains || []).join(", ") + (X.entries ? " (" + plural(X.entries, "request", "requests") + ")" : ""),
        X.consoleMessages ? plural(X.consoleMessages, "console message", "console messages") : "",
        nShots ? plural(nShots, "screenshot", "screenshots") : "",
        X.screencastFrames ? plural(X.screencastFrames, "screencast frame", "screencast frames") : "",
        X.steps ? plural(X.steps, "step's typed value", "steps' typed values") : ""].filter(Boolean).join("; ") }));
    }
    if (M.files && M.files.length) {
      s.appendChild(el("h3", { text: "Files" }));
      var ft = el("table", { cls: "plain" }, el("tr", null, el("th", { text: "File" }), el("th", { text: "Size" }), el("th", { text: "SHA-256" })));
      M.files.forEach(function (f) { ft.appendChild(el("tr", null, el("td", { cls: "mono", text: f.name }), el("td", { text: size(f.size) }), el("td", { cls: "mono muted", text: f.sha256 }))); });
      s.appendChild(ft);
    }
  })();

  // ---- navigation -------------------------------------------------------
  var nav = document.getElementById("rk-nav");
  navLinks.forEach(function (l) { nav.appendChild(el("a", { href: "#" + l[0], text: l[1] })); });
  document.body.dataset.ready = "1";
  withDetails(function () {
    setTimeout(indexSome, 300);
    if (!details.hidden && selected >= 0) showDetails(selected); // opened before the details were in
  });
  // The player starts once the report has drawn and the player's script
  // (after this one) has run.
  if (startReplay) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { setTimeout(startReplay, 0); });
    else setTimeout(startReplay, 0);
  }
  if (window.performance && performance.mark) performance.mark("rk-ready");
})();
