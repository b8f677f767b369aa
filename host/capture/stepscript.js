// stepscript.js is injected into every frame of a recorded tab
// (Page.addScriptToEvaluateOnNewDocument with runImmediately) and reports the
// user's actions as Chrome DevTools Recorder steps through the binding
// __reprokitStep. Each payload is one step object plus "time" (wall seconds)
// and "frameUrl". Typed values of password or sensitive-looking fields are
// masked here, before they leave the page.
(function () {
  'use strict';
  // Once per window, not per document (unlike domscript.js): a popup or
  // frame leaving its initial about:blank for a same-origin page keeps
  // its Window, and Chrome may not run this script again there; the
  // listeners below are on that Window and read document and location
  // when an event comes, so they record the new page. A guard or check
  // per document would lose its steps
  // (TestRecordsStepsInPopupsThatLeaveTheirInitialBlankPage).
  if (window.__reprokitStepsInstalled) return;
  Object.defineProperty(window, '__reprokitStepsInstalled', { value: true });

  var MASK = '********';
  var SENSITIVE = /pass|pwd|otp|one-time|cvc|cvv|card|cc-|ssn|token|secret|api.?key|auth|credential|pin\b|^pin|pincode/i;

  function send(step) {
    step.time = Date.now() / 1000;
    step.frameUrl = location.href;
    var fn = window.__reprokitStep;
    if (typeof fn !== 'function') return;
    try { fn(JSON.stringify(step)); } catch (e) { /* the binding went away */ }
  }

  // The close code of every websocket the page opens (CDP reports only
  // that a socket closed): a Proxy keeps the constructor's identity,
  // prototype and constants for the page.
  try {
    var NativeWS = window.WebSocket;
    if (typeof NativeWS === 'function' && typeof Proxy === 'function') {
      window.WebSocket = new Proxy(NativeWS, {
        construct: function (target, args, newTarget) {
          var ws = Reflect.construct(target, args, newTarget);
          try {
            ws.addEventListener('close', function (e) {
              send({ type: '__wsclose', url: ws.url, code: e.code, reason: String(e.reason || '').slice(0, 512), wasClean: !!e.wasClean });
            });
          } catch (e) { /* not a socket we can watch */ }
          return ws;
        }
      });
    }
  } catch (e) { /* leave the page's WebSocket alone */ }

  function isSensitive(el) {
    if (!el || !el.getAttribute) return false;
    if ((el.type || '').toLowerCase() === 'password') return true;
    if (el.closest && el.closest('[data-private]')) return true;
    var attrs = [el.name, el.id, el.getAttribute('autocomplete'), el.getAttribute('aria-label'), el.getAttribute('placeholder')];
    for (var i = 0; i < attrs.length; i++) {
      if (attrs[i] && SENSITIVE.test(String(attrs[i]))) return true;
    }
    return false;
  }

  function cssEscape(s) {
    if (window.CSS && CSS.escape) return CSS.escape(s);
    return String(s).replace(/[^a-zA-Z0-9_-]/g, function (c) { return '\\' + c; });
  }

  function unique(sel, el) {
    try {
      var all = el.ownerDocument.querySelectorAll(sel);
      return all.length === 1 && all[0] === el;
    } catch (e) { return false; }
  }

  function attrSelector(el) {
    var names = ['data-testid', 'data-test', 'data-test-id', 'data-qa', 'data-cy'];
    for (var i = 0; i < names.length; i++) {
      var v = el.getAttribute(names[i]);
      if (v) {
        var s = '[' + names[i] + '="' + v.replace(/"/g, '\\"') + '"]';
        if (unique(s, el)) return s;
      }
    }
    if (el.id) {
      var s2 = '#' + cssEscape(el.id);
      if (unique(s2, el)) return s2;
    }
    var name = el.getAttribute('name');
    if (name) {
      var s3 = el.localName + '[name="' + name.replace(/"/g, '\\"') + '"]';
      if (unique(s3, el)) return s3;
    }
    return '';
  }

  function cssPath(el) {
    var direct = attrSelector(el);
    if (direct) return direct;
    var parts = [];
    var cur = el;
    while (cur && cur.nodeType === 1 && cur.localName !== 'html') {
      var own = cur === el ? '' : attrSelector(cur);
      if (own) { parts.unshift(own); break; }
      var part = cur.localName;
      var parent = cur.parentElement;
      if (parent) {
        var same = 0, index = 0;
        for (var c = parent.firstElementChild; c; c = c.nextElementSibling) {
          if (c.localName === cur.localName) {
            same++;
            if (c === cur) index = same;
          }
        }
        if (same > 1) part += ':nth-of-type(' + index + ')';
      }
      parts.unshift(part);
      cur = parent;
    }
    return parts.join(' > ');
  }

  function xpath(el) {
    if (el.id && unique('#' + cssEscape(el.id), el)) return '//*[@id="' + el.id + '"]';
    var parts = [];
    for (var cur = el; cur && cur.nodeType === 1; cur = cur.parentElement) {
      var index = 1;
      for (var s = cur.previousElementSibling; s; s = s.previousElementSibling) {
        if (s.localName === cur.localName) index++;
      }
      parts.unshift(cur.localName + '[' + index + ']');
    }
    return '/' + parts.join('/');
  }

  function shortText(el) {
    var t = (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim();
    return t.length > 0 && t.length <= 64 ? t : '';
  }

  var ROLES = { a: 'link', button: 'button', select: 'combobox', textarea: 'textbox', h1: 'heading', h2: 'heading', h3: 'heading', img: 'image' };
  function role(el) {
    var r = el.getAttribute('role');
    if (r) return r;
    if (el.localName === 'input') {
      var t = (el.type || 'text').toLowerCase();
      if (t === 'checkbox' || t === 'radio') return t;
      if (t === 'submit' || t === 'button' || t === 'reset') return 'button';
      return 'textbox';
    }
    return ROLES[el.localName] || '';
  }

  function ariaName(el) {
    var v = el.getAttribute('aria-label');
    if (v) return v.trim();
    var by = el.getAttribute('aria-labelledby');
    if (by) {
      var txt = by.split(/\s+/).map(function (id) {
        var n = el.ownerDocument.getElementById(id);
        return n ? n.textContent : '';
      }).join(' ').replace(/\s+/g, ' ').trim();
      if (txt) return txt;
    }
    if (el.labels && el.labels.length) {
      var l = el.labels[0].textContent.replace(/\s+/g, ' ').trim();
      if (l) return l;
    }
    if (el.localName === 'input' && /^(submit|button|reset)$/i.test(el.type) && el.value) return el.value;
    if (el.getAttribute('alt')) return el.getAttribute('alt');
    if (/^(button|a|h[1-6]|summary|option|label)$/.test(el.localName) || /^(button|link|tab|menuitem)$/.test(el.getAttribute('role') || '')) {
      var t = shortText(el);
      if (t) return t;
    }
    if (el.getAttribute('title')) return el.getAttribute('title');
    if (el.getAttribute('placeholder')) return el.getAttribute('placeholder');
    return '';
  }

  // target picks the element a step is about: the nearest interactive
  // ancestor of the clicked node, as the DevTools Recorder does.
  function target(node) {
    var el = node && node.nodeType === 1 ? node : node && node.parentElement;
    if (!el) return null;
    var inter = el.closest && el.closest('button,a,input,select,textarea,label,summary,[role=button],[role=link],[role=tab],[role=menuitem],[role=checkbox],[onclick]');
    return inter || el;
  }

  function selectors(el) {
    var out = [];
    var name = ariaName(el);
    if (name && name.length <= 80) {
      var r = role(el);
      out.push(['aria/' + name + (r ? '[role="' + r + '"]' : '')]);
    }
    var css = cssPath(el);
    if (css) out.push([css]);
    out.push(['xpath/' + xpath(el)]);
    var t = shortText(el);
    if (t && !/^(input|textarea|select)$/.test(el.localName)) out.push(['text/' + t]);
    return out;
  }

  function offsets(ev, el) {
    var r = el.getBoundingClientRect();
    return { offsetX: Math.round((ev.clientX - r.left) * 10) / 10, offsetY: Math.round((ev.clientY - r.top) * 10) / 10 };
  }

  function pointerStep(type, ev) {
    var el = target(ev.composedPath ? ev.composedPath()[0] : ev.target);
    if (!el || !el.getBoundingClientRect) return;
    var step = { type: type, target: 'main', selectors: selectors(el) };
    var o = offsets(ev, el);
    step.offsetX = o.offsetX;
    step.offsetY = o.offsetY;
    if (ev.button === 1) step.button = 'auxiliary';
    if (ev.button === 2) step.button = 'secondary';
    send(step);
  }

  window.addEventListener('click', function (ev) {
    if (!ev.isTrusted || ev.detail > 1) return; // the 2nd click of a double click is the dblclick
    pointerStep('click', ev);
  }, true);
  window.addEventListener('dblclick', function (ev) {
    if (!ev.isTrusted) return;
    pointerStep('doubleClick', ev);
  }, true);

  window.addEventListener('change', function (ev) {
    var el = ev.target;
    if (!el || !el.getAttribute) return;
    var value;
    if (el.localName === 'select') value = el.value;
    else if (el.type === 'checkbox' || el.type === 'radio') value = el.checked ? 'on' : 'off';
    else if (el.type === 'file') value = Array.prototype.map.call(el.files || [], function (f) { return f.name; }).join(', ');
    else value = el.value;
    if (isSensitive(el) && el.type !== 'checkbox' && el.type !== 'radio') value = MASK;
    send({ type: 'change', target: 'main', value: String(value == null ? '' : value), selectors: selectors(el) });
  }, true);

  var KEYS = { Enter: 1, Escape: 1, Tab: 1 };
  // A modifier held with one of those keys is a key of its own, as the
  // DevTools Recorder writes it (keyDown Shift, keyDown Enter, keyUp
  // Enter, keyUp Shift): Shift+Enter runs a notebook cell, Enter alone
  // types a new line.
  var MODS = [['shiftKey', 'Shift'], ['ctrlKey', 'Control'], ['altKey', 'Alt'], ['metaKey', 'Meta']];
  function keyStep(type) {
    return function (ev) {
      if (!ev.isTrusted || !KEYS[ev.key]) return;
      var held = MODS.filter(function (m) { return ev[m[0]]; }).map(function (m) { return m[1]; });
      if (type === 'keyDown') held.forEach(function (k) { send({ type: type, target: 'main', key: k }); });
      send({ type: type, target: 'main', key: ev.key });
      if (type === 'keyUp') held.reverse().forEach(function (k) { send({ type: type, target: 'main', key: k }); });
    };
  }
  window.addEventListener('keydown', keyStep('keyDown'), true);
  window.addEventListener('keyup', keyStep('keyUp'), true);

  // Scrolls are debounced: one step per scrolled element once it rests.
  var timers = new Map();
  window.addEventListener('scroll', function (ev) {
    var t = ev.target;
    var el = t === document || t === document.documentElement || t === window ? null : t;
    var key = el || window;
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(function () {
      timers.delete(key);
      if (el && el.getAttribute) {
        send({ type: 'scroll', target: 'main', x: Math.round(el.scrollLeft), y: Math.round(el.scrollTop), selectors: selectors(el) });
      } else {
        send({ type: 'scroll', target: 'main', x: Math.round(window.scrollX), y: Math.round(window.scrollY) });
      }
    }, 300));
  }, { capture: true, passive: true });
})();
