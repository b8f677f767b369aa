// Reprokit service worker: owns the recording state, the port to the native
// host (io.reprokit.host) and the chrome.debugger relay. The popup only draws
// the state and sends the user's clicks here, so closing and reopening it
// shows the recording still running. Protocol: docs/PROTOCOL.md.
'use strict';

const HOST = 'io.reprokit.host';
const PROTOCOL = 1; // docs/PROTOCOL.md; the host compares it in hello
const DEBUGGER_VERSION = '1.3';

let port = null; // the native port; open for as long as a recording lives
let hostInfo = null; // data of the hello reply
let outDir = ''; // where the host saves bundles (hello), kept after the port closes
let dismissed = ''; // the recording whose outcome the user dismissed (New recording, OK)
let nextID = 1;
const waiting = new Map(); // request id -> {resolve, reject}
const chunks = new Map(); // chunked host message id -> parts
const recorded = new Set(); // tab IDs our debugger is attached to
let mainTab = null;
const popups = new Set(); // ports of open popups

// state is what the popup draws: the host's state plus errors the host
// cannot know about (host missing, page not recordable).
let state = { phase: 'idle' };
// recovered lists the bundles a new host made of earlier, interrupted
// recordings (its "recovered" messages): shown apart from state, never as
// the state of the recording the user is starting.
let recovered = [];

function msg(name, subs) {
  return chrome.i18n.getMessage(name, subs) || name;
}

// drawBadge shows the recording's state on the toolbar icon: a red REC
// while recording, a grey pause sign while paused, a dot while the review
// waits; nothing otherwise.
let badgeShown = null;
function drawBadge() {
  const ph = state.phase;
  const badge = ph === 'recording' || ph === 'stopping' ? ['REC', '#cf222e', 'badgeRecording']
    : ph === 'paused' ? ['❚❚', '#57606a', 'badgePaused']
      : ph === 'review' ? ['•', '#1f6feb', 'badgeReview'] : ['', '#57606a', 'actionTitle'];
  if (badgeShown === badge[0]) return;
  badgeShown = badge[0];
  if (!chrome.action) return;
  chrome.action.setBadgeText({ text: badge[0] }).catch(() => {});
  chrome.action.setBadgeBackgroundColor({ color: badge[1] }).catch(() => {});
  chrome.action.setTitle({ title: msg(badge[2]) }).catch(() => {});
}

function broadcast() {
  drawBadge();
  chrome.storage.session.set({ state, recovered }).catch(() => {});
  for (const p of popups) {
    try { p.postMessage({ type: 'state', state, recovered }); } catch (e) { /* closed */ }
  }
}

let stateSet = false; // a state was set since the worker started

function setState(s) {
  stateSet = true;
  state = s;
  broadcast();
}

// localError shows an error the extension found itself, with its fix. The
// popup localizes it again by its code (detail fills the message's
// placeholder); message and fix are the fallbacks.
function localError(code, message, fix, detail) {
  setState({ phase: 'error', attached: false, error: { code, message, fix, detail } });
}

// --- the native port -------------------------------------------------------

function connectHost() {
  if (port) return Promise.resolve(hostInfo);
  return new Promise((resolve, reject) => {
    let p;
    try {
      p = chrome.runtime.connectNative(HOST);
    } catch (e) {
      reject(hostError(String(e && e.message || e)));
      return;
    }
    port = p;
    p.onMessage.addListener(onHostMessage);
    p.onDisconnect.addListener(() => {
      portGone(p, (chrome.runtime.lastError && chrome.runtime.lastError.message) || '');
    });
    request('hello', {
      protocol: PROTOCOL,
      extension: chrome.runtime.getManifest().version,
      locale: chrome.i18n.getUILanguage(),
    }).then((data) => {
      hostInfo = data;
      outDir = (data && data.outDir) || outDir;
      resolve(data);
    }, (e) => {
      if (port === p) { port = null; hostInfo = null; }
      try { p.disconnect(); } catch (_) { /* gone */ }
      reject(e);
    });
  });
}

