// domscript.js starts the rrweb recorder (host/domreplay.RecorderJS, which
// domscript.go wraps in the loader function passed as loadRecord) in every
// frame of a recorded tab. It is injected with Page.addScriptToEvaluateOnNewDocument
// (runImmediately) and hands batches of events to the binding __reprokitDOM.
//
// The configuration object __REPROKIT_DOM_CONFIG__ is replaced by Go:
//   {blockSelectors: [...], maskAllText: bool}
//
// The top frame of a page emits; a cross-origin frame's rrweb posts its
// events to its parent (recordCrossOriginIframes), whose recorder rewrites
// them into its own node ids and emits them. A same-origin frame is recorded
// by its parent's recorder, so rrweb does nothing in it.
//
// Each binding call carries one JSON object:
//   {"events": [rrweb events], "origins": {"<index>": "<origin>"}}
// origins names the frame origin of the events that came from a
// cross-origin frame, so that the bundle can drop the events of a frame on
// a domain the reporter excluded. An error (a managed selector that does
// not parse) is {"error": "..."} and nothing is recorded in that frame.
(function install(loadRecord, config) {
  'use strict';
  // Once per document, not per window: a popup or frame navigating from
  // its initial about:blank to a same-origin page keeps its Window (and
  // its listeners), and Chrome may not run this script again for that
  // page (window.open commits it before the new target is set up). The
  // instance of the document before notices the new one and installs the
  // recorder there; its own listeners check that their document is still
  // the current one.
  var doc = document;
  if (doc.__reprokitDOMInstalled) return;
  try { Object.defineProperty(doc, '__reprokitDOMInstalled', { value: true }); } catch (e) { return; }
  function current() { return document === doc; }
  function follow() {
    if (!current() && !document.__reprokitDOMInstalled) install(loadRecord, config);
  }
  window.addEventListener('DOMContentLoaded', follow, true);
  window.addEventListener('load', follow, true);

  // The binding as it was when the frame started: a page that replaces the
  // global later does not receive the events.
  var binding = window.__reprokitDOM;
  function call(obj) {
    var fn = binding || window.__reprokitDOM;
    if (typeof fn !== 'function') return false;
    try { fn(JSON.stringify(obj)); return true; } catch (e) { return false; }
  }

  // Password inputs and [data-private] elements are blocked (rrweb keeps a
  // placeholder of the same size and records nothing inside, values and
  // input events included), with the administrator's selectors.
  var selectors = ['input[type=password]', '[data-private]'].concat(config.blockSelectors || []);
  for (var i = 0; i < selectors.length; i++) {
    try { document.createDocumentFragment().querySelector(selectors[i]); } catch (e) {
      // Fail closed: a selector that cannot block must not let its
      // elements through.
      call({ error: 'domBlockSelectors: ' + String(selectors[i]) + ' is not a valid CSS selector; the DOM replay is off in this frame' });
      return;
    }
  }

  var top = window.parent === window;
  var MAX_EVENTS = 100, PERIOD = 500;
  var buffer = [], origins = {}, timer = 0;
  // The origin of the cross-origin frame whose message rrweb is handling
  // (set by a listener registered before rrweb's, cleared by one after
  // it: the listeners of one target run in registration order, and rrweb
  // emits a frame's event while it handles the message).
  var fromFrame = '';

  function flush() {
    if (timer) { clearTimeout(timer); timer = 0; }
    if (!buffer.length) return;
    var batch = { events: buffer };
    for (var k in origins) { batch.origins = origins; break; }
    buffer = []; origins = {};
    call(batch);
  }

  function emit(ev) {
    // A recorder left on a reused Window by the document before (its
    // window listeners still fire) must not mix into this one's events.
    if (!current()) return;
    if (fromFrame) origins[String(buffer.length)] = fromFrame;
    buffer.push(ev);
    // A full snapshot is large and the start of a replay: it goes at once.
    if (buffer.length >= MAX_EVENTS || ev.type === 2) { flush(); return; }
    if (!timer) timer = setTimeout(flush, PERIOD);
  }

  var started = false, record = null;
  // A cross-origin frame may load, start and post its first snapshot
  // before its parent's recorder listens (the parent starts after its own
  // load): once the parent listens it asks its frames, and a frame that
  // started already takes a new full snapshot.
  var READY = '__reprokitDOMReady';
  if (!top) {
    window.addEventListener('message', function (e) {
      if (!current() || e.source !== window.parent || !e.data || e.data.type !== READY) return;
      if (!started) { start(); return; }
      try { if (record && record.takeFullSnapshot) record.takeFullSnapshot(); } catch (err) { /* not recording */ }
    });
  }
  function start() {
    if (started || !current()) return;
    // A tab's or popup's initial blank page is nothing the user saw: the
    // replay starts at the first page it shows (which this instance
    // follows, above, when it comes in the same Window).
    if (top && location.href === 'about:blank') return;
    started = true;
    if (top) {
      // Registered right before rrweb's own listener, and the clearing
      // one right after it: nothing of the page runs in between.
      window.addEventListener('message', function (e) {
        var d = e.data;
        fromFrame = current() && d && d.type === 'rrweb' && typeof d.origin === 'string' ? d.origin : '';
      });
    }
    try {
      record = loadRecord();
      if (typeof record !== 'function') throw new Error('the rrweb recorder did not load');
      record({
        emit: emit,
        recordCrossOriginIframes: true,
        maskAllInputs: true,
        maskInputOptions: { password: true },
        blockSelector: selectors.join(','),
        maskTextSelector: config.maskAllText ? '*' : null,
        recordCanvas: false,
        inlineImages: false,
        collectFonts: false,
        slimDOMOptions: 'all',
        sampling: { mousemove: 100, scroll: 150, media: 800, input: 'last' }
      });
    } catch (e) {
      call({ error: 'rrweb did not start: ' + String(e && e.message || e) });
    }
    if (top) {
      window.addEventListener('message', function () { fromFrame = ''; });
    }
    // Tell the frames this document holds that it listens now.
    try {
      for (var f = 0; f < window.frames.length; f++) window.frames[f].postMessage({ type: READY }, '*');
    } catch (e) { /* a frame went away */ }
  }

  // The first snapshot is taken once the page has loaded, its load
  // handlers have run and the page is idle (at most a second later), not
  // inside the load event: the page's own load, and the requests it makes
  // right after it, are not held up by it. The snapshot holds everything
  // the page built until then.
  function whenIdle() {
    if (typeof window.requestIdleCallback === 'function') window.requestIdleCallback(start, { timeout: 1000 });
    else setTimeout(start, 0);
  }
  if (document.readyState === 'complete') {
    whenIdle();
  } else {
    window.addEventListener('load', function () { setTimeout(whenIdle, 0); });
  }

  // The recorder asks for the last batch when the recording stops (the
  // moment of the problem is often the last half second); a loaded page
  // whose snapshot was still waiting for idle time takes it now.
  try {
    Object.defineProperty(window, '__reprokitDOMFlush', {
      value: function () { if (!started && document.readyState === 'complete') start(); flush(); return true; },
      configurable: true
    });
  } catch (e) { /* no flush at stop */ }

  // The last batch of a page that goes away, and of a tab that is hidden
  // (it may never come back). beforeunload comes first: Chrome may run
  // pagehide only once the next document has replaced this one, when the
  // binding's calls no longer reach the recorder.
  window.addEventListener('beforeunload', flush, true);
  window.addEventListener('pagehide', flush, true);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') flush();
  }, true);
})
