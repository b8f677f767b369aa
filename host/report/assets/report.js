"use strict";
// Reprokit report. Every recorded value is inserted as text (textContent,
// .title, .value), never as HTML; images are data: URLs that Reprokit made.
(function () {
  var D;
  try {
    D = JSON.parse(document.getElementById("rk-data").textContent);
  } catch (e) {
    document.getElementById("rk-loading").textContent = "This report's data could not be read: " + e.message;
    return;
  }
  var M = D.manifest || {};
  var E = D.entries || [];
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
  function clock(t) {
    if (!t) return "";
    var d = new Date(t);
    if (isNaN(d.getTime())) return "";
    function p(x, n) { x = String(x); while (x.length < n) x = "0" + x; return x; }
    return p(d.getHours(), 2) + ":" + p(d.getMinutes(), 2) + ":" + p(d.getSeconds(), 2) + "." + p(d.getMilliseconds(), 3);
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

  // ---- summary --------------------------------------------------------
  (function summary() {
    var s = section("summary", "Summary");
    var c = M.counts || {};
    var failed = c.failed !== undefined ? c.failed : E.filter(function (e) { return e.f; }).length;
    var dur = (M.recording || {}).durationMillis || (T1 - T0);
    s.appendChild(el("div", { cls: "stats" },
      stat(E.length, "requests"),
      stat(failed, "failed", failed > 0),
      stat((M.findings || []).length, "findings", (M.findings || []).some(function (f) { return f.severity === "error"; })),
      stat((M.requestIds || []).length, "request IDs"),
      stat(ms(dur), "recorded"),
      stat((D.screenshots || []).length, "screenshots"),
      stat((D.console || []).filter(function (m) { return m.l === "error"; }).length, "console errors")
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
      ["Problem description", rep.description], ["Account email", rep.email], ["Billing email, if another", rep.billingEmail],
      ["Plan", rep.plan], ["Workspace or organization ID", rep.workspace], ["Custom app or assistant (link or ID)", rep.customApp],
      ["Safety message (exact text)", rep.safetyMessage], ["Request ID of the safety message", rep.safetyRequestId], ["Network (corporate or home)", rep.network]
    ];
    if (rep.extra) Object.keys(rep.extra).sort().forEach(function (k) { reporter.push([k, rep.extra[k]]); });
    grid.appendChild(el("div", { cls: "card" }, el("h3", { text: "Reporter" }), kv(reporter)));
    grid.appendChild(el("div", { cls: "card" }, el("h3", { text: "Recording" }), kv([
      ["Start", rec.start], ["End", rec.end], ["Time zone", rec.timeZone || env.timeZone || M.timeZone],
      ["Duration", ms(dur)], ["Mode", rec.mode], ["Stopped by", rec.stopReason], ["Start URL", rec.startUrl],
      ["Recovered", rec.recovered ? "yes: made from a recording its process left behind" : ""]
    ])));
    grid.appendChild(el("div", { cls: "card" }, el("h3", { text: "Environment" }), kv([
      ["Browser", D.browser || br.name || br.product || br.userAgent],
      ["OS", [os.name, os.version, os.arch, os.bitness ? os.bitness + "-bit" : ""].filter(Boolean).join(" ")],
      ["Device", [dev.type, dev.model].filter(Boolean).join(" ")],
      ["Network", net.online === false && (br.version || br.product) ? "offline" : [net.type, net.effectiveType, net.rttMillis ? net.rttMillis + " ms RTT" : "", net.downlinkMbps ? net.downlinkMbps + " Mbit/s" : ""].filter(Boolean).join(", ")],
      ["Proxy", [net.proxy, net.proxyServer].filter(Boolean).join(" ")],
      ["Locale", env.locale]
    ])));
    grid.appendChild(el("div", { cls: "card" }, el("h3", { text: "Bundle" }), kv([
      ["ID", M.id ? [M.id, " ", copyBtn(M.id)] : ""], ["Created", M.created], ["Tool", M.tool ? (M.tool.name + " " + M.tool.version) : ""],
      ["Format", M.format], ["Source", D.source],
      ["Size budget", b.limit ? size(b.limit) + (b.actions && b.actions.length ? " (" + b.actions.length + " reductions)" : "") : (D.kind === "bundle" ? "none" : "")]
    ])));
    s.appendChild(grid);
    function stat(v, label, bad) { return el("div", { cls: "stat" + (bad ? " bad" : "") }, el("b", { text: v }), el("span", { text: label })); }
  })();

  // ---- findings -------------------------------------------------------
  (function findings() {
    var F = M.findings || [];
    var s = section("findings", "Findings", F.length ? F.length + "" : "");
    if (!F.length) { s.appendChild(el("p", { cls: "empty", text: "No known problem pattern was found in this recording." })); return; }
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
    var s = section("request-ids", "Request IDs", R.length ? R.length + "" : "");
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
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { lightbox.hidden = true; clear(lightbox); } });

  (function timeline() {
    var S = D.screenshots || [], C = D.screencast || [], ST = D.steps || [], CO = D.console || [];
    var s = section("timeline", "Timeline", S.length + " screenshots" + (C.length ? ", " + C.length + " screencast frames" : ""));
    var span = T1 - T0;
    function pos(t) { return Math.max(0, Math.min(100, (t - T0) / span * 100)) + "%"; }
    var tl = el("div", { cls: "timeline" });
    function lane(name, cls) {
      var track = el("div", { cls: "track" });
      tl.appendChild(el("div", { cls: "lane " + (cls || "") }, el("div", { cls: "lbl", text: name }), track));
      return track;
    }
    var shots = lane("Screenshots", "shots");
    var thumbs = [];
    S.forEach(function (img) {
      if (!img.t) return;
      var pic = el("img", { src: img.src });
      var b = el("button", { cls: "thumb", title: [clock(img.t), img.r, img.u].filter(Boolean).join(" · ") }, pic);
      var tick = el("span", { cls: "tick" });
      b.addEventListener("click", function () { openImage(img); });
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
    var steps = lane("Steps");
    ST.forEach(function (st, i) {
      if (!st.t) return;
      var m = el("button", { cls: "mark step", title: (i + 1) + ". " + st.x + " (" + clock(st.t) + ")" });
      m.style.left = pos(st.t);
      m.addEventListener("click", function () { document.getElementById("steps").scrollIntoView(); });
      steps.appendChild(m);
    });
    var reqs = lane("Failures");
    E.forEach(function (e, i) {
      if (!e.f || !e.b) return;
      var m = el("button", { cls: "mark req", title: e.m + " " + e.u + " → " + (e.s || e.e || "failed") });
      m.style.left = pos(e.b);
      m.addEventListener("click", function () { selectEntry(i, true); });
      reqs.appendChild(m);
    });
    var cons = lane("Console errors");
    CO.forEach(function (c) {
      if (c.l !== "error" || !c.t) return;
      var m = el("button", { cls: "mark con", title: cutText(c.x, 300) });
      m.style.left = pos(c.t);
      m.addEventListener("click", function () { document.getElementById("console").scrollIntoView(); });
      cons.appendChild(m);
    });
    var axis = el("div", { cls: "axis" });
    var digits = span < 5000 ? 2 : 1;
    for (var k = 0; k <= 5; k++) axis.appendChild((function (k) { var x = el("span", { text: "+" + (span * k / 5000).toFixed(digits) + " s" }); x.style.left = (k * 20) + "%"; if (k === 0) x.style.transform = "none"; if (k === 5) x.style.transform = "translateX(-100%)"; return x; })(k));
    tl.appendChild(axis);
    s.appendChild(tl);
    layoutThumbs();
    window.addEventListener("resize", layoutThumbs);
    if (S.length) {
      var g = el("div", { cls: "gallery" });
      S.forEach(function (img) {
        var b = el("button", { cls: "shot", title: img.u || img.file }, el("img", { src: img.src }),
          el("div", { text: [rel(img.t), img.r].filter(Boolean).join(" · ") }), el("div", { text: img.u || img.file }));
        b.addEventListener("click", function () { openImage(img); });
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

  // ---- requests -------------------------------------------------------
  var state = { q: "", cls: "all", type: "", failed: false, only: null, onlyLabel: "" };
  var view = [];
  var selected = -1;
  var ROW = 26;
  var reqSec = section("requests", "Requests", E.length + "");
  var countLbl = el("span", { cls: "muted" });
  var search = el("input", { type: "search", placeholder: "Filter by URL, method, status, error or request ID", aria: { label: "Filter requests" } });
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
  reqSec.appendChild(el("div", { cls: "filters" }, search, seg, typeSel,
    el("label", { htmlFor: "rk-failed" }, failedBox, "Failed only"), onlyBtn, countLbl));
  var thead = el("div", { cls: "thead" }, el("div", { text: "#" }), el("div", { text: "Status" }), el("div", { text: "Method" }), el("div", { text: "URL" }), el("div", { text: "Type" }), el("div", { cls: "num", text: "Size" }), el("div", { cls: "num", text: "Time" }), el("div", { text: "Waterfall" }));
  var vp = el("div", { cls: "viewport", id: "rk-table", aria: { label: "Requests" } });
  var spacer = el("div", { cls: "spacer" });
  vp.appendChild(spacer);
  var details = el("div", { cls: "details", hidden: true });
  reqSec.appendChild(el("div", { cls: "reqwrap" }, el("div", null, thead, vp), details));

  var timer = null;
  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { state.q = search.value.trim().toLowerCase(); refresh(); }, 120); });
  typeSel.addEventListener("change", function () { state.type = typeSel.value; refresh(); });
  failedBox.addEventListener("change", function () { state.failed = failedBox.checked; refresh(); });
  vp.addEventListener("scroll", function () { paint(); });
  window.addEventListener("resize", function () { paint(); });

  var hay = null; // lowercase search text per entry, built on first search
  function refresh() {
    view = [];
    var only = state.only;
    if (state.q && !hay) hay = E.map(function (e) { return (e.m + " " + e.u + " " + e.s + " " + (e.e || "") + " " + (e.ids || []).join(" ") + " " + (e.ce || "")).toLowerCase(); });
    for (var i = 0; i < E.length; i++) {
      var e = E[i];
      if (only && !only[i]) continue;
      if (state.failed && !e.f) continue;
      if (state.type && e.t !== state.type) continue;
      if (state.cls !== "all" && String(statusClass(e)) !== state.cls) continue;
      if (state.q && hay[i].indexOf(state.q) < 0) continue;
      view.push(i);
    }
    countLbl.textContent = view.length === E.length ? E.length + " requests" : view.length + " of " + E.length + " requests";
    spacer.style.height = (view.length * ROW) + "px";
    vp.style.height = Math.max(120, Math.min(640, Math.round(window.innerHeight * 0.62), view.length * ROW + 4)) + "px";
    clear(spacer);
    rendered = {};
    paint();
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
  var span = T1 - T0;
  function row(i, pos) {
    var e = E[i];
    var sc = statusClass(e);
    var bar = el("i", { cls: e.inc ? "inc" : "" });
    bar.style.left = (Math.max(0, (e.b - T0) / span) * 100).toFixed(3) + "%";
    bar.style.width = (Math.max(0, (e.d || 0) / span) * 100).toFixed(3) + "%";
    var n = el("div", { cls: "row" + (e.f ? " failed" : "") + (i === selected ? " sel" : ""), data: { i: i }, title: e.u },
      el("div", { cls: "num muted", text: i + 1 }),
      el("div", { cls: "st-" + (sc < 0 ? 0 : sc), text: e.s ? e.s : (e.inc ? "…" : "ERR") }),
      el("div", { text: e.m }),
      el("div", { cls: "url" }, el("span", { text: pathOf(e.u) }), " ", el("span", { cls: "muted", text: hostOf(e.u) })),
      el("div", { cls: "muted", text: e.t }),
      el("div", { cls: "num", text: size(e.sz) }),
      el("div", { cls: "num", text: ms(e.d) }),
      el("div", { cls: "wf" }, bar));
    n.style.top = (pos * ROW) + "px";
    n.addEventListener("click", function () { selectEntry(i, false); });
    return n;
  }
  function showOnly(list, label) {
    state.only = {};
    list.forEach(function (i) { state.only[i] = true; });
    onlyBtn.textContent = "Showing: " + label + " ✕";
    onlyBtn.hidden = false;
    refresh();
    reqSec.scrollIntoView();
  }
  function selectEntry(i, scroll) {
    if (i < 0 || i >= E.length) return;
    selected = i;
    var p = view.indexOf(i);
    if (p < 0) { state.only = null; onlyBtn.hidden = true; state.q = ""; search.value = ""; state.cls = "all"; state.type = ""; typeSel.value = ""; state.failed = false; failedBox.checked = false; Array.prototype.forEach.call(seg.children, function (x) { x.className = x.dataset.cls === "all" ? "on" : ""; }); refresh(); p = view.indexOf(i); }
    Array.prototype.forEach.call(spacer.children, function (n) { n.className = n.className.replace(/ sel\b/, "") + (+n.dataset.i === i ? " sel" : ""); });
    if (scroll) { reqSec.scrollIntoView(); vp.scrollTop = Math.max(0, p * ROW - 100); paint(); }
    showDetails(i);
  }

  function showDetails(i) {
    var e = E[i];
    clear(details);
    details.hidden = false;
    var tabs = el("div", { cls: "tabs" });
    var body = el("div", { cls: "tabbody" });
    details.appendChild(el("div", { cls: "dhead" },
      el("b", { cls: statusClass(e) >= 4 || e.f ? "st-4" : "st-2", text: e.s || e.e || "no response" }),
      el("span", { cls: "mono", text: e.m + " " + e.u }), copyBtn(e.u, "Copy URL"),
      el("button", { cls: "small", text: "Close", on: { click: function () { details.hidden = true; } } })));
    details.appendChild(tabs);
    details.appendChild(body);
    var pages = [["Headers", headersTab], ["Payload", payloadTab], ["Response", responseTab], ["Timing", timingTab]];
    if (e.ws && e.ws.length) pages.push([e.t === "eventsource" ? "Events" : "Messages", framesTab]);
    pages.forEach(function (p, k) {
      var b = el("button", { text: p[0], cls: k === 0 ? "on" : "" });
      b.addEventListener("click", function () {
        Array.prototype.forEach.call(tabs.children, function (x) { x.className = x === b ? "on" : ""; });
        clear(body); p[1](body);
      });
      tabs.appendChild(b);
    });
    headersTab(body);

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
        ["Request IDs", (e.ids || []).join(", ")], ["Findings", (findingsByEntry[i] || []).join(", ")],
        ["Still in flight", e.inc ? "yes: no response before the recording stopped" : ""]];
      b.appendChild(kv(info));
      b.appendChild(el("h3", { text: "Response headers" })); b.appendChild(hdrTable(e.rsh));
      b.appendChild(el("h3", { text: "Request headers" })); b.appendChild(hdrTable(e.rqh));
    }
    function payloadTab(b) {
      if (e.q && e.q.length) { b.appendChild(el("h3", { text: "Query string" })); b.appendChild(hdrTable(e.q)); }
      if (e.rqb) {
        b.appendChild(el("h3", { text: "Request body" + (e.rqm ? " (" + e.rqm + ")" : "") }));
        b.appendChild(el("pre", { text: pretty(e.rqb) }));
        if (e.rqx) b.appendChild(el("p", { cls: "note", text: size(e.rqx) + " more not shown in the report (see session.har)." }));
      }
      if (!(e.q && e.q.length) && !e.rqb) b.appendChild(el("p", { cls: "empty", text: "No query string or request body." }));
    }
    function responseTab(b) {
      if (e.img) b.appendChild(el("img", { src: e.img }));
      if (e.rsb) b.appendChild(el("pre", { text: pretty(e.rsb) }));
      if (e.rsx) b.appendChild(el("p", { cls: "note", text: size(e.rsx) + " more not shown in the report (see session.har)." }));
      if (e.bn) b.appendChild(el("p", { cls: "note", text: e.bn }));
      if (!e.img && !e.rsb && !e.bn) b.appendChild(el("p", { cls: "empty", text: "No response body recorded." }));
    }
    function timingTab(b) {
      var names = ["Blocked", "DNS", "Connect", "TLS", "Send", "Wait (server)", "Receive"];
      var t = el("table", { cls: "plain" });
      (e.tm || []).forEach(function (v, k) { if (v >= 0) t.appendChild(el("tr", null, el("td", { text: names[k] }), el("td", { cls: "mono", text: ms(v) }))); });
      t.appendChild(el("tr", null, el("td", null, el("b", { text: "Total" })), el("td", { cls: "mono", text: ms(e.d) })));
      b.appendChild(t);
      b.appendChild(el("p", { cls: "note", text: "Size " + size(e.sz) + ", transferred " + size(e.tx) + "." }));
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
  }
  function pretty(s) {
    var t = s.trim();
    if (t.length < 2000000 && (t[0] === "{" || t[0] === "[")) {
      try { return JSON.stringify(JSON.parse(t), null, 2); } catch (x) { /* not JSON */ }
    }
    return s;
  }
  refresh();

  // ---- console --------------------------------------------------------
  (function consoleSec() {
    var C = D.console || [];
    var errs = C.filter(function (m) { return m.l === "error"; }).length;
    var s = section("console", "Console", C.length + (errs ? " (" + errs + " errors)" : ""));
    if (!C.length) { s.appendChild(el("p", { cls: "empty", text: "No console message recorded." })); return; }
    var lvl = el("select", { aria: { label: "Console level" } }, el("option", { value: "", text: "All levels" }), el("option", { value: "error", text: "Errors" }), el("option", { value: "warning", text: "Errors and warnings" }), el("option", { value: "note", text: "Reporter notes" }));
    var list = el("div", { cls: "console" });
    s.appendChild(el("div", { cls: "filters" }, lvl));
    s.appendChild(list);
    function draw() {
      clear(list);
      var n = 0;
      for (var i = 0; i < C.length && n < 3000; i++) {
        var m = C[i];
        if (lvl.value === "error" && m.l !== "error") continue;
        if (lvl.value === "warning" && m.l !== "error" && m.l !== "warning") continue;
        if (lvl.value === "note" && m.l !== "note") continue;
        n++;
        list.appendChild(el("div", { cls: "msg " + m.l },
          el("span", { cls: "muted", text: clock(m.t) }), el("span", { text: m.l }),
          el("span", { cls: "x", text: m.x + (m.u ? "\n" + m.u + (m.ln ? ":" + m.ln : "") : "") + (m.st ? "\n" + m.st : "") })));
      }
      if (n >= 3000) list.appendChild(el("p", { cls: "note", text: "Showing the first 3000 messages; console.json has them all." }));
    }
    lvl.addEventListener("change", draw);
    draw();
  })();

  // ---- steps ----------------------------------------------------------
  (function steps() {
    var S = D.steps || [];
    var s = section("steps", "Steps", S.length + "");
    if (!S.length) { s.appendChild(el("p", { cls: "empty", text: "No user step recorded." })); return; }
    var ol = el("ol", { cls: "steps" });
    S.forEach(function (st) { ol.appendChild(el("li", null, st.x, st.t ? el("span", { cls: "t", text: clock(st.t) + " " + rel(st.t) }) : null)); });
    s.appendChild(ol);
  })();

  // ---- support request ------------------------------------------------
  if (D.support) {
    var sr = section("support", "Support request");
    sr.querySelector("h2").appendChild(copyBtn(D.support, "Copy"));
    sr.appendChild(el("pre", { text: D.support }));
  }

  // ---- environment ------------------------------------------------------
  (function environment() {
    var s = section("environment", "Environment");
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
    var s = section("redaction", "Redaction", R.total !== undefined ? R.total + " values" : "");
    if (!R.counts || !R.counts.length) { s.appendChild(el("p", { cls: "empty", text: D.kind === "bundle" ? "Nothing needed redacting." : "This HAR was not sanitized by Reprokit: treat it as sensitive." })); }
    else {
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
})();