// portGone cleans up after the native port closed: the requests waiting
// fail, the debugger leaves the tabs, and a recording in progress shows the
// error (the host, or its detached finisher, saves what was recorded).
function portGone(p, why) {
  const err = hostError(why);
  if (port === p) {
    port = null;
    hostInfo = null;
  }
  for (const w of waiting.values()) w.reject(err);
  waiting.clear();
  const wasActive = ['starting', 'recording', 'paused', 'stopping', 'saving', 'review'].includes(state.phase);
  detachAll();
  if (wasActive) {
    // What was recorded is in the host's private spool: the host's
    // detached finisher saves it now, or the next Record does.
    const info = state.phase !== 'starting' ? {
      code: 'hostExitedRecording', message: msg('errHostExitedRecording'),
      fix: msg('fixHostExitedRecording', [outDir || msg('defaultOutDir')]), detail: why, outDir,
    } : err.info;
    setState({ phase: 'error', attached: false, error: info });
  }
}

// hostError turns a port failure into an error with the fix the popup shows.
function hostError(why) {
  let info;
  if (/not found|forbidden|Access to the specified native messaging host/i.test(why)) {
    info = { code: 'hostMissing', message: msg('errHostMissing'), fix: msg('fixHostMissing'), detail: why };
  } else {
    info = { code: 'hostExited', message: msg('errHostExited'), fix: msg('fixHostExited'), detail: why };
  }
  const e = new Error(info.message);
  e.info = info;
  return e;
}

function post(m) {
  if (!port) return false;
  try {
    port.postMessage(m);
    return true;
  } catch (e) {
    return false;
  }
}

function request(type, data) {
  if (!port) return Promise.reject(hostError('not connected'));
  const id = nextID++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    if (!post({ id, type, data })) {
      waiting.delete(id);
      reject(hostError('not connected'));
    }
  });
}

function onHostMessage(m) {
  if (m.type === 'chunk') {
    const c = m.data;
    let parts = chunks.get(c.msg);
    if (!parts) { parts = new Array(c.count); chunks.set(c.msg, parts); }
    parts[c.index] = c.part;
    if (parts.filter((x) => x !== undefined).length === c.count) {
      chunks.delete(c.msg);
      onHostMessage(JSON.parse(parts.join('')));
    }
    return;
  }
  if (m.id && waiting.has(m.id)) {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.status === 'error') {
      const e = new Error((m.params && m.params.message) || ('error ' + m.code));
      e.info = Object.assign({ code: m.code }, m.params || {});
      w.reject(e);
    } else {
      w.resolve(m.data);
    }
    return;
  }
  switch (m.type) {
    case 'cdp.send':
      relay(m.data);
      return;
    case 'state':
      applyHostState(m.data);
      return;
    case 'recovered':
      addRecovered(m.data);
      return;
  }
  if (m.status === 'error') console.warn('reprokit host:', m.code, m.params);
}

function applyHostState(st) {
  // A late state of a recording the user already dismissed must not bring
  // its outcome back (the popup would not return to idle).
  if (st.recording && st.recording === dismissed) return;
  if (!st.attached && recorded.size) detachAll();
  setState(st);
}

// recoveredKey names an entry of recovered: its bundle, or the recording
// when it could not be bundled (it then has an error and no path).
function recoveredKey(r) {
  return r.path || r.recording;
}

// addRecovered keeps what the host recovered, once per bundle or recording.
function addRecovered(r) {
  if (!r || !recoveredKey(r)) return;
  recovered = recovered.filter((x) => recoveredKey(x) !== recoveredKey(r)).concat([r]);
  broadcast();
}

// recoveredAction opens or deletes a recovered bundle through the host
// (starting one when no port is open), or forgets the entry (keep). An
// error is shown on that entry's line, not as the recording's state.
async function recoveredAction(action, key, what) {
  const forget = () => { recovered = recovered.filter((x) => recoveredKey(x) !== key); broadcast(); };
  const item = recovered.find((x) => recoveredKey(x) === key);
  if (!item) return;
  if (action === 'keep' || !item.path) { forget(); return; }
  const path = item.path;
  try {
    await connectHost();
    if (action === 'discard') {
      await request('discardRecovered', { path });
      forget();
    } else {
      await request('open', { what, path });
    }
  } catch (e) {
    const info = e.info || { message: String(e) };
    if (action === 'discard' && info.code === 20) { forget(); return; } // gone already
    recovered = recovered.map((x) => recoveredKey(x) === key ? Object.assign({}, x, { actionError: info }) : x);
    broadcast();
  }
}

// --- the CDP relay --------------------------------------------------------

// SCREENSHOT_TIMEOUT bounds Page.captureScreenshot through chrome.debugger:
// it can wait for a frame that never comes while the debugger attaches to a
// popup window, and the recording's Stop waits for its screenshot.
const SCREENSHOT_TIMEOUT = 3000;

function relay(cmd) {
  const target = cmd.sessionId ? { tabId: cmd.tabId, sessionId: cmd.sessionId } : { tabId: cmd.tabId };
  let answered = false;
  const answer = (data) => {
    if (answered) return;
    answered = true;
    post({ type: 'cdp.result', data });
  };
  if (cmd.method === 'Page.captureScreenshot') {
    setTimeout(() => answer({ id: cmd.id, error: { code: -32000, message: 'the tab did not paint a frame within ' + SCREENSHOT_TIMEOUT + ' ms' } }), SCREENSHOT_TIMEOUT);
  }
  chrome.debugger.sendCommand(target, cmd.method, cmd.params || {}).then(
    (result) => answer({ id: cmd.id, result: result || {} }),
    (e) => answer({ id: cmd.id, error: cdpError(e) }),
  );
}

// cdpError parses the error chrome.debugger gives: its message is the JSON
// of the CDP error object, or plain text.
function cdpError(e) {
  const text = String((e && e.message) || e || chrome.runtime.lastError && chrome.runtime.lastError.message);
  try {
    const o = JSON.parse(text);
    if (o && typeof o.message === 'string') return { code: o.code || -32000, message: o.message };
  } catch (_) { /* plain text */ }
  return { code: -32000, message: text };
}

chrome.debugger.onEvent.addListener((source, method, params) => {
  if (!recorded.has(source.tabId)) return;
  const ev = { type: 'cdp.event', data: { tabId: source.tabId, sessionId: source.sessionId, method, params: params || {} } };
  const wait = early.get(source.tabId);
  if (wait) wait.push(ev);
  else post(ev);
});

function onDetach(source, reason) {
  if (!recorded.has(source.tabId)) return;
  recorded.delete(source.tabId);
  post({ type: 'tab.detached', data: { tabId: source.tabId, reason } });
}
chrome.debugger.onDetach.addListener(onDetach);

// Hooks for the end-to-end tests (host/e2e), reachable only from a
// debugger attached to this worker: headless Chrome has no debugging bar
// whose Cancel a test could press, and no way to make the browser drop the
// native port.
self.reprokitTestHooks = {
  // cancelFromDebuggingBar does what the bar's Cancel does: the debugger
  // detaches with canceled_by_user.
  async cancelFromDebuggingBar(tabId) {
    await chrome.debugger.detach({ tabId });
    onDetach({ tabId }, 'canceled_by_user');
  },
  // state returns what the popup draws.
  state() {
    return state;
  },
  // recovered returns the recovered bundles the popup lists.
  recovered() {
    return recovered;
  },
  // hostMessage handles m as if the host had sent it (a late state).
  hostMessage(m) {
    onHostMessage(m);
  },
  // recordedTabs lists the tabs the debugger is attached to for recording.
  recordedTabs() {
    return [...recorded];
  },
  // dropPort closes the native port as a browser shutting down does.
  dropPort() {
    const p = port;
    if (!p) return;
    p.disconnect();
    portGone(p, 'the port was closed');
  },
};

// Popups and new tabs the recorded tabs open (SSO windows) are recorded too,
// from the moment the debugger attaches to them.
chrome.tabs.onCreated.addListener((tab) => {
  if (!['recording', 'paused'].includes(state.phase)) return;
  if (tab.openerTabId === undefined || !recorded.has(tab.openerTabId)) return;
  attachPopup(tab).catch((e) => console.warn('reprokit: popup not recorded:', e));
});

// attachPopup attaches the debugger to a popup and turns its network log
// on at once, with the capture engine's buffer sizes (host/capture): the
// host's own Network.enable is a round trip away and the popup's page is
// loading now. Events that come before the host knows the tab wait in
// early, so the host sees tab.attached first.
const early = new Map(); // tabId -> events of a popup being announced
async function attachPopup(tab) {
  early.set(tab.id, []);
  recorded.add(tab.id);
  try {
    await chrome.debugger.attach({ tabId: tab.id }, DEBUGGER_VERSION);
  } catch (e) {
    recorded.delete(tab.id);
    early.delete(tab.id);
    throw e;
  }
  const enabled = chrome.debugger.sendCommand({ tabId: tab.id }, 'Network.enable', {
    maxTotalBufferSize: 512 << 20, maxResourceBufferSize: 100 << 20,
  });
  try {
    const targetId = await targetOf(tab.id);
    post({
      type: 'tab.attached',
      data: { tabId: tab.id, targetId, url: tab.pendingUrl || tab.url || '', title: tab.title || '', openerTabId: tab.openerTabId },
    });
  } finally {
    for (const ev of early.get(tab.id) || []) post(ev);
    early.delete(tab.id);
  }
  await enabled;
}

async function targetOf(tabId) {
  const targets = await chrome.debugger.getTargets();
  const t = targets.find((x) => x.tabId === tabId);
  if (!t) throw new Error('no debugger target for tab ' + tabId);
  return t.id;
}

function detachAll() {
  for (const tabId of recorded) {
    chrome.debugger.detach({ tabId }).catch(() => {});
  }
  recorded.clear();
  mainTab = null;
}

// --- user actions -----------------------------------------------------------

// recordable tells the pages Chrome does not let an extension debug.
function recordable(url) {
  if (!url) return true; // a tab still loading its first page
  if (/^(chrome|edge|brave|opera|vivaldi|about|devtools|view-source|chrome-extension|chrome-search|chrome-untrusted):/i.test(url)) {
    return url === 'about:blank';
  }
  if (/^https:\/\/(chromewebstore\.google\.com|chrome\.google\.com\/webstore)/i.test(url)) return false;
  return true;
}

async function browserVersion() {
  let full = '';
  try {
    const h = await navigator.userAgentData.getHighEntropyValues(['fullVersionList']);
    const b = (h.fullVersionList || []).find((x) => /Chrom/i.test(x.brand)) || (h.fullVersionList || [])[0];
    if (b) full = b.version;
  } catch (_) { /* older browser */ }
  if (!full) {
    const m = /Chrom(?:e|ium)\/([\d.]+)/.exec(navigator.userAgent);
    full = m ? m[1] : '';
  }
  // Browser.getVersion reports the full version in the user agent, where
  // navigator.userAgent has the reduced one (156.0.0.0): answer as Chrome
  // would, so both modes record the same environment.
  const ua = full ? navigator.userAgent.replace(/(HeadlessChrome|Chrome|Chromium)\/[\d.]+/, '$1/' + full) : navigator.userAgent;
  return { protocolVersion: DEBUGGER_VERSION, product: 'Chrome/' + full, revision: '', userAgent: ua, jsVersion: '' };
}

async function record(tabId, fields, limits) {
  if (['starting', 'recording', 'paused', 'stopping', 'saving', 'review'].includes(state.phase)) return;
  let tab;
  try {
    tab = await chrome.tabs.get(tabId);
  } catch (e) {
    localError('tabClosed', msg('errTabGone'), msg('fixTabGone'));
    return;
  }
  const url = tab.pendingUrl || tab.url || '';
  if (!recordable(url)) {
    localError('cannotRecord', msg('errCannotRecord', [url]), msg('fixCannotRecord'), url);
    return;
  }
  setState({ phase: 'starting', attached: true, tabId, url });
  try {
    await connectHost();
  } catch (e) {
    setState({ phase: 'error', attached: false, error: e.info || { code: 'hostExited', message: String(e) } });
    return;
  }
  try {
    await chrome.debugger.attach({ tabId }, DEBUGGER_VERSION);
  } catch (e) {
    const text = String(e && e.message || e);
    if (/chrome:\/\/|Cannot access|cannot be debugged|extensions gallery/i.test(text)) {
      localError('cannotRecord', msg('errCannotRecord', [url]), msg('fixCannotRecord'), url);
    } else {
      localError('attachFailed', msg('errAttach', [text]), msg('fixAttach'), text);
    }
    return;
  }
  recorded.add(tabId);
  mainTab = tabId;
  try {
    const targetId = await targetOf(tabId);
    await request('start', {
      tab: { tabId, targetId, url, title: tab.title || '' },
      browser: await browserVersion(),
      fields: fields || {},
      limits: limits || {},
    });
  } catch (e) {
    detachAll();
    setState({ phase: 'error', attached: false, error: e.info || { code: 'attachFailed', message: String(e) } });
  }
}

// command sends a request for a click. Its failure is shown as a notice on
// the current state, or as the error state when there is nothing to keep:
// a saved recording (done) stays on screen with its path when, say, Open
// report fails.
async function command(type, data) {
  try {
    return await request(type, data);
  } catch (e) {
    if (['idle', 'error'].includes(state.phase)) {
      setState({ phase: 'error', attached: false, error: e.info || { message: String(e) } });
    } else {
      setState(Object.assign({}, state, { notice: e.info || { message: String(e) } }));
    }
    return null;
  }
}

chrome.runtime.onConnect.addListener((p) => {
  if (p.name !== 'popup') return;
  let closed = false;
  p.onDisconnect.addListener(() => { closed = true; popups.delete(p); });
  // A restarted worker answers once it has read its last state back, never
  // with the idle it starts from; the popup's clicks wait for that too, in
  // order.
  let queue = restored.then(() => {
    if (closed) return;
    popups.add(p);
    try { p.postMessage({ type: 'state', state, recovered }); } catch (e) { /* closed */ }
  });
  p.onMessage.addListener((m) => {
    queue = queue.then(() => onPopupMessage(m)).catch((e) => console.warn('reprokit: popup message', m.type, e));
  });
});

// onPopupMessage runs a popup's click.
function onPopupMessage(m) {
  switch (m.type) {
    case 'record':
      record(m.tabId, m.fields, m.limits);
      break;
    case 'stop':
    case 'pause':
    case 'resume':
    case 'discard':
      command(m.type, {});
      break;
    case 'screenshot':
      command('screenshot', { reason: 'user' });
      break;
    case 'note':
      command('note', { text: m.text });
      break;
    case 'save':
      command('save', { excludeDomains: m.excludeDomains || [], dropScreenshots: m.dropScreenshots || [], allow: m.allow || [], fields: m.fields, blackout: m.blackout || [] });
      break;
    case 'image':
      // the full-size screenshot for the review's viewer, to the popups
      request('image', { file: m.file }).then((data) => {
        for (const p of popups) {
          try { p.postMessage({ type: 'image', file: data.file, src: data.src }); } catch (e) { /* closed */ }
        }
      }, (e) => console.warn('reprokit: image', e.message));
      break;
    case 'preview':
      command('preview', { excludeDomains: m.excludeDomains || [], dropScreenshots: m.dropScreenshots || [] });
      break;
    case 'open':
      command('open', { what: m.what });
      break;
    case 'recovered':
      recoveredAction(m.action, m.key, m.what);
      break;
    case 'reset':
      if (!['starting', 'recording', 'paused', 'stopping', 'saving'].includes(state.phase)) {
        if (state.recording) dismissed = state.recording;
        setState({ phase: 'idle' });
        // The host forgets the outcome too; when its port closes before it
        // answers, a host that is gone has forgotten it anyway: New
        // recording stays idle instead of turning into a "helper exited"
        // error that hides Record.
        if (port) request('reset', {}).catch((e) => console.warn('reprokit: reset:', e.message));
      }
      break;
  }
}

// A service worker that restarts while idle starts from its last state
// (done or error stay visible); a running recording keeps the worker alive
// through its open native port. Popups get an answer only once this is
// read (restored).
const restored = chrome.storage.session.get(['state', 'recovered']).then((v) => {
  if (v && Array.isArray(v.recovered)) {
    for (const r of v.recovered) if (!recovered.some((x) => recoveredKey(x) === recoveredKey(r))) recovered.push(r);
  }
  // Only if nothing happened meanwhile (a host message).
  if (!stateSet && v && v.state && ['done', 'error', 'idle'].includes(v.state.phase)) {
    state = v.state;
  }
  broadcast();
}).catch(() => {});
